// Where isolates run, as the admin's `sandbox` config decides: a pool of worker processes by default
// (one per CPU), or the host's own process.
import { expect } from 'chai';
import { cp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHost, type HostConfigInput } from '@jobhook/host';
import { captureLogs } from '../../support/log-capture.js';
import { event, tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { fixture, WELL_JOB_TYPE, workerPids } from './isolation-harness.js';

describe('sandbox modes', function () {
  this.timeout(30_000);
  let tmp: TempDir;

  before(async () => {
    tmp = await tempDir('jobhook-modes-');
    await cp(fixture('isolation-well-behaved'), path.join(tmp.path, 'well-behaved'), { recursive: true });
  });
  after(async () => {
    await tmp.dispose();
  });

  it('runs isolates in a pool of worker processes, one per CPU, by default, and ends them on close', async () => {
    expect(workerPids()).to.deep.equal([]);
    const host = await createHost({ config: { pluginsDir: tmp.path }, logger: captureLogs().logger });
    try {
      expect(host.config.sandbox.mode).to.equal('process');
      expect(workerPids()).to.have.length(os.availableParallelism());
      const { outcomes } = await host.dispatch(event(WELL_JOB_TYPE));
      expect(outcomes.map((o) => o.outcome)).to.deep.equal(['succeeded']);
    } finally {
      await host.close();
    }
    expect(workerPids(), 'worker processes after close').to.deep.equal([]);
  });

  it("runs isolates in the host's own process when the admin chooses in-process", async () => {
    const host = await createHost({ config: { pluginsDir: tmp.path, sandbox: { mode: 'in-process' } }, logger: captureLogs().logger });
    try {
      expect(workerPids()).to.deep.equal([]);
      const { outcomes } = await host.dispatch(event(WELL_JOB_TYPE));
      expect(outcomes.map((o) => o.outcome)).to.deep.equal(['succeeded']);
    } finally {
      await host.close();
    }
  });

  it('refuses an unknown sandbox mode, naming the field', async () => {
    const error = await createHost({ config: { pluginsDir: tmp.path, sandbox: { mode: 'threads' } } as unknown as HostConfigInput }).catch((e: unknown) => e);
    expect(error).to.include({ code: 'CONFIG_INVALID' });
    expect((error as Error).message).to.match(/\/sandbox\/mode/);
    expect(workerPids()).to.deep.equal([]);
  });
});
