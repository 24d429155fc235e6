import { CertStoreOperationType, EVENT_SOURCES, isGuid, normalizeGuid, OrchestratorJobStatusJobResult, WIRE_EVENT_FIELDS, type EventSource, type Problem, type WireEvent } from '@jobhook/sdk/contract';
import { EventValidationError } from '../errors.js';
import { isoTimestamp } from './iso-timestamp.js';

type Reader = (value: unknown, problems: Problem[], pointer: string) => unknown;

function enumReader(e: Record<string, string | number>, typeName: string): Reader {
  const byName = new Map<string, number>();
  const numbers = new Set<number>();
  for (const [k, v] of Object.entries(e)) {
    if (typeof v === 'number') {
      byName.set(k.toLowerCase(), v);
      numbers.add(v);
    }
  }
  const allowed = [...byName.entries()].map(([k, v]) => `${v} (${Object.keys(e).find((n) => n.toLowerCase() === k)})`).join(', ');
  return (value, problems, pointer) => {
    if (typeof value === 'number' && numbers.has(value)) return value;
    if (typeof value === 'string') {
      const hit = byName.get(value.trim().toLowerCase()) ?? (/^\d+$/.test(value.trim()) && numbers.has(Number(value)) ? Number(value) : undefined);
      if (hit !== undefined) return hit;
    }
    problems.push({ pointer, message: `${JSON.stringify(value)} is not a ${typeName}; expected one of ${allowed}` });
    return undefined;
  };
}

// A GUID already in the stored form (the usual case) is returned as it is, without the trims,
// replaces and lower-casing of normalizeGuid, which would give back the same text.
const STORED_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const guid: Reader = (v, problems, pointer) => {
  if (typeof v === 'string' && STORED_GUID.test(v)) return v;
  if (typeof v === 'string' && isGuid(v)) return normalizeGuid(v);
  problems.push({ pointer, message: `must be a GUID like 'a809ce1f-1eea-4738-a38e-15708c89c981', got ${JSON.stringify(v)}` });
  return undefined;
};
const text =
  (nullable: boolean): Reader =>
  (v, problems, pointer) => {
    if (typeof v === 'string' && (nullable || v.length > 0)) return v;
    if (nullable && v === null) return null;
    problems.push({ pointer, message: nullable ? `must be a string or null` : `must be a non-empty string` });
    return undefined;
  };
const certificateId: Reader = (v, problems, pointer) => {
  if (v === null || (Number.isSafeInteger(v) && (v as number) >= 0)) return v;
  problems.push({ pointer, message: `must be a non-negative integer, or null for inventory jobs; got ${JSON.stringify(v)}` });
  return undefined;
};
const retryCount: Reader = (v, problems, pointer) => {
  if (Number.isSafeInteger(v) && (v as number) >= 0) return v;
  problems.push({ pointer, message: `must be a non-negative integer (0 on the first run); got ${JSON.stringify(v)}` });
  return undefined;
};
const timestamp: Reader = (v, problems, pointer) => {
  if (v === null) return null;
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) return isoTimestamp(ms);
  }
  problems.push({ pointer, message: `must be an ISO-8601 date-time string or null; got ${JSON.stringify(v)}` });
  return undefined;
};

const eventSource: Reader = (v, problems, pointer) => {
  if (EVENT_SOURCES.includes(v as EventSource)) return v;
  problems.push({ pointer, message: `must be 'push' or 'poll'; got ${JSON.stringify(v)}` });
  return undefined;
};
const historyId: Reader = (v, problems, pointer) => {
  if (v === null || (Number.isSafeInteger(v) && (v as number) >= 0)) return v;
  problems.push({ pointer, message: `must be a non-negative integer (the job-history row's JobHistoryId) or null; got ${JSON.stringify(v)}` });
  return undefined;
};
// Optional fields left out stay out: events stored before they existed keep their exact JSON.
const OMIT = Symbol('omit');

/** Each field of the contract's event: its reader, and its value when absent (undefined = required, OMIT = left out). */
const READERS: { readonly [K in (typeof WIRE_EVENT_FIELDS)[number]]: readonly [Reader, unknown] } = {
  agentId: [guid, undefined],
  username: [text(true), null],
  clientMachine: [text(true), null],
  jobResult: [enumReader(OrchestratorJobStatusJobResult, 'OrchestratorJobStatusJobResult'), undefined],
  jobId: [guid, undefined],
  jobType: [text(false), undefined],
  jobTypeId: [guid, undefined],
  operationType: [enumReader(CertStoreOperationType, 'CertStoreOperationType'), CertStoreOperationType.Unknown],
  certificateId: [certificateId, null],
  requestTimestamp: [timestamp, null],
  currentRetryCount: [retryCount, 0],
  source: [eventSource, OMIT],
  jobHistoryId: [historyId, OMIT],
};
/** A field of the event, by its position in WIRE_EVENT_FIELDS. */
interface Field {
  readonly name: keyof WireEvent;
  readonly read: Reader;
  /** Its value when absent: undefined = required, OMIT = left out. */
  readonly fallback: unknown;
  readonly pointer: string;
}
const FIELDS: readonly Field[] = WIRE_EVENT_FIELDS.map((name) => ({ name, read: READERS[name][0], fallback: READERS[name][1], pointer: `/${name}` }));
// Which fields an input gave is a bit mask: one bit per field.
if (FIELDS.length > 31) throw new Error('normalizeEvent keeps a 31-bit mask of the fields given');
const KNOWN = new Map(FIELDS.map(({ name }, i) => [name.toLowerCase(), i]));
// The names as the platform and the docs spell them (camelCase, PascalCase): found without lower-casing.
const EXACT = new Map<string, number>(FIELDS.flatMap(({ name }, i) => [[name, i] as const, [`${name[0]!.toUpperCase()}${name.slice(1)}`, i] as const]));
const FIELD_LIST = FIELDS.map(({ name }) => name).join(', ');

/**
 * Validates a job-completion event and normalises it: camelCase or Keyfactor's
 * PascalCase names, enum members as numbers or names, GUIDs lower-case, timestamps ISO.
 * Throws EventValidationError naming every bad field.
 */
export function normalizeEvent(input: unknown): WireEvent {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new EventValidationError([{ pointer: '', message: 'the event must be a JSON object' }]);
  }
  const problems: Problem[] = [];
  // Every event passes here (bench/intake): its values go into slots by field position, and which
  // fields were given into a bit mask: no prototype-less record (a dictionary-mode object in V8).
  const values: unknown[] = new Array(FIELDS.length);
  let given = 0;
  const source = input as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const field = EXACT.get(key) ?? KNOWN.get(key.toLowerCase());
    if (field === undefined) {
      problems.push({ pointer: `/${key}`, message: `unknown field '${key}' (expected one of ${FIELD_LIST})` });
    } else if ((given & (1 << field)) !== 0) {
      problems.push({ pointer: `/${key}`, message: `'${FIELDS[field]!.name}' is given twice (in different letter case)` });
    } else {
      given |= 1 << field;
      values[field] = source[key];
    }
  }
  const out: Record<string, unknown> = {};
  for (let i = 0; i < FIELDS.length; i++) {
    const { name, read, fallback, pointer } = FIELDS[i]!;
    const value = values[i];
    if (value === undefined) {
      if (fallback === undefined) problems.push({ pointer, message: 'is required' });
      else if (fallback !== OMIT) out[name] = fallback;
      continue;
    }
    out[name] = read(value, problems, pointer);
  }
  if (problems.length > 0) throw new EventValidationError(problems);
  return out as unknown as WireEvent;
}
