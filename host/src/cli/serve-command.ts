import type { CommandInput } from '@jobhook/sdk/command-line';
import type { HostConfig } from '../config.js';
import { createHost, type Host } from '../host.js';
import type { HostLogger } from '../logging/logger.js';
import { configFromCli, cliErrorText } from './cli-config.js';
import { createCliLogger, resolveLogFormat } from './cli-logger.js';
import type { SERVE_FLAGS } from './command-table.js';
import { logPluginChange } from './log-plugin-change.js';
import { ServiceMetrics } from '../ingest/service-metrics.js';
import { DEFAULT_RETENTION_MS, parseRetention } from '../store/retention.js';
import { countedEgress, preflightServe, startServeRuntime, type ServeRuntime } from './serve-service.js';
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
  return serve(values, io.stderr, name, stop);
}

async function serve(values: CommandInput<typeof SERVE_FLAGS>['values'], err: NodeJS.WritableStream, name: string, stop: StopSignals): Promise<number> {
  let logger: HostLogger;
  let runtime: ServeRuntime;
  let started = false;
  const metrics = new ServiceMetrics();
  let host: Host;
  let config: HostConfig;
  let retentionMs: number;
  try {
    config = configFromCli(values);
    retentionMs = values.retention ? parseRetention(values.retention) : DEFAULT_RETENTION_MS;
    preflightServe(config, values.insecure === true, values.poll === true);
    logger = createCliLogger(config, resolveLogFormat(values['log-format'], 1), 1);
  } catch (e) {
    err.write(`${name}: ${cliErrorText(e)}\n`);
    return 2;
  }
  const log = logger;
  const stoppedEarly = (): number => {
    log.info({ signal: stop.reason }, 'stopped during start-up');
    return 0;
  };
  log.info({ pluginsDir: config.pluginsDir }, 'loading plugins');
  try {
    // One gateway for the plugins and the poller: they share its platform credentials.
    const egress = countedEgress(config, metrics);
    // The startup state is logged below, one line per plugin; changes are logged from then on.
    host = await createHost({
      config,
      logger,
      egress,
      onPluginChange: (c) => (metrics.pluginChanged(c), started && logPluginChange(log, c)),
      watch: true,
      signal: stop.signal,
    });
    started = true;
    if (stop.reason) {
      await host.close();
      return stoppedEarly();
    }
    try {
      runtime = await startServeRuntime(host, { logger, metrics, retentionMs, insecure: values.insecure === true, poll: values.poll === true, egress });
    } catch (e) {
      await host.close();
      throw e;
    }
  } catch (e) {
    if (stop.reason) return stoppedEarly();
    err.write(`${name}: ${cliErrorText(e)}\n`);
    return 2;
  }
  if (!stop.reason) {
    logStartupState(host, logger);
    // Signal listeners do not keep Node's event loop alive; this timer does, until shutdown.
    const keepAlive = setInterval(() => {}, 1 << 30);
    await stop.stopped;
    clearInterval(keepAlive);
  }
  logger.info({ signal: stop.reason }, 'shutting down');
  await runtime.shutdown();
  logger.info('stopped');
  return 0;
}
