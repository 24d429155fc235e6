import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { event, tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { startFakePlatform, type FakePlatform } from '../../support/fake-platform.js';
import { waitFor } from '../../support/wait-for.js';
import { sharedPostgres, type PostgresServer } from '../../support/postgres-server.js';
import { RECORDER_FIXTURE, RECORDER_JOB_TYPE, pgQuery, postWithFailover, startClusterHost, type ClusterHost } from '../../support/cluster-hosts.js';

const EVENTS = 3000;
// Long enough that a live host on a busy machine keeps its claims (renewed every third of it).
const LEASE_MS = 6000;

describe('three hosts on one PostgreSQL store', function () {
  this.timeout(240_000);
  let server: PostgresServer;
  let url: string;
  let tmp: TempDir;
  let platform: FakePlatform;
  let hosts: ClusterHost[] = [];

  before(async () => {
    server = await sharedPostgres();
    url = await server.freshDatabase('multihost');
    tmp = await tempDir('jobhook-cluster-');
    platform = await startFakePlatform();
    platform.route('POST', 'Test/runs', (_req, res) => {
      res.writeHead(204);
      res.end();
    });
    hosts = await Promise.all(['h1', 'h2', 'h3'].map((name) => startClusterHost(tmp.path, name, url, server, { plugins: [RECORDER_FIXTURE], platformUrl: platform.url, leaseMs: LEASE_MS })));
  });
  after(async () => {
    for (const h of hosts) h.serve.child.kill('SIGKILL');
    await Promise.all(hosts.map((h) => h.serve.exited));
    await platform?.close();
    await tmp?.dispose();
  });

  it('finishes every accepted event exactly once per handler when one host is killed and another stopped mid-run', async () => {
    const live = new Set(hosts);
    const urls = (): string[] => [...live].map((h) => h.serve.url);
    const [victim, stopped] = [hosts[0]!, hosts[1]!];
    const accepted = new Map<string, string>();
    let killedAt = 0;
    let stopExit: Promise<number | null> | null = null;

    let next = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= EVENTS) return;
        if (i === Math.floor(EVENTS / 3) && killedAt === 0) {
          // kill -9: no shutdown at all; its claims are only freed by their lease running out.
          live.delete(victim);
          victim.serve.child.kill('SIGKILL');
          killedAt = Date.now();
        }
        if (i === Math.floor((2 * EVENTS) / 3) && stopExit === null) {
          live.delete(stopped);
          stopped.serve.child.kill('SIGTERM');
          stopExit = stopped.serve.exited;
        }
        const jobId = randomUUID();
        const id = await postWithFailover(urls, i, event(RECORDER_JOB_TYPE, { jobId }), `${jobId}:0`);
        if (id) accepted.set(id, jobId);
      }
    };
    await Promise.all(Array.from({ length: 24 }, worker));
    expect(killedAt).to.be.greaterThan(0);
    expect(await stopExit).to.equal(0);
    // Failover keeps every event: a post that found its host gone went to the next one.
    expect(accepted.size).to.equal(EVENTS);

    await waitFor(
      async () => Number((await pgQuery<{ n: string }>(url, server, `SELECT count(*) AS n FROM events WHERE status <> 'done'`))[0]!.n) === 0,
      { what: 'every accepted event done', timeoutMs: 120_000 },
    );
    const events = await pgQuery<{ id: string; job_id: string; status: string; attempts: number }>(url, server, 'SELECT id, job_id, status, attempts FROM events');
    expect(events.length).to.equal(EVENTS);
    expect(new Set(events.map((e) => e.id))).to.deep.equal(new Set(accepted.keys()));

    const outcomes = await pgQuery<{ event_id: string; handler: string; outcome: string }>(url, server, 'SELECT event_id, handler, outcome FROM outcomes');
    const perEvent = new Map<string, string[]>();
    for (const o of outcomes) perEvent.set(o.event_id, [...(perEvent.get(o.event_id) ?? []), `${o.handler}:${o.outcome}`]);
    for (const id of accepted.keys()) expect(perEvent.get(id)?.sort(), id).to.deep.equal(['Count:succeeded', 'Record:succeeded']);

    // Runs as the platform saw them: one per event, except an event whose Record run was under way
    // on the killed host when it died (at-least-once: its outcome was never recorded, so a survivor
    // ran it again after the lease). Those are claims of the dead host, so at most its concurrency.
    const runs = new Map<string, number>();
    for (const r of platform.requestsTo('POST', 'Test/runs')) {
      const jobId = (JSON.parse(r.body) as { jobId: string }).jobId;
      runs.set(jobId, (runs.get(jobId) ?? 0) + 1);
    }
    const attemptsByJob = new Map(events.map((e) => [e.job_id, e.attempts]));
    const twice = [...runs].filter(([, n]) => n > 1);
    for (const jobId of accepted.values()) expect(runs.get(jobId) ?? 0, jobId).to.be.at.least(1);
    for (const [jobId, n] of twice) {
      expect(n, jobId).to.equal(2);
      expect(attemptsByJob.get(jobId), jobId).to.be.at.least(2);
    }
    expect(twice.length).to.be.at.most(64);
    // A run that happened twice was under way on the killed host: its second run waited for the
    // lease (renewed every third of it, so at least two thirds of it were left at the kill).
    const recordedAt = new Map(
      (await pgQuery<{ job_id: string; recorded_at: string }>(url, server, `SELECT e.job_id, o.recorded_at FROM events e JOIN outcomes o ON o.event_id = e.id WHERE o.handler = 'Record'`)).map((r) => [r.job_id, Number(r.recorded_at)]),
    );
    for (const [jobId] of twice) expect(recordedAt.get(jobId)! - killedAt, jobId).to.be.at.least((2 * LEASE_MS) / 3 - 100);

    // The dead host's claims were taken over by the survivors once its lease ran out.
    const reclaimed = events.filter((e) => e.attempts >= 2);
    expect(reclaimed.length).to.be.greaterThan(0);
    const hostsRows = await pgQuery<{ id: string }>(url, server, 'SELECT id FROM hosts ORDER BY id');
    // The stopped host left the hosts table; the killed one is still listed (as not live, later).
    expect(hostsRows.map((h) => h.id)).to.deep.equal(['h1', 'h3']);
    const cluster = (await (await fetch(`${hosts[2]!.serve.url}/v1/cluster`)).json()) as { hosts: Array<{ id: string; live: boolean }> };
    await waitFor(async () => {
      const c = (await (await fetch(`${hosts[2]!.serve.url}/v1/cluster`)).json()) as typeof cluster;
      return c.hosts.find((h) => h.id === 'h1')?.live === false;
    }, { what: 'the killed host shown as not live', timeoutMs: 20_000 });
  });
});
