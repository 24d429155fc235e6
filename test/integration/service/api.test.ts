import { expect } from 'chai';
import path from 'node:path';
import { GUID_A, GUID_B, GUID_C, event, handlerBundle, manifest, tempDir, writePlugin, type TempDir } from '../../support/foundation-plugins.js';
import { request, startTestService, waitDone, type TestService } from '../../support/service-harness.js';

const KEYFACTOR_EVENT = {
  AgentId: '7F1C2B9E-3D4A-4E5F-8A6B-1C2D3E4F5A6B',
  Username: 'KEYFACTOR\\svc-orchestrator',
  ClientMachine: 'pem-orch-01.corp.example.com',
  JobResult: 'Failure',
  JobId: '{0B6C3E2A-9F41-4D7E-B1A5-C3D2E1F0A9B8}',
  JobType: 'PEMInventory',
  JobTypeId: GUID_A.toUpperCase(),
  OperationType: 'Unknown',
  CertificateId: null,
  RequestTimestamp: '2026-11-30T02:00:00Z',
  CurrentRetryCount: 3,
};

const byPlugin = (outcomes: Array<{ plugin: string }>): Record<string, any> => Object.fromEntries(outcomes.map((o) => [o.plugin, o]));

describe('the HTTP API: events, outcomes, plugins, health', function () {
  this.timeout(30_000);
  let tmp: TempDir;
  let svc: TestService;
  let url: string;

  before(async () => {
    tmp = await tempDir('jobhook-service-');
    const plugins = path.join(tmp.path, 'plugins');
    await writePlugin(plugins, 'ok', manifest('t.ok'), handlerBundle('return true;'));
    await writePlugin(plugins, 'no', manifest('t.no'), handlerBundle('return ctx.jobResult !== 4;'));
    await writePlugin(plugins, 'boom', manifest('t.boom'), handlerBundle("throw new Error('store unreachable on ' + ctx.clientMachine);"));
    await writePlugin(plugins, 'other', manifest('t.other', {}, [GUID_B]), handlerBundle('return true;', GUID_B));
    svc = await startTestService(plugins, path.join(tmp.path, 'data'), { cluster: true });
    url = svc.url;
  });
  after(async () => {
    await svc?.close();
    await tmp.dispose();
  });

  describe('POST /v1/job-completions', () => {
    it('answers 202 with an id and a Location, then records one outcome per matching handler', async () => {
      const res = await request(`${url}/v1/job-completions`, { body: event(GUID_A) });
      expect(res.status).to.equal(202);
      expect(res.body).to.have.keys('id', 'status');
      expect(res.body.status).to.equal('pending');
      expect(res.headers.get('location')).to.equal(`/v1/job-completions/${res.body.id}`);
      const done = await waitDone(url, res.body.id);
      const o = byPlugin(done.outcomes);
      expect(Object.keys(o).sort()).to.deep.equal(['t.boom', 't.no', 't.ok']);
      expect(o['t.ok']).to.include({ outcome: 'succeeded', version: '1.0.0', handler: 'H', attempts: 1 });
      expect(o['t.no'].outcome).to.equal('succeeded');
      expect(o['t.boom']).to.include({ outcome: 'error' });
      expect(o['t.boom'].error.message).to.equal('store unreachable on orch-01.example.com');
      expect(o['t.boom'].durationMs).to.be.a('number');
      expect(done.completedAt).to.be.a('string');
    });

    it('accepts a Keyfactor PascalCase event with enum names and answers with the outcomes when ?wait is given', async () => {
      const res = await request(`${url}/v1/job-completions?wait=10000`, { body: KEYFACTOR_EVENT });
      expect(res.status).to.equal(200);
      expect(res.body.status).to.equal('done');
      expect(res.body.event).to.include({ jobResult: 4, operationType: 0, currentRetryCount: 3, jobId: '0b6c3e2a-9f41-4d7e-b1a5-c3d2e1f0a9b8', jobTypeId: GUID_A });
      const o = byPlugin(res.body.outcomes);
      expect(o['t.no'].outcome).to.equal('failed');
      expect(o['t.ok'].outcome).to.equal('succeeded');
    });

    it('marks an event no handler matches done with no outcomes', async () => {
      const res = await request(`${url}/v1/job-completions?wait=5000`, { body: event(GUID_C) });
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ status: 'done' });
      expect(res.body.outcomes).to.deep.equal([]);
    });

    it('refuses an invalid event with 400 and a problem per bad field, storing nothing', async () => {
      const before = (await request(`${url}/v1/job-completions?limit=1000`)).body.events.length;
      const res = await request(`${url}/v1/job-completions`, { body: { ...event(), jobTypeId: 'not-a-guid', jobResult: 'Sucess', extra: 1 } });
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('EVENT_INVALID');
      expect(res.body.error.problems.map((p: { pointer: string }) => p.pointer).sort()).to.deep.equal(['/extra', '/jobResult', '/jobTypeId']);
      expect(res.body.error.problems.find((p: { pointer: string }) => p.pointer === '/jobResult').message).to.match(/expected one of .*2 \(Success\)/);
      expect((await request(`${url}/v1/job-completions?limit=1000`)).body.events.length).to.equal(before);
    });

    it('answers 400 BODY_NOT_JSON for a body that is not JSON, and for a JSON array', async () => {
      const bad = await request(`${url}/v1/job-completions`, { raw: '{"agentId": ', headers: { 'content-type': 'application/json' } });
      expect(bad.status).to.equal(400);
      expect(bad.body.error.code).to.equal('BODY_NOT_JSON');
      const array = await request(`${url}/v1/job-completions`, { body: [event()] });
      expect(array.status).to.equal(400);
      expect(array.body.error.code).to.equal('EVENT_INVALID');
    });

    it('answers 415 for a body that is not application/json', async () => {
      const res = await request(`${url}/v1/job-completions`, { raw: 'jobId=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(res.status).to.equal(415);
      expect(res.body.error.code).to.equal('UNSUPPORTED_MEDIA_TYPE');
    });

    it('answers 413 for a body over the limit', async () => {
      const res = await request(`${url}/v1/job-completions`, { body: { ...event(), username: 'x'.repeat(70 * 1024) } });
      expect(res.status).to.equal(413);
      expect(res.body.error.code).to.equal('BODY_TOO_LARGE');
    });

    it('answers 400 REQUEST_INVALID for a ?wait that is not a number of ms up to 60000', async () => {
      for (const wait of ['soon', '-1', '60001']) {
        const res = await request(`${url}/v1/job-completions?wait=${wait}`, { body: event() });
        expect(res.status, wait).to.equal(400);
        expect(res.body.error.code).to.equal('REQUEST_INVALID');
        expect(res.body.error.problems[0].pointer).to.equal('/querystring/wait');
      }
    });
  });

  describe('Idempotency-Key', () => {
    it('returns the first id for a retried POST with the same key, storing the event once', async () => {
      const key = `${event().jobId}:retry-0:${Date.now()}`;
      const first = await request(`${url}/v1/job-completions`, { body: event(GUID_B), headers: { 'idempotency-key': key } });
      const again = await request(`${url}/v1/job-completions`, { body: event(GUID_B), headers: { 'idempotency-key': key } });
      expect(first.status).to.equal(202);
      expect(again.status).to.equal(202);
      expect(again.body.id).to.equal(first.body.id);
      expect(again.headers.get('idempotent-replayed')).to.equal('true');
      expect(first.headers.get('idempotent-replayed')).to.equal(null);
      const done = await waitDone(url, first.body.id);
      expect(done.idempotencyKey).to.equal(key);
      expect(done.outcomes).to.have.length(1);
      const sameJob = (await request(`${url}/v1/job-completions?jobId=${event().jobId}&limit=1000`)).body.events.filter((e: any) => e.idempotencyKey === key);
      expect(sameJob).to.have.length(1);
    });

    it('treats concurrent POSTs with one key as one event', async () => {
      const key = `concurrent-${Date.now()}`;
      const answers = await Promise.all(Array.from({ length: 8 }, () => request(`${url}/v1/job-completions`, { body: event(GUID_C), headers: { 'idempotency-key': key } })));
      expect(new Set(answers.map((a) => a.body.id)).size).to.equal(1);
      expect(answers.filter((a) => a.headers.get('idempotent-replayed') === null)).to.have.length(1);
    });

    it('refuses a different event under a used key with 422 IDEMPOTENCY_KEY_REUSED', async () => {
      const key = `reuse-${Date.now()}`;
      await request(`${url}/v1/job-completions`, { body: event(GUID_C), headers: { 'idempotency-key': key } });
      const res = await request(`${url}/v1/job-completions`, { body: event(GUID_C, { currentRetryCount: 1 }), headers: { 'idempotency-key': key } });
      expect(res.status).to.equal(422);
      expect(res.body.error.code).to.equal('IDEMPOTENCY_KEY_REUSED');
    });

    it('refuses a key that is empty, too long or not printable ASCII', async () => {
      for (const key of [' ', 'k'.repeat(201), 'schlüssel']) {
        const res = await request(`${url}/v1/job-completions`, { body: event(GUID_C), headers: { 'idempotency-key': encodeURI(key) === key ? key : Buffer.from(key, 'utf8').toString('latin1') } });
        expect(res.status, JSON.stringify(key)).to.equal(400);
        expect(res.body.error.code).to.equal('IDEMPOTENCY_KEY_INVALID');
      }
    });
  });

  describe('GET /v1/job-completions', () => {
    it('answers 404 EVENT_NOT_FOUND for an unknown id', async () => {
      const res = await request(`${url}/v1/job-completions/00000000-0000-0000-0000-000000000000`);
      expect(res.status).to.equal(404);
      expect(res.body.error.code).to.equal('EVENT_NOT_FOUND');
    });

    it('lists events newest first, filtered by status and job id, in pages', async () => {
      const jobId = '11111111-2222-4333-8444-555555555555';
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await request(`${url}/v1/job-completions?wait=5000`, { body: event(GUID_C, { jobId, currentRetryCount: i }) })).body.id);
      const page1 = await request(`${url}/v1/job-completions?jobId=${jobId.toUpperCase()}&limit=2&status=done`);
      expect(page1.status).to.equal(200);
      expect(page1.body.events.map((e: any) => e.id)).to.deep.equal([ids[2], ids[1]]);
      const page2 = await request(`${url}/v1/job-completions?jobId=${jobId}&limit=2&before=${ids[1]}`);
      expect(page2.body.events.map((e: any) => e.id)).to.deep.equal([ids[0]]);
      const pending = await request(`${url}/v1/job-completions?jobId=${jobId}&status=pending`);
      expect(pending.body.events).to.deep.equal([]);
    });

    it('answers 400 for an unknown status and 404 for an unknown page cursor', async () => {
      expect((await request(`${url}/v1/job-completions?status=lost`)).body.error.code).to.equal('REQUEST_INVALID');
      const res = await request(`${url}/v1/job-completions?before=nope`);
      expect(res.status).to.equal(404);
      expect(res.body.error.code).to.equal('STORE_NOT_FOUND');
    });
  });

  describe('plugins', () => {
    it('lists every plugin with state, version, handlers, job types, limits and invocation counters', async () => {
      await request(`${url}/v1/job-completions?wait=5000`, { body: event(GUID_A) });
      const res = await request(`${url}/v1/plugins`);
      expect(res.status).to.equal(200);
      const p: Record<string, any> = Object.fromEntries(res.body.plugins.map((x: { id: string }) => [x.id, x]));
      expect(Object.keys(p).sort()).to.deep.equal(['t.boom', 't.no', 't.ok', 't.other']);
      expect(p['t.ok']).to.include({ state: 'active', version: '1.0.0', disabled: false, lastError: null });
      expect(p['t.ok'].jobTypes).to.deep.equal([GUID_A]);
      expect(p['t.ok'].handlers).to.deep.equal([{ name: 'H', jobTypes: [GUID_A] }]);
      expect(p['t.ok'].limits).to.include({ timeoutMs: 2000, memoryMb: 32 });
      expect(p['t.ok'].invocations.succeeded).to.be.greaterThan(0);
      expect(p['t.boom'].invocations.error).to.be.greaterThan(0);
      expect(p['t.boom'].invocations.succeeded).to.equal(0);
    });

    it('shows one plugin, and answers 404 PLUGIN_NOT_FOUND for an unknown id', async () => {
      const one = await request(`${url}/v1/plugins/t.other`);
      expect(one.status).to.equal(200);
      expect(one.body).to.include({ id: 't.other', state: 'active' });
      const missing = await request(`${url}/v1/plugins/t.nope`);
      expect(missing.status).to.equal(404);
      expect(missing.body.error.code).to.equal('PLUGIN_NOT_FOUND');
      expect((await request(`${url}/v1/plugins/t.nope/disable`, { method: 'POST' })).status).to.equal(404);
      expect((await request(`${url}/v1/plugins/t.nope/enable`, { method: 'POST' })).status).to.equal(404);
    });

    it('stops running a disabled plugin until it is enabled again', async () => {
      const disabled = await request(`${url}/v1/plugins/t.other/disable`, { method: 'POST' });
      expect(disabled.status).to.equal(200);
      expect(disabled.body).to.include({ id: 't.other', disabled: true });
      const skipped = await request(`${url}/v1/job-completions?wait=5000`, { body: event(GUID_B) });
      expect(skipped.body.outcomes).to.deep.equal([]);
      const enabled = await request(`${url}/v1/plugins/t.other/enable`, { method: 'POST' });
      expect(enabled.status).to.equal(200);
      expect(enabled.body).to.include({ disabled: false, state: 'active' });
      const ran = await request(`${url}/v1/job-completions?wait=5000`, { body: event(GUID_B) });
      expect(ran.body.outcomes.map((o: any) => [o.plugin, o.outcome])).to.deep.equal([['t.other', 'succeeded']]);
    });
  });

  describe('health, metrics and the API description', () => {
    it('answers /healthz and /readyz', async () => {
      expect(await request(`${url}/healthz`)).to.deep.include({ status: 200, body: { status: 'ok' } });
      const ready = await request(`${url}/readyz`);
      expect(ready.status).to.equal(200);
      expect(ready.body).to.deep.include({ status: 'ready', store: 'open', plugins: { active: 4, failed: 0, total: 4 } });
      expect(ready.body.queue).to.have.keys('pending', 'dispatching');
    });

    it('answers 404 ROUTE_NOT_FOUND for an unknown route', async () => {
      const res = await request(`${url}/v2/job-completions`);
      expect(res.status).to.equal(404);
      expect(res.body.error.code).to.equal('ROUTE_NOT_FOUND');
    });

    it('describes every route in /openapi.json, and every described route exists', async () => {
      const doc = (await request(`${url}/openapi.json`)).body;
      expect(doc.openapi).to.match(/^3\.1\./);
      const described = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
      expect(described.sort()).to.deep.equal(
        [
          'POST /v1/job-completions',
          'GET /v1/job-completions',
          'GET /v1/job-completions/{id}',
          'GET /v1/plugins',
          'GET /v1/plugins/{id}',
          'POST /v1/plugins/{id}/disable',
          'POST /v1/plugins/{id}/enable',
          'PUT /v1/plugins/{id}',
          'DELETE /v1/plugins/{id}',
          'GET /v1/cluster',
          'POST /v1/job-completions/{id}/replay',
          'POST /v1/plugins/{id}/replay',
          'GET /v1/events/stream',
          'GET /',
          'GET /v1/poller',
          'GET /healthz',
          'GET /readyz',
          'GET /metrics',
          'GET /openapi.json',
        ].sort(),
      );
      // The live stream never ends by itself: it has its own test.
      for (const route of described.filter((r) => r !== 'GET /v1/events/stream')) {
        const [method, p] = route.split(' ') as [string, string];
        const res = await request(`${url}${p.replace('{id}', 'nope')}`, {
          method,
          ...(method === 'POST' && p === '/v1/job-completions' ? { body: event(GUID_C) } : {}),
          ...(method === 'PUT' ? { raw: 'not a package', headers: { 'content-type': 'application/gzip' } } : {}),
        });
        expect(res.body?.error?.code, route).to.not.equal('ROUTE_NOT_FOUND');
      }
    });
  });
});
