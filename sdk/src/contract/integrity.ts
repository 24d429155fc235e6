import { createHash } from 'node:crypto';

/** The prefix of plugin.json's `integrity`: the SRI form of the bundle's sha256. */
export const INTEGRITY_PREFIX = 'sha256-';

/** SRI form (`sha256-<base64>`) of some bytes, as plugin.json's `integrity` holds it. */
export function sriSha256(bytes: Uint8Array): string {
  return `${INTEGRITY_PREFIX}${createHash('sha256').update(bytes).digest('base64')}`;
}
