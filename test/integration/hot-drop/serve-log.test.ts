import { expect } from 'chai';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { dropByRename, writePackage } from '../../support/plugin-folders.js';
import { waitFor } from '../../support/wait-for.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('jobhook serve with hot drop', function () {
  this.timeout(30_000);
  let tmp: TempDir;
  let child: ChildProcessWithoutNullStreams | undefined;
  before(async () => (tmp = await tempDir('jobhook-serve-hot-')));
  after(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await tmp.dispose();
  });

  it('logs each plugin added, replaced, refused (with why, and what keeps serving) and removed while it runs', async () => {
    const plugins = path.join(tmp.path, 'plugins');
    await mkdir(plugins);
    const proc = spawn(
      process.execPath,
      ['--no-node-snapshot', path.join(root, 'host/dist/main.js'), 'serve', '--plugins', plugins, '--listen', '127.0.0.1:0', '--data-dir', path.join(tmp.path, 'data')],
      { cwd: tmp.path, env: { ...process.env, JOBHOOK_LOG_LEVEL: 'info' } },
    );
    child = proc;
    const lines: Array<Record<string, unknown>> = [];
    let buffer = '';
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim().startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    });
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    const logged = (change: string, extra: (l: Record<string, unknown>) => boolean = () => true) =>
      waitFor(() => lines.find((l) => l.change === change && extra(l)), { what: () => `a '${change}' log line (stderr: ${stderr})`, timeoutMs: 15_000 });

    await waitFor(() => lines.some((l) => String(l.msg).startsWith('jobhook is serving')) || proc.exitCode !== null, { what: 'serve to start', timeoutMs: 15_000 });
    expect(proc.exitCode, stderr).to.equal(null);

    await dropByRename(plugins, 'audit', { id: 't.audit' });
    expect((await logged('added')).msg).to.equal('plugin t.audit 1.0.0 added');

    await writePackage(path.join(plugins, 'audit'), { id: 't.audit', version: '2.0.0' });
    expect((await logged('replaced')).msg).to.equal('plugin t.audit replaced 1.0.0 → 2.0.0');

    await writePackage(path.join(plugins, 'audit'), { id: 't.audit', version: '3.0.0', bundle: "throw new Error('cannot start');" });
    const refused = await logged('refused');
    expect(refused.level).to.equal(50);
    expect(refused.msg).to.match(/^plugin t\.audit refused: PLUGIN_BUNDLE_THREW: Loading plugin 't\.audit' 3\.0\.0 failed: .*cannot start.* \(version 2\.0\.0 keeps serving\)$/);

    await rm(path.join(plugins, 'audit'), { recursive: true, force: true });
    expect((await logged('removed')).msg).to.equal('plugin t.audit 2.0.0 removed');

    proc.kill('SIGTERM');
    expect(await exited).to.equal(0);
  });
});
