// Hot reload: from the last byte of a dropped plugin written to its first successful dispatch, for
// an atomic rename and a plain copy, with the watcher at its default timings; against the floor of
// the same load done by a direct `registry.sync` (no watcher) in the same host. Then the start of a
// watching host with 50 plugins, against 50 bare isolates made concurrently in the same run.
// Full mode also sweeps the settle interval: drop latency, and whether a slow copy gets loaded
// half-written (what the interval trades against).
// Run: node --no-node-snapshot --import tsx bench/hot-reload.ts [--quick]
import { randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ivm from 'isolated-vm';
import { createHost, createHostLogger, type Host, type PluginChange } from '@jobhook/host';
import { DEFAULT_WATCH_TIMINGS, type WatchTimings } from '../host/dist/plugins/watch/watch-timings.js';
import { benchEvent, jobTypeOf, noopPlugins } from './support/noop-plugins.js';
import { emitSummary, isQuick, row, type BenchRow } from './support/report.js';
import { median, summarize } from './support/stats.js';

const quick = isQuick();
const DROPS = quick ? 3 : 20;
const STARTS = quick ? 1 : 5;
const START_PLUGINS = 50;
const SWEEP = quick ? [] : [50, 100, 150, 250];
const SWEEP_DROPS = 5;
const silent = createHostLogger({ level: 'silent' });
const MODES = [
  { key: 'process', label: 'process sandboxes' },
  { key: 'in-process', label: 'in-process isolates' },
] as const;
type Mode = (typeof MODES)[number]['key'];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** plugin.json and bundle of a no-op plugin on its own job type. */
function packageFiles(i: number, padBytes = 0): { manifest: string; bundle: string } {
  const jobType = jobTypeOf(i);
  const bundle = `'use strict';
const sdk = require('@jobhook/sdk');
class NoopHandler {
  constructor() { this.jobTypes = ${JSON.stringify(jobType)}; }
  async runHandler(context) { return true; }
}
sdk.jobCompleteHandler('noop')(NoopHandler);
${padBytes ? `/*${'x'.repeat(padBytes)}*/\n` : ''}`;
  const manifest = { id: `bench.hot-${i}`, name: `Hot ${i}`, version: '1.0.0', engine: '^0.1.0', main: 'dist/plugin.js', handlers: [{ name: 'noop', jobTypes: [jobType] }] };
  return { manifest: JSON.stringify(manifest, null, 2), bundle };
}

async function writePackage(dir: string, i: number): Promise<void> {
  const files = packageFiles(i);
  await mkdir(path.join(dir, 'dist'), { recursive: true });
  await writeFile(path.join(dir, 'plugin.json'), files.manifest);
  await writeFile(path.join(dir, 'dist', 'plugin.js'), files.bundle);
}

/** Dispatches to plugin `i`'s job type every 2 ms until it succeeds; returns when it did. */
async function firstSuccess(host: Host, i: number, timeoutMs = 10_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { outcomes } = await host.dispatch({ ...benchEvent(jobTypeOf(i)), jobId: randomUUID() });
    if (outcomes.some((o) => o.outcome === 'succeeded')) return performance.now();
    if (performance.now() > deadline) throw new Error(`plugin ${i} did not serve within ${timeoutMs} ms`);
    await sleep(2);
  }
}

interface Workspace {
  readonly plugins: string;
  readonly staging: string;
  dispose(): Promise<void>;
}

async function workspace(): Promise<Workspace> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'jobhook-hot-bench-'));
  const plugins = path.join(root, 'plugins');
  const staging = path.join(root, 'staging');
  await mkdir(plugins);
  await mkdir(staging);
  return { plugins, staging, dispose: () => rm(root, { recursive: true, force: true }) };
}

interface DropFigures {
  readonly rename: number[];
  readonly copy: number[];
  readonly direct: number[];
}

/** Drops `count` plugins each way into a watching host; and as many loaded by a direct sync. */
async function timeDrops(mode: Mode, count: number, timings: Partial<WatchTimings> = {}): Promise<DropFigures> {
  const ws = await workspace();
  const host = await createHost({ config: { pluginsDir: ws.plugins, sandbox: { mode } }, logger: silent, watch: timings });
  const out: DropFigures = { rename: [], copy: [], direct: [] };
  let n = 0;
  try {
    // Warm up: the first load of a host starts its sandbox processes and compiles the SDK runtime.
    const warm = path.join(ws.staging, `warm-${n}`);
    await writePackage(warm, n);
    await host.registry.sync(warm);
    await firstSuccess(host, n++);
    for (let k = 0; k < count; k++) {
      // Atomic rename: the package is complete under an ignored name; the rename is its last write.
      const a = n++;
      const incoming = path.join(ws.plugins, `.drop-${a}.incoming`);
      await writePackage(incoming, a);
      await rename(incoming, path.join(ws.plugins, `drop-${a}`));
      let t0 = performance.now();
      out.rename.push((await firstSuccess(host, a)) - t0);
      // Plain copy: a recursive copy straight into the plugins folder; its last byte ends the copy.
      const b = n++;
      await writePackage(path.join(ws.staging, `drop-${b}`), b);
      await cp(path.join(ws.staging, `drop-${b}`), path.join(ws.plugins, `drop-${b}`), { recursive: true });
      t0 = performance.now();
      out.copy.push((await firstSuccess(host, b)) - t0);
      // Floor: the same package loaded by the registry directly, then the same first dispatch.
      const c = n++;
      const dir = path.join(ws.staging, `direct-${c}`);
      await writePackage(dir, c);
      t0 = performance.now();
      await host.registry.sync(dir);
      out.direct.push((await firstSuccess(host, c)) - t0);
    }
  } finally {
    await host.close();
    await ws.dispose();
  }
  return out;
}

