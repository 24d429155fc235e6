import { expect } from 'chai';
import path from 'node:path';
import { normalizeEvent } from '@jobhook/host';
import { GUID_A, GUID_B, event, handlerBundle, manifest, tempDir, writePlugin, type TempDir } from '../../support/foundation-plugins.js';
import { request, startTestService, waitDone } from '../../support/service-harness.js';
import { SqliteEventStore } from '../../../host/dist/store/sqlite/sqlite-event-store.js';
import { waitFor } from '../../support/wait-for.js';

const byPlugin = (outcomes: Array<{ plugin: string }>): Record<string, any> => Object.fromEntries(outcomes.map((o) => [o.plugin, o]));

describe('restarts and shutdown: accepted events are dispatched exactly once per handler', function () {
  this.timeout(30_000);
  let tmp: TempDir;
  let plugins: string;

  before(async () => {
    tmp = await tempDir('jobhook-restart-');
    plugins = path.join(tmp.path, 'plugins');
    await writePlugin(plugins, 'ok', manifest('t.ok'), handlerBundle('return true;'));
    await writePlugin(plugins, 'no', manifest('t.no'), handlerBundle('return false;'));
    await writePlugin(plugins, 'slow', manifest('t.slow', { limits: { timeoutMs: 10_000, memoryMb: 32 } }, [GUID_B]), handlerBundle('return new Promise((r) => setTimeout(() => r(true), Number(ctx.currentRetryCount)));', GUID_B));
  });
  after(() => tmp.dispose());

  it('dispatches events that were stored but not dispatched before the restart', async () => {
    const dataDir = path.join(tmp.path, 'pending');
    const store = SqliteEventStore.open(dataDir);
    const ids = await Promise.all([0, 1, 2].map(async (i) => (await store.append(normalizeEvent(event(GUID_A, { currentRetryCount: i })))).id));
    await store.close();

    const svc = await startTestService(plugins, dataDir);
    try {
      for (const id of ids) {
        const done = await waitDone(svc.url, id);
        expect(Object.keys(byPlugin(done.outcomes)).sort()).to.deep.equal(['t.no', 't.ok']);
        expect(done.attempts).to.equal(1);
      }
    } finally {
      await svc.close();
    }
  });

  it('re-dispatches an event left in flight, running only the handlers that have no recorded outcome', async () => {
    const dataDir = path.join(tmp.path, 'in-flight');
    const store = SqliteEventStore.open(dataDir);
    const { id } = await store.append(normalizeEvent(event(GUID_A)));
    const [claimed] = await store.claim(10);
    expect(claimed?.id).to.equal(id);
    // The previous run recorded t.ok's outcome, then died before t.no's.
    await store.recordOutcome(id, { plugin: 't.ok', version: '1.0.0', handler: 'H', outcome: 'succeeded', durationMs: 1.5, invocationId: 'before-the-crash' }, claimed!.attempts);
    await store.close();

    const svc = await startTestService(plugins, dataDir);
    try {
      const done = await waitDone(svc.url, id);
      const o = byPlugin(done.outcomes);
      expect(done.outcomes).to.have.length(2);
      expect(o['t.ok']).to.include({ invocationId: 'before-the-crash', attempts: 1, outcome: 'succeeded' });
      expect(o['t.no']).to.include({ attempts: 2, outcome: 'failed' });
      expect(done.attempts).to.equal(2);
      const okPlugin = (await request(`${svc.url}/v1/plugins/t.ok`)).body;
      expect(okPlugin.invocations.succeeded, 't.ok ran again').to.equal(0);
      expect(svc.logs.lines.some((l) => l.requeued === 1)).to.equal(true);
    } finally {
      await svc.close();
    }
  });

  it('keeps a plugin an admin disabled disabled after a restart', async () => {
    const dataDir = path.join(tmp.path, 'disabled');
    const first = await startTestService(plugins, dataDir);
    await request(`${first.url}/v1/plugins/t.no/disable`, { method: 'POST' });
    await first.close();
    const second = await startTestService(plugins, dataDir);
    try {
      expect((await request(`${second.url}/v1/plugins/t.no`)).body.disabled).to.equal(true);
      const done = (await request(`${second.url}/v1/job-completions?wait=5000`, { body: event(GUID_A) })).body;
      expect(done.outcomes.map((o: { plugin: string }) => o.plugin)).to.deep.equal(['t.ok']);
    } finally {
      await second.close();
    }
  });

  it('lets dispatches in flight finish when stopping within the deadline', async () => {
    const dataDir = path.join(tmp.path, 'graceful');
    const svc = await startTestService(plugins, dataDir, { shutdownDeadlineMs: 5000 });
    const { id } = (await request(`${svc.url}/v1/job-completions`, { body: event(GUID_B, { currentRetryCount: 300 }) })).body;
    await waitFor(async () => (await svc.store.get(id))?.status === 'dispatching', { what: `event ${id} to be dispatching`, timeoutMs: 10_000, intervalMs: 5 });
    await svc.close();
    const store = SqliteEventStore.open(dataDir);
    try {
      const record = await store.get(id);
      expect(record?.status).to.equal('done');
      expect(record?.outcomes.map((o) => o.outcome)).to.deep.equal(['succeeded']);
    } finally {
      await store.close();
    }
  });

  it('records nothing for a dispatch cut off by the deadline, and runs it again after the next start', async () => {
    const dataDir = path.join(tmp.path, 'cut-off');
    const svc = await startTestService(plugins, dataDir, { shutdownDeadlineMs: 100 });
    const { id } = (await request(`${svc.url}/v1/job-completions`, { body: event(GUID_B, { currentRetryCount: 600 }) })).body;
    await waitFor(async () => (await svc.store.get(id))?.status === 'dispatching', { what: `event ${id} to be dispatching`, timeoutMs: 10_000, intervalMs: 5 });
    await svc.close();
    const store = SqliteEventStore.open(dataDir);
    const left = await store.get(id);
    await store.close();
    expect(left?.status).to.equal('dispatching');
    expect(left?.outcomes, 'the disposal must not be recorded as a crash').to.deep.equal([]);

    const again = await startTestService(plugins, dataDir);
    try {
      const done = await waitDone(again.url, id);
      expect(done.outcomes.map((o: { outcome: string; attempts: number }) => [o.outcome, o.attempts])).to.deep.equal([['succeeded', 2]]);
    } finally {
      await again.close();
    }
  });
});
