// Memory per loaded idle plugin (RSS of the host's process tree, and isolate heap) with many plugins
// loaded, against bare isolates + contexts. Each side is measured in a fresh child process, because a
// process's RSS does not shrink back after isolates are disposed.
// Run: node --no-node-snapshot --expose-gc --import tsx bench/memory.ts [--quick]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import ivm from 'isolated-vm';
import { createHost, createHostLogger } from '@jobhook/host';
import { noopPlugins } from './support/noop-plugins.js';
import { treeRssBytes } from './support/process-tree.js';
import { emitSummary, isQuick, row, type BenchRow } from './support/report.js';
import { collectGarbage } from './support/stats.js';

const quick = isQuick();
const COUNT = quick ? 10 : 100;
const MB = 1024 * 1024;

/** What one phase measured, per plugin (or per bare isolate), in bytes. */
interface PhaseResult {
  readonly rssPerUnit: number;
  readonly heapPerUnit: number;
  /** What the host with its first plugin costs before any more are loaded (sandbox processes included). */
  readonly fixed?: number;
}

// Both sandbox modes: worker processes (the default; their RSS counts) and isolates in the host's process.
const MODES = [
  { key: 'process', label: 'process sandboxes' },
  { key: 'in-process', label: 'in-process isolates' },
] as const;
type Mode = (typeof MODES)[number]['key'];

async function settledRss(): Promise<number> {
  await collectGarbage();
  await new Promise((r) => setTimeout(r, quick ? 50 : 200));
  await collectGarbage();
  return treeRssBytes();
}

async function phaseBare(count: number): Promise<PhaseResult> {
  // One isolate first, so the thread pool and isolated-vm's own setup are in the "before" figure.
  const warm = new ivm.Isolate({ memoryLimit: 64 });
  await warm.createContext();
  const before = await settledRss();
  const isolates: ivm.Isolate[] = [];
  for (let i = 0; i < count; i++) {
    const isolate = new ivm.Isolate({ memoryLimit: 64 });
    await isolate.createContext();
    isolates.push(isolate);
  }
  const after = await settledRss();
  let heap = 0;
  for (const i of isolates) {
    const s = await i.getHeapStatistics();
    heap += s.used_heap_size + s.externally_allocated_size;
  }
  for (const i of [warm, ...isolates]) i.dispose();
  return { rssPerUnit: (after - before) / count, heapPerUnit: heap / count };
}

async function phaseHost(mode: Mode, count: number): Promise<PhaseResult> {
  const logger = createHostLogger({ level: 'silent' });
  const folder = await noopPlugins(1);
  try {
    const start = await settledRss();
    // One plugin first, so host code, the schema, the code cache and the sandbox processes are in "before".
    const host = await createHost({ config: { pluginsDir: folder.root, sandbox: { mode } }, logger });
    try {
      const before = await settledRss();
      const dirs = await Promise.all(Array.from({ length: count }, (_, i) => folder.add(i + 1)));
      const changes = await Promise.all(dirs.map((d) => host.registry.sync(d)));
      const refused = changes.find((c) => c.kind !== 'added');
      if (refused) throw new Error(`a plugin did not load: ${JSON.stringify(refused)}`);
      const after = await settledRss();
      let heap = 0;
      for (const p of host.plugins()) {
        const instance = host.registry.instance(p.id);
        if (!instance) throw new Error(`plugin ${p.id} is not loaded: ${JSON.stringify(p.lastError)}`);
        if (p.id !== 'bench.noop-0') heap += (await instance.stats()).heapUsedBytes;
      }
      return { rssPerUnit: (after - before) / count, heapPerUnit: heap / count, fixed: before - start };
    } finally {
      await host.close();
    }
  } finally {
    await folder.dispose();
  }
}

/** Runs one phase in a fresh process (this script with --phase) and reads its JSON answer. */
function runPhase(phase: 'bare' | Mode): Promise<PhaseResult> {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), `--phase=${phase}`, ...(quick ? ['--quick'] : [])];
  const execArgv = args.includes('--expose-gc') ? args : ['--expose-gc', ...args];
  const child = spawn(process.execPath, execArgv, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`memory phase '${phase}' exited with code ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as PhaseResult);
    });
  });
}

const phaseArg = process.argv.find((a) => a.startsWith('--phase='))?.slice('--phase='.length);
if (phaseArg !== undefined) {
  const mode = MODES.find((m) => m.key === phaseArg)?.key;
  const result = mode ? await phaseHost(mode, COUNT) : await phaseBare(COUNT);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const bare = await runPhase('bare');
  const rows: BenchRow[] = [row(`floor: RSS per bare isolate + context (${COUNT})`, bare.rssPerUnit / MB, 'MB'), row('floor: heap per bare isolate', bare.heapPerUnit / MB, 'MB')];
  for (const mode of MODES) {
    const host = await runPhase(mode.key);
    rows.push(
      row(`RSS per idle plugin (${COUNT} loaded), ${mode.label}`, host.rssPerUnit / MB, 'MB', { label: 'bare isolate', value: bare.rssPerUnit / MB }, { text: '≤ 3 MB', met: (v) => v <= 3 }),
      row(`isolate heap per idle plugin, ${mode.label}`, host.heapPerUnit / MB, 'MB', { label: 'bare isolate', value: bare.heapPerUnit / MB }),
      row(`host with its first plugin (fixed cost), ${mode.label}`, (host.fixed ?? 0) / MB, 'MB'),
    );
  }
  emitSummary({ bench: 'memory', quick, rows });
}
