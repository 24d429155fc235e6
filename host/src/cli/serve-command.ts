import type { CommandInput } from '@jobhook/sdk/command-line';
import type { Host } from '../composition/create-host.js';
import { createService, type RunningService, type ServeOptions } from '../composition/create-service.js';
import type { HostLogger } from '../logging/logger.js';
import { DEFAULT_RETENTION_MS, parseRetention } from '../store/retention.js';
import { configFromCli, cliErrorText } from './cli-config.js';
import { createCliLogger, resolveLogFormat } from './cli-logger.js';
import type { SERVE_FLAGS } from './command-table.js';
import { logPluginChange } from './log-plugin-change.js';
import type { StopSignals } from './stop-signals.js';

function logStartupState(host: Host, logger: HostLogger): void {
  for (const p of host.plugins()) {
    if (p.state === 'active') {
      logger.info({ plugin: p.id, version: p.version, handlers: p.handlers.map((h) => h.name), jobTypes: [...new Set(p.handlers.flatMap((h) => h.jobTypes))] }, `plugin ${p.id} ${p.version} loaded`);
    } else {
      logger.error({ plugin: p.id, folder: p.folder, error: p.lastError }, `plugin ${p.id} failed to load: ${p.lastError?.message ?? 'unknown error'}`);
    }
  }
  logger.info({ pluginsDir: host.config.pluginsDir, plugins: host.plugins().length, watching: true }, 'jobhook is serving; watching the plugins folder for changes');
}

/**
 * `jobhook serve`: loads the plugins, logs each, stays up until SIGINT/SIGTERM, then disposes all.
 * The signals are listened to from the first instant: one during start-up stops loading, closes
 * what was opened and exits 0; a second one exits at once.
 */
export async function serveCommand({ values, io, path: name }: CommandInput<typeof SERVE_FLAGS>, stop: StopSignals): Promise<number> {
  const err = io.stderr;
  let logger: HostLogger;
  let options: Omit<ServeOptions, 'logger'>;
  try {
    const config = configFromCli(values);
    const retentionMs = values.retention ? parseRetention(values.retention) : DEFAULT_RETENTION_MS;
    options = { config, retentionMs, insecure: values.insecure === true, poll: values.poll === true, signal: stop.signal };
    logger = createCliLogger(config, resolveLogFormat(values['log-format'], 1), 1);
  } catch (e) {
    err.write(`${name}: ${cliErrorText(e)}\n`);
    return 2;
  }
  const log = logger;
  let service: RunningService;
  try {
    // The startup state is logged below, one line per plugin; changes are logged from then on.
    service = await createService({ ...options, logger, onPluginChange: (c) => logPluginChange(log, c) });
  } catch (e) {
    if (stop.reason) {
      log.info({ signal: stop.reason }, 'stopped during start-up');
      return 0;
    }
    err.write(`${name}: ${cliErrorText(e)}\n`);
    return 2;
  }
  if (!stop.reason) {
    logStartupState(service.host, logger);
    // Signal listeners do not keep Node's event loop alive; this timer does, until shutdown.
    const keepAlive = setInterval(() => {}, 1 << 30);
    await stop.stopped;
    clearInterval(keepAlive);
  }
  logger.info({ signal: stop.reason }, 'shutting down');
  await service.dispose();
  logger.info('stopped');
  return 0;
}
