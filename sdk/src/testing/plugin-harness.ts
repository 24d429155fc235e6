import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeGuid } from '../contract/guid.js';
import { buildPlugin } from '../build/build-plugin.js';
import { startFakeOrigins, type FakeOrigins } from './fake-origins.js';
import { HarnessError } from './harness-error.js';
import { handlerRun, type HandlerRun } from './handler-run.js';
import { assertNodeSnapshotDisabled, loadHost, type HarnessHost, type HostHandlerStatus } from './load-host.js';
import { LogSink, toPluginLogLine } from './log-sink.js';
import type { PlatformRoutes } from './platform-routes.js';
import { completeEvent, fieldOf, type TestEvent } from './sample-event.js';

/** How a harness runs the plugin. */
export interface HarnessOptions {
  /** The fake platform API the plugin's HttpClient talks to (through the host's real egress). */
  readonly platform?: PlatformRoutes;
  /** Option overrides, as an admin's `plugins.<id>.options` (merged over plugin.json `config`). */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Limit overrides, as an admin's `plugins.<id>.limits`. */
  readonly limits?: Readonly<Partial<Record<'memoryMb' | 'timeoutMs' | 'concurrency', number>>>;
  /** Run `jobhook-sdk build` first (default false: the test script builds, the harness checks it is fresh). */
  readonly build?: boolean;
  /**
   * Fakes of third-party origins the plugin may reach (its permissions.http must allow them), routes
   * relative to `/`: `{ 'https://relay.example.com': { 'POST v1/messages': { status: 202 } } }`.
   * A request for an origin neither faked nor the platform fails the run (HARNESS_ORIGIN_NOT_FAKED).
   */
  readonly origins?: Readonly<Record<string, PlatformRoutes>>;
  /** Job types in force per handler, as an admin's `plugins.<id>.handlers` (replaces plugin.json's lists). */
  readonly handlers?: Readonly<Record<string, { readonly jobTypes: readonly string[] }>>;
  /** Credentials the host adds per origin, as an admin's `plugins.<id>.credentials`. */
  readonly credentials?: ReadonlyArray<Record<string, unknown>>;
  /** Permission changes, as an admin's `plugins.<id>.permissions` (`grant`, `revoke`). */
  readonly permissions?: Readonly<Record<string, unknown>>;
}

/** Per-run choices. */
export interface RunOptions {
  /** The handler to report on when several of the plugin's handlers run for the event's job type. */
  readonly handler?: string;
}

/** A plugin loaded in a real host, ready to run events; `close()` releases host, isolate and server. */
export interface PluginHarness {
  readonly pluginId: string;
  /** The fake platform's base URL (what the plugin's relative paths resolve against). */
  readonly platformUrl: string;
  run(event?: TestEvent, options?: RunOptions): Promise<HandlerRun>;
  close(): Promise<void>;
}

interface ManifestView {
  readonly id: string;
  readonly main: string;
  readonly handlers: ReadonlyArray<{ readonly name: string; readonly jobTypes: readonly string[] }>;
}

// The bearer token the fake platform receives from the host: lets a test prove credentials are added
// by the host and never seen by the plugin.
const TEST_PLATFORM_TOKEN = 'jobhook-harness-token';

async function readManifest(dir: string): Promise<ManifestView> {
  try {
    const m = JSON.parse(await readFile(path.join(dir, 'plugin.json'), 'utf8')) as ManifestView;
    if (typeof m.id !== 'string' || typeof m.main !== 'string' || !Array.isArray(m.handlers)) throw new Error('"id", "main" or "handlers" is missing');
    return m;
  } catch (e) {
    throw new HarnessError('HARNESS_NO_MANIFEST', `${dir}: plugin.json could not be read: ${(e as Error).message}`, undefined, { cause: e });
  }
}

async function newestSource(dir: string): Promise<{ file: string; mtimeMs: number } | null> {
  let newest: { file: string; mtimeMs: number } | null = null;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return null;
  }
  for (const e of entries) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    const { mtimeMs } = await stat(file);
    if (newest === null || mtimeMs > newest.mtimeMs) newest = { file, mtimeMs };
  }
  return newest;
}

/** Refuses to test a bundle that is missing or older than the sources (the test would pass on old code). */
async function checkBundle(dir: string, main: string): Promise<void> {
  let bundle;
  try {
    bundle = await stat(path.join(dir, main));
  } catch {
    throw new HarnessError('HARNESS_NOT_BUILT', `${dir}: '${main}' does not exist: build the plugin first (npm run build, i.e. jobhook-sdk build), or pass { build: true }`);
  }
  const newest = await newestSource(path.join(dir, 'src'));
  if (newest !== null && newest.mtimeMs > bundle.mtimeMs) {
    throw new HarnessError(
      'HARNESS_BUNDLE_STALE',
      `${dir}: '${main}' is older than ${path.relative(dir, newest.file)}: rebuild (npm run build, i.e. jobhook-sdk build) so the test runs your current code, or pass { build: true }`,
    );
  }
}

