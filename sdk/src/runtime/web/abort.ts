// `AbortController` and `AbortSignal` for the isolate. `AbortSignal.timeout` waits on the runtime's
// timers, which are host sleeps, so a disposed plugin leaves nothing scheduled.
import { DOMException } from './dom-exception.js';
import { Event, EventTarget } from './events.js';

const CONSTRUCT = Symbol('construct');
type SetTimeoutFn = (fn: () => void, ms: number) => unknown;
let scheduleTimeout: SetTimeoutFn | null = null;

/** Gives `AbortSignal.timeout` the runtime's own `setTimeout` (captured before plugin code runs). */
export function setAbortTimers(setTimeoutFn: SetTimeoutFn): void {
  scheduleTimeout = setTimeoutFn;
}

const aborted = new WeakMap<AbortSignal, { reason: unknown }>();

/** Aborts `signal` with `reason` (once) and tells its listeners. */
function signalAbort(signal: AbortSignal, reason: unknown): void {
  if (aborted.has(signal)) return;
  aborted.set(signal, { reason: reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason });
  const event = new Event('abort');
  const handler = signal.onabort;
  if (typeof handler === 'function') {
    try {
      handler.call(signal, event);
    } catch {
      // as with a listener, the abort itself goes on
    }
  }
  signal.dispatchEvent(event);
}

/** The DOM `AbortSignal`. */
export class AbortSignal extends EventTarget {
  onabort: ((this: AbortSignal, event: Event) => unknown) | null = null;

  constructor(key?: unknown) {
    super();
    if (key !== CONSTRUCT) throw new TypeError('Illegal constructor');
  }
  get aborted(): boolean {
    return aborted.has(this);
  }
  get reason(): unknown {
    return aborted.get(this)?.reason;
  }
  throwIfAborted(): void {
    const state = aborted.get(this);
    if (state !== undefined) throw state.reason;
  }
  static abort(reason?: unknown): AbortSignal {
    const signal = new AbortSignal(CONSTRUCT);
    signalAbort(signal, reason);
    return signal;
  }
  static timeout(ms: number): AbortSignal {
    const delay = Number(ms);
    if (!Number.isFinite(delay) || delay < 0) throw new TypeError('AbortSignal.timeout: the delay must be a non-negative number of milliseconds');
    const signal = new AbortSignal(CONSTRUCT);
    if (scheduleTimeout === null) throw new DOMException('AbortSignal.timeout needs the runtime timers', 'NotSupportedError');
    scheduleTimeout(() => signalAbort(signal, new DOMException('The operation timed out.', 'TimeoutError')), delay);
    return signal;
  }
  static any(signals: Iterable<AbortSignal>): AbortSignal {
    const signal = new AbortSignal(CONSTRUCT);
    const list = [...signals];
    for (const s of list) {
      if (!(s instanceof AbortSignal)) throw new TypeError('AbortSignal.any: every member must be an AbortSignal');
      if (s.aborted) {
        signalAbort(signal, s.reason);
        return signal;
      }
    }
    for (const s of list) s.addEventListener('abort', () => signalAbort(signal, s.reason), { once: true });
    return signal;
  }
  override get [Symbol.toStringTag](): string {
    return 'AbortSignal';
  }
}

/** The DOM `AbortController`. */
export class AbortController {
  readonly #signal = new AbortSignal(CONSTRUCT);
  get signal(): AbortSignal {
    return this.#signal;
  }
  abort(reason?: unknown): void {
    signalAbort(this.#signal, reason);
  }
  get [Symbol.toStringTag](): string {
    return 'AbortController';
  }
}
