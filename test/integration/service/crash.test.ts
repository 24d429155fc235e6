import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { GUID_A, event, handlerBundle, manifest, tempDir, writePlugin, type TempDir } from '../../support/foundation-plugins.js';
import { request, spawnServe, waitDone, type ServeChild } from '../../support/service-harness.js';
import { SqliteEventStore } from '../../../host/dist/store/sqlite/sqlite-event-store.js';
import { waitFor } from '../../support/wait-for.js';

/** Posts events from `workers` concurrent clients until `stop()` or the server goes away; returns the acknowledged ids. */
function postContinuously(url: string, workers: number): { acked: string[]; stop: () => Promise<void> } {
  const acked: string[] = [];
  let stopped = false;
  const loops = Array.from({ length: workers }, async () => {
    while (!stopped) {
      try {
        const res = await request(`${url}/v1/job-completions`, { body: event(GUID_A, { jobId: randomUUID() }) });
        if (res.status === 202) acked.push(res.body.id as string);
      } catch {
        return; // connection refused or reset: the server is gone
      }
    }
  });
  return {
    acked,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

describe('jobhook serve as a process: kill -9 and SIGTERM lose no acknowledged event', function () {
  this.timeout(60_000);
  let tmp: TempDir;
  let plugins: string;
  const children: ServeChild[] = [];

  before(async () => {
    tmp = await tempDir('jobhook-crash-');
    plugins = path.join(tmp.path, 'plugins');
    // Slow enough that a backlog builds up while events are posted, so the kill lands mid-dispatch.
    await writePlugin(plugins, 'slow', manifest('c.slow'), handlerBundle('return new Promise((r) => setTimeout(() => r(true), 15));'));
    await writePlugin(plugins, 'fast', manifest('c.fast'), handlerBundle('return true;'));
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.child.exitCode === null && c.child.signalCode === null) {
        c.child.kill('SIGKILL');
        await c.exited;
      }
    }
  });
  after(() => tmp.dispose());

  it('after SIGKILL mid-stream and a restart, every event that got a 202 ends done with exactly one outcome per matching handler', async () => {
    const dataDir = path.join(tmp.path, 'data-kill');
    const first = await spawnServe(['--plugins', plugins, '--data-dir', dataDir]);
    children.push(first);
    const load = postContinuously(first.url, 16);
    await waitFor(() => load.acked.length >= 200, { what: '200 acknowledged events', timeoutMs: 30_000, intervalMs: 5 });
    first.child.kill('SIGKILL');
    await first.exited;
    await load.stop();
    const acked = [...load.acked];

    // Before the restart: every acknowledged event is in the store, and the kill left work unfinished.
    const store = SqliteEventStore.open(dataDir, { mustExist: true });
    const left = await Promise.all(acked.map((id) => store.get(id)));
    await store.close();
    expect(left.filter((r) => r === undefined), 'acknowledged events missing after kill -9').to.have.length(0);
    const unfinished = left.filter((r) => r!.status !== 'done').length;
    expect(unfinished, 'the kill should land while events are still waiting or dispatching').to.be.greaterThan(0);

    const second = await spawnServe(['--plugins', plugins, '--data-dir', dataDir]);
    children.push(second);
    for (const id of acked) {
      const done = await waitDone(second.url, id, 20_000);
      const plugins = done.outcomes.map((o: { plugin: string; handler: string }) => `${o.plugin}/${o.handler}`).sort();
      expect(plugins, id).to.deep.equal(['c.fast/H', 'c.slow/H']);
      expect(done.outcomes.every((o: { outcome: string }) => o.outcome === 'succeeded'), JSON.stringify(done.outcomes)).to.equal(true);
    }
    second.child.kill('SIGTERM');
    expect(await second.exited).to.equal(0);
  });

  it('on SIGTERM stops accepting, finishes what is in flight, closes the store and exits 0', async () => {
    const dataDir = path.join(tmp.path, 'data-term');
    const serve = await spawnServe(['--plugins', plugins, '--data-dir', dataDir]);
    children.push(serve);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await request(`${serve.url}/v1/job-completions`, { body: event(GUID_A, { jobId: randomUUID() }) })).body.id);
    serve.child.kill('SIGTERM');
    expect(await serve.exited, serve.stderr()).to.equal(0);
    expect(serve.lines.some((l) => l.msg === 'stopped')).to.equal(true);
    let refused = false;
    await request(`${serve.url}/healthz`).catch(() => (refused = true));
    expect(refused, 'the port is closed').to.equal(true);

    const store = SqliteEventStore.open(dataDir, { mustExist: true });
    try {
      const records = await Promise.all(ids.map((id) => store.get(id)));
      // Finished or not, none is lost and none has a half-recorded outcome set marked done.
      for (const r of records) {
        expect(r).to.not.equal(undefined);
        if (r!.status === 'done') expect(r!.outcomes).to.have.length(2);
      }
      expect(await store.queueDepth()).to.deep.equal({ pending: 0, dispatching: 0 });
    } finally {
      await store.close();
    }
  });
});
