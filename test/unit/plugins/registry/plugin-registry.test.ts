import { expect } from 'chai';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createHostLogger, ManifestSchema, resolveConfig, UnconfiguredEgressGateway, type PluginChange } from '@jobhook/host';
import { PluginRegistry } from '../../../../host/dist/plugins/registry/plugin-registry.js';
import { FakeSandboxFactory, type FakeBundle } from '../../../support/fake-sandbox.js';
import { GUID_A, GUID_B, tempDir, type TempDir } from '../../../support/foundation-plugins.js';

/** A real package folder whose bundle is a FakeBundle (JSON) the fake sandbox follows. */
async function fakePlugin(root: string, folder: string, id: string, version: string, behaviour: Partial<FakeBundle> = {}, jobTypes = [GUID_A]): Promise<string> {
  const dir = path.join(root, folder);
  await mkdir(path.join(dir, 'dist'), { recursive: true });
  const manifest = { id, name: id, version, engine: '^0.1.0', main: 'dist/plugin.js', handlers: [{ name: 'H', jobTypes }], limits: { timeoutMs: 500 } };
  await writeFile(path.join(dir, 'plugin.json'), JSON.stringify(manifest));
  await writeFile(path.join(dir, 'dist', 'plugin.js'), JSON.stringify({ handlers: [{ name: 'H', jobTypes: jobTypes.join(',') }], ...behaviour }));
  return dir;
}

