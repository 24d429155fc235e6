import { parseArgs } from 'node:util';
import { createHost } from '../host.js';
import { createHostLogger } from '../logging/logger.js';
import { HOST_FLAGS, configFromCli, cliErrorText } from './cli-config.js';
import { logPluginChange } from './log-plugin-change.js';
import { ServiceMetrics } from '../ingest/service-metrics.js';
import { DEFAULT_RETENTION_MS, parseRetention } from '../store/retention.js';
import { SERVICE_FLAGS, countedEgress, preflightServe, startServeRuntime, type ServeRuntime } from './serve-service.js';

/** `jobhook serve`: loads the plugins, logs each, stays up until SIGINT/SIGTERM, then disposes all. */
export async function serveCommand(argv: string[], err: NodeJS.WritableStream): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...HOST_FLAGS, ...SERVICE_FLAGS }, allowPositionals: false });
  } catch (e) {
    err.write(`jobhook serve: ${(e as Error).message}\n`);
    return 2;
  }
  let host;
  let logger;
  let started = false;
  let runtime: ServeRuntime;
  const metrics = new ServiceMetrics();
  try {
    const config = configFromCli(parsed.values);
    const retentionMs = parsed.values.retention ? parseRetention(parsed.values.retention) : DEFAULT_RETENTION_MS;
    preflightServe(config, parsed.values.insecure === true, parsed.values.poll === true);
    logger = createHostLogger({ level: config.logLevel });
    const log = logger;
    // The startup state is logged below, one line per plugin; changes are logged from then on.
    host = await createHost({ config, logger, egress: countedEgress(config, metrics), onPluginChange: (c) => (metrics.pluginChanged(c), started && logPluginChange(log, c)), watch: true });
    started = true;
    try {
      runtime = await startServeRuntime(host, { logger, metrics, retentionMs, insecure: parsed.values.insecure === true, poll: parsed.values.poll === true });
    } catch (e) {
      await host.close();
      throw e;
    }
  } catch (e) {
    err.write(`jobhook serve: ${cliErrorText(e)}\n`);
    return 2;
  }
  for (const p of host.plugins()) {
    if (p.state === 'active') {
      logger.info({ plugin: p.id, version: p.version, handlers: p.handlers.map((h) => h.name), jobTypes: [...new Set(p.handlers.flatMap((h) => h.jobTypes))] }, `plugin ${p.id} ${p.version} loaded`);
    } else {
      logger.error({ plugin: p.id, folder: p.folder, error: p.lastError }, `plugin ${p.id} failed to load: ${p.lastError?.message ?? 'unknown error'}`);
    }
  }
  logger.info({ pluginsDir: host.config.pluginsDir, plugins: host.plugins().length, watching: true }, 'jobhook is serving; watching the plugins folder for changes');
  // Signal listeners do not keep Node's event loop alive; this timer does, until shutdown.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const on = (s: NodeJS.Signals) => (): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(s);
    };
    const onInt = on('SIGINT');
    const onTerm = on('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
  clearInterval(keepAlive);
  logger.info({ signal }, 'shutting down');
  await runtime.shutdown();
  logger.info('stopped');
  return 0;
}
