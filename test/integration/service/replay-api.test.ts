import { expect } from 'chai';
import path from 'node:path';
import { GUID_A, GUID_B, GUID_C, event, handlerBundle, manifest, tempDir, writePlugin, type TempDir } from '../../support/foundation-plugins.js';
import { request, startTestService, waitDone, type TestService } from '../../support/service-harness.js';
import { waitFor } from '../../support/wait-for.js';
import { SqliteEventStore } from '../../../host/dist/store/sqlite/sqlite-event-store.js';

const TOKEN = 'replay-test-token';
const auth = { authorization: `Bearer ${TOKEN}` };

async function waitReplaysDone(url: string, id: string, count: number): Promise<any> {
  let body: any;
  return waitFor(
    async () => {
      body = (await request(`${url}/v1/job-completions/${id}`, { headers: auth })).body;
      return body.replays?.length >= count && body.replays.every((r: { status: string }) => r.status === 'done') ? body : undefined;
    },
    { what: () => `${count} replay(s) of ${id} done, have ${JSON.stringify(body?.replays)}`, timeoutMs: 15_000, intervalMs: 50 },
  );
}

describe('replay: running handlers again after a fix', function () {
  this.timeout(60_000);
  let tmp: TempDir;
  let plugins: string;
  let data: string;
  let svc: TestService;

  const post = async (jobTypeId = GUID_A): Promise<string> => {
    const res = await request(`${svc.url}/v1/job-completions`, { body: event(jobTypeId), headers: auth });
    await waitDone(svc.url, res.body.id, 10_000, auth);
    return res.body.id;
  };
  const start = async () => (svc = await startTestService(plugins, data, { token: TOKEN }));
  // A new version of t.flaky in its folder, loaded by an admin's enable (what a hot-drop does in serve).
  const fix = async () => {
    await writePlugin(plugins, 'flaky', manifest('t.flaky', { version: '1.1.0' }), handlerBundle('return true;'));
    expect((await request(`${svc.url}/v1/plugins/t.flaky/enable`, { method: 'POST', headers: auth })).body.version).to.equal('1.1.0');
  };

  beforeEach(async () => {
    tmp = await tempDir('jobhook-replay-');
    plugins = path.join(tmp.path, 'plugins');
    data = path.join(tmp.path, 'data');
    await writePlugin(plugins, 'flaky', manifest('t.flaky'), handlerBundle("throw new Error('store down');"));
    await writePlugin(plugins, 'ok', manifest('t.ok'), handlerBundle('return true;'));
    await writePlugin(plugins, 'other', manifest('t.other', {}, [GUID_B]), handlerBundle('return true;', GUID_B));
    await writePlugin(plugins, 'slow', manifest('t.slow', {}, [GUID_C]), handlerBundle('return new Promise((r) => setTimeout(() => r(true), 1500));', GUID_C));
    await start();
  });
  afterEach(async () => {
    await svc?.close();
    await tmp.dispose();
  });

  it("re-runs one plugin's handler for an event with the version in force, keeping the first outcome", async () => {
    const id = await post();
    await fix();
    const res = await request(`${svc.url}/v1/job-completions/${id}/replay`, { body: { plugin: 't.flaky', handler: 'H' }, headers: auth });
    expect(res.status).to.equal(202);
    expect(res.body.replays).to.have.length(1);
    expect(res.body.replays[0]).to.include({ eventId: id, replay: 1, plugin: 't.flaky', handler: 'H', status: 'pending' });
    const done = await waitReplaysDone(svc.url, id, 1);
    const flaky = done.outcomes.filter((o: { plugin: string }) => o.plugin === 't.flaky').map((o: any) => `${o.replay}:${o.version}:${o.outcome}`);
    expect(flaky).to.deep.equal(['0:1.0.0:error', '1:1.1.0:succeeded']);
    expect(done.outcomes.filter((o: { plugin: string }) => o.plugin === 't.ok'), 't.ok was not selected').to.have.length(1);
  });

  it('re-runs every plugin that had an outcome when none is named', async () => {
    const id = await post();
    const res = await request(`${svc.url}/v1/job-completions/${id}/replay`, { body: {}, headers: auth });
    expect(res.body.replays.map((r: { plugin: string; replay: number }) => `${r.plugin}#${r.replay}`).sort()).to.deep.equal(['t.flaky#1', 't.ok#2']);
    const done = await waitReplaysDone(svc.url, id, 2);
    expect(done.outcomes.map((o: any) => `${o.plugin}:${o.replay}:${o.outcome}`).sort()).to.deep.equal(['t.flaky:0:error', 't.flaky:1:error', 't.ok:0:succeeded', 't.ok:2:succeeded']);
  });

  it('refuses what it cannot run, saying why', async () => {
    const id = await post();
    const cases: Array<[string, unknown, number, string]> = [
      ['/v1/job-completions/nope/replay', {}, 404, 'EVENT_NOT_FOUND'],
      [`/v1/job-completions/${id}/replay`, { handler: 'H' }, 400, 'REQUEST_INVALID'],
      [`/v1/job-completions/${id}/replay`, { plugin: 't.other' }, 409, 'REPLAY_NO_HANDLER'],
      [`/v1/job-completions/${id}/replay`, { plugin: 't.flaky', handler: 'Nope' }, 409, 'REPLAY_NO_HANDLER'],
      [`/v1/job-completions/${id}/replay`, { plugin: 't.flaky', extra: 1 }, 400, 'REQUEST_INVALID'],
      ['/v1/plugins/t.nope/replay?since=2026-01-01T00:00:00Z', undefined, 404, 'PLUGIN_NOT_FOUND'],
      ['/v1/plugins/t.flaky/replay', undefined, 400, 'REQUEST_INVALID'],
      ['/v1/plugins/t.flaky/replay?since=yesterday', undefined, 400, 'REQUEST_INVALID'],
    ];
    for (const [url, body, status, code] of cases) {
      const res = await request(`${svc.url}${url}`, { method: 'POST', ...(body === undefined ? {} : { body }), headers: auth });
      expect([res.status, res.body.error?.code], `${url} ${JSON.stringify(body)}`).to.deep.equal([status, code]);
    }
    expect((await request(`${svc.url}/v1/job-completions/${id}/replay`, { method: 'POST', body: {} })).status, 'behind the token').to.equal(401);
    const running = await request(`${svc.url}/v1/job-completions`, { body: event(GUID_C), headers: auth });
    const early = await request(`${svc.url}/v1/job-completions/${running.body.id}/replay`, { body: {}, headers: auth });
    expect([early.status, early.body.error.code]).to.deep.equal([409, 'EVENT_NOT_DONE']);
    await request(`${svc.url}/v1/plugins/t.flaky/disable`, { method: 'POST', headers: auth });
    const disabled = await request(`${svc.url}/v1/plugins/t.flaky/replay?since=2026-01-01T00:00:00Z`, { method: 'POST', headers: auth });
    expect([disabled.status, disabled.body.error.code]).to.deep.equal([409, 'REPLAY_NO_HANDLER']);
  });

  it('replays every failed handler of a plugin since a time, once: fixed ones are not asked again', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const ids = [await post(), await post()];
    await post(GUID_B);
    await fix();
    const res = await request(`${svc.url}/v1/plugins/t.flaky/replay?since=${encodeURIComponent(since)}`, { method: 'POST', headers: auth });
    expect(res.status).to.equal(202);
    expect(res.body.replays.map((r: { eventId: string }) => r.eventId)).to.deep.equal(ids);
    for (const id of ids) {
      const done = await waitReplaysDone(svc.url, id, 1);
      expect(done.outcomes.find((o: any) => o.plugin === 't.flaky' && o.replay === 1).outcome).to.equal('succeeded');
    }
    const again = await request(`${svc.url}/v1/plugins/t.flaky/replay?since=${encodeURIComponent(since)}`, { method: 'POST', headers: auth });
    expect(again.body.replays).to.deep.equal([]);
    const future = await request(`${svc.url}/v1/plugins/t.ok/replay?since=${encodeURIComponent(since)}&outcome=succeeded`, { method: 'POST', headers: auth });
    expect(future.body.replays, 'outcome= selects what to run again').to.have.length(2);
  });

  it('runs a replay stored while the host was down once it starts: a replay is a stored request', async () => {
    const id = await post();
    await svc.close();
    const store = SqliteEventStore.open(data);
    await store.requestReplays([{ eventId: id, plugin: 't.flaky', handler: null }]);
    await store.close();
    await writePlugin(plugins, 'flaky', manifest('t.flaky', { version: '1.1.0' }), handlerBundle('return true;'));
    await start();
    const done = await waitReplaysDone(svc.url, id, 1);
    expect(done.outcomes.filter((o: any) => o.plugin === 't.flaky').map((o: any) => `${o.replay}:${o.outcome}`)).to.deep.equal(['0:error', '1:succeeded']);
  });
});
