import { expect } from 'chai';
import { createHarness, type PluginHarness, type PlatformRoutes } from '@jobhook/sdk/testing';

const INVENTORY = '1c0dd4a5-94b7-4d2c-8a3e-6f1b2c3d4e5f';
const MANAGEMENT = '2d1ee5b6-a5c8-4e3d-9b4f-7a2c3d4e5f60';
const REENROLLMENT = '3e2ff6c7-b6d9-4f4e-8c5a-8b3d4e5f6a71';
const RELAY = 'https://alerts.example.com';
const RELAY_TOKEN = 'relay-token-4f1c9a7e2b';

/** A history row as Command 10 sends it: Result by number or by name, OperationStart without a zone. */
const row = (id: number, result: number | string, start: string) => ({
  JobHistoryId: id,
  AgentMachine: 'orch-01',
  JobID: '0b6c3e2a-9f41-4d7e-b1a5-c3d2e1f0a9b8',
  JobType: 'WinCertInventory',
  OperationStart: start,
  OperationEnd: null,
  Message: 'Access denied',
  Result: result,
  Status: 3,
  StorePath: 'My',
  ClientMachine: 'web-01',
});

function platform(history: unknown[]): PlatformRoutes {
  return {
    // The store type's per-installation GUIDs, which plugin.json names as 'WinCert:<kind>'.
    'GET CertificateStoreTypes/Name/WinCert': { json: { ShortName: 'WinCert', InventoryJobType: INVENTORY, ManagementJobType: MANAGEMENT, EnrollmentJobType: REENROLLMENT, DiscoveryJobType: null } },
    'GET OrchestratorJobs/JobHistory': { json: history },
  };
}

describe('wincert-sample (port of Keyfactor’s SampleJobCompletionHandler)', function () {
  this.timeout(60_000);
  let harness: PluginHarness | undefined;

  before(() => {
    process.env.WINCERT_SAMPLE_RELAY_TOKEN = RELAY_TOKEN;
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('alerts the relay, with the host’s bearer, when the last three runs failed; the event’s jobType matches the resolved job type', async () => {
    harness = await createHarness(new URL('..', import.meta.url), {
      platform: platform([row(10, 4, '2026-01-15T08:30:00'), row(11, 'Failure', '2026-01-15T09:30:00.1234567'), row(12, '4', '2026-01-15T10:30:00')]),
      origins: { [RELAY]: { 'POST v1/alerts': { status: 202 } } },
      credentials: [{ origin: RELAY, bearer: 'env:WINCERT_SAMPLE_RELAY_TOKEN' }],
    });
    const run = await harness.run({ jobResult: 'Failure' });
    expect(run.outcome, run.report()).to.equal('succeeded');
    expect(run.event.jobTypeId).to.equal(INVENTORY);
    expect(run.event.jobType).to.equal('WinCertInventory');
    const alert = run.requests.find((r) => r.origin === RELAY);
    expect(alert?.path).to.equal('v1/alerts');
    expect(alert?.headers.authorization).to.equal(`Bearer ${RELAY_TOKEN}`);
    const body = alert?.json as { runs: Array<{ historyId: number; startedAt: string }> };
    expect(body.runs.map((r) => r.historyId)).to.deep.equal([12, 11, 10]);
    expect(body.runs[1]?.startedAt).to.equal('2026-01-15T09:30:00.123Z');
    expect(JSON.stringify(run.logs)).to.not.include(RELAY_TOKEN);
  });

  it('sends no alert while the job has not failed three times in a row', async () => {
    harness = await createHarness(new URL('..', import.meta.url), {
      platform: platform([row(10, 4, '2026-01-15T08:30:00'), row(11, 'Success', '2026-01-15T09:30:00'), row(12, 4, '2026-01-15T10:30:00')]),
      origins: { [RELAY]: { 'POST v1/alerts': { status: 202 } } },
    });
    const run = await harness.run({ jobResult: 'Failure' });
    expect(run.result, run.report()).to.equal(true);
    expect(run.requests.map((r) => r.path)).to.deep.equal(['OrchestratorJobs/JobHistory']);
  });

  it('runs the management handler for the job type the admin set, with a matching event', async () => {
    const adminSet = '4f3a07d8-c7ea-4a5f-9d6b-9c4e5f6a7b82';
    harness = await createHarness(new URL('..', import.meta.url), { platform: platform([]), handlers: { WinCertManagement: { jobTypes: [adminSet] } } });
    const run = await harness.run({ operationType: 'Add', certificateId: 42 }, { handler: 'WinCertManagement' });
    expect(run.result, run.report()).to.equal(true);
    expect(run.event.jobTypeId).to.equal(adminSet);
    expect(run.logs.map((l) => l.message)).to.include(`management job ${String(run.event.jobId)} processed an Add for certificate 42`);
  });

  it('fails the test, without any network lookup, when the plugin reaches an origin the test does not fake', async () => {
    harness = await createHarness(new URL('..', import.meta.url), {
      platform: platform([row(10, 4, '2026-01-15T08:30:00'), row(11, 4, '2026-01-15T09:30:00'), row(12, 4, '2026-01-15T10:30:00')]),
      options: { alertUrl: 'https://pager.example.net/v1/alerts' },
      permissions: { grant: [{ url: 'https://pager.example.net/v1/alerts', methods: ['POST'] }] },
    });
    const error = await harness.run({ jobResult: 'Failure' }).then(
      () => null,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(error?.code).to.equal('HARNESS_ORIGIN_NOT_FAKED');
    expect(error?.message).to.include('https://pager.example.net');
  });
});
