// Time to load a plugin (read + validate plugin.json, isolate, SDK runtime, bundle, handler check)
// through the host's registry, against the floor of a bare isolate + context made in the same run.
// Run: node --no-node-snapshot --import tsx bench/load.ts [--quick]
import ivm from 'isolated-vm';
import { createHost, createHostLogger, type Host } from '@jobhook/host';
import { noopPlugins } from './support/noop-plugins.js';
import { emitSummary, isQuick, row, type BenchRow } from './support/report.js';
import { median, summarize } from './support/stats.js';

const quick = isQuick();
const SINGLE = quick ? 5 : 60;
const MANY = quick ? 10 : 100;
const ROUNDS = quick ? 1 : 3;
const silent = createHostLogger({ level: 'silent' });
// Both sandbox modes: worker processes (the default) and isolates in the host's own process.
const MODES = [
  { key: 'process', label: 'process sandboxes' },
  { key: 'in-process', label: 'in-process isolates' },
] as const;
type Mode = (typeof MODES)[number]['key'];

/** Creates a bare isolate and its context: what every plugin load pays before any code runs. */
async function bareIsolate(): Promise<ivm.Isolate> {
  const isolate = new ivm.Isolate({ memoryLimit: 64 });
  await isolate.createContext();
  return isolate;
}

async function timeBareIsolates(count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    const isolate = await bareIsolate();
    out.push(performance.now() - t);
    isolate.dispose();
  }
  return out;
}

// A pause long enough for the sandbox factory to have made its spare isolate again after a load.
const IDLE_MS = 50;

/**
 * Loads and unloads fresh plugin folders one by one through `registry.sync`; returns each load's ms.
 * Back to back (`idleMs` 0) each load finds the spare isolate the previous one took still being made
 * again; with a pause before each, as when an admin drops one plugin into a running host, it is ready.
 */
async function timeSingleLoads(mode: Mode, count: number, idleMs = 0): Promise<{ first: number; rest: number[] }> {
  const folder = await noopPlugins(0);
  let host: Host | undefined;
  try {
    host = await createHost({ config: { pluginsDir: folder.root, sandbox: { mode } }, logger: silent });
    const times: number[] = [];
    for (let i = 0; i < count + 1; i++) {
      const dir = await folder.add(i);
      if (idleMs > 0) await new Promise((resolve) => setTimeout(resolve, idleMs));
      const t = performance.now();
      const change = await host.registry.sync(dir);
      times.push(performance.now() - t);
      if (change.kind !== 'added') throw new Error(`plugin ${i} did not load: ${JSON.stringify(change)}`);
      await host.registry.remove(dir);
    }
    return { first: times[0]!, rest: times.slice(1) };
  } finally {
    await host?.close();
    await folder.dispose();
  }
}

/** Starts a host on a folder of `count` plugins: config, schema, and every load, concurrently as loadAll does. */
async function timeHostStart(mode: Mode, count: number): Promise<number> {
  const folder = await noopPlugins(count);
  try {
    const t = performance.now();
    const host = await createHost({ config: { pluginsDir: folder.root, sandbox: { mode } }, logger: silent });
    const ms = performance.now() - t;
    const active = host.plugins().filter((p) => p.state === 'active').length;
    await host.close();
    if (active !== count) throw new Error(`${active} of ${count} plugins loaded`);
    return ms;
  } finally {
    await folder.dispose();
  }
}

async function timeManyBareIsolates(count: number): Promise<number> {
  const t = performance.now();
  const isolates = await Promise.all(Array.from({ length: count }, bareIsolate));
  const ms = performance.now() - t;
  for (const i of isolates) i.dispose();
  return ms;
}

interface ModeFigures {
  readonly loads: number[];
  readonly idleLoads: number[];
  readonly firsts: number[];
  readonly starts: number[];
}

async function main(): Promise<void> {
  await timeBareIsolates(3); // warm the thread pool and the code paths
  const bare: number[] = [];
  const manyBare: number[] = [];
  const figures = new Map<Mode, ModeFigures>(MODES.map((m) => [m.key, { loads: [], idleLoads: [], firsts: [], starts: [] }]));
  // Rounds interleave floor and host, so load from elsewhere on the machine hits both alike.
  for (let r = 0; r < ROUNDS; r++) {
    bare.push(...(await timeBareIsolates(Math.ceil(SINGLE / ROUNDS))));
    manyBare.push(await timeManyBareIsolates(MANY));
    for (const mode of MODES) {
      const f = figures.get(mode.key)!;
      const single = await timeSingleLoads(mode.key, Math.ceil(SINGLE / ROUNDS));
      f.firsts.push(single.first);
      f.loads.push(...single.rest);
      f.idleLoads.push(...(await timeSingleLoads(mode.key, Math.ceil(SINGLE / ROUNDS), IDLE_MS)).rest);
      f.starts.push(await timeHostStart(mode.key, MANY));
    }
  }
  const b = summarize(bare);
  const rows: BenchRow[] = [row('floor: bare isolate + context p50', b.p50, 'ms'), row(`floor: ${MANY} bare isolates, concurrently`, median(manyBare), 'ms')];
  for (const mode of MODES) {
    const f = figures.get(mode.key)!;
    const l = summarize(f.loads);
    rows.push(
      row(`load one plugin p50, ${mode.label}`, l.p50, 'ms', { label: 'bare isolate', value: b.p50 }, { text: '≤ 5 ms', met: (v) => v <= 5 }),
      row(`load one plugin p95, ${mode.label}`, l.p95, 'ms', { label: 'bare isolate p95', value: b.p95 }),
      row(`load one plugin p50, into an idle host (spare isolate ready), ${mode.label}`, summarize(f.idleLoads).p50, 'ms', { label: 'bare isolate', value: b.p50 }),
      row(`first load in a new host, ${mode.label}`, median(f.firsts), 'ms', { label: 'bare isolate', value: b.p50 }),
      row(
        `start a host with ${MANY} plugins, ${mode.label}`,
        median(f.starts),
        'ms',
        { label: `${MANY} bare isolates`, value: median(manyBare) },
        { text: `≤ ${MANY * 10} ms`, met: (v) => v <= MANY * 10 },
      ),
    );
  }
  emitSummary({ bench: 'load', quick, rows });
}

await main();