/** The event's `jobType` for a job type in force: the resolved name when plugin.json named it symbolically. */
function jobTypeNameOf(handlers: readonly HostHandlerStatus[], jobTypeId: string): string | undefined {
  for (const h of handlers) for (const r of h.resolved ?? []) if (normalizeGuid(r.jobTypeId) === normalizeGuid(jobTypeId)) return r.jobType;
  return undefined;
}

function pickHandler(pluginId: string, handlers: readonly HostHandlerStatus[], event: TestEvent, wanted: string | undefined): { name: string; jobTypeId: string | undefined } {
  const names = handlers.map((h) => h.name);
  const given = fieldOf(event, 'jobTypeId');
  if (wanted !== undefined) {
    const h = handlers.find((x) => x.name === wanted);
    if (h === undefined) throw new HarnessError('HARNESS_NO_SUCH_HANDLER', `plugin '${pluginId}' has no handler '${wanted}' in plugin.json (it has: ${names.join(', ')})`);
    return { name: h.name, jobTypeId: typeof given === 'string' ? undefined : h.jobTypes[0] };
  }
  if (typeof given !== 'string') {
    const first = handlers[0];
    if (first === undefined) throw new HarnessError('HARNESS_NO_SUCH_HANDLER', `plugin '${pluginId}' declares no handlers in plugin.json`);
    return { name: first.name, jobTypeId: first.jobTypes[0] };
  }
  const matching = handlers.filter((h) => h.jobTypes.some((t) => normalizeGuid(t) === normalizeGuid(given)));
  if (matching.length > 1) {
    throw new HarnessError('HARNESS_AMBIGUOUS_HANDLER', `handlers ${matching.map((h) => `'${h.name}'`).join(' and ')} all run for job type ${given}: pass { handler: '<name>' }`);
  }
  return { name: matching[0]?.name ?? names[0] ?? '', jobTypeId: undefined };
}

/**
 * Loads a built plugin into a real JobHook host — the same manifest checks, loader, isolate and SDK
 * runtime as production — with its HttpClient wired through the host's egress to a fake platform.
 */
export async function createHarness(pluginDir: string | URL, options: HarnessOptions = {}): Promise<PluginHarness> {
  assertNodeSnapshotDisabled();
  const dir = path.resolve(pluginDir instanceof URL ? fileURLToPath(pluginDir) : pluginDir);
  const manifest = await readManifest(dir);
  if (options.build) await buildPlugin(dir);
  else await checkBundle(dir, manifest.main);
  const hostModule = await loadHost(dir);

  const owned: Array<() => Promise<void>> = [];
  const closeAll = async (): Promise<void> => {
    for (const release of owned.splice(0).reverse()) await release().catch(() => undefined);
  };
  try {
    const fakes: FakeOrigins = await startFakeOrigins(options.platform, options.origins);
    owned.push(() => fakes.close());
    const platform = fakes.platform;
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'jobhook-harness-'));
    owned.push(() => rm(scratch, { recursive: true, force: true }));
    const sink = new LogSink();
    const overrides = {
      ...(options.options ? { options: options.options } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.handlers ? { handlers: options.handlers } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(options.permissions ? { permissions: options.permissions } : {}),
    };
    const host: HarnessHost = await hostModule.createHost({
      config: {
        pluginsDir: scratch,
        dataDir: path.join(scratch, '.jobhook'),
        logLevel: 'debug',
        platform: { url: platform.url, auth: { type: 'bearer', token: TEST_PLATFORM_TOKEN } },
        plugins: { [manifest.id]: overrides },
      },
      logger: hostModule.createHostLogger({ level: 'debug', destination: sink }),
      egressRouter: fakes.router((code, message, url) => new hostModule.HostEgressError(code, message, url)),
    });
    owned.push(() => host.close());
    const change = await host.registry.sync(dir);
    if (change.kind === 'refused') {
      const loadLogs = sink.lines.filter((l) => l.source === 'plugin').map((l) => `  ${String(l.msg)}`);
      throw new HarnessError(
        'HARNESS_PLUGIN_REFUSED',
        `the host refused plugin '${manifest.id}': ${change.error.code}: ${change.error.message}${loadLogs.length > 0 ? `\nplugin logs while loading:\n${loadLogs.join('\n')}` : ''}`,
        change.error,
      );
    }
    // A handler refused at load (a job type that did not resolve) would only show as "no handler ran".
    const refused = host.plugins().find((p) => p.id === manifest.id)?.handlers.find((h) => h.error !== undefined);
    if (refused?.error) {
      throw new HarnessError('HARNESS_HANDLER_REFUSED', `the host refused handler '${refused.name}' of plugin '${manifest.id}': ${refused.error.code}: ${refused.error.message}`, refused.error);
    }
    return harnessOf(manifest, host, fakes, sink, closeAll);
  } catch (e) {
    await closeAll();
    throw e;
  }
}

