import type { JsonSchema } from './json-schema.js';

/** A GUID as .NET and the platform may write it: any letter case, optionally in braces. */
export const GUID_PATTERN = /^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$/;

/** True when `text` (surrounding spaces ignored) is a GUID in any of the forms GUID_PATTERN takes. */
export function isGuid(text: string): boolean {
  return GUID_PATTERN.test(text.trim());
}

/** Lower-cases a GUID and strips the braces .NET may print, so routing is case-insensitive. */
export function normalizeGuid(guid: string): string {
  return guid.trim().replace(/^\{|\}$/g, '').toLowerCase();
}

/** A job-type, job or agent GUID as the host stores it (lower-case, no braces). */
export const guidSchema = { type: 'string', format: 'uuid', examples: ['a809ce1f-1eea-4738-a38e-15708c89c981'] } as const satisfies JsonSchema;
