import type { TrustStore } from '../trust/trust-store.js';

/** Size caps applied to every package before its files are read, and the trust policy (if any). */
export interface PackageRules {
  /** Largest plugin.json, in bytes; checked on the open file before it is read or parsed. */
  readonly maxManifestBytes: number;
  /** Largest bundle ("main"), in bytes; checked the same way, before it is read or sent to a sandbox. */
  readonly maxBundleBytes: number;
  /** Signing keys and the unsigned policy; without one, signatures are not checked. */
  readonly trust?: TrustStore;
}

/** 256 KiB of manifest is hundreds of handlers; 16 MiB of bundle is several times the largest real one. */
export const DEFAULT_PACKAGE_RULES: PackageRules = { maxManifestBytes: 256 * 1024, maxBundleBytes: 16 * 1024 * 1024 };

/** Bytes as a reader would say them: `92.0 MiB`, `256 KiB`, `812 bytes`. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KiB`;
  return `${n} bytes`;
}
