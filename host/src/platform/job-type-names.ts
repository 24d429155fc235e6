import { normalizeGuid } from '@jobhook/sdk/contract';

/** The job kinds a store type has a job-type GUID for, and the field of its definition that holds it. */
export const STORE_JOB_KINDS = {
  Inventory: 'InventoryJobType',
  Management: 'ManagementJobType',
  Reenrollment: 'EnrollmentJobType',
  Discovery: 'DiscoveryJobType',
} as const;

export type StoreJobKind = keyof typeof STORE_JOB_KINDS;

/** The GUID Command puts in a store type's job-type field when it has no such job. */
export const NIL_GUID = '00000000-0000-0000-0000-000000000000';

/** A GUID as Command writes one, with or without braces, in any case. */
export const PLATFORM_GUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;

/** `value` as a normalised GUID, or undefined when it is none or the nil GUID (a store type's "no such job"). */
export function platformGuid(value: unknown): string | undefined {
  if (typeof value !== 'string' || !PLATFORM_GUID.test(value.trim())) return undefined;
  const guid = normalizeGuid(value);
  return guid === NIL_GUID ? undefined : guid;
}

/** A field of a platform answer by name, whatever its case (Command spells them PascalCase, some clients camelCase). */
export function pickField(record: unknown, field: string): unknown {
  if (record === null || typeof record !== 'object') return undefined;
  const wanted = field.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : (record as Record<string, unknown>)[key];
}

/** One entry of a handler's `jobTypes`, parsed. */
export type JobTypeEntry =
  | { readonly kind: 'guid'; readonly text: string; readonly guid: string }
  | { readonly kind: 'store'; readonly text: string; readonly storeType: string; readonly job: StoreJobKind }
  | { readonly kind: 'custom'; readonly text: string; readonly name: string };

const STORE = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,63}):(Inventory|Management|Reenrollment|Discovery)$/;
const CUSTOM = /^custom:([^\s:][^:]{0,127})$/;

/** Parses a manifest job-type entry (the schema has checked its syntax); null when it is none of the forms. */
export function parseJobTypeEntry(text: string): JobTypeEntry | null {
  if (PLATFORM_GUID.test(text.trim())) return { kind: 'guid', text, guid: normalizeGuid(text) };
  const store = STORE.exec(text);
  if (store) return { kind: 'store', text, storeType: store[1]!, job: store[2] as StoreJobKind };
  const custom = CUSTOM.exec(text);
  if (custom) return { kind: 'custom', text, name: custom[1]!.trim() };
  return null;
}
