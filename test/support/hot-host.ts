// A host watching a temp plugins folder, with its isolate census, plugin-change log and helpers to
// dispatch uniquely identified events — what every hot-drop test starts from.
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createHost, type DispatchResult, type HandlerOutcome, type Host } from '@jobhook/host';
import { IsolateSandboxFactory } from '../../host/dist/sandbox/isolate/isolate-sandbox-factory.js';
import type { WatchTimings } from '../../host/dist/plugins/watch/watch-timings.js';
import { event, GUID_A, tempDir, type TempDir } from './foundation-plugins.js';
import { captureLogs, type LogCapture } from './log-capture.js';
import { ChangeLog } from './plugin-folders.js';
import { tick, waitFor } from './wait-for.js';

/** Shorter than the defaults so the suite stays quick; still well above chokidar's 50 ms throttle. */
export const TEST_TIMINGS: WatchTimings = { settleMs: 80, unlinkGraceMs: 200, recheckMs: 80, incompleteGraceMs: 1200 };

export interface HotHost {
  readonly host: Host;
  readonly factory: IsolateSandboxFactory;
  readonly changes: ChangeLog;
  readonly logs: LogCapture;
  /** The watched plugins folder. */
  readonly plugins: string;
  /** A scratch folder outside the plugins folder (for cp -r and tar sources). */
  readonly staging: string;
  /** Dispatches one event with a fresh jobId. */
  dispatch(jobTypeId?: string): Promise<DispatchResult>;
  /** Waits until an event of `jobTypeId` succeeds on plugin `id` at `version`. */
  waitServing(id: string, version: string, jobTypeId?: string, timeoutMs?: number): Promise<HandlerOutcome>;
  /** Closes the host and removes the temp folders. */
  dispose(): Promise<void>;
}

/** Starts a watching host on a fresh temp plugins folder, after `prepare` wrote its initial content. */
export async function startHotHost(prepare: (plugins: string) => Promise<void> = async () => {}, timings: Partial<WatchTimings> = TEST_TIMINGS): Promise<HotHost> {
  const tmp: TempDir = await tempDir('jobhook-hotdrop-');
  const plugins = path.join(tmp.path, 'plugins');
  const staging = path.join(tmp.path, 'staging');
  await mkdir(plugins, { recursive: true });
  await mkdir(staging, { recursive: true });
  await prepare(plugins);
  const factory = new IsolateSandboxFactory();
  const changes = new ChangeLog();
  const logs = captureLogs('info');
  let host: Host;
  try {
    host = await createHost({ config: { pluginsDir: plugins }, logger: logs.logger, sandboxFactory: factory, watch: timings, onPluginChange: changes.listener });
  } catch (e) {
    await tmp.dispose();
    throw e;
  }
  const dispatch = (jobTypeId = GUID_A): Promise<DispatchResult> => host.dispatch(event(jobTypeId, { jobId: randomUUID() }));
  return {
    host,
    factory,
    changes,
    logs,
    plugins,
    staging,
    dispatch,
    waitServing: (id, version, jobTypeId = GUID_A, timeoutMs = 5000) =>
      waitFor(
        async () => (await dispatch(jobTypeId)).outcomes.find((o) => o.plugin === id && o.version === version && o.outcome === 'succeeded'),
        { what: `${id} ${version} to serve`, timeoutMs: timeoutMs },
      ),
    dispose: async () => {
      await host.close();
      await tmp.dispose();
    },
  };
}

/**
 * Dispatches events of `jobTypeId` back to back (one in flight at a time) until stopped, keeping
 * every result, so a test can check that none went unanswered while plugins changed underneath.
 */
export function keepDispatching(hot: HotHost, jobTypeId = GUID_A): { stop(): Promise<DispatchResult[]> } {
  const results: DispatchResult[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      results.push(await hot.dispatch(jobTypeId));
      // An event no handler matches resolves without I/O: yield, or this loop starves the timers.
      await tick();
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return results;
    },
  };
}
