// Waiting in tests: one poll loop, whose failure names what it waited for (and why the last try
// failed), so a timeout reads as a broken behaviour rather than "timeout of 20000ms exceeded".

/** How long to wait, and what for (a function is asked only when the wait fails, e.g. to show state). */
export interface WaitOptions {
  readonly what: string | (() => string | Promise<string>);
  /** Default 5000. */
  readonly timeoutMs?: number;
  /** Pause between tries; default 10. */
  readonly intervalMs?: number;
}

/** The wait ran out; `cause` is the last try's error when it threw. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError';
  readonly code = 'WAIT_TIMEOUT';
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves after pending I/O callbacks have run (one turn of the event loop). */
export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Tries `condition` until it returns something other than undefined, null or false, and resolves
 * with that. A try that throws (an assertion not yet true) counts as "not yet"; past `timeoutMs`
 * the wait fails with a message naming `what` and the last try's error.
 */
export async function waitFor<T>(condition: () => T | undefined | null | false | Promise<T | undefined | null | false>, options: WaitOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== null && value !== false) return value;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (performance.now() > deadline) {
      const what = typeof options.what === 'function' ? await options.what() : options.what;
      const why = lastError === undefined ? '' : `; last try: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}${why}`, { cause: lastError });
    }
    await sleep(options.intervalMs ?? 10);
  }
}
