import { expect } from 'chai';
import path from 'node:path';
import { createHost } from '@jobhook/host';
import { IsolateSandboxFactory } from '../../../host/dist/sandbox/isolate/isolate-sandbox-factory.js';

/** Real isolates, whose disposal takes a while (or fails), so a caller that does not wait for it shows. */
class SlowToDisposeFactory extends IsolateSandboxFactory {
  disposed = false;
  constructor(private readonly failWith?: Error) {
    super();
  }
  override async dispose(): Promise<void> {
    await sleep(300);
    await super.dispose();
    if (this.failWith) throw this.failWith;
    this.disposed = true;
  }
}
import { captureLogs } from '../../support/log-capture.js';
import { GUID_A, event, handlerBundle, manifest, writePlugin } from '../../support/foundation-plugins.js';
import { useTempDir } from '../../support/temp-dir.js';
import { sleep } from '../../support/wait-for.js';

describe('host teardown', function () {
  this.timeout(30_000);
  const tmp = useTempDir();

  it('disposes every isolate it created, including failed loads and in-flight work, when closed', async () => {
    const root = path.join(tmp.path, 'plugins');
    await writePlugin(root, 'ok', manifest('t.ok'), handlerBundle('return true;'));
    await writePlugin(root, 'slow', manifest('t.slow', { limits: { timeoutMs: 5000 } }), handlerBundle('return new Promise((r) => setTimeout(() => r(true), 3000));'));
    await writePlugin(root, 'broken', manifest('t.broken'), 'throw new Error("no");');
    const factory = new IsolateSandboxFactory();
    const host = await createHost({ config: { pluginsDir: root }, logger: captureLogs().logger, sandboxFactory: factory });
    expect(factory.census()).to.include({ live: 2, created: 3 });
    const pending = host.dispatch(event(GUID_A));
    await sleep(100);
    await host.close();
    expect(factory.census(), 'the plugin sandboxes and the spare isolate').to.deep.equal({ live: 0, created: 3, spare: 0 });
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

  it('rejects an aborted start-up with HOST_START_ABORTED only once everything it opened is disposed', async () => {
    const root = path.join(tmp.path, 'abort-plugins');
    for (const name of ['a', 'b', 'c']) await writePlugin(root, name, manifest(`t.${name}`), handlerBundle('return true;'));
    const factory = new SlowToDisposeFactory();
    const controller = new AbortController();
    const starting = createHost({ config: { pluginsDir: root }, logger: captureLogs().logger, sandboxFactory: factory, signal: controller.signal, onPluginChange: () => controller.abort() });
    const error = await starting.then(() => expect.fail('start-up should be aborted'), (e: { code?: string }) => e);
    expect(error.code).to.equal('HOST_START_ABORTED');
    expect(factory.disposed, 'the sandbox factory was disposed before createHost rejected').to.equal(true);
    expect(factory.census()).to.include({ live: 0, spare: 0 });
  });

  it('logs a close that fails while start-up is aborted, and leaves no unhandled rejection', async () => {
    const root = path.join(tmp.path, 'abort-plugins-failing');
    for (const name of ['a', 'b']) await writePlugin(root, name, manifest(`t.${name}`), handlerBundle('return true;'));
    const unhandled: unknown[] = [];
    const record = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const logs = captureLogs();
      const factory = new SlowToDisposeFactory(new Error('dispose broke'));
      const controller = new AbortController();
      const error = await createHost({ config: { pluginsDir: root }, logger: logs.logger, sandboxFactory: factory, signal: controller.signal, onPluginChange: () => controller.abort() }).then(
        () => expect.fail('start-up should be aborted'),
        (e: { code?: string }) => e,
      );
      expect(error.code).to.equal('HOST_START_ABORTED');
      // Give a stray rejection time to surface (disposal takes 300 ms).
      await sleep(800);
      expect(unhandled.map(String)).to.deep.equal([]);
      expect(JSON.stringify(logs.lines)).to.include('dispose broke');
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});
