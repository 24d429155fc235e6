import { Logger, type LogFields } from '../tokens.js';
import type { RuntimeBridge, RuntimeLogLevel } from './protocol.js';

const MAX_MESSAGE = 8192;

/** Serialises fields defensively: a cyclic or hostile object becomes a note, never an exception. */
function fieldsToJson(fields: unknown, stringify: typeof JSON.stringify): string {
  if (fields === undefined || fields === null) return '{}';
  try {
    const json = stringify(fields);
    return typeof json === 'string' && json.startsWith('{') ? json : stringify({ value: json ?? null });
  } catch (e) {
    return stringify({ fieldsError: `log fields could not be serialised: ${String((e as Error)?.message ?? e)}` });
  }
}

/** The `Logger` a plugin receives: every call becomes one host log line tagged with the invocation. */
export class BridgeLogger extends Logger {
  constructor(
    private readonly bridgeLog: RuntimeBridge['log'],
    private readonly invocationId: string | null,
    private readonly stringify: typeof JSON.stringify,
  ) {
    super();
  }
  private write(level: RuntimeLogLevel, message: unknown, fields: unknown): void {
    let text: string;
    try {
      text = String(message);
    } catch {
      text = '[unprintable message]';
    }
    if (text.length > MAX_MESSAGE) text = `${text.slice(0, MAX_MESSAGE)}…`;
    this.bridgeLog(level, text, fieldsToJson(fields, this.stringify), this.invocationId);
  }
  debug(message: string, fields?: LogFields): void {
    this.write('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.write('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.write('warn', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.write('error', message, fields);
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
