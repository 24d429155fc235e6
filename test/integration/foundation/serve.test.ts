import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir, type TempDir } from '../../support/foundation-plugins.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('jobhook serve', function () {
  this.timeout(30_000);
  let tmp: TempDir;
  let child: ChildProcess | undefined;
  before(async () => (tmp = await tempDir()));
  after(async () => {
    // A failed assertion must not leave the host running.
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await tmp.dispose();
  });

  it('logs each example plugin as loaded, then stops cleanly on SIGTERM', async () => {
    const serve = spawn(
      process.execPath,
      ['--no-node-snapshot', path.join(root, 'host/dist/main.js'), 'serve', '--plugins', 'plugins', '--listen', '127.0.0.1:0', '--data-dir', tmp.path],
      { cwd: root, env: { ...process.env, JOBHOOK_LOG_LEVEL: 'info' } },
    );
    child = serve;
    const lines: Array<Record<string, unknown>> = [];
    let buffer = '';
    let stderr = '';
    serve.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const loaded = new Promise<void>((resolve) => {
      serve.stdout.on('data', (d: Buffer) => {
        buffer += d.toString();
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
        }
        const names = new Set(lines.filter((l) => typeof l.msg === 'string' && / loaded$/.test(l.msg)).map((l) => l.plugin));
        if (names.has('example.inventory-audit') && names.has('example.owner-notify')) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => serve.on('exit', (code) => resolve(code)));
    await Promise.race([loaded, exited.then(() => Promise.reject(new Error(`serve exited early: ${stderr}`)))]);
    const audit = lines.find((l) => l.plugin === 'example.inventory-audit' && / loaded$/.test(String(l.msg)));
    expect(audit).to.deep.include({ version: '1.0.0', handlers: ['InventoryAudit'] });
    expect(audit?.jobTypes).to.include('a809ce1f-1eea-4738-a38e-15708c89c981');
    serve.kill('SIGTERM');
    expect(await exited).to.equal(0);
    expect(lines.some((l) => l.msg === 'stopped')).to.equal(true);
  });
});
