import { expect } from 'chai';
import path from 'node:path';
import { createHost, resolveConfig } from '@jobhook/host';
import { GUID_A, event, handlerBundle, manifest, tempDir, writePlugin, type TempDir } from '../../support/foundation-plugins.js';
import { startFakePlatform, type FakePlatform } from '../../support/fake-platform.js';
import { captureLogs } from '../../support/log-capture.js';
import { request } from '../../support/service-harness.js';
import { countedEgress } from '../../../host/dist/composition/counted-egress.js';
import { startService } from '../../../host/dist/composition/start-service.js';
import { ServiceMetrics } from '../../../host/dist/api/metrics/service-metrics.js';
import { SqliteEventStore } from '../../../host/dist/store/sqlite/sqlite-event-store.js';
import { buildPlugin } from '@jobhook/sdk/build';
import { startWebRig, WEB_FIXTURE } from '../web-runtime/web-rig.js';

describe('egress requests in /metrics', function () {
  this.timeout(30_000);
  let tmp: TempDir;
  let platform: FakePlatform;

  before(async () => {
    tmp = await tempDir('jobhook-egress-metrics-');
    platform = await startFakePlatform();
    platform.addCertificate({ Id: 42 });
    await writePlugin(
      path.join(tmp.path, 'plugins'),
      'caller',
      manifest('t.caller', { permissions: { http: [{ url: 'Certificates/*', methods: ['GET'] }] } }),
      handlerBundle(`
        await ctx.client.get('Certificates/42');
        try { await ctx.client.get('Certificates/7'); } catch (e) {}
        try { await ctx.client.get('Workflow/Instances'); } catch (e) {}
        return true;`).replace('runHandler(ctx) {', 'async runHandler(ctx) {'),
    );
  });
  after(async () => {
    await platform.close();
    await tmp.dispose();
  });

  it('counts each plugin request by HTTP status, and refused ones by error code', async () => {
    const metrics = new ServiceMetrics();
    const config = resolveConfig({ pluginsDir: path.join(tmp.path, 'plugins'), listen: '127.0.0.1:0', platform: { url: platform.url, auth: { type: 'bearer', token: 'test-token' } } });
    const logs = captureLogs('info');
    const host = await createHost({ config, logger: logs.logger, egress: countedEgress(config, metrics) });
    const store = SqliteEventStore.open(path.join(tmp.path, 'data'));
    const service = await startService({ host, store, logger: logs.logger, metrics });
    try {
      const done = (await request(`${service.url}/v1/job-completions?wait=10000`, { body: event(GUID_A) })).body;
      expect(done.outcomes.map((o: { outcome: string }) => o.outcome)).to.deep.equal(['succeeded']);
      const text = (await request<string>(`${service.url}/metrics`)).body;
      expect(text).to.include('jobhook_egress_requests_total{plugin="t.caller",status="200"} 1');
      expect(text).to.include('jobhook_egress_requests_total{plugin="t.caller",status="404"} 1');
      expect(text).to.include('jobhook_egress_requests_total{plugin="t.caller",status="EGRESS_DENIED"} 1');
      expect(platform.requests.map((r) => r.route)).to.deep.equal(['Certificates/42', 'Certificates/7']);
    } finally {
      await service.close();
      await host.close();
      await store.close();
    }
  });

  it('counts a fetch the plugin aborts once, as EGRESS_ABORTED, and not its cancel message', async () => {
    await buildPlugin(WEB_FIXTURE);
    const metrics = new ServiceMetrics();
    const rig = await startWebRig('in-process', { metrics });
    try {
      const { value } = await rig.run('fetch-abort', { url: `${rig.thirdParty.origin}/allowed/Test/Slow?ms=4000`, afterMs: 100 });
      expect(value).to.include({ name: 'AbortError' });
      const counted = (await metrics.text()).split('\n').filter((l) => l.startsWith('jobhook_egress_requests_total{plugin="test.web-runtime"'));
      expect(counted).to.deep.equal(['jobhook_egress_requests_total{plugin="test.web-runtime",status="EGRESS_ABORTED"} 1']);
    } finally {
      await rig.close();
    }
  });
});
