// bench/hot-reload in --quick mode runs and reports in the runner's format. Figures on a shared
// machine mean nothing, so nothing here asserts a timing.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSummary } from '../../../bench/support/report.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('bench/hot-reload --quick', function () {
  this.timeout(120_000);

  it('prints its table and ends with a summary comparing drop latency and startup with in-run floors', async () => {
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--no-node-snapshot', '--import', 'tsx', path.join('bench', 'hot-reload.ts'), '--quick'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(run.code, run.stderr).to.equal(0);
    const summary = parseSummary(run.stdout);
    expect(summary?.bench).to.equal('hot-reload');
    const metrics = summary!.rows.map((r) => r.metric);
    for (const mode of ['process sandboxes', 'in-process isolates']) {
      expect(metrics).to.include(`drop by rename → first dispatch p50, ${mode}`);
      expect(metrics).to.include(`drop by copy → first dispatch p95, ${mode}`);
      expect(metrics).to.include(`start watching with 50 plugins, ${mode}`);
    }
    for (const r of summary!.rows) expect(Number.isFinite(r.value), r.metric).to.equal(true);
    const drop = summary!.rows.find((r) => r.metric.startsWith('drop by rename → first dispatch p50'))!;
    expect(drop.baseline?.label).to.equal('direct sync p50');
    expect(drop.goal).to.equal('≤ 300 ms');
  });
});
