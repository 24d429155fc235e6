import { expect } from 'chai';
import type { ChildProcess } from 'node:child_process';
import { spawnServe } from '../../support/service-harness.js';
import { useTempDir } from '../../support/temp-dir.js';
import { waitFor } from '../../support/wait-for.js';

describe('jobhook serve', function () {
  this.timeout(30_000);
  const tmp = useTempDir();
  let child: ChildProcess | undefined;
  after(() => {
    // A failed assertion must not leave the host running.
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('logs each example plugin as loaded, then stops cleanly on SIGTERM', async () => {
    const serve = await spawnServe(['--plugins', 'plugins', '--data-dir', tmp.path]);
    child = serve.child;
    const loaded = (plugin: string): Record<string, unknown> | undefined => serve.lines.find((l) => l.plugin === plugin && / loaded$/.test(String(l.msg)));
    await waitFor(() => loaded('example.inventory-audit') && loaded('example.owner-notify'), { what: () => `both example plugins logged as loaded (stderr: ${serve.stderr()})`, timeoutMs: 15_000 });
    const audit = loaded('example.inventory-audit');
    expect(audit).to.deep.include({ version: '1.0.0', handlers: ['InventoryAudit'] });
    expect(audit?.jobTypes).to.include('a809ce1f-1eea-4738-a38e-15708c89c981');
    serve.child.kill('SIGTERM');
    expect(await serve.exited).to.equal(0);
    expect(serve.lines.some((l) => l.msg === 'stopped')).to.equal(true);
  });
});
