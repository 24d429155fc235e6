import { setTimeout as sleep } from 'node:timers/promises';

// SQLSTATEs with which PostgreSQL aborts a transaction only because of what ran beside it: a deadlock
// it broke by choosing this side, or a serialization failure. The same statement, run again, succeeds.
const CONFLICT_CODES = new Set(['40P01', '40001']);

/** Tries of a statement aborted by a conflict, the first included. */
export const CONFLICT_TRIES = 4;

/** True when `error` is PostgreSQL aborting a transaction for a conflict with another one. */
export function isConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONFLICT_CODES.has(code);
}

/**
 * Runs `statement` (one transaction) and runs it again when PostgreSQL aborted it for a conflict,
 * after a short random wait so the two sides do not meet again in step. Any other error, and a
 * conflict on the last try, is thrown as it came.
 */
export async function retryConflicts<T>(statement: () => Promise<T>, tries = CONFLICT_TRIES): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await statement();
    } catch (e) {
      if (attempt >= tries || !isConflict(e)) throw e;
      await sleep(5 * attempt + Math.random() * 10 * attempt);
    }
  }
}
