import { expect } from 'chai';
import path from 'node:path';
import { GUID_A, event, handlerBundle, manifest, tempDir, writePlugin, type TempDir } from '../../support/foundation-plugins.js';
import { request, startTestService, waitDone } from '../../support/service-harness.js';

describe('back-pressure from a plugin at capacity', function () {
  this.timeout(30_000);
  let tmp: TempDir;
  before(async () => {
    tmp = await tempDir('jobhook-backpressure-');
    await writePlugin(
      path.join(tmp.path, 'plugins'),
      'narrow',
      manifest('t.narrow', { limits: { timeoutMs: 2000, memoryMb: 32, concurrency: 1 } }),
      handlerBundle('return new Promise((r) => setTimeout(() => r(true), 20));'),
    );
  });
  after(() => tmp.dispose());

  it('runs every stored event once the plugin has room, instead of recording it rejected', async () => {
    // One running and one waiting at most: the burst below overflows the plugin's queue many times.
    const svc = await startTestService(path.join(tmp.path, 'plugins'), path.join(tmp.path, 'data'), { hostConfig: { limits: { queueDepth: 1 } } });
    try {
      const ids = await Promise.all(Array.from({ length: 12 }, async (_, i) => (await request(`${svc.url}/v1/job-completions`, { body: event(GUID_A, { currentRetryCount: i }) })).body.id as string));
      for (const id of ids) {
        const done = await waitDone(svc.url, id, 20_000);
        expect(done.outcomes.map((o: { outcome: string }) => o.outcome), id).to.deep.equal(['succeeded']);
      }
      expect((await request(`${svc.url}/v1/plugins/t.narrow`)).body.invocations).to.include({ succeeded: 12, rejected: 0 });
    } finally {
      await svc.close();
    }
  });
});
