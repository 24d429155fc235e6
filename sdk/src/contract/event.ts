import { CertStoreOperationType, enumNames, enumNumbers, OrchestratorJobStatusJobResult } from './enums.js';
import { guidSchema } from './guid.js';
import type { JsonSchema } from './json-schema.js';

/** How an event reached the host; absent on the wire means `push`. */
export const EVENT_SOURCES = ['push', 'poll'] as const;

/** Where an event came from: posted to the intake (`push`) or read from the platform's job history (`poll`). */
export type EventSource = (typeof EVENT_SOURCES)[number];

/**
 * A completed orchestrator job as it crosses the wire, validated and normalised: Keyfactor's
 * `OrchestratorJobCompleteHandlerContext` without the client, camelCase, enums as numbers, GUIDs
 * lower-case, the timestamp as ISO text (JSON-safe).
 */
export interface WireEvent {
  /** Orchestrator (agent) that ran the job. */
  readonly agentId: string;
  /** Platform user that scheduled the job, when known. */
  readonly username: string | null;
  /** Machine the orchestrator runs on, when known. */
  readonly clientMachine: string | null;
  /** How the job ended. */
  readonly jobResult: OrchestratorJobStatusJobResult;
  /** Stable for a recurring job, new for a one-time job. */
  readonly jobId: string;
  /** Store type short name joined to the job kind, e.g. `WinCertInventory`. */
  readonly jobType: string;
  /** Job-type GUID the handler was routed by. */
  readonly jobTypeId: string;
  /** `Unknown` for inventory and re-enrollment; `Add`/`Remove` for management jobs. */
  readonly operationType: CertStoreOperationType;
  /** Null for inventory; set for management and re-enrollment jobs. */
  readonly certificateId: number | null;
  /** When the job was requested (ISO-8601), when known. */
  readonly requestTimestamp: string | null;
  /** 0 on the first run, +1 on each automatic platform retry. */
  readonly currentRetryCount: number;
  /**
   * `push` when the platform (or a tool) posted the event, `poll` when the host read it from the
   * platform's job history. A polled event cannot tell `operationType` (always `Unknown`),
   * `certificateId` and `requestTimestamp` (always null): a handler that needs them wants pushed events.
   */
  readonly source?: EventSource;
  /** The job-history row (`JobHistoryId`) a polled event was read from; null or absent for pushed events. */
  readonly jobHistoryId?: number | null;
}

/** The fields of a WireEvent, in wire order. */
export const WIRE_EVENT_FIELDS = [
  'agentId',
  'username',
  'clientMachine',
  'jobResult',
  'jobId',
  'jobType',
  'jobTypeId',
  'operationType',
  'certificateId',
  'requestTimestamp',
  'currentRetryCount',
  'source',
  'jobHistoryId',
] as const satisfies ReadonlyArray<keyof WireEvent>;

const operationNumbers = enumNumbers(CertStoreOperationType);

/** An event as posted: Keyfactor's OrchestratorJobCompleteHandlerContext without Client. */
export const jobCompletionSchema = {
  $id: 'JobCompletion',
  type: 'object',
  description: "Keyfactor's OrchestratorJobCompleteHandlerContext without Client. Field names camelCase or PascalCase; enums as number or member name.",
  required: ['agentId', 'jobId', 'jobType', 'jobTypeId', 'jobResult'],
  properties: {
    agentId: guidSchema,
    jobId: guidSchema,
    jobTypeId: guidSchema,
    jobType: { type: 'string', examples: ['PEMInventory'] },
    jobResult: { oneOf: [{ enum: enumNumbers(OrchestratorJobStatusJobResult) }, { enum: enumNames(OrchestratorJobStatusJobResult) }] },
    operationType: {
      oneOf: [
        { type: 'integer', minimum: Math.min(...operationNumbers), maximum: Math.max(...operationNumbers) },
        { type: 'string', examples: ['Inventory', 'Add', 'Remove'] },
      ],
      default: CertStoreOperationType.Unknown,
    },
    username: { type: ['string', 'null'] },
    clientMachine: { type: ['string', 'null'] },
    certificateId: { type: ['integer', 'null'], minimum: 0 },
    requestTimestamp: { type: ['string', 'null'], format: 'date-time' },
    currentRetryCount: { type: 'integer', minimum: 0, default: 0 },
    source: { type: 'string', enum: [...EVENT_SOURCES], description: "'poll' when the host read the event from the platform's job history; absent means 'push'" },
    jobHistoryId: { type: ['integer', 'null'], minimum: 0, description: 'The job-history row a polled event was read from' },
  },
} as const satisfies JsonSchema;

const described = (e: Readonly<Record<string, string | number>>): string => enumNames(e).map((k) => `${e[k]} ${k}`).join(', ');

/** An event as stored and sent: normalised (camelCase, enums as numbers, GUIDs lower-case). */
export const wireEventSchema = {
  $id: 'WireEvent',
  type: 'object',
  description: 'The normalised event (camelCase, enums as numbers, GUIDs lower-case)',
  required: WIRE_EVENT_FIELDS.filter((f) => f !== 'source' && f !== 'jobHistoryId'),
  properties: {
    agentId: { type: 'string' },
    username: { type: ['string', 'null'] },
    clientMachine: { type: ['string', 'null'] },
    jobResult: { type: 'integer', description: `OrchestratorJobStatusJobResult: ${described(OrchestratorJobStatusJobResult)}` },
    jobId: { type: 'string' },
    jobType: { type: 'string' },
    jobTypeId: { type: 'string' },
    operationType: { type: 'integer', description: 'CertStoreOperationType: 0 Unknown … 9 FetchLogs' },
    certificateId: { type: ['integer', 'null'] },
    requestTimestamp: { type: ['string', 'null'], format: 'date-time' },
    currentRetryCount: { type: 'integer' },
    source: { type: 'string', enum: [...EVENT_SOURCES], description: 'How the event reached the host; absent means push' },
    jobHistoryId: { type: ['integer', 'null'], description: 'The job-history row a polled event was read from (absent for pushed events)' },
  },
} as const satisfies JsonSchema;
