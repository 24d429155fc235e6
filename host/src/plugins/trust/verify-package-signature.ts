import { verify } from 'node:crypto';
import path from 'node:path';
import { manifestSha256, parseSignature, sha256Hex, SIGNATURE_FILE, signedStatement } from '@jobhook/sdk/sign';
import { readPackageFile } from '../package/read-package-file.js';
import { PackageTrustError } from './trust-error.js';
import type { TrustStore } from './trust-store.js';

// A signature file is a few hundred bytes; anything larger is not one.
const MAX_SIGNATURE_BYTES = 16 * 1024;

/** Who signed a package: a trusted key id, or null for an unsigned package the policy lets through. */
export type SignatureCheck = { readonly signedBy: string } | { readonly signedBy: null };

/**
 * Checks `<dir>/plugin.sig` against the parsed plugin.json and the bundle bytes the host is about to
 * load (the same bytes, read once), under the host's trust store. Throws PackageTrustError.
 */
export async function verifyPackageSignature(dir: string, manifest: unknown, bundle: Buffer, trust: TrustStore, pluginId: string): Promise<SignatureCheck> {
  const read = await readPackageFile(path.join(dir, SIGNATURE_FILE), MAX_SIGNATURE_BYTES);
  if (!read.ok) {
    if (read.failure.kind !== 'missing') {
      throw new PackageTrustError('PACKAGE_SIGNATURE_MALFORMED', `plugin '${pluginId}': ${SIGNATURE_FILE} must be a regular file of at most ${MAX_SIGNATURE_BYTES} bytes`, undefined, pluginId);
    }
    if (trust.unsigned === 'refuse') {
      throw new PackageTrustError(
        'PACKAGE_UNSIGNED',
        `plugin '${pluginId}' is not signed and this host refuses unsigned packages (trust.unsigned: refuse); sign it with 'jobhook-sdk sign --key <file.key>'`,
        undefined,
        pluginId,
      );
    }
    return { signedBy: null };
  }
  const signature = parseSignature(read.bytes.toString('utf8'));
  if (typeof signature === 'string') throw new PackageTrustError('PACKAGE_SIGNATURE_MALFORMED', `plugin '${pluginId}': ${signature}`, undefined, pluginId);
  const { keyId } = signature;
  const key = trust.key(keyId);
  if (key === 'revoked') {
    throw new PackageTrustError('PACKAGE_KEY_REVOKED', `plugin '${pluginId}' is signed with key '${keyId}', which this host has revoked (trust.revoked); re-sign it with a current key`, keyId, pluginId);
  }
  if (key === 'unknown') {
    const known = trust.trustedIds();
    throw new PackageTrustError(
      'PACKAGE_KEY_UNKNOWN',
      `plugin '${pluginId}' is signed with key '${keyId}', which is not in trust.keys (${known.length > 0 ? `trusted: ${known.join(', ')}` : 'no keys are trusted'}); add its public key to trust.keys if you trust it`,
      keyId,
      pluginId,
    );
  }
  const manifestDigest = manifestSha256(manifest);
  const bundleDigest = sha256Hex(bundle);
  const mismatch = manifestDigest !== signature.manifestSha256 ? 'plugin.json changed after it was signed' : bundleDigest !== signature.bundleSha256 ? 'the bundle changed after it was signed' : null;
  const valid = mismatch === null && verify(null, signedStatement(keyId, manifestDigest, bundleDigest), key, Buffer.from(signature.signature, 'base64'));
  if (!valid) {
    throw new PackageTrustError(
      'PACKAGE_SIGNATURE_INVALID',
      `plugin '${pluginId}': the signature by key '${keyId}' does not verify: ${mismatch ?? 'the signature is not the key\'s signature of these files'}; re-sign the package or restore its files`,
      keyId,
      pluginId,
    );
  }
  return { signedBy: keyId };
}
