import type { CertStoreOperationType, OrchestratorJobStatusJobResult } from '../contract/enums.js';
import type { WireEvent } from '../contract/event.js';

/**
 * A job-completion event as a test writes it: any subset of the fields, camelCase or Keyfactor's
 * PascalCase, enum members as numbers or names (`jobResult: 'Failure'`). The rest is filled in.
 * `source: 'poll'` tests a handler with an event read from the job history (default: pushed).
 */
export type TestEvent = {
  -readonly [K in keyof Omit<WireEvent, 'jobResult' | 'operationType'>]?: WireEvent[K];
} & {
  jobResult?: OrchestratorJobStatusJobResult | keyof typeof OrchestratorJobStatusJobResult;
  operationType?: CertStoreOperationType | keyof typeof CertStoreOperationType;
} & Record<string, unknown>;

/** The values a field takes when the test leaves it out: a successful first-run inventory job. */
export const SAMPLE_EVENT: Readonly<Record<string, unknown>> = Object.freeze({
  agentId: '7f1c2b9e-3d4a-4e5f-8a6b-1c2d3e4f5a6b',
  username: 'KEYFACTOR\\svc-orchestrator',
  clientMachine: 'orch-01.corp.example.com',
  jobResult: 2,
  jobId: '0b6c3e2a-9f41-4d7e-b1a5-c3d2e1f0a9b8',
  jobType: 'PEMInventory',
  operationType: 0,
  certificateId: null,
  requestTimestamp: '2026-01-15T08:30:00.000Z',
  currentRetryCount: 0,
});

/** The value of `name` in `event`, matching names case-insensitively as the host does. */
export function fieldOf(event: Readonly<Record<string, unknown>>, name: string): unknown {
  const key = Object.keys(event).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : event[key];
}

/** `event` over the sample values, with `jobTypeId` defaulting to `jobTypeId`. */
export function completeEvent(event: TestEvent, jobTypeId: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const given = new Set(Object.keys(event).map((k) => k.toLowerCase()));
  for (const [k, v] of Object.entries(SAMPLE_EVENT)) if (!given.has(k.toLowerCase())) out[k] = v;
  if (!given.has('jobtypeid') && jobTypeId !== undefined) out.jobTypeId = jobTypeId;
  for (const [k, v] of Object.entries(event)) if (v !== undefined) out[k] = v;
  return out;
}
