import { normalizeGuid } from '../manifest/plugin-manifest.js';

/** The job kinds a store type has a job-type GUID for, and the field of its definition that holds it. */
export const STORE_JOB_KINDS = {
  Inventory: 'InventoryJobType',
  Management: 'ManagementJobType',
  Reenrollment: 'EnrollmentJobType',
  Discovery: 'DiscoveryJobType',
} as const;

export type StoreJobKind = keyof typeof STORE_JOB_KINDS;

/** One entry of a handler's `jobTypes`, parsed. */
export type JobTypeEntry =
  | { readonly kind: 'guid'; readonly text: string; readonly guid: string }
  | { readonly kind: 'store'; readonly text: string; readonly storeType: string; readonly job: StoreJobKind }
  | { readonly kind: 'custom'; readonly text: string; readonly name: string };

const GUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;
const STORE = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,63}):(Inventory|Management|Reenrollment|Discovery)$/;
const CUSTOM = /^custom:([^\s:][^:]{0,127})$/;

/** Parses a manifest job-type entry (the schema has checked its syntax); null when it is none of the forms. */
export function parseJobTypeEntry(text: string): JobTypeEntry | null {
  if (GUID.test(text.trim())) return { kind: 'guid', text, guid: normalizeGuid(text) };
  const store = STORE.exec(text);
  if (store) return { kind: 'store', text, storeType: store[1]!, job: store[2] as StoreJobKind };
  const custom = CUSTOM.exec(text);
  if (custom) return { kind: 'custom', text, name: custom[1]!.trim() };
  return null;
}