/** Starts a watching host on 50 plugins: every load, then the watcher ready. */
async function timeStart(mode: Mode, watch: boolean): Promise<number> {
  const folder = await noopPlugins(START_PLUGINS);
  try {
    const t = performance.now();
    const host = await createHost({ config: { pluginsDir: folder.root, sandbox: { mode } }, logger: silent, watch });
    const ms = performance.now() - t;
    const active = host.plugins().filter((p) => p.state === 'active').length;
    await host.close();
    if (active !== START_PLUGINS) throw new Error(`${active} of ${START_PLUGINS} plugins loaded`);
    return ms;
  } finally {
    await folder.dispose();
  }
}

async function timeBareIsolates(count: number): Promise<number> {
  const t = performance.now();
  const isolates = await Promise.all(
    Array.from({ length: count }, async () => {
      const isolate = new ivm.Isolate({ memoryLimit: 64 });
      await isolate.createContext();
      return isolate;
    }),
  );
  const ms = performance.now() - t;
  for (const i of isolates) i.dispose();
  return ms;
}

/**
 * A plain copy whose bundle arrives in 4 pieces 80 ms apart (a slow network copy, no `integrity`):
 * true when the watcher loaded it before it was complete (a refusal came before the add).
 */
async function loadedHalfWritten(timings: Partial<WatchTimings>, count: number): Promise<number> {
  const ws = await workspace();
  const changes: PluginChange[] = [];
  const host = await createHost({ config: { pluginsDir: ws.plugins, sandbox: { mode: 'in-process' } }, logger: silent, watch: timings, onPluginChange: (c) => changes.push(c) });
  let premature = 0;
  try {
    for (let i = 0; i < count; i++) {
      const dir = path.join(ws.plugins, `slow-${i}`);
      const files = packageFiles(i, 64 * 1024);
      await mkdir(path.join(dir, 'dist'), { recursive: true });
      await writeFile(path.join(dir, 'plugin.json'), files.manifest);
      const handle = await open(path.join(dir, 'dist', 'plugin.js'), 'w');
      const size = Math.ceil(files.bundle.length / 4);
      for (let at = 0; at < files.bundle.length; at += size) {
        await handle.write(files.bundle.slice(at, at + size));
        await sleep(80);
      }
      await handle.close();
      await firstSuccess(host, i);
      if (changes.some((c) => c.kind === 'refused' && c.folder === dir)) premature++;
    }
  } finally {
    await host.close();
    await ws.dispose();
  }
  return premature;
}

async function main(): Promise<void> {
  await timeBareIsolates(4); // warm the isolate thread pool
  const rows: BenchRow[] = [];
  const bare: number[] = [];
  const starts = new Map<Mode, { watching: number[]; plain: number[] }>(MODES.map((m) => [m.key, { watching: [], plain: [] }]));
  for (let r = 0; r < STARTS; r++) {
    bare.push(await timeBareIsolates(START_PLUGINS));
    for (const mode of MODES) {
      // Alternate which goes first, so neither always pays the first run's warm-up.
      const s = starts.get(mode.key)!;
      for (const watch of r % 2 === 0 ? [true, false] : [false, true]) (watch ? s.watching : s.plain).push(await timeStart(mode.key, watch));
    }
  }
  for (const mode of MODES) {
    const d = await timeDrops(mode.key, DROPS);
    const floor = summarize(d.direct);
    const ren = summarize(d.rename);
    const copy = summarize(d.copy);
    const floorRef = { label: 'direct sync p50', value: floor.p50 };
    rows.push(
      row(`floor: direct sync + first dispatch p50, ${mode.label}`, floor.p50, 'ms'),
      row(`drop by rename → first dispatch p50, ${mode.label}`, ren.p50, 'ms', floorRef, { text: '≤ 300 ms', met: (v) => v <= 300 }),
      row(`drop by rename → first dispatch p95, ${mode.label}`, ren.p95, 'ms', { label: 'direct sync p95', value: floor.p95 }),
      row(`drop by copy → first dispatch p50, ${mode.label}`, copy.p50, 'ms', floorRef, { text: '≤ 300 ms', met: (v) => v <= 300 }),
      row(`drop by copy → first dispatch p95, ${mode.label}`, copy.p95, 'ms', { label: 'direct sync p95', value: floor.p95 }),
    );
    const s = starts.get(mode.key)!;
    rows.push(
      row(`start watching with ${START_PLUGINS} plugins, ${mode.label}`, median(s.watching), 'ms', { label: `${START_PLUGINS} bare isolates`, value: median(bare) }, { text: '≤ 500 ms', met: (v) => v <= 500 }),
      row(`start without watching, ${START_PLUGINS} plugins, ${mode.label}`, median(s.plain), 'ms', { label: `${START_PLUGINS} bare isolates`, value: median(bare) }),
    );
  }
  rows.unshift(row(`floor: ${START_PLUGINS} bare isolates + contexts, concurrently`, median(bare), 'ms'));
  for (const settleMs of SWEEP) {
    const timings = { ...DEFAULT_WATCH_TIMINGS, settleMs };
    const d = await timeDrops('in-process', SWEEP_DROPS, timings);
    const marker = settleMs === DEFAULT_WATCH_TIMINGS.settleMs ? ' (default)' : '';
    rows.push(
      row(`settle ${settleMs} ms${marker}: drop by rename p50, in-process`, median(d.rename), 'ms', { label: 'direct sync p50', value: median(d.direct) }),
      row(`settle ${settleMs} ms${marker}: slow copies loaded half-written`, await loadedHalfWritten(timings, SWEEP_DROPS), `of ${SWEEP_DROPS}`),
    );
  }
  emitSummary({ bench: 'hot-reload', quick, rows });
}

await main();
