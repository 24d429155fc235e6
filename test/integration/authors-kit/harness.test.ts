// @jobhook/sdk/testing as an author uses it: a scaffolded, built plugin run in a real host sandbox
// against the in-memory fake platform, through the host's real egress.
import { expect } from 'chai';
import { build as esbuild } from 'esbuild';
import { cp, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createHarness, expectLog, expectOutcome, expectRequest, HarnessError, runHandler, type PlatformRoutes } from '@jobhook/sdk/testing';
import { buildPlugin } from '@jobhook/sdk/build';
import { initPlugin } from '../../../sdk/dist/init/index.js';
import { tempDir, type TempDir } from '../../support/temp-dir.js';
import { explain, linkWorkspaceModules, REPO, run } from './kit-support.js';

const HISTORY: PlatformRoutes = {
  'GET OrchestratorJobs/JobHistory': { json: [{ JobID: 'x', Result: 4, Message: 'Store unreachable' }] },
};

async function rejection(p: Promise<unknown>): Promise<HarnessError> {
  try {
    await p;
  } catch (e) {
    return e as HarnessError;
  }
  throw new Error('expected a rejection');
}

describe('authors kit: the @jobhook/sdk/testing harness', function () {
  this.timeout(60_000);
  let tmp: TempDir;
  let plugin: string;
  let n = 0;

  /** A copy of the built scaffold, changed by `edit` (given the copy's folder). */
  async function variant(edit: (dir: string) => Promise<void>): Promise<string> {
    const dir = path.join(tmp.path, `variant-${++n}`);
    await cp(plugin, dir, { recursive: true, filter: (src) => path.basename(src) !== 'node_modules' });
    await linkWorkspaceModules(dir);
    await edit(dir);
    return dir;
  }

  before(async () => {
    tmp = await tempDir('jobhook-harness-test-');
    plugin = path.join(tmp.path, 'audit');
    await initPlugin(plugin, { id: 'acme.harness-audit' });
    await linkWorkspaceModules(plugin);
    await buildPlugin(plugin);
  });
  after(async () => {
    await tmp.dispose();
  });

  it('returns the outcome, what runHandler returned, the plugin logs and the requests the platform received', async () => {
    const run = await runHandler(plugin, { jobResult: 'Failure', jobId: '5d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a' }, { platform: HISTORY });
    expect([run.outcome, run.result, run.error]).to.deep.equal(['succeeded', true, null]);
    expect(run.logs.map((l) => [l.level, l.message, l.fields.message])).to.deep.equal([['warn', 'job failed', 'Store unreachable']]);
    const request = expectRequest(run, 'GET OrchestratorJobs/JobHistory');
    // Keys read as route keys do: `**` is any suffix.
    expect(expectRequest(run, 'GET **')).to.equal(request);
    expect(request.query).to.deep.equal({ 'pq.queryString': 'JobID -eq "5d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a"' });
    // The host adds the platform credentials; the plugin never had them.
    expect(request.headers.authorization).to.equal('Bearer jobhook-harness-token');
  });

  it('applies option overrides over plugin.json config, as an admin would', async () => {
    const defaults = await runHandler(plugin, { jobResult: 'Failure', currentRetryCount: 2 }, { platform: HISTORY });
    const strict = await runHandler(plugin, { jobResult: 'Failure', currentRetryCount: 2 }, { platform: HISTORY, options: { retryThreshold: 2 } });
    expect([defaults.outcome, strict.outcome]).to.deep.equal(['succeeded', 'failed']);
  });

  it('shows in a failed expectation what the plugin requested, what the platform answered and what it logged', async () => {
    const run = await runHandler(plugin, { jobResult: 'Failure' }, { platform: { 'GET OrchestratorJobs/JobHistory': { status: 503, json: { Message: 'maintenance' } } } });
    expect(run.outcome).to.equal('error');
    let message = '';
    try {
      expectOutcome(run, 'succeeded');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.contain("expected handler 'AuditJob' to end 'succeeded' but it ended 'error'");
    expect(message).to.match(/error: \S+: .*503/);
    expect(message).to.contain('GET OrchestratorJobs/JobHistory?pq.queryString=JobID+-eq+');
    expect(message).to.contain('→ 503');
    expect(message).to.contain('plugin logs (0):');
  });

  it('shows requests the host denied, which never reach the platform', async () => {
    const dir = await variant(async (d) => {
      const file = path.join(d, 'plugin.json');
      const m = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      delete m.permissions;
      await writeFile(file, JSON.stringify(m, null, 2));
    });
    const run = await runHandler(dir, { jobResult: 'Failure' }, { platform: HISTORY });
    expect([run.outcome, run.error?.code, run.requests.length]).to.deep.equal(['error', 'EGRESS_DENIED', 0]);
    expect(run.report()).to.match(/platform request denied: GET http:\/\/127\.0\.0\.1:\d+\/KeyfactorAPI\/OrchestratorJobs\/JobHistory/);
  });

  it('ends a handler that outlives its timeout as timeout', async () => {
    const slow: PlatformRoutes = { 'GET OrchestratorJobs/JobHistory': { json: [], delayMs: 1_000 } };
    const run = await runHandler(plugin, { jobResult: 'Failure' }, { platform: slow, limits: { timeoutMs: 200 } });
    expect(run.outcome, run.report()).to.equal('timeout');
  });

  it('keeps one host across runs of a harness and attributes requests and logs to each run', async () => {
    const harness = await createHarness(plugin, { platform: HISTORY });
    try {
      const ok = await harness.run({ jobResult: 'Success' });
      const failed = await harness.run({ jobResult: 'Failure' });
      expect([ok.requests.length, failed.requests.length]).to.deep.equal([0, 1]);
      expectLog(ok, 'job completed', 'info');
      expect(ok.logs).to.have.length(1);
      expectLog(failed, 'job failed', 'warn');
    } finally {
      await harness.close();
    }
  });

  it('refuses an event whose job type none of the handlers runs for, listing theirs', async () => {
    const e = await rejection(runHandler(plugin, { jobTypeId: '0d8cf0c8-56ca-4b8a-b16a-c062018e170d' }));
    expect(e.code).to.equal('HARNESS_NO_MATCHING_HANDLER');
    expect(e.message).to.contain('AuditJob: a809ce1f-1eea-4738-a38e-15708c89c981');
  });

  it('refuses to test a bundle older than its sources, and rebuilds when asked', async () => {
    const dir = await variant(async (d) => {
      const later = new Date(Date.now() + 60_000);
      await utimes(path.join(d, 'src', 'index.ts'), later, later);
    });
    const e = await rejection(runHandler(dir, {}));
    expect(e.code).to.equal('HARNESS_BUNDLE_STALE');
    expect(e.message).to.contain("'dist/plugin.js' is older than src/index.ts: rebuild");
    const run = await runHandler(dir, {}, { build: true });
    expect(run.outcome).to.equal('succeeded');
  });

  it('reports a bundle built by esbuild alone (no decorator metadata) with the host loader’s own code', async () => {
    const dir = await variant(async (d) => {
      await esbuild({
        entryPoints: [path.join(d, 'src', 'index.ts')],
        bundle: true,
        format: 'cjs',
        platform: 'neutral',
        external: ['@jobhook/sdk', 'tsyringe', 'reflect-metadata'],
        outfile: path.join(d, 'dist', 'plugin.js'),
        logLevel: 'silent',
      });
    });
    const e = await rejection(runHandler(dir, {}));
    expect(e.code).to.equal('HARNESS_PLUGIN_REFUSED');
    expect(e.hostError?.code).to.equal('PLUGIN_NO_DECORATOR_METADATA');
    expect(e.message).to.contain('jobhook-sdk build does');
  });

  it('tells an author whose test process lacks --no-node-snapshot what to add', async () => {
    const script = `const { runHandler } = await import('@jobhook/sdk/testing');
try { await runHandler(${JSON.stringify(plugin)}); console.log('ran'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
    const r = await run(process.execPath, ['--input-type=module', '-e', script], REPO);
    expect(r.code, explain(r)).to.equal(0);
    const out = JSON.parse(r.stdout) as { code: string; message: string };
    expect(out.code).to.equal('HARNESS_NEEDS_NO_NODE_SNAPSHOT');
    expect(out.message).to.contain('.mocharc.json → "node-option": ["no-node-snapshot", "import=tsx"]');
  });

  it('works from node:test as well as mocha', async () => {
    const dir = await variant(async (d) => {
      await writeFile(
        path.join(d, 'test', 'node-test.test.ts'),
        `import { test } from 'node:test';
import { expectOutcome, runHandler } from '@jobhook/sdk/testing';
test('succeeds', async () => expectOutcome(await runHandler(new URL('..', import.meta.url), { jobResult: 'Success' }), 'succeeded'));
`,
      );
    });
    const r = await run(process.execPath, ['--no-node-snapshot', '--import', 'tsx', '--test', 'test/node-test.test.ts'], dir);
    expect(r.code, explain(r)).to.equal(0);
    expect(r.stdout).to.match(/# pass 1/);
  });
});
