import { JobHookError } from '../../errors.js';

/**
 * The job-history poller could not read or map what it needed. Codes: `POLL_PLATFORM_UNREACHABLE`
 * (connection failed or timed out), `POLL_PLATFORM_UNAUTHORIZED` (401), `POLL_PLATFORM_FORBIDDEN`
 * (403), `POLL_PLATFORM_ERROR` (another non-2xx), `POLL_PAGE_MALFORMED` (not the JSON expected),
 * `POLL_AGENT_UNKNOWN`, `POLL_JOB_TYPE_UNKNOWN` (a row that cannot be mapped), `POLL_STORE_FAILED`.
 */
export class PollerError extends JobHookError {
  override readonly name = 'PollerError';
}
