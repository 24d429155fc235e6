import type { RuntimeBridge } from './protocol.js';

type TimerCallback = (...args: unknown[]) => void;

/**
 * `setTimeout`/`setInterval` for an isolate, which has none of its own: each timer waits on the
 * host's `sleep`, so the host owns (and on dispose clears) every pending wait.
 */
export function installTimers(global: Record<string, unknown>, sleep: RuntimeBridge['sleep'], report: (e: unknown) => void): void {
  const live = new Set<number>();
  let next = 1;

  const schedule = (fn: unknown, ms: unknown, args: unknown[], repeat: boolean): number => {
    if (typeof fn !== 'function') throw new TypeError('setTimeout/setInterval needs a function callback');
    const delay = Math.max(0, Number(ms) || 0);
    const id = next++;
    live.add(id);
    const tick = (): void => {
      sleep(delay).then(
        () => {
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
