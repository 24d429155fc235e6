import type { WireEvent } from '../contract/event.js';
import type { JobCompleteContext } from '../context.js';
import type { HttpClient } from '../http-client.js';

/** The event as the host sends it: dates as ISO strings, enums as numbers, GUIDs lower-case. */
export type { WireEvent };

/** Builds the frozen context `runHandler` receives. */
export function createJobContext(event: WireEvent, client: HttpClient): JobCompleteContext {
  return Object.freeze({
    agentId: event.agentId,
    username: event.username,
    clientMachine: event.clientMachine,
    jobResult: event.jobResult,
    jobId: event.jobId,
    jobType: event.jobType,
    jobTypeId: event.jobTypeId,
    operationType: event.operationType,
    certificateId: event.certificateId,
    requestTimestamp: event.requestTimestamp === null ? null : new Date(event.requestTimestamp),
    currentRetryCount: event.currentRetryCount,
    source: event.source ?? 'push',
    jobHistoryId: event.jobHistoryId ?? null,
    client,
  });
}

/**
 * The context handlers see while being constructed at load (to read `jobTypes` and prove their
 * dependencies resolve). No job has run: identifiers are the nil GUID and nothing is set.
 */
export function createLoadTimeContext(client: HttpClient): JobCompleteContext {
  const nil = '00000000-0000-0000-0000-000000000000';
  return createJobContext(
    {
      agentId: nil,
      username: null,
      clientMachine: null,
      jobResult: 0,
      jobId: nil,
      jobType: '',
      jobTypeId: nil,
      operationType: 0,
      certificateId: null,
      requestTimestamp: null,
      currentRetryCount: 0,
    },
    client,
  );
}
