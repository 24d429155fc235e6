import { expect } from 'chai';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { event } from '../../support/foundation-plugins.js';
import { useTempDir } from '../../support/temp-dir.js';
import { cliEnv, jobhook, loudLines, ROOT, waitForOutput } from '../../support/cli-runner.js';

const FIXTURES = path.join(ROOT, 'test/fixtures/plugins');
/** The job type the hostile and slow fixtures are registered for. */
const FIXTURE_JOB_TYPE = 'e1a7c3d2-5b4f-4a69-9c8e-7d6f5a4b3c21';

describe('jobhook dispatch: refusals, signals, deadline and shutdown', function () {
  this.timeout(180_000);
  const tmp = useTempDir('jobhook-dispatch-cli-');

  async function pluginsWith(name: string, ...fixtures: string[]): Promise<string> {
    const dir = path.join(tmp.path, name);
    await mkdir(dir);
    for (const f of fixtures) await cp(path.join(FIXTURES, f), path.join(dir, f), { recursive: true });
    return dir;
  }

  it('reports a plugin refused at load on stderr and exits 2 when the event routes to it', async () => {
    const plugins = await pluginsWith('refused', 'hostile-constructor-throws', 'isolation-well-behaved');
    const routed = await jobhook(['dispatch', '--plugins', plugins, '--log-level', 'silent', '-'], { stdin: JSON.stringify(event(FIXTURE_JOB_TYPE)) });
    expect(routed.code, routed.stderr).to.equal(2);
    expect(routed.stderr).to.match(/^jobhook dispatch: plugin hostile\.constructor-throws refused: HANDLER_CONSTRUCTION_FAILED: .* \(the event routes to it\)$/m);
    expect(routed.stderr.trim().split('\n')).to.have.length(1);
  });

  it('still reports the refusal, but exits by the outcomes, when the event routes elsewhere', async () => {
    const plugins = await pluginsWith('refused-elsewhere', 'hostile-constructor-throws');
    const run = await jobhook(['dispatch', '--plugins', plugins, '--log-level', 'silent', 'examples/events/pem-inventory.json']);
    expect(run.code, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.deep.equal([]);
    expect(run.stderr).to.match(/^jobhook dispatch: plugin hostile\.constructor-throws refused: HANDLER_CONSTRUCTION_FAILED: [^(]*$/m);
  });

  it('stops on SIGTERM while plugins load: exits 143 at once instead of waiting for the load', async () => {
    const plugins = await pluginsWith('slow', 'slow-load');
    const file = path.join(tmp.path, 'slow-event.json');
    await writeFile(file, JSON.stringify(event(FIXTURE_JOB_TYPE)));
    const run = await jobhook(['dispatch', '--plugins', plugins, '--log-level', 'debug', '--log-format', 'json', file], {
      onStart: (child, output) => void waitForOutput(output, /sandbox process ready/).then(() => child.kill('SIGTERM')),
    });
    // The bundle takes 20 s to load; stopping must not wait for it.
    expect(run.code, run.stderr).to.equal(143);
    expect(run.ms).to.be.below(15_000);
    expect(run.stdout).to.equal('');
  });

  it('ends on its own --timeout with DISPATCH_TIMEOUT and exit 1', async () => {
    const plugins = await pluginsWith('slow-timeout', 'slow-load');
    const run = await jobhook(['dispatch', '--plugins', plugins, '--timeout', '1s', '-'], { stdin: JSON.stringify(event(FIXTURE_JOB_TYPE)) });
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stderr).to.match(/^jobhook dispatch: DISPATCH_TIMEOUT: did not finish within 1000 ms/m);
    expect(run.ms).to.be.below(15_000);
  });

  it('runs in-process sandboxes without --no-node-snapshot on the command line (it restarts itself with the flag)', async () => {
    const run = await jobhook(['dispatch', '--plugins', 'plugins', '--log-level', 'silent', 'examples/events/pem-inventory.json'], { env: cliEnv({ JOBHOOK_SANDBOX_MODE: 'in-process' }) });
    expect(run.code, run.stderr).to.equal(0);
    expect((JSON.parse(run.stdout) as Array<{ outcome: string }>).map((o) => o.outcome)).to.deep.equal(['succeeded']);
  });

  it('ends twenty dispatches in a row, each with its outcomes and not one warning', async () => {
    // One example plugin alone, so any warning is about the run itself (start-up, dispatch, shutdown).
    const plugins = path.join(tmp.path, 'one-example');
    await mkdir(plugins);
    await cp(path.join(ROOT, 'plugins/inventory-audit'), path.join(plugins, 'inventory-audit'), { recursive: true });
    for (let i = 0; i < 20; i++) {
      const run = await jobhook(['dispatch', '--plugins', plugins, '--log-format', 'json', 'examples/events/pem-inventory.json'], { killAfterMs: 60_000 });
      expect(run.signal, `run ${i}: killed after 60 s\n${run.stderr}`).to.equal(null);
      expect(run.code, `run ${i}\n${run.stderr}`).to.equal(0);
      expect((JSON.parse(run.stdout) as Array<{ outcome: string }>).map((o) => o.outcome)).to.deep.equal(['succeeded']);
      const loud = loudLines(run.stderr);
      expect(loud, `run ${i}`).to.deep.equal([]);
      expect(run.stderr.split('\n').filter((l) => l && !l.startsWith('{')), `run ${i}`).to.deep.equal([]);
    }
  });
});
