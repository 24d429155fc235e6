import { pino, destination as pinoDestination, type Logger as PinoLogger, type DestinationStream, type Level } from 'pino';

/** The host's structured logger: one JSON line per event (pino). */
export type HostLogger = PinoLogger;

/** Options for the host logger. */
export interface HostLoggerOptions {
  readonly level?: Level | 'silent';
  /** Where lines go; default stdout. The CLI's `dispatch` sends logs to stderr to keep stdout JSON. */
  readonly destination?: DestinationStream | number;
}

// Fields that may carry secrets in admin config or requests; pino replaces them before writing.
const REDACT = ['*.password', '*.token', '*.authorization', '*.Authorization', 'platform.auth', '*.secret', '*.cookie'];

/** Creates the host logger. */
export function createHostLogger(options: HostLoggerOptions = {}): HostLogger {
  const destination = options.destination ?? 1;
  return pino(
    { level: options.level ?? 'info', base: { service: 'jobhook' }, redact: { paths: REDACT, censor: '[redacted]' } },
    typeof destination === 'number' ? pinoDestination({ fd: destination, sync: true }) : destination,
  );
}
