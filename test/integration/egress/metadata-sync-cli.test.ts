import { expect } from 'chai';
import { cp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHost } from '@jobhook/host';
import { bareEnv, jobhook, type CliRun } from '../../support/cli-runner.js';
import { captureLogs } from '../../support/log-capture.js';
import { tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { startFakePlatform, type FakePlatform } from '../../support/fake-platform.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const TOKEN = 'cli-e2e-token-5f1d9a';
const example = path.join(repo, 'examples/events/pem-management-add.json');

/** `jobhook dispatch` as an admin runs it: a child process, credentials from the environment. */
const dispatch = (args: string[], cwd: string): Promise<CliRun> => jobhook(['dispatch', ...args], { cwd, env: bareEnv({ JOBHOOK_PLATFORM_TOKEN: TOKEN }), killAfterMs: 30_000 });

describe('metadata-sync end to end through `jobhook dispatch --platform-url`', function () {
  this.timeout(60_000);
  let platform: FakePlatform;
  let tmp: TempDir;
  let event: Record<string, unknown>;

  before(async () => {
    tmp = await tempDir('jobhook-metadata-sync-');
    event = JSON.parse(await readFile(example, 'utf8')) as Record<string, unknown>;
  });
  after(() => tmp?.dispose());
  beforeEach(async () => {
    platform = await startFakePlatform({ requireAuthorization: `Bearer ${TOKEN}` });
  });
  afterEach(() => platform?.close());

  it('reads the job history and writes the certificate metadata, authenticated by the host', async () => {
    platform.addCertificate({ Id: 4711, Metadata: { Owner: 'pki-team' } });
    platform.addJobHistory({ JobID: event.jobId as string, JobHistoryId: 1, Result: 4, OperationEnd: '2026-11-30T01:00:00Z' });
    platform.addJobHistory({ JobID: event.jobId as string, JobHistoryId: 2, Result: 2, OperationEnd: '2026-11-30T02:05:04Z', AgentMachine: 'pem-orch-01.corp.example.com' });
    platform.addJobHistory({ JobID: '11111111-2222-3333-4444-555555555555', JobHistoryId: 3, Result: 4 });

    const run = await dispatch(['--plugins', path.join(repo, 'plugins'), '--platform-url', platform.url, example], tmp.path);
    expect(run.code, run.stderr).to.equal(0);
    const outcomes = JSON.parse(run.stdout) as Array<{ plugin: string; outcome: string }>;
    expect(outcomes.find((o) => o.plugin === 'example.metadata-sync')?.outcome).to.equal('succeeded');

    const [history] = platform.requestsTo('GET', 'OrchestratorJobs/JobHistory');
    expect(history?.query['pq.queryString']).to.equal(`JobID -eq "${event.jobId as string}"`);
    const [put] = platform.requestsTo('PUT', 'Certificates/Metadata');
    expect(JSON.parse(put!.body)).to.deep.equal({
      Id: 4711,
      Metadata: { LastJobId: event.jobId, LastJobResult: 'Success', LastJobCompleted: '2026-11-30T02:05:04Z', LastJobAgent: 'pem-orch-01.corp.example.com' },
    });
    expect(platform.certificate(4711)?.Metadata).to.deep.equal({
      Owner: 'pki-team',
      LastJobId: event.jobId,
      LastJobResult: 'Success',
      LastJobCompleted: '2026-11-30T02:05:04Z',
      LastJobAgent: 'pem-orch-01.corp.example.com',
    });
    for (const r of platform.requests) {
      expect(r.headers.authorization).to.equal(`Bearer ${TOKEN}`);
      expect(r.headers['x-keyfactor-requested-with']).to.equal('APIClient');
    }
    expect(run.stderr).to.match(/"source":"egress".*"method":"PUT".*"status":204/);
    expect(run.stderr).not.to.contain(TOKEN);
  });

  it('reports failure (exit 1, outcome failed) when the platform answers 4xx', async () => {
    platform.addJobHistory({ JobID: event.jobId as string });
    const run = await dispatch(['--plugins', path.join(repo, 'plugins'), '--platform-url', platform.url, example], tmp.path);
    expect(run.code).to.equal(1);
    const outcomes = JSON.parse(run.stdout) as Array<{ plugin: string; outcome: string }>;
    expect(outcomes.find((o) => o.plugin === 'example.metadata-sync')?.outcome).to.equal('failed');
    expect(run.stderr).to.contain('the platform refused a metadata-sync call');
    expect(run.stderr).to.contain('Certificate ID 4711 was not found');
  });

  it('records a re-enrollment, which Keyfactor reports with OperationType Unknown (in process)', async () => {
    platform.addCertificate({ Id: 98 });
    const plugins = path.join(tmp.path, 'plugins');
    await cp(path.join(repo, 'plugins/metadata-sync'), path.join(plugins, 'metadata-sync'), { recursive: true, filter: (src) => !src.includes('node_modules') });
    const host = await createHost({ config: { pluginsDir: plugins, platform: { url: platform.url, auth: { type: 'bearer', token: TOKEN } } }, logger: captureLogs().logger });
    try {
      const reenroll = { ...event, jobType: 'PEMReenrollment', jobTypeId: 'C4E0B8A2-5D1F-4E7A-9B3C-2F6D8E0A1B57', operationType: 'Unknown', certificateId: 98 };
      const { outcomes } = await host.dispatch(reenroll);
      expect(outcomes.map((o) => o.outcome)).to.deep.equal(['succeeded']);
    } finally {
      await host.close();
    }
    // No history entry: the event's own result and agent are recorded.
    expect(platform.certificate(98)?.Metadata).to.deep.equal({ LastJobId: event.jobId, LastJobResult: 'Success', LastJobAgent: 'pem-orch-01.corp.example.com' });
  });
});
