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
import { emitSummary, isQuick, row } from './support/report.js';
import { collectGarbage } from './support/stats.js';

const quick = isQuick();
const COUNT = quick ? 10 : 100;
const MB = 1024 * 1024;

/** What one phase measured, per plugin (or per bare isolate), in bytes. */
interface PhaseResult {
  readonly rssPerUnit: number;
  readonly heapPerUnit: number;
}

async function settledRss(): Promise<number> {
  await collectGarbage();
  await new Promise((r) => setTimeout(r, 200));
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

async function phaseHost(count: number): Promise<PhaseResult> {
  const logger = createHostLogger({ level: 'silent' });
  // A host with one plugin first, so host code, the schema and the code cache are in "before".
  const warmFolder = await noopPlugins(1);
  const warm = await createHost({ config: { pluginsDir: warmFolder.root }, logger });
  const folder = await noopPlugins(count);
  try {
    const before = await settledRss();
    const host = await createHost({ config: { pluginsDir: folder.root }, logger });
    try {
      const after = await settledRss();
      let heap = 0;
      for (const p of host.plugins()) {
        const instance = host.registry.instance(p.id);
        if (!instance) throw new Error(`plugin ${p.id} is not loaded: ${JSON.stringify(p.lastError)}`);
        heap += (await instance.stats()).heapUsedBytes;
      }
      // The warm host's second runtime code cache is part of "after" too; it is ~one cache, negligible per plugin.
      return { rssPerUnit: (after - before) / count, heapPerUnit: heap / count };
    } finally {
      await host.close();
    }
  } finally {
    await warm.close();
    await warmFolder.dispose();
    await folder.dispose();
  }
}

/** Runs one phase in a fresh process (this script with --phase) and reads its JSON answer. */
function runPhase(phase: 'bare' | 'host'): Promise<PhaseResult> {
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
if (phaseArg === 'bare' || phaseArg === 'host') {
  const result = phaseArg === 'bare' ? await phaseBare(COUNT) : await phaseHost(COUNT);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const bare = await runPhase('bare');
  const host = await runPhase('host');
  emitSummary({
    bench: 'memory',
    quick,
    rows: [
      row(`floor: RSS per bare isolate + context (${COUNT})`, bare.rssPerUnit / MB, 'MB'),
      row(
        `RSS per idle plugin (${COUNT} loaded)`,
        host.rssPerUnit / MB,
        'MB',
        { label: 'bare isolate', value: bare.rssPerUnit / MB },
        { text: '≤ 3 MB', met: (v) => v <= 3 },
      ),
      row('floor: heap per bare isolate', bare.heapPerUnit / MB, 'MB'),
      row('isolate heap per idle plugin', host.heapPerUnit / MB, 'MB', { label: 'bare isolate', value: bare.heapPerUnit / MB }),
    ],
  });
}
