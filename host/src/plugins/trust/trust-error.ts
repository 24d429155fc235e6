import { JobHookError } from '../../errors.js';

/**
 * A package's signature does not satisfy the host's trust policy: unsigned under `refuse`, a key the
 * host does not know or has revoked, or a signature that does not match the files. `keyId` names the
 * key when the package named one.
 */
export class PackageTrustError extends JobHookError {
  override readonly name = 'PackageTrustError';
  constructor(
    code: 'PACKAGE_UNSIGNED' | 'PACKAGE_SIGNATURE_MALFORMED' | 'PACKAGE_KEY_UNKNOWN' | 'PACKAGE_KEY_REVOKED' | 'PACKAGE_SIGNATURE_INVALID',
    message: string,
    readonly keyId?: string,
    pluginId?: string,
  ) {
    super(code, message, pluginId);
  }
}
