export { canonicalJson, manifestSha256, parseSignature, sha256Hex, SIGNATURE_FILE, SIGNATURE_FORMAT, signedStatement } from './signature-format.js';
export type { PackageSignature } from './signature-format.js';
export { generateSigningKey, keyIdOf, readPrivateKey, SigningError, writeSigningKey } from './signing-keys.js';
export type { GeneratedKey } from './signing-keys.js';
export { signPackage } from './sign-package.js';
export type { SignOptions, SignResult } from './sign-package.js';
