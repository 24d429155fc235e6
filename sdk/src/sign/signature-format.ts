import { createHash } from 'node:crypto';

/** The file, beside plugin.json, that holds a package's signature. */
export const SIGNATURE_FILE = 'plugin.sig';

/** Version tag of the signed statement; a host refuses any other. */
export const SIGNATURE_FORMAT = 'jobhook-signature-v1';

/** What `plugin.sig` holds (JSON). The digests are informative; the signature covers them. */
export interface PackageSignature {
  readonly format: typeof SIGNATURE_FORMAT;
  readonly algorithm: 'ed25519';
  /** Names the public key in the host's `trust.keys` that verifies this signature. */
  readonly keyId: string;
  /** Hex SHA-256 of plugin.json in canonical form (see canonicalJson). */
  readonly manifestSha256: string;
  /** Hex SHA-256 of the bundle file's bytes (plugin.json "main"). */
  readonly bundleSha256: string;
  /** Base64 ed25519 signature over signedStatement(...). */
  readonly signature: string;
}

/**
 * JSON with object keys sorted and no whitespace. plugin.json is signed in this form, as the host
 * parses it, so re-indenting the file keeps the signature valid while any change of meaning breaks it.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Hex SHA-256 of a parsed plugin.json in canonical form. */
export function manifestSha256(manifest: unknown): string {
  return createHash('sha256').update(canonicalJson(manifest), 'utf8').digest('hex');
}

/** Hex SHA-256 of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The exact bytes that are signed: format, key id and both digests, one per line. */
export function signedStatement(keyId: string, manifestDigest: string, bundleDigest: string): Buffer {
  return Buffer.from(`${SIGNATURE_FORMAT}\nkey-id:${keyId}\nmanifest-sha256:${manifestDigest}\nbundle-sha256:${bundleDigest}\n`, 'utf8');
}

const HEX64 = /^[0-9a-f]{64}$/;
const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Parses plugin.sig; returns a sentence saying what is wrong instead of throwing. */
export function parseSignature(text: string): PackageSignature | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'plugin.sig is not JSON';
  }
  const s = value as Partial<PackageSignature>;
  if (typeof s !== 'object' || s === null) return 'plugin.sig is not a JSON object';
  if (s.format !== SIGNATURE_FORMAT) return `plugin.sig has format ${JSON.stringify(String(s.format)).slice(0, 60)}; this host reads '${SIGNATURE_FORMAT}'`;
  if (s.algorithm !== 'ed25519') return "plugin.sig must use algorithm 'ed25519'";
  if (typeof s.keyId !== 'string' || !KEY_ID.test(s.keyId)) return 'plugin.sig has no valid keyId (letters, digits, . _ : -; up to 128)';
  if (typeof s.manifestSha256 !== 'string' || !HEX64.test(s.manifestSha256)) return 'plugin.sig manifestSha256 must be 64 lower-case hex digits';
  if (typeof s.bundleSha256 !== 'string' || !HEX64.test(s.bundleSha256)) return 'plugin.sig bundleSha256 must be 64 lower-case hex digits';
  if (typeof s.signature !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(s.signature)) return 'plugin.sig signature must be a base64 ed25519 signature (64 bytes)';
  return s as PackageSignature;
}
