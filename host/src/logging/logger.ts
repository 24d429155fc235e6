import { pino, destination as pinoDestination, type Logger as PinoLogger, type DestinationStream, type Level } from 'pino';

/** The host's structured logger: one JSON line per event (pino). */
export type HostLogger = PinoLogger;

/** Options for the host logger. */
export interface HostLoggerOptions {
  readonly level?: Level | 'silent';
  /** Where lines go; default stdout. The CLI's `dispatch` sends logs to stderr to keep stdout JSON. */
  readonly destination?: DestinationStream | number;
}

// Where host code could put a secret on a line; pino replaces them before writing. Exact paths only:
// wildcard paths cost 10–35 µs per line (bench/dispatch), and credentials never reach plugin code.
const REDACT = [
  'password',
  'token',
  'secret',
  'authorization',
  'cookie',
  'auth',
  'platform.auth',
  'config.platform.auth',
  'headers.authorization',
  'headers.cookie',
  'headers["proxy-authorization"]',
];

/** Creates the host logger. */
export function createHostLogger(options: HostLoggerOptions = {}): HostLogger {
  const destination = options.destination ?? 1;
  return pino(
    { level: options.level ?? 'info', base: { service: 'jobhook' }, redact: { paths: REDACT, censor: '[redacted]' } },
    typeof destination === 'number' ? pinoDestination({ fd: destination, sync: true }) : destination,
  );
}
