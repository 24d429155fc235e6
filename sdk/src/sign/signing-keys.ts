import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

/** A failure of keygen or sign, with a stable code. */
export class SigningError extends Error {
  override readonly name = 'SigningError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A key id derived from the public key: `ed25519-` + the first 16 hex digits of SHA-256 over its SPKI DER. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `ed25519-${createHash('sha256').update(der).digest('hex').slice(0, 16)}`;
}

/** An ed25519 key pair as PEM (PKCS#8 private, SPKI public), plus its derived key id. */
export interface GeneratedKey {
  readonly keyId: string;
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

/** A fresh ed25519 key pair (the same as `openssl genpkey -algorithm ed25519`). */
export function generateSigningKey(): GeneratedKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    keyId: keyIdOf(publicKey),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Writes `<prefix>.key` (mode 0600) and `<prefix>.pub`; refuses to overwrite an existing key. */
export async function writeSigningKey(prefix: string): Promise<GeneratedKey & { privateFile: string; publicFile: string }> {
  const key = generateSigningKey();
  const privateFile = `${prefix}.key`;
  const publicFile = `${prefix}.pub`;
  try {
    await writeFile(privateFile, key.privateKeyPem, { mode: 0o600, flag: 'wx' });
    await writeFile(publicFile, key.publicKeyPem, { flag: 'wx' });
  } catch (e) {
    throw new SigningError('KEY_FILE_EXISTS', `could not write ${privateFile} / ${publicFile}: ${(e as Error).message} (keygen never overwrites a key)`, { cause: e });
  }
  return { ...key, privateFile, publicFile };
}

/** Reads an ed25519 private key (PKCS#8 PEM, as keygen or openssl write it). */
export async function readPrivateKey(file: string): Promise<KeyObject> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (e) {
    throw new SigningError('KEY_UNREADABLE', `the private key ${file} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (e) {
    throw new SigningError('KEY_INVALID', `${file} is not a PEM private key`, { cause: e });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new SigningError('KEY_NOT_ED25519', `${file} is a ${key.asymmetricKeyType} key; JobHook signs with ed25519`);
  return key;
}

/** The public half of a private key. */
export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}
