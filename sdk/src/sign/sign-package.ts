import { sign } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { keyIdOf, publicKeyOf, readPrivateKey, SigningError } from './signing-keys.js';
import { manifestSha256, sha256Hex, SIGNATURE_FILE, SIGNATURE_FORMAT, signedStatement, type PackageSignature } from './signature-format.js';

/** What `signPackage` takes. */
export interface SignOptions {
  /** ed25519 private key, PKCS#8 PEM. */
  readonly keyFile: string;
  /** Key id written into plugin.sig; default: derived from the public key (as keygen prints it). */
  readonly keyId?: string;
}

/** What was signed. */
export interface SignResult {
  readonly file: string;
  readonly signature: PackageSignature;
}

/**
 * Signs a built package folder: the canonical form of its plugin.json and the SHA-256 of its bundle,
 * with an ed25519 key, into `<dir>/plugin.sig`. Sign after the last change to either file (after
 * `pack`, which writes "integrity" into plugin.json).
 */
export async function signPackage(dir: string, options: SignOptions): Promise<SignResult> {
  const privateKey = await readPrivateKey(options.keyFile);
  let manifest: { main?: unknown };
  try {
    manifest = JSON.parse(await readFile(path.join(dir, 'plugin.json'), 'utf8')) as { main?: unknown };
  } catch (e) {
    throw new SigningError('SIGN_NO_MANIFEST', `${path.join(dir, 'plugin.json')} cannot be read as JSON: ${(e as Error).message}`, { cause: e });
  }
  if (typeof manifest.main !== 'string') throw new SigningError('SIGN_NO_MAIN', 'plugin.json has no "main"; build the plugin first');
  let bundle: Buffer;
  try {
    bundle = await readFile(path.join(dir, manifest.main));
  } catch (e) {
    throw new SigningError('SIGN_NO_BUNDLE', `the bundle '${manifest.main}' cannot be read: ${(e as Error).message} (run jobhook-sdk build first)`, { cause: e });
  }
  const keyId = options.keyId ?? keyIdOf(publicKeyOf(privateKey));
  const manifestDigest = manifestSha256(manifest);
  const bundleDigest = sha256Hex(bundle);
  const signature: PackageSignature = {
    format: SIGNATURE_FORMAT,
    algorithm: 'ed25519',
    keyId,
    manifestSha256: manifestDigest,
    bundleSha256: bundleDigest,
    signature: sign(null, signedStatement(keyId, manifestDigest, bundleDigest), privateKey).toString('base64'),
  };
  const file = path.join(dir, SIGNATURE_FILE);
  await writeFile(file, `${JSON.stringify(signature, null, 2)}\n`);
  return { file, signature };
}
