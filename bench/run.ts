// Runs every bench script (bench/<name>.ts), each in its own child process so isolates, sandbox
// processes and heaps of one bench cannot disturb the next, and prints one table of all their rows.
// Usage: npm run bench [-- --quick] [-- --only dispatch,load] [-- --json results.json] [-- --strict]
import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine, machineInfo } from './support/machine.js';
import { formatTable, parseSummary, rowCells, TABLE_HEADER, type BenchRow, type BenchSummary } from './support/report.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
// The suite's own benches first, in this order; the rest alphabetically.
const PREFERRED = ['dispatch', 'load', 'memory'];
const NODE_FLAGS = ['--no-node-snapshot', '--expose-gc', '--import', 'tsx'];

interface Options {
  readonly quick: boolean;
  readonly only: readonly string[] | null;
  readonly json: string | null;
  readonly strict: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const value = (flag: string): string | null => {
    const i = argv.indexOf(flag);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1]! : null;
  };
  const only = value('--only');
  return { quick: argv.includes('--quick'), only: only ? only.split(',').map((s) => s.trim()) : null, json: value('--json'), strict: argv.includes('--strict') };
}

/** Bench names: every `bench/<name>.ts` except this runner and dot/underscore files (scratch). */
function discoverBenches(dir: string = BENCH_DIR): string[] {
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.ts') && !d.name.endsWith('.d.ts') && !/^[._]/.test(d.name) && d.name !== 'run.ts')
    .map((d) => d.name.slice(0, -3));
  const rank = (n: string): number => (PREFERRED.includes(n) ? PREFERRED.indexOf(n) : PREFERRED.length);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

interface Outcome {
  readonly name: string;
  readonly seconds: number;
  readonly summary: BenchSummary | null;
  readonly failure: string | null;
}

function runOne(name: string, options: Options): Promise<Outcome> {
  const started = performance.now();
  const timeoutMs = (options.quick ? 3 : 20) * 60_000;
  // Its own process group, so a timeout also ends whatever the bench started (sandbox processes…).
  const child = spawn(process.execPath, [...NODE_FLAGS, path.join(BENCH_DIR, `${name}.ts`), ...(options.quick ? ['--quick'] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  }, timeoutMs);
  return new Promise((resolve) => {
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ name, seconds: 0, summary: null, failure: `could not start: ${e.message}` });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      const summary = parseSummary(stdout);
      let failure: string | null = null;
      if (timedOut) failure = `timed out after ${timeoutMs / 60_000} min`;
      else if (code !== 0) failure = `exited with ${signal ?? `code ${code}`}`;
      else if (!summary) failure = 'printed no summary line (see bench/README.md, "The contract")';
      resolve({ name, seconds, summary, failure });
    });
  });
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const all = discoverBenches();
  const unknown = (options.only ?? []).filter((n) => !all.includes(n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown bench(es): ${unknown.join(', ')}; available: ${all.join(', ')}\n`);
    process.exit(2);
  }
  const names = options.only ? all.filter((n) => options.only!.includes(n)) : all;
  const before = machineInfo();
  process.stderr.write(`bench${options.quick ? ' --quick' : ''} on ${describeMachine(before)}\n`);
  const outcomes: Outcome[] = [];
  for (const name of names) {
    process.stderr.write(`▸ ${name} …\n`);
    const outcome = await runOne(name, options);
    process.stderr.write(`  ${name}: ${outcome.failure ?? 'done'} (${outcome.seconds.toFixed(1)} s)\n`);
    outcomes.push(outcome);
  }
  const cells: string[][] = [];
  for (const o of outcomes) {
    if (o.summary) for (const r of o.summary.rows) cells.push(rowCells(o.name, r));
    if (o.failure) cells.push([o.name, `FAILED: ${o.failure}`, '', '', '', '', 'NO']);
  }
  const after = machineInfo();
  process.stdout.write(`\nJobHook bench${options.quick ? ' (--quick: smoke figures, not meaningful)' : ''}\n`);
  process.stdout.write(`machine: ${describeMachine(after)} (at start: ${before.loadAverage.join(' ')})\n\n`);
  process.stdout.write(`${formatTable(TABLE_HEADER, cells)}\n`);
  const rows: BenchRow[] = outcomes.flatMap((o) => o.summary?.rows ?? []);
  const unmet = rows.filter((r) => r.met === false).length;
  const failed = outcomes.filter((o) => o.failure).length;
  process.stdout.write(`\n${rows.filter((r) => r.met !== null).length - unmet} goal(s) met, ${unmet} not met, ${failed} bench(es) failed\n`);
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify({ machine: { before, after }, quick: options.quick, results: outcomes }, null, 2)}\n`);
  }
  process.exitCode = failed > 0 || (options.strict && unmet > 0) ? 1 : 0;
}

await main();
