import { expect } from 'chai';
import path from 'node:path';
import { normalizeEvent } from '@jobhook/host';
import { GUID_A, GUID_B, event, tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { jobhook } from '../../support/cli-runner.js';
import { SqliteEventStore } from '../../../host/dist/store/sqlite/sqlite-event-store.js';

describe('jobhook events list|show', function () {
  this.timeout(30_000);
  let tmp: TempDir;
  let dataDir: string;
  let doneId: string;
  let pendingId: string;

  before(async () => {
    tmp = await tempDir('jobhook-events-cli-');
    dataDir = path.join(tmp.path, 'data');
    const store = SqliteEventStore.open(dataDir);
    doneId = (await store.append(normalizeEvent(event(GUID_A, { jobType: 'PEMInventory' })), 'job-1:0')).id;
    await store.claim(1);
    await store.recordOutcome(doneId, { plugin: 'acme.audit', version: '1.2.0', handler: 'Audit', outcome: 'succeeded', durationMs: 3.2, invocationId: 'inv-1' }, 1);
    await store.recordOutcome(doneId, { plugin: 'acme.notify', version: '2.0.0', handler: 'Notify', outcome: 'error', durationMs: 8, invocationId: 'inv-2', error: { code: 'HANDLER_THREW', message: 'SMTP relay refused' } }, 1);
    await store.complete(doneId);
    pendingId = (await store.append(normalizeEvent(event(GUID_B, { jobType: 'PEMManagement', jobId: '5d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a' })))).id;
    await store.close();
  });
  after(() => tmp.dispose());

  it('lists events newest first with status, job and an outcome summary', async () => {
    const { code, stdout } = await jobhook(['events', 'list', '--data-dir', dataDir]);
    expect(code).to.equal(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).to.match(/^ID\s+STATUS\s+ACCEPTED\s+JOB TYPE\s+JOB ID\s+OUTCOMES$/);
    expect(lines[1]).to.include(pendingId).and.match(/pending .*PEMManagement/);
    expect(lines[2]).to.include(doneId).and.match(/done .*PEMInventory.*1 succeeded, 1 error$/);
  });

  it('filters by status and prints JSON with --json', async () => {
    const { code, stdout } = await jobhook(['events', 'list', '--status', 'pending', '--json', '--data-dir', dataDir]);
    expect(code).to.equal(0);
    const events = JSON.parse(stdout) as Array<{ id: string }>;
    expect(events.map((e) => e.id)).to.deep.equal([pendingId]);
  });

  it('shows one event with each handler outcome and its error', async () => {
    const { code, stdout } = await jobhook(['events', 'show', doneId, '--data-dir', dataDir]);
    expect(code).to.equal(0);
    expect(stdout).to.include(`event ${doneId}`);
    expect(stdout).to.match(/status\s+done \(dispatch attempts: 1\)/);
    expect(stdout).to.include('idempotency  job-1:0');
    expect(stdout).to.include('result       Success (2), operation Unknown (0), retry 0');
    expect(stdout).to.include('acme.audit@1.2.0 Audit: succeeded in 3.2 ms');
    expect(stdout).to.include('acme.notify@2.0.0 Notify: error in 8 ms');
    expect(stdout).to.include('HANDLER_THREW: SMTP relay refused');
    const json = await jobhook(['events', 'show', doneId, '--json', '--data-dir', dataDir]);
    expect(JSON.parse(json.stdout).outcomes).to.have.length(2);
  });

  it('exits 1 for an unknown event and 2 for bad usage or a missing store', async () => {
    const unknown = await jobhook(['events', 'show', 'nope', '--data-dir', dataDir]);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.match(/no event with id 'nope'/);
    const missing = await jobhook(['events', 'list', '--data-dir', path.join(tmp.path, 'nowhere')]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/STORE_OPEN_FAILED: .*has `jobhook serve` run with --data-dir/);
    expect((await jobhook(['events', 'list', '--status', 'lost', '--data-dir', dataDir])).stderr).to.match(/--status must be one of pending, dispatching, done/);
    expect((await jobhook(['events', 'frobnicate'])).code).to.equal(2);
    expect((await jobhook(['events', 'show'])).stderr).to.match(/jobhook events show: missing <id>/);
  });
});
