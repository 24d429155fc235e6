// A real `jobhook serve` child for attacks on packages, egress and intake: one sandbox process, so a
// neighbour plugin always shares the attacker's; a watched plugins folder to drop packages into; and
// helpers to wait for a refusal, prove the neighbour still gets every outcome and the host still serves.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { event, GUID_A, tempDir, type TempDir } from './foundation-plugins.js';
import { writePackage, waitFor } from './plugin-folders.js';
import { request, spawnServe, type ServeChild } from './service-harness.js';

export const NEIGHBOUR_ID = 'well.neighbour';

/** One plugin's entry of GET /v1/plugins. */
export interface PluginView {
  readonly id: string;
  readonly folder: string;
  readonly state: string;
  readonly version: string | null;
  readonly lastError: { code: string; message: string } | null;
  readonly signedBy?: string | null;
}

/** A running serve child with its folders. */
export interface HostileServe {
  readonly serve: ServeChild;
  readonly url: string;
  readonly root: string;
  readonly plugins: string;
  /** GET /v1/plugins. */
  list(): Promise<PluginView[]>;
  /** Waits until the folder (or id) named `who` shows `lastError.code === code`; returns its view. */
  refused(who: string, code: string, timeoutMs?: number): Promise<PluginView>;
  /** Waits until plugin `id` is active. */
  active(id: string, timeoutMs?: number): Promise<PluginView>;
  /** POSTs an event and waits for its outcomes. */
  dispatch(jobTypeId: string, fields?: Record<string, unknown>): Promise<Array<{ plugin: string; outcome: string; error?: { code: string; message: string } }>>;
  /** The host answers /healthz and the neighbour, in the same sandbox process, succeeds. */
  expectServing(): Promise<void>;
  /** Every host log line as text. */
  logText(): string;
  /** SIGTERM, and how long the exit took (ms) with its code. */
  stop(): Promise<{ code: number | null; ms: number }>;
  close(): Promise<void>;
}

/** Starts serve over a temp plugins folder holding the neighbour (and whatever `prepare` adds). */
export async function startHostileServe(
  options: { config?: Record<string, unknown>; env?: Record<string, string>; prepare?: (plugins: string, root: string) => Promise<void> } = {},
): Promise<HostileServe> {
  const tmp: TempDir = await tempDir('jobhook-hostile-serve-');
  const plugins = path.join(tmp.path, 'plugins');
  await mkdir(plugins, { recursive: true });
  await writePackage(path.join(plugins, 'neighbour'), { id: NEIGHBOUR_ID, jobTypes: [GUID_A] });
  await options.prepare?.(plugins, tmp.path);
  const configFile = path.join(tmp.path, 'jobhook.config.json');
  await writeFile(configFile, JSON.stringify({ sandbox: { processes: 1 }, ...options.config }));
  let serve: ServeChild;
  try {
    serve = await spawnServe(['--config', configFile, '--plugins', plugins, '--data-dir', path.join(tmp.path, 'data')], options.env);
  } catch (e) {
    await tmp.dispose();
    throw e;
  }
  const url = serve.url;
  const list = async (): Promise<PluginView[]> => (await request<{ plugins: PluginView[] }>(`${url}/v1/plugins`)).body.plugins;
  const find = async (who: string): Promise<PluginView | undefined> => (await list()).find((p) => p.id === who || path.basename(p.folder) === who);
  const dispatch: HostileServe['dispatch'] = async (jobTypeId, fields = {}) => {
    const res = await request(`${url}/v1/job-completions?wait=20000`, { body: event(jobTypeId, { jobId: randomUUID(), ...fields }) });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.outcomes;
  };
  let stopped: Promise<{ code: number | null; ms: number }> | undefined;
  const stop = (): Promise<{ code: number | null; ms: number }> =>
    (stopped ??= (async () => {
      const started = Date.now();
      serve.child.kill('SIGTERM');
      const code = await Promise.race([serve.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
      if (code === 'hung') {
        serve.child.kill('SIGKILL');
        return { code: null, ms: Infinity };
      }
      return { code, ms: Date.now() - started };
    })());
  return {
    serve,
    url,
    root: tmp.path,
    plugins,
    list,
    refused: (who, code, timeoutMs = 10_000) => waitFor(`${who} refused with ${code}`, async () => {
      const p = await find(who);
      return p?.lastError?.code === code ? p : undefined;
    }, timeoutMs),
    active: (id, timeoutMs = 10_000) => waitFor(`${id} active`, async () => {
      const p = await find(id);
      return p?.state === 'active' && p.lastError === null ? p : undefined;
    }, timeoutMs),
    dispatch,
    expectServing: async () => {
      expect((await request(`${url}/healthz`)).status).to.equal(200);
      const outcomes = await dispatch(GUID_A);
      expect(outcomes.map((o) => [o.plugin, o.outcome])).to.deep.equal([[NEIGHBOUR_ID, 'succeeded']]);
    },
    logText: () => `${serve.lines.map((l) => JSON.stringify(l)).join('\n')}\n${serve.stderr()}`,
    stop,
    close: async () => {
      await stop();
      await tmp.dispose();
    },
  };
}
