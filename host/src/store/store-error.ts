import { JobHookError } from '../errors.js';

/**
 * The event store could not do what was asked. Codes: `STORE_OPEN_FAILED`, `STORE_CLOSED`,
 * `STORE_WRITE_FAILED`, `STORE_UNAVAILABLE` (a read failed: the server is unreachable), `STORE_URL_INVALID`,
 * `STORE_NOT_FOUND`, `IDEMPOTENCY_KEY_REUSED`.
 */
export class StoreError extends JobHookError {
  override readonly name = 'StoreError';
}
