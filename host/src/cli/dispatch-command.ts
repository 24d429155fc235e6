import { readFile } from 'node:fs/promises';
import type { CommandInput } from '@jobhook/sdk/command-line';
import type { HostConfig } from '../config.js';
import { normalizeEvent } from '../sources/normalize-event.js';
import type { DispatchResult } from '../delivery/dispatcher.js';
import { EventValidationError, JobHookError } from '../errors.js';
import { createHost, type Host } from '../composition/create-host.js';
import type { HostLogger } from '../logging/logger.js';
import type { PluginChange } from '../plugins/registry/plugin-change.js';
import { configFromCli, cliErrorText } from './cli-config.js';
import { createCliLogger, resolveLogFormat } from './cli-logger.js';
import type { DISPATCH_FLAGS } from './command-table.js';
import { logPluginChange } from './log-plugin-change.js';
import { refusedPlugins } from './refused-plugins.js';
import { StopSignals, signalExitCode } from './stop-signals.js';

/** How long `dispatch` may take in all (start-up, the handlers, shutdown) unless --timeout says. */
export const DEFAULT_DISPATCH_TIMEOUT_MS = 120_000;
// What closing the host may take after a stop request before the command gives up on it.
const CLOSE_GRACE_MS = 5_000;

async function readEventText(source: string): Promise<string> {
  if (source !== '-') return readFile(source, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseTimeout(text: string | undefined): number {
  if (text === undefined) return DEFAULT_DISPATCH_TIMEOUT_MS;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  const ms = m ? Number(m[1]) * (m[2] === 'm' ? 60_000 : m[2] === 'ms' ? 1 : 1000) : NaN;
  if (!(ms > 0) || ms > 2 ** 31 - 1) throw new JobHookError('CONFIG_INVALID', `--timeout must be a duration such as 30s, 2m or 500ms (got '${text}')`);
  return ms;
}

/** Resolves after `ms` (unref'd: it never keeps the process up). */
function delay(ms: number): Promise<'late'> {
  return new Promise((r) => setTimeout(() => r('late'), ms).unref());
}

/**
 * `jobhook dispatch [--plugins DIR] EVENT.json|-`: loads the plugins, dispatches one event, prints the
 * outcomes as JSON on stdout. Exit 0 when every matched handler succeeded (or none matched), 1 when
 * one did not (or the deadline passed), 2 for bad input or when a plugin the event routes to was
 * refused at load. Logs and refusals go to stderr. SIGINT/SIGTERM stop it (a second one at once).
 */
export async function dispatchCommand({ values, positionals, io, path: name }: CommandInput<typeof DISPATCH_FLAGS>): Promise<number> {
  const source = positionals[0]!;
  const err = io.stderr;
  let event: ReturnType<typeof normalizeEvent>;
  try {
    event = normalizeEvent(JSON.parse(await readEventText(source)));
  } catch (e) {
    if (e instanceof EventValidationError) for (const p of e.problems) err.write(`${source}: ${p.pointer || '/'}: ${p.message}\n`);
    else err.write(`${name}: cannot read the event from '${source}': ${(e as Error).message}\n`);
    return 2;
  }
  let config: HostConfig;
  let logger: HostLogger;
  let timeoutMs: number;
  try {
    config = configFromCli(values);
    timeoutMs = parseTimeout(values.timeout);
    logger = createCliLogger(config, resolveLogFormat(values['log-format'], 2), 2);
  } catch (e) {
    err.write(`${name}: ${cliErrorText(e)}\n`);
    return 2;
  }
  const stop = new StopSignals();
  const deadline = setTimeout(() => stop.stop('deadline'), timeoutMs);
  try {
    return await run({ config, logger, event, stop, err, out: io.stdout, name, timeoutMs });
  } finally {
    clearTimeout(deadline);
    stop.dispose();
  }
}

interface Run {
  readonly config: HostConfig;
  readonly logger: HostLogger;
  readonly event: ReturnType<typeof normalizeEvent>;
  readonly stop: StopSignals;
  readonly err: NodeJS.WritableStream;
  readonly out: NodeJS.WritableStream;
  readonly name: string;
  readonly timeoutMs: number;
}

function stoppedCode(r: Run): number {
  const reason = r.stop.reason;
  if (reason === 'deadline') {
    r.err.write(`${r.name}: DISPATCH_TIMEOUT: did not finish within ${r.timeoutMs} ms (--timeout); outcomes so far are lost\n`);
    return 1;
  }
  r.logger.info({ signal: reason }, 'stopped');
  return signalExitCode(reason ?? 'SIGTERM');
}

async function run(r: Run): Promise<number> {
  const changes: PluginChange[] = [];
  let host: Host;
  try {
    host = await createHost({ config: r.config, logger: r.logger, signal: r.stop.signal, onPluginChange: (c) => (changes.push(c), logPluginChange(r.logger, c)) });
  } catch (e) {
    if (r.stop.reason) return stoppedCode(r);
    r.err.write(`${r.name}: ${cliErrorText(e)}\n`);
    return 2;
  }
  let result: DispatchResult | null = null;
  try {
    const refused = await refusedPlugins(changes, r.event.jobTypeId);
    for (const p of refused) r.err.write(`${r.name}: plugin ${p.plugin} refused: ${p.code}: ${p.message}${p.wouldRoute ? ' (the event routes to it)' : ''}\n`);
    if (!r.stop.reason) result = await Promise.race([host.dispatch(r.event), r.stop.stopped.then(() => null)]);
    if (result === null) return stoppedCode(r);
    r.out.write(`${JSON.stringify(result.outcomes, null, 2)}\n`);
    if (refused.some((p) => p.wouldRoute)) return 2;
    return result.outcomes.every((o) => o.outcome === 'succeeded') ? 0 : 1;
  } finally {
    // A close that cannot finish (a worker that will not exit) must not hold the command.
    const closing = host.close();
    const grace = r.stop.reason ? delay(CLOSE_GRACE_MS) : Promise.race([delay(CLOSE_GRACE_MS * 2), r.stop.stopped.then(() => delay(CLOSE_GRACE_MS))]);
    if ((await Promise.race([closing.then(() => 'closed' as const), grace])) === 'late') {
      r.logger.warn({ graceMs: CLOSE_GRACE_MS }, 'the host did not close in time; leaving the rest to process exit');
    }
  }
}
