// The bench scripts in --quick mode: each runs, prints its table and ends with the summary line the
// runner reads. Figures on a shared CI machine mean nothing, so nothing here asserts a timing.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSummary } from '../../bench/support/report.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function node(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', '--import', 'tsx', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the benchmark suite in --quick mode', function () {
  this.timeout(60_000);

  for (const name of ['dispatch', 'load', 'memory', 'egress', 'hot-reload', 'intake', 'sandbox-hop', 'poller', 'cluster']) {
    it(`bench/${name} prints its table and ends with a summary whose rows compare with an in-run floor`, async function () {
      // cluster starts a PostgreSQL server and seven serve processes.
      if (name === 'cluster') this.timeout(240_000);
      const run = await node([path.join('bench', `${name}.ts`), '--quick']);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/^bench\s+metric\s+value\s+baseline \(floor\)\s+ratio\s+goal\s+met\?/m);
      const summary = parseSummary(run.stdout);
      expect(summary, 'last stdout line is the JSON summary').to.not.equal(null);
      expect(summary!.bench).to.equal(name);
      expect(summary!.quick).to.equal(true);
      expect(summary!.rows.length).to.be.greaterThan(2);
      for (const r of summary!.rows) expect(Number.isFinite(r.value), `${r.metric} is a number`).to.equal(true);
      const compared = summary!.rows.filter((r) => r.baseline !== null && r.ratio !== null);
      expect(compared.length, 'rows with a floor and a ratio').to.be.greaterThan(0);
      expect(summary!.rows.some((r) => r.goal !== null && typeof r.met === 'boolean'), 'a row states its goal and whether it is met').to.equal(true);
    });
  }

  it('npm run bench runs the chosen scripts in child processes and prints one combined table', async () => {
    const run = await node([path.join('bench', 'run.ts'), '--quick', '--only', 'load']);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.contain('machine: ');
    expect(run.stdout).to.match(/^load\s+load one plugin p50\b.*\d ms/m);
    expect(run.stdout).to.match(/goal\(s\) met, \d+ not met, 0 bench\(es\) failed/);
  });

  it('npm run bench refuses an unknown bench name and lists the available ones', async () => {
    const run = await node([path.join('bench', 'run.ts'), '--quick', '--only', 'no-such-bench']);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain('unknown bench(es): no-such-bench');
    expect(run.stderr).to.match(/available: .*\bdispatch\b.*\bload\b/);
  });
});
