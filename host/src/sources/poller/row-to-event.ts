import { normalizeEvent } from '../normalize-event.js';
import type { WireEvent } from '@jobhook/sdk/contract';
import type { HistoryRow } from './history-row.js';
import type { PlatformDirectory } from './platform-directory.js';
import { PollerError } from './poller-error.js';

/** The idempotency key of a polled attempt: one event per history row, however often it is read. */
export function polledEventKey(row: Pick<HistoryRow, 'jobId' | 'jobHistoryId'>): string {
  return `${row.jobId}:${row.jobHistoryId}`;
}

/**
 * The event of one finished history row. What history cannot tell is left at its "unknown" value:
 * `operationType` Unknown (0) — a management job's Add or Remove is not in the row —, `certificateId`
 * and `requestTimestamp` null. Throws PollerError `POLL_AGENT_UNKNOWN` / `POLL_JOB_TYPE_UNKNOWN`.
 */
export async function rowToEvent(row: HistoryRow, directory: PlatformDirectory, currentRetryCount: () => Promise<number>): Promise<WireEvent> {
  const agent = await directory.agent(row.agentMachine);
  if (!agent) {
    throw new PollerError('POLL_AGENT_UNKNOWN', `job-history row ${row.jobHistoryId}: no agent with ClientMachine '${row.agentMachine}' (GET Agents); the orchestrator may have been removed`);
  }
  const jobTypeId = await directory.jobTypeId(row.jobType);
  if (!jobTypeId) {
    throw new PollerError(
      'POLL_JOB_TYPE_UNKNOWN',
      `job-history row ${row.jobHistoryId}: JobType '${row.jobType}' matches no certificate store type (GET CertificateStoreTypes) and no custom job type (GET JobTypes/Custom)`,
    );
  }
  // Through the intake's own validation, so a polled event is exactly as strict as a posted one.
  return normalizeEvent({
    agentId: agent.agentId,
    username: agent.username,
    clientMachine: row.agentMachine,
    jobResult: row.result,
    jobId: row.jobId,
    jobType: row.jobType,
    jobTypeId,
    operationType: 0,
    certificateId: null,
    requestTimestamp: null,
    currentRetryCount: await currentRetryCount(),
    source: 'poll',
    jobHistoryId: row.jobHistoryId,
  });
}
