import { expect } from 'chai';
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { useTempDir } from '../../support/temp-dir.js';
import { cliEnv, jobhook, jsonLines, loudLines, ROOT, waitForOutput } from '../../support/cli-runner.js';

describe('jobhook serve: signals from the first instant, log formats', function () {
  this.timeout(120_000);
  const tmp = useTempDir('jobhook-serve-cli-');

  const serveArgs = (plugins: string, name: string): string[] => ['serve', '--plugins', plugins, '--listen', '127.0.0.1:0', '--data-dir', path.join(tmp.path, `data-${name}`)];

  it('stops loading on SIGTERM during start-up, closes what it opened and exits 0', async () => {
    const plugins = path.join(tmp.path, 'slow');
    await mkdir(plugins);
    await cp(path.join(ROOT, 'test/fixtures/plugins/slow-load'), path.join(plugins, 'slow-load'), { recursive: true });
    const run = await jobhook([...serveArgs(plugins, 'slow'), '--log-level', 'debug', '--log-format', 'json'], {
      // Sent once a sandbox process is up, i.e. while the 20-second bundle is loading.
      onStart: (child, output) => void waitForOutput(output, /sandbox process ready/).then(() => child.kill('SIGTERM')),
    });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.ms).to.be.below(15_000);
    const lines = jsonLines(run.stdout);
    expect(lines.find((l) => l.msg === 'stopped during start-up')).to.deep.include({ signal: 'SIGTERM' });
    expect(lines.some((l) => l.msg === 'jobhook is serving; watching the plugins folder for changes')).to.equal(false);
    expect(loudLines(run.stdout)).to.deep.equal([]);
  });

  it('stops cleanly on SIGINT sent the moment start-up begins', async () => {
    const run = await jobhook([...serveArgs('plugins', 'instant'), '--log-format', 'json'], {
      onStart: (child, output) => void waitForOutput(output, /loading plugins/).then(() => child.kill('SIGINT')),
    });
    // Without a listener, Node ends the process by the signal (code null).
    expect([run.code, run.signal], run.stderr).to.deep.equal([0, null]);
    expect(jsonLines(run.stdout).some((l) => l.msg === 'stopped during start-up' || l.msg === 'stopped')).to.equal(true);
  });

  it('writes JSON lines when stdout is piped, and human-readable lines with --log-format pretty', async () => {
    const stopWhenServing = (child: import('node:child_process').ChildProcess, output: () => string): void =>
      void waitForOutput(output, /jobhook is serving/).then(() => child.kill('SIGTERM'));
    const json = await jobhook(serveArgs('plugins', 'json'), { onStart: stopWhenServing });
    expect(json.code, json.stderr).to.equal(0);
    const lines = json.stdout.trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line), line).not.to.throw();
    expect(jsonLines(json.stdout).some((l) => l.msg === 'plugin example.inventory-audit 1.0.0 loaded')).to.equal(true);

    const pretty = await jobhook([...serveArgs('plugins', 'pretty'), '--log-format', 'pretty'], { onStart: stopWhenServing, env: cliEnv({ NO_COLOR: '1' }) });
    expect(pretty.code, pretty.stderr).to.equal(0);
    expect(pretty.stdout).to.match(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: plugin example\.inventory-audit 1\.0\.0 loaded \{/m);
    expect(pretty.stdout).not.to.match(/^\{"level"/m);
    // NO_COLOR: no escape sequences.
    expect(pretty.stdout).not.to.contain('\u001b[');
  });

  it('forwards SIGTERM to the host it restarted with --no-node-snapshot for in-process sandboxes, and exits 0 with it', async () => {
    const run = await jobhook([...serveArgs('plugins', 'in-process'), '--log-format', 'json'], {
      env: cliEnv({ JOBHOOK_SANDBOX_MODE: 'in-process' }),
      onStart: (child, output) => void waitForOutput(output, /jobhook is serving/).then(() => child.kill('SIGTERM')),
    });
    expect(run.code, run.stderr).to.equal(0);
    expect(jsonLines(run.stdout).some((l) => l.msg === 'stopped')).to.equal(true);
  });

  it('refuses an unknown --log-format with exit 2', async () => {
    const run = await jobhook([...serveArgs('plugins', 'bad-format'), '--log-format', 'xml']);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain("--log-format must be one of json, pretty (got 'xml')");
  });
});
