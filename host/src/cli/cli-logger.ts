import tty from 'node:tty';
import PinoPretty from 'pino-pretty';
import { JobHookError } from '../errors.js';
import { createHostLogger, type HostLogger } from '../logging/logger.js';
import type { HostConfig } from '../config.js';

/** How the CLI writes its logs: one JSON object a line, or lines for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

const FORMATS: readonly LogFormat[] = ['json', 'pretty'];

/**
 * `--log-format` (or JOBHOOK_LOG_FORMAT) when given; otherwise pretty when the logs go to a terminal,
 * JSON when they go to a file, a pipe or a log collector.
 */
export function resolveLogFormat(flag: string | undefined, fd: number, env: NodeJS.ProcessEnv = process.env): LogFormat {
  const chosen = flag ?? env.JOBHOOK_LOG_FORMAT;
  if (chosen === undefined || chosen === '') return tty.isatty(fd) ? 'pretty' : 'json';
  if (!FORMATS.includes(chosen as LogFormat)) {
    throw new JobHookError('CONFIG_INVALID', `--log-format must be one of ${FORMATS.join(', ')} (got '${chosen}')`);
  }
  return chosen as LogFormat;
}

/** The logger `serve` and `dispatch` write through, on file descriptor `fd`. */
export function createCliLogger(config: HostConfig, format: LogFormat, fd: number, env: NodeJS.ProcessEnv = process.env): HostLogger {
  if (format === 'json') return createHostLogger({ level: config.logLevel, destination: fd });
  // https://no-color.org: any non-empty NO_COLOR turns colours off.
  const colorize = !env.NO_COLOR && tty.isatty(fd);
  const stream = PinoPretty({ destination: fd, sync: true, colorize, translateTime: 'SYS:HH:MM:ss.l', ignore: 'service', singleLine: true });
  return createHostLogger({ level: config.logLevel, destination: stream });
}