function harnessOf(manifest: ManifestView, host: HarnessHost, fakes: FakeOrigins, sink: LogSink, closeAll: () => Promise<void>): PluginHarness {
  const platform = fakes.platform;
  // The job types in force (the admin's, or plugin.json's with names resolved), as the host routes.
  const inForce = host.plugins().find((p) => p.id === manifest.id)?.handlers ?? manifest.handlers;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  const runNow = async (event: TestEvent, options: RunOptions): Promise<HandlerRun> => {
    if (closed) throw new HarnessError('HARNESS_CLOSED', 'the harness is closed');
    const choice = pickHandler(manifest.id, inForce, event, options.handler);
    const full = completeEvent(event, choice.jobTypeId);
    // Keep the default jobType consistent with the job type chosen, when its name is known.
    const named = fieldOf(event, 'jobType') === undefined ? jobTypeNameOf(inForce, String(fieldOf(full, 'jobTypeId'))) : undefined;
    if (named !== undefined) full.jobType = named;
    const marks = fakes.mark();
    const unfakedBefore = fakes.unfaked.length;
    const logsBefore = sink.lines.length;
    let result;
    try {
      result = await host.dispatch(full);
    } catch (e) {
      const err = e as { code?: string; message?: string };
      throw new HarnessError('HARNESS_EVENT_INVALID', `the test's event was refused by the host: ${err.message ?? String(e)}`, { code: err.code ?? 'EVENT_INVALID', message: err.message ?? String(e) }, { cause: e });
    }
    const mine = result.outcomes.filter((o) => o.plugin === manifest.id);
    const outcome = mine.find((o) => o.handler === choice.name) ?? (options.handler === undefined && mine.length === 1 ? mine[0] : undefined);
    if (outcome === undefined) {
      throw new HarnessError(
        'HARNESS_NO_MATCHING_HANDLER',
        `no handler of plugin '${manifest.id}' ran: the event's jobTypeId ${String(fieldOf(full, 'jobTypeId'))} is not in any handler's "jobTypes" in plugin.json ` +
          `(${inForce.map((h) => `${h.name}: ${h.jobTypes.join(', ')}`).join('; ')})`,
      );
    }
    const unfaked = fakes.unfaked.slice(unfakedBefore);
    if (unfaked.length > 0) {
      throw new HarnessError(
        'HARNESS_ORIGIN_NOT_FAKED',
        `the plugin requested ${unfaked.map((u) => u.url).join(', ')}, which the test does not fake (nothing left this process): add ` +
          `origins: { ${[...new Set(unfaked.map((u) => `'${u.origin}': { … }`))].join(', ')} } to the harness options`,
      );
    }
    const lines = sink.lines.slice(logsBefore).filter((l) => l.invocationId === outcome.invocationId);
    return handlerRun(outcome, {
      event: full,
      logs: lines.filter((l) => l.source === 'plugin').map(toPluginLogLine),
      hostLogs: lines.filter((l) => l.source !== 'plugin'),
      requests: fakes.requestsSince(marks),
    });
  };
  return {
    pluginId: manifest.id,
    platformUrl: platform.url,
    // Serialised: requests and logs are attributed to a run by what arrived while it ran.
    run: (event = {}, options = {}) => {
      const next = queue.then(() => runNow(event, options));
      queue = next.catch(() => undefined);
      return next;
    },
    close: async () => {
      closed = true;
      await queue;
      await closeAll();
    },
  };
}

/**
 * Runs one event through the built plugin in a real sandbox and returns what happened:
 * `{ outcome, result, logs, requests, … }`. Starts and disposes a host each call; for many runs,
 * use `createHarness`.
 */
export async function runHandler(pluginDir: string | URL, event: TestEvent = {}, options: HarnessOptions & RunOptions = {}): Promise<HandlerRun> {
  const harness = await createHarness(pluginDir, options);
  try {
    return await harness.run(event, options.handler === undefined ? {} : { handler: options.handler });
  } finally {
    await harness.close();
  }
}
