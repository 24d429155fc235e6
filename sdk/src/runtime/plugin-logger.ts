import { Logger, type LogFields } from '../tokens.js';
import type { RuntimeBridge, RuntimeLogLevel } from './protocol.js';

const MAX_MESSAGE = 8192;
// Captured when the runtime is evaluated, before any plugin code can replace it.
const now = Date.now;

const TOO_DEEP = '[nested too deep]';

/**
 * Serialises fields defensively: a cyclic or hostile object becomes a note, never an exception, and
 * nesting past `maxDepth` is cut here, in the plugin's isolate, so that what crosses to the host is
 * shallow enough for every later serialisation (IPC, the host log line) to be safe.
 */
export function fieldsToJson(fields: unknown, stringify: typeof JSON.stringify, maxDepth = 16): string {
  if (fields === undefined || fields === null) return '{}';
  // The replacer is called with the holder as `this`, parents before children: a holder's depth is
  // known when its members are visited.
  const depths = new WeakMap<object, number>();
  function bounded(this: unknown, _key: string, value: unknown): unknown {
    if (value === null || typeof value !== 'object') return value;
    const depth = (typeof this === 'object' && this !== null ? (depths.get(this) ?? 0) : 0) + 1;
    if (depth > maxDepth) return TOO_DEEP;
    depths.set(value, depth);
    return value;
  }
  try {
    const json = stringify(fields, bounded);
    return typeof json === 'string' && json.startsWith('{') ? json : stringify({ value: json ?? null });
  } catch (e) {
    return stringify({ fieldsError: `log fields could not be serialised: ${String((e as Error)?.message ?? e)}` });
  }
}

/**
 * A token bucket shared by every logger of one isolate. It is only the first bound on a log flood:
 * it keeps a `for` loop of log calls from queueing unbounded work on the host, which applies its own,
 * authoritative rate limit (and reports what it drops). Its state lives in private fields.
 */
export class LogBudget {
  #tokens: number;
  #last: number;
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.#tokens = burst;
    this.#last = now();
  }
  /** True when one more line may go to the host. */
  take(): boolean {
    const t = now();
    const refill = ((t - this.#last) / 1000) * this.perSecond;
    this.#last = t;
    this.#tokens = this.#tokens + refill > this.burst ? this.burst : this.#tokens + refill;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/**
 * The `Logger` a plugin receives: every call becomes one host log line tagged with the invocation.
 * The bridge function is held in a private field, so plugin code cannot call it around the budget.
 */
export class BridgeLogger extends Logger {
  readonly #bridgeLog: RuntimeBridge['log'];
  readonly #invocationId: string | null;
  readonly #stringify: typeof JSON.stringify;
  readonly #budget: LogBudget | null;
  readonly #maxDepth: number;
  constructor(bridgeLog: RuntimeBridge['log'], invocationId: string | null, stringify: typeof JSON.stringify, budget: LogBudget | null = null, maxDepth = 16) {
    super();
    this.#bridgeLog = bridgeLog;
    this.#invocationId = invocationId;
    this.#stringify = stringify;
    this.#budget = budget;
    this.#maxDepth = maxDepth;
  }
  #write(level: RuntimeLogLevel, message: unknown, fields: unknown): void {
    if (this.#budget !== null && !this.#budget.take()) return;
    let text: string;
    try {
      text = String(message);
    } catch {
      text = '[unprintable message]';
    }
    if (text.length > MAX_MESSAGE) text = `${text.slice(0, MAX_MESSAGE)}…`;
    this.#bridgeLog(level, text, fieldsToJson(fields, this.#stringify, this.#maxDepth), this.#invocationId);
  }
  debug(message: string, fields?: LogFields): void {
    this.#write('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.#write('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.#write('warn', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.#write('error', message, fields);
  }
}

/** A `console` for plugin code that routes to the plugin's logger (an isolate has no console). */
export function makeConsole(logger: Logger): Record<string, (...args: unknown[]) => void> {
  const join = (args: unknown[]): string =>
    args
      .map((a) => {
        if (typeof a === 'string') return a;
        try {
          return JSON.stringify(a) ?? String(a);
        } catch {
          return String(a);
        }
      })
      .join(' ');
  return {
    log: (...a) => logger.info(join(a)),
    info: (...a) => logger.info(join(a)),
    debug: (...a) => logger.debug(join(a)),
    warn: (...a) => logger.warn(join(a)),
    error: (...a) => logger.error(join(a)),
  };
}
