import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { event, tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { startFakePlatform, type FakePlatform } from '../../support/fake-platform.js';
import { waitFor } from '../../support/wait-for.js';
import { startPostgres, type PostgresServer } from '../../support/postgres-server.js';
import { request } from '../../support/service-harness.js';
import { RECORDER_FIXTURE, RECORDER_JOB_TYPE, startClusterHost, type ClusterHost } from '../../support/cluster-hosts.js';

describe('a host whose PostgreSQL store goes away', function () {
  this.timeout(120_000);
  // Its own server: this test stops it.
  let server: PostgresServer;
  let tmp: TempDir;
  let platform: FakePlatform;
  let host: ClusterHost;
  let hold: { arrived: () => void; released: Promise<void> } | null = null;

  before(async () => {
    server = await startPostgres();
    tmp = await tempDir('jobhook-outage-');
    platform = await startFakePlatform();
    platform.route('POST', 'Test/runs', async (_req, res) => {
      // A test may hold the handler here, in the middle of its invocation.
      const gate = hold;
      if (gate) {
        gate.arrived();
        await gate.released;
      }
      res.writeHead(204);
      res.end();
    });
    // The password inside the URL this time (no JOBHOOK_STORE_PASSWORD): it must not reach any log line.
    const url = (await server.freshDatabase('outage')).replace(`postgres://${server.user}@`, `postgres://${server.user}:${server.password}@`);
    host = await startClusterHost(tmp.path, 'o1', url, server, { plugins: [RECORDER_FIXTURE], platformUrl: platform.url, env: { JOBHOOK_STORE_PASSWORD: '' } });
  });
  after(async () => {
    host?.serve.child.kill('SIGKILL');
    await host?.serve.exited;
    await platform?.close();
    await server?.stop();
    await tmp?.dispose();
  });

  const post = () => request(`${host.serve.url}/v1/job-completions`, { body: event(RECORDER_JOB_TYPE, { jobId: randomUUID() }) });
  const done = (id: string) =>
    waitFor(async () => {
      const r = await request(`${host.serve.url}/v1/job-completions/${id}`);
      return r.body.status === 'done' ? r.body : undefined;
    }, { what: 'event done', timeoutMs: 30_000 });

  it('refuses events with 503 while the store is down, stays up, and carries on when it is back', async () => {
    const before = await post();
    expect(before.status).to.equal(202);
    await done(before.body.id);

    await server.pause();
    const refused = await post();
    expect(refused.status).to.equal(503);
    expect(refused.body.error.code).to.equal('STORE_WRITE_FAILED');
    expect(refused.body.error.message).to.not.include(server.password);
    const ready = await request(`${host.serve.url}/readyz`);
    expect(ready.status).to.equal(503);

    await server.resume();
    await waitFor(async () => (await request(`${host.serve.url}/readyz`)).body.status === 'ready', { what: 'ready again', timeoutMs: 30_000 });
    const after = await post();
    expect(after.status).to.equal(202);
    expect((await done(after.body.id)).outcomes).to.have.length(2);
    expect(host.serve.child.exitCode).to.equal(null);
    const logs = `${JSON.stringify(host.serve.lines)}${host.serve.stderr()}`;
    expect(logs).to.include(`postgres://${server.user}:***@127.0.0.1`);
    expect(logs).to.not.include(server.password);
  });

  it('records an outcome and completes an event whose writes failed while the store was down, without a restart', async () => {
    let arrived!: () => void;
    let release!: () => void;
    const inHandler = new Promise<void>((resolve) => (arrived = resolve));
    hold = { arrived, released: new Promise<void>((resolve) => (release = resolve)) };
    try {
      const accepted = await post();
      expect(accepted.status).to.equal(202);
      await inHandler;
      // The Record handler is waiting on the platform; its outcome and the completion come when the
      // store is down, and both are refused.
      await server.pause();
      release();
      const id = accepted.body.id as string;
      await waitFor(async () => host.serve.lines.some((l) => l.eventId === id && Number(l.level) >= 40) || undefined, {
        what: 'the refused write logged',
        timeoutMs: 15_000,
      });
      await server.resume();
      const record = await done(accepted.body.id);
      expect(record.outcomes.map((o: { handler: string; outcome: string }) => `${o.handler}:${o.outcome}`).sort()).to.deep.equal(['Count:succeeded', 'Record:succeeded']);
      expect(host.serve.child.exitCode).to.equal(null);
    } finally {
      hold = null;
      release?.();
    }
  });
});
