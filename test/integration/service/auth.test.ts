import { expect } from 'chai';
import path from 'node:path';
import { GUID_A, event, handlerBundle, manifest, tempDir, writePlugin, type TempDir } from '../../support/foundation-plugins.js';
import { request, startTestService, type TestService } from '../../support/service-harness.js';
import type { EventStore } from '../../../host/dist/store/event-store.js';
import { SqliteEventStore } from '../../../host/dist/store/sqlite/sqlite-event-store.js';

const TOKEN = 's3cret-token-for-tests';

describe('API security: bearer token, listen address, error answers', function () {
  this.timeout(30_000);
  let tmp: TempDir;
  let plugins: string;

  before(async () => {
    tmp = await tempDir('jobhook-auth-');
    plugins = path.join(tmp.path, 'plugins');
    await writePlugin(plugins, 'ok', manifest('t.ok'), handlerBundle('return true;', GUID_A));
  });
  after(() => tmp.dispose());

  describe('with a token configured', () => {
    let svc: TestService;
    before(async () => (svc = await startTestService(plugins, path.join(tmp.path, 'data-token'), { token: TOKEN })));
    after(() => svc.close());

    it('refuses every /v1 route without a bearer token: 401 AUTH_REQUIRED with WWW-Authenticate', async () => {
      for (const [method, route] of [
        ['POST', '/v1/job-completions'],
        ['GET', '/v1/job-completions'],
        ['GET', '/v1/job-completions/some-id'],
        ['GET', '/v1/plugins'],
        ['GET', '/v1/plugins/t.ok'],
        ['POST', '/v1/plugins/t.ok/disable'],
        ['POST', '/v1/plugins/t.ok/enable'],
        ['GET', '/v1/not-a-route'],
      ] as const) {
        const res = await request(`${svc.url}${route}`, { method, ...(method === 'POST' ? { body: event() } : {}) });
        expect(res.status, route).to.equal(401);
        expect(res.body.error.code, route).to.equal('AUTH_REQUIRED');
        expect(res.headers.get('www-authenticate'), route).to.equal('Bearer realm="jobhook"');
      }
      expect((await request(`${svc.url}/v1/plugins/t.ok`, { headers: { authorization: `Bearer ${TOKEN}` } })).body.disabled).to.equal(false);
    });

    it('refuses a wrong token, another scheme, or the token with a different length: 401 AUTH_INVALID / AUTH_REQUIRED', async () => {
      const wrong = await request(`${svc.url}/v1/plugins`, { headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}X` } });
      expect(wrong.status).to.equal(401);
      expect(wrong.body.error.code).to.equal('AUTH_INVALID');
      expect(wrong.headers.get('www-authenticate')).to.equal('Bearer realm="jobhook", error="invalid_token"');
      expect((await request(`${svc.url}/v1/plugins`, { headers: { authorization: `Bearer ${TOKEN}extra` } })).body.error.code).to.equal('AUTH_INVALID');
      expect((await request(`${svc.url}/v1/plugins`, { headers: { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` } })).body.error.code).to.equal('AUTH_REQUIRED');
      expect((await request(`${svc.url}/v1/plugins`, { headers: { authorization: TOKEN } })).body.error.code).to.equal('AUTH_REQUIRED');
    });

    it('accepts the right token on /v1 routes', async () => {
      const res = await request(`${svc.url}/v1/job-completions?wait=5000`, { body: event(), headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).to.equal(200);
      expect(res.body.outcomes).to.have.length(1);
      expect((await request(`${svc.url}/v1/plugins`, { headers: { authorization: `bearer ${TOKEN}` } })).status).to.equal(200);
    });

    it('leaves probes, metrics and the API description open', async () => {
      for (const route of ['/healthz', '/readyz', '/metrics', '/openapi.json']) expect((await request(`${svc.url}${route}`)).status, route).to.equal(200);
    });
  });

  describe('listen address', () => {
    it('refuses a non-loopback address without a token (SERVE_INSECURE_LISTEN), naming the ways out', async () => {
      let error: unknown;
      try {
        const svc = await startTestService(plugins, path.join(tmp.path, 'data-insecure'), { listen: '0.0.0.0:0', token: null });
        await svc.close();
      } catch (e) {
        error = e;
      }
      expect((error as { code?: string }).code).to.equal('SERVE_INSECURE_LISTEN');
      expect((error as Error).message).to.match(/JOBHOOK_TOKEN.*--insecure/);
    });
  });

  describe('listen failures', () => {
    it('says when the port is taken (SERVE_LISTEN_FAILED), while the service that has it keeps serving', async () => {
      const first = await startTestService(plugins, path.join(tmp.path, 'data-port-1'));
      try {
        let error: unknown;
        try {
          const second = await startTestService(plugins, path.join(tmp.path, 'data-port-2'), { listen: `127.0.0.1:${first.service.port}` });
          await second.close();
        } catch (e) {
          error = e;
        }
        expect((error as { code?: string }).code).to.equal('SERVE_LISTEN_FAILED');
        expect((error as Error).message).to.match(/cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE.*another jobhook serve/);
        expect((await request(`${first.url}/healthz`)).status).to.equal(200);
      } finally {
        await first.close();
      }
    });
  });

  describe('readiness', () => {
    it('answers 503 on /readyz while the store cannot commit, saying why', async () => {
      const real = SqliteEventStore.open(path.join(tmp.path, 'data-unwritable'));
      const failing: EventStore = new Proxy(real, {
        get(target, prop, receiver) {
          if (prop === 'writeError') return () => 'the event store could not commit 1 write(s): database or disk is full';
          const value = Reflect.get(target, prop, receiver) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const svc = await startTestService(plugins, path.join(tmp.path, 'data-unwritable'), { store: failing });
      try {
        const res = await request(`${svc.url}/readyz`);
        expect(res.status).to.equal(503);
        expect(res.body).to.include({ status: 'unavailable', store: 'STORE_WRITE_FAILED' });
        expect(res.body.reason).to.match(/disk is full/);
        expect((await request(`${svc.url}/healthz`)).status).to.equal(200);
      } finally {
        await svc.close();
      }
    });
  });

  describe('error answers', () => {
    it('answers an internal failure with 500 INTERNAL_ERROR and a request id, never a stack trace or the cause', async () => {
      const real = SqliteEventStore.open(path.join(tmp.path, 'data-broken'));
      // A fake of the store seam whose reads fail the way a bug would.
      const broken: EventStore = new Proxy(real, {
        get(target, prop, receiver) {
          if (prop === 'get') return async () => { throw new TypeError('cannot read properties of undefined (reading /srv/secret/path)'); };
          const value = Reflect.get(target, prop, receiver) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const svc = await startTestService(plugins, path.join(tmp.path, 'data-broken'), { store: broken });
      try {
        const res = await request(`${svc.url}/v1/job-completions/anything`);
        expect(res.status).to.equal(500);
        expect(res.body.error.code).to.equal('INTERNAL_ERROR');
        expect(res.body.error.message).to.match(/reqId \S+/);
        const text = JSON.stringify(res.body);
        expect(text).to.not.match(/secret|TypeError|\bat \S+:\d+/);
        const ready = await request(`${svc.url}/readyz`);
        expect(ready.status).to.equal(200);
        const logged = svc.logs.lines.find((l) => l.msg === 'request failed with an internal error') as { err?: { stack?: string } } | undefined;
        expect(logged?.err?.stack).to.match(/TypeError: cannot read properties/);
      } finally {
        await svc.close();
      }
    });
  });
});
