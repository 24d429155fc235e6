import type { RuntimeBridge } from './protocol.js';
import { RuntimeError } from './error-info.js';

type TimerCallback = (...args: unknown[]) => void;

/**
 * `setTimeout`/`setInterval` for an isolate, which has none of its own: each timer waits on the
 * host's `sleep`, so the host owns (and on dispose clears) every pending wait.
 *
 * `maxPending` mirrors the host's bound on pending sleeps. Counting here lets a timer flood fail at
 * once, synchronously and with a clear code, instead of sending the host one doomed request per call.
 * A cleared timer still counts until its host sleep ends, because the host wait is not cancelled.
 */
export function installTimers(global: Record<string, unknown>, sleep: RuntimeBridge['sleep'], report: (e: unknown) => void, maxPending = 1000): void {
  const live = new Set<number>();
  let pending = 0;
  let next = 1;

  const schedule = (fn: unknown, ms: unknown, args: unknown[], repeat: boolean): number => {
    if (typeof fn !== 'function') throw new TypeError('setTimeout/setInterval needs a function callback');
    if (pending >= maxPending) {
      throw new RuntimeError('TIMER_LIMIT', `too many pending timers (limit ${maxPending}): clear the timers you no longer need`);
    }
    const delay = Math.max(0, Number(ms) || 0);
    const id = next++;
    live.add(id);
    const tick = (): void => {
      pending++;
      sleep(delay).then(
        () => {
          pending--;
          if (!live.has(id)) return;
          if (!repeat) live.delete(id);
          try {
            (fn as TimerCallback)(...args);
          } catch (e) {
            report(e);
          }
          if (repeat && live.has(id)) tick();
        },
        (e: unknown) => {
          pending--;
          live.delete(id);
          report(e);
        },
      );
    };
    tick();
    return id;
  };
  const clear = (id: unknown): void => {
    live.delete(Number(id));
  };
  global.setTimeout = (fn: unknown, ms?: unknown, ...args: unknown[]) => schedule(fn, ms, args, false);
  global.setInterval = (fn: unknown, ms?: unknown, ...args: unknown[]) => schedule(fn, ms, args, true);
  global.clearTimeout = clear;
  global.clearInterval = clear;
}