describe('PluginRegistry: versions, swaps and folders', function () {
  this.timeout(10_000);
  let tmp: TempDir;
  let root: string;
  let factory: FakeSandboxFactory;
  let changes: PluginChange[];
  let registry: PluginRegistry;

  const newRegistry = (): PluginRegistry =>
    new PluginRegistry(
      {
        schema: new ManifestSchema(),
        sandboxFactory: factory,
        egress: new UnconfiguredEgressGateway(),
        logger: createHostLogger({ level: 'silent' }),
        config: resolveConfig({ pluginsDir: root }),
      },
      undefined,
      (c) => changes.push(c),
    );
  const invoke = (jobTypeId = GUID_A) => {
    const [route] = registry.routes(jobTypeId);
    return route!.instance.invoke(route!.handler, 'job-1', '{}', `inv-${Math.random()}`);
  };

  beforeEach(async () => {
    tmp = await tempDir('jobhook-registry-');
    root = tmp.path;
    factory = new FakeSandboxFactory();
    changes = [];
    registry = newRegistry();
  });
  afterEach(async () => {
    factory.finishHeld();
    await registry.close();
    await tmp.dispose();
  });

  it('keeps a replaced version running until its invocations finish, then disposes it', async () => {
    const dir = await fakePlugin(root, 'p', 't.p', '1.0.0', { hold: true });
    await registry.sync(dir);
    const inFlight = invoke();
    await fakePlugin(root, 'p', 't.p', '2.0.0');
    expect(await registry.sync(dir)).to.include({ kind: 'replaced', from: '1.0.0', to: '2.0.0' });
    expect(registry.routes(GUID_A).map((r) => r.instance.version)).to.deep.equal(['2.0.0']);
    const [v1, v2] = factory.sandboxes;
    expect(v1!.disposed, 'old version disposed while running').to.equal(false);
    expect(await invoke()).to.deep.equal({ outcome: 'succeeded' });
    expect(v2!.invocations).to.equal(1);
    factory.finishHeld();
    expect(await inFlight).to.deep.equal({ outcome: 'succeeded' });
    await new Promise((r) => setImmediate(r));
    expect(v1!.disposed).to.equal(true);
    expect(v1!.invocations).to.equal(1);
  });

  it('shows a plugin loading for the first time as loading, then active', async () => {
    const dir = await fakePlugin(root, 'slow', 't.slow', '1.0.0', { loadMs: 1500 });
    const done = registry.sync(dir);
    // Reading the package comes first; on a busy machine that alone can take longer than a fixed sleep.
    for (let waited = 0; registry.list().length === 0 && waited < 1000; waited += 5) await new Promise((r) => setTimeout(r, 5));
    expect(registry.list()).to.have.length(1);
    expect(registry.list()[0]).to.include({ id: 't.slow', state: 'loading', version: '1.0.0' });
    await done;
    expect(registry.list()[0]).to.include({ state: 'active', version: '1.0.0' });
  });

  it('merges a burst of requests for one folder into one more load of the newest files', async () => {
    const dir = await fakePlugin(root, 'p', 't.p', '1.0.0', { loadMs: 400 });
    const first = registry.sync(dir);
    await new Promise((r) => setTimeout(r, 10));
    await fakePlugin(root, 'p', 't.p', '2.0.0', { loadMs: 50 });
    const second = registry.sync(dir);
    await fakePlugin(root, 'p', 't.p', '3.0.0', { loadMs: 50 });
    const third = registry.sync(dir);
    const fourth = registry.sync(dir);
    expect(await first).to.include({ kind: 'added', version: '1.0.0' });
    const merged = await Promise.all([second, third, fourth]);
    for (const c of merged) expect(c).to.include({ kind: 'replaced', from: '1.0.0', to: '3.0.0' });
    expect(factory.sandboxes.map((s) => s.version)).to.deep.equal(['1.0.0', '3.0.0']);
  });

  it('gives an id claimed by two folders to the first in name order, however long each load takes', async () => {
    for (let round = 0; round < 3; round++) {
      await rm(root, { recursive: true, force: true });
      await fakePlugin(root, 'alpha', 't.same', '1.0.0', { loadMs: 60 });
      await fakePlugin(root, 'beta', 't.same', '2.0.0');
      const r = newRegistry();
      const result = await r.loadAll(root);
      expect(result.map((c) => c.kind)).to.deep.equal(['added', 'refused']);
      expect(r.list().map((p) => [path.basename(p.folder), p.state])).to.deep.equal([
        ['alpha', 'active'],
        ['beta', 'failed'],
      ]);
      await r.close();
    }
  });

  it("drops a folder's old id when the folder starts providing another one", async () => {
    const dir = await fakePlugin(root, 'p', 't.old', '1.0.0');
    await registry.sync(dir);
    await fakePlugin(root, 'p', 't.new', '1.0.0', {}, [GUID_B]);
    expect(await registry.sync(dir)).to.include({ kind: 'added', id: 't.new' });
    expect(registry.routes(GUID_A)).to.deep.equal([]);
    expect(registry.list().map((p) => p.id)).to.deep.equal(['t.new']);
    await new Promise((r) => setImmediate(r));
    expect(factory.sandboxes[0]!.disposed).to.equal(true);
  });

  it('unloads the plugin when the folder that took over its id fails to load (its own folder is gone)', async () => {
    const a = await fakePlugin(root, 'a', 't.x', '1.0.0');
    const b = await fakePlugin(root, 'b', 't.x', '2.0.0', { throws: 'broken v2' });
    await registry.loadAll(root);
    await rm(a, { recursive: true });
    expect(await registry.remove(a)).to.include({ kind: 'moved', id: 't.x', to: b });
    const refused = await new Promise<PluginChange>((resolve) => {
      const check = (): void => {
        const c = changes.find((x) => x.kind === 'refused' && x.folder === b && x.error.code === 'PLUGIN_BUNDLE_THREW');
        if (c) resolve(c);
        else setTimeout(check, 5);
      };
      check();
    });
    expect(refused).to.include({ keptVersion: null });
    expect(registry.routes(GUID_A)).to.deep.equal([]);
    expect(registry.list().map((p) => [path.basename(p.folder), p.state])).to.deep.equal([['b', 'failed']]);
  });

  it('waits for invocations under way when closing, then disposes everything', async () => {
    const dir = await fakePlugin(root, 'p', 't.p', '1.0.0', { hold: true });
    await registry.sync(dir);
    const inFlight = invoke();
    const closed = registry.close();
    await new Promise((r) => setTimeout(r, 30));
    expect(factory.sandboxes[0]!.disposed).to.equal(false);
    factory.finishHeld();
    await closed;
    expect(await inFlight).to.deep.equal({ outcome: 'succeeded' });
    expect(factory.live()).to.deep.equal([]);
  });

  it('refuses work once closed, and disposes a version whose load was under way', async () => {
    const dir = await fakePlugin(root, 'p', 't.p', '1.0.0', { loadMs: 400 });
    const loading = registry.sync(dir);
    await new Promise((r) => setTimeout(r, 10));
    await registry.close();
    try {
      await loading;
      expect.fail('the load finishing after close must not succeed');
    } catch (e) {
      expect((e as { code?: string }).code).to.equal('REGISTRY_CLOSED');
    }
    expect(factory.live()).to.deep.equal([]);
    try {
      await registry.sync(dir);
      expect.fail('sync after close');
    } catch (e) {
      expect((e as { code?: string }).code).to.equal('REGISTRY_CLOSED');
    }
  });
});
