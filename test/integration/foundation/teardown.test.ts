import { expect } from 'chai';
import path from 'node:path';
import { createHost } from '@jobhook/host';
import { IsolateSandboxFactory } from '../../../host/dist/sandbox/isolate-sandbox-factory.js';
import { captureLogs } from '../../support/log-capture.js';
import { GUID_A, event, handlerBundle, manifest, tempDir, writePlugin, type TempDir } from '../../support/foundation-plugins.js';

describe('host teardown', function () {
  this.timeout(30_000);
  let tmp: TempDir;
  before(async () => (tmp = await tempDir()));
  after(() => tmp.dispose());

  it('disposes every isolate it created, including failed loads and in-flight work, when closed', async () => {
    const root = path.join(tmp.path, 'plugins');
    await writePlugin(root, 'ok', manifest('t.ok'), handlerBundle('return true;'));
    await writePlugin(root, 'slow', manifest('t.slow', { limits: { timeoutMs: 5000 } }), handlerBundle('return new Promise((r) => setTimeout(() => r(true), 3000));'));
    await writePlugin(root, 'broken', manifest('t.broken'), 'throw new Error("no");');
    const factory = new IsolateSandboxFactory();
    const host = await createHost({ config: { pluginsDir: root }, logger: captureLogs().logger, sandboxFactory: factory });
    expect(factory.census()).to.deep.equal({ live: 2, created: 3 });
    const pending = host.dispatch(event(GUID_A));
    await new Promise((r) => setTimeout(r, 100));
    await host.close();
    expect(factory.census().live).to.equal(0);
    // The slow invocation was drained to completion before its isolate was disposed.
    const { outcomes } = await pending;
    expect(outcomes.map((o) => [o.plugin, o.outcome]).sort()).to.deep.equal([
      ['t.ok', 'succeeded'],
      ['t.slow', 'succeeded'],
    ]);
  });

  it('refuses to dispatch once closed, with a clear error', async () => {
    const host = await createHost({ config: { pluginsDir: path.join(tmp.path, 'plugins') }, logger: captureLogs().logger });
    await host.close();
    await host.close();
    try {
      await host.dispatch(event(GUID_A));
      expect.fail('should refuse');
    } catch (e) {
      expect((e as { code?: string }).code).to.equal('HOST_CLOSED');
    }
  });
});
