import { JobHookError } from '../errors.js';
import type { DisposableStore } from '../lifecycle/index.js';
import type { HostLogger } from '../logging/logger.js';

/** The error a start-up stopped by its signal rejects with. */
export function startAborted(): JobHookError {
  return new JobHookError('HOST_START_ABORTED', 'start-up was stopped before every plugin was loaded');
}

/** Throws HOST_START_ABORTED once `signal` has aborted, so that the next step is not built. */
export function checkpoint(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw startAborted();
}

/** `release` run at most once: every caller gets the same promise (and the same failure). */
export function once(release: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= release());
}

/**
 * Runs `build`, which registers everything it opens in `owner`. When it fails, or `signal` aborts,
 * `owner` is released (newest first) before the promise rejects, with HOST_START_ABORTED after an
 * abort. The start-up failure is what the caller must see: a release that fails too is logged.
 */
export async function buildOrRelease<T>(owner: DisposableStore, logger: HostLogger, signal: AbortSignal | undefined, build: () => Promise<T>): Promise<T> {
  try {
    checkpoint(signal);
    const built = await build();
    checkpoint(signal);
    return built;
  } catch (e) {
    await owner.dispose().catch((closeError: unknown) => logger.error({ err: closeError, code: 'HOST_CLOSE_FAILED' }, 'closing what start-up had opened failed'));
    throw signal?.aborted ? startAborted() : e;
  }
}

/**
 * Runs a slow step (loading plugins) during which a stop request does not wait for the step to end:
 * `first` runs at once (ending the sandbox processes fails the loads under way, which a slow bundle
 * would otherwise hold up), then all of `owner` is released. The step's caller then sees the abort at
 * its next checkpoint and awaits the same release, so nothing here may reject unhandled.
 */
export async function releaseOnAbort<T>(owner: DisposableStore, signal: AbortSignal | undefined, first: () => Promise<void>, step: () => Promise<T>): Promise<T> {
  const onAbort = (): void => void first().catch(() => undefined).then(() => owner.dispose()).catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    checkpoint(signal);
    return await step();
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
