import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cliEnv, jobhook as runJobhook, type CliRun } from '../../support/cli-runner.js';
import { GUID_A, event, handlerBundle, manifest, writePlugin } from '../../support/foundation-plugins.js';
import { useTempDir } from '../../support/temp-dir.js';

/** `jobhook args…` from the repository root, logging at info. */
const jobhook = (args: string[], options: { stdin?: string } = {}): Promise<CliRun> => runJobhook(args, { ...options, env: cliEnv({ JOBHOOK_LOG_LEVEL: 'info' }) });

describe('the jobhook command line', function () {
  this.timeout(30_000);
  const tmp = useTempDir();

  describe('validate', () => {
    it('exits 0 and says ok for the example plugins', async () => {
      const run = await jobhook(['validate', 'plugins/inventory-audit', 'plugins/owner-notify']);
      expect(run.code).to.equal(0);
      expect(run.stdout).to.contain('plugins/inventory-audit: ok (example.inventory-audit 1.0.0');
      expect(run.stdout).to.contain('plugins/owner-notify: ok (example.owner-notify 1.0.0');
    });

    it('prints every problem as <dir>: <pointer>: <message> and exits 2', async () => {
      const dir = await writePlugin(tmp.path, 'bad', manifest('Bad', { version: 'one', main: 'missing.js' }), 'x');
      const run = await jobhook(['validate', dir]);
      expect(run.code).to.equal(2);
      const lines = run.stderr.trim().split('\n');
      expect(lines).to.include.members([`${dir}: /main: file 'missing.js' does not exist in the package (build the plugin with 'jobhook-sdk build')`]);
      expect(lines.some((l) => l.startsWith(`${dir}: /id: `))).to.equal(true);
      expect(lines.some((l) => l.startsWith(`${dir}: /version: `))).to.equal(true);
    });
  });

  describe('dispatch', () => {
    it('prints succeeded outcomes for an inventory event to the example plugins and exits 0', async () => {
      const run = await jobhook(['dispatch', '--plugins', 'plugins', 'examples/events/pem-inventory.json']);
      expect(run.code, run.stderr).to.equal(0);
      const outcomes = JSON.parse(run.stdout) as Array<{ plugin: string; outcome: string }>;
      expect(outcomes.map((o) => [o.plugin, o.outcome])).to.deep.equal([['example.inventory-audit', 'succeeded']]);
      // Logs go to stderr as JSON lines, tagged with the plugin, the handler and the job.
      const pluginLine = run.stderr
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'inventory completed');
      expect(pluginLine).to.include({ plugin: 'example.inventory-audit', handler: 'InventoryAudit', jobId: '0b6c3e2a-9f41-4d7e-b1a5-c3d2e1f0a9b8' });
    });

    it('exits 1 when a handler fails: an inventory still failing after 3 retries', async () => {
      const file = path.join(tmp.path, 'failing.json');
      await writeFile(file, JSON.stringify({ ...event(GUID_A), jobResult: 'Failure', currentRetryCount: 3 }));
      const run = await jobhook(['dispatch', '--plugins', 'plugins', file]);
      expect(run.code).to.equal(1);
      expect((JSON.parse(run.stdout) as Array<{ outcome: string }>)[0]!.outcome).to.equal('failed');
    });

    it('reads the event from stdin with -', async () => {
      const run = await jobhook(['dispatch', '--plugins', 'plugins', '-'], { stdin: JSON.stringify(event(GUID_A)) });
      expect(run.code, run.stderr).to.equal(0);
      expect(JSON.parse(run.stdout)).to.have.length(1);
    });

    it('exits 0 with an empty array when no handler matches', async () => {
      const run = await jobhook(['dispatch', '--plugins', 'plugins', '-'], { stdin: JSON.stringify(event('11111111-2222-3333-4444-555555555555')) });
      expect(run.code).to.equal(0);
      expect(JSON.parse(run.stdout)).to.deep.equal([]);
    });

    it('exits 2 with field-level messages for a malformed event', async () => {
      const run = await jobhook(['dispatch', '--plugins', 'plugins', '-'], { stdin: JSON.stringify({ ...event(GUID_A), agentId: 'x' }) });
      expect(run.code).to.equal(2);
      expect(run.stderr).to.match(/-: \/agentId: must be a GUID/);
      expect(run.stdout).to.equal('');
    });

    it('exits 2 when the event file is not JSON', async () => {
      const run = await jobhook(['dispatch', '--plugins', 'plugins', '-'], { stdin: '{ nope' });
      expect(run.code).to.equal(2);
      expect(run.stderr).to.match(/cannot read the event/);
    });

    it('exits 1 and reports the error when a matched handler throws', async () => {
      const plugins = path.join(tmp.path, 'throwing');
      await writePlugin(plugins, 'thrower', manifest('t.cli-thrower'), handlerBundle("throw new Error('boom');"));
      const run = await jobhook(['dispatch', '--plugins', plugins, '-'], { stdin: JSON.stringify(event(GUID_A)) });
      expect(run.code).to.equal(1);
      expect(JSON.parse(run.stdout)[0]).to.deep.include({ outcome: 'error', error: { code: 'HANDLER_THREW', message: 'boom' } });
    });
  });

  it('explains unknown commands with the usage and exits 2', async () => {
    const run = await jobhook(['frobnicate']);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/unknown command 'frobnicate'[\s\S]*jobhook --help/);
  });
});
