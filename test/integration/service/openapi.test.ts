import { expect } from 'chai';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { handlerBundle, manifest, tempDir, writePlugin, type TempDir } from '../../support/foundation-plugins.js';
import { request, startTestService, type TestService } from '../../support/service-harness.js';

describe('the API description: generated OpenAPI 3.1 and the /docs reference', function () {
  this.timeout(30_000);
  let tmp: TempDir;
  let svc: TestService;

  before(async () => {
    tmp = await tempDir('jobhook-openapi-');
    const plugins = path.join(tmp.path, 'plugins');
    await writePlugin(plugins, 'ok', manifest('t.ok'), handlerBundle('return true;'));
    svc = await startTestService(plugins, path.join(tmp.path, 'data'), { token: 'openapi-test-token', cluster: true });
  });
  after(async () => {
    await svc?.close();
    await tmp?.dispose();
  });

  it('validates as OpenAPI 3.1 with a schema-checking validator', async () => {
    const doc = (await request(`${svc.url}/openapi.json`)).body;
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).to.deep.equal([]);
    expect(result.valid).to.equal(true);
    expect(validator.version).to.equal('3.1');
  });

  it('declares a success response schema for every operation, and bearer security with 401 on every /v1 one', async () => {
    const doc = (await request(`${svc.url}/openapi.json`)).body;
    for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method.toUpperCase()} ${p}`;
        const success = Object.entries(op.responses as Record<string, any>).find(([status]) => /^2/.test(status));
        expect(success, where).to.not.equal(undefined);
        expect(Object.keys(success![1].content ?? {}), where).to.have.length.greaterThan(0);
        if (p.startsWith('/v1/')) {
          expect(op.security, where).to.deep.equal([{ bearer: [] }]);
          expect(op.responses['401'], where).to.not.equal(undefined);
        }
      }
    }
    expect(doc.paths['/v1/job-completions'].post.requestBody.content['application/json'].schema.$ref).to.equal('#/components/schemas/JobCompletion');
    expect(Object.keys(doc.components.schemas)).to.include.members(['Error', 'JobCompletion', 'EventRecord', 'Outcome', 'Replay', 'Plugin', 'EventPage']);
    expect(Object.keys(doc.components.schemas)).to.include.members(['ClusterView', 'ClusterHost', 'PluginSpread', 'Deployment']);
    // The deploy route takes the packed package as bytes, under the media types its parser accepts.
    const deploy = doc.paths['/v1/plugins/{id}'].put.requestBody.content;
    expect(Object.keys(deploy)).to.include.members(['application/gzip', 'application/octet-stream']);
    expect(deploy['application/gzip'].schema).to.include({ type: 'string', format: 'binary' });
    expect(doc.components.schemas.Outcome.properties.outcome.enum).to.deep.equal(['succeeded', 'failed', 'error', 'timeout', 'crashed', 'rejected']);
  });

  it('serves the interactive reference at /docs with every asset from this host', async () => {
    const page = await request(`${svc.url}/docs`);
    expect(page.status).to.equal(200);
    expect(String(page.headers.get('content-type'))).to.include('text/html');
    const html = String(page.body);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).to.be.greaterThan(0);
    for (const asset of assets) {
      expect(asset, asset).to.not.match(/^(https?:)?\/\//);
      const res = await fetch(new URL(asset, `${svc.url}/docs/`));
      await res.arrayBuffer();
      expect(res.status, asset).to.equal(200);
    }
    const init = await fetch(`${svc.url}/docs/swagger-initializer.js`);
    expect(await init.text()).to.not.match(/https?:\/\/(?!127\.0\.0\.1|localhost)[a-z]/i);
  });

  it('answers with what the response schema declares, dropping fields it does not', async () => {
    const auth = { authorization: 'Bearer openapi-test-token' };
    const plugin = (await request(`${svc.url}/v1/plugins/t.ok`, { headers: auth })).body;
    expect(Object.keys(plugin).sort()).to.deep.equal(['contentHash', 'disabled', 'folder', 'handlers', 'id', 'invocations', 'jobTypes', 'lastError', 'lastFailure', 'limits', 'loadedAt', 'quarantined', 'signedBy', 'state', 'version']);
    const refused = await request(`${svc.url}/v1/plugins`);
    expect(refused.status).to.equal(401);
    expect(Object.keys(refused.body)).to.deep.equal(['error']);
  });
});
