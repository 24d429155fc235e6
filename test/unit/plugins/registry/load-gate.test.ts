import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createHostLogger, ManifestSchema, resolveConfig, UnconfiguredEgressGateway } from '@jobhook/host';
import { readPluginPackage } from '../../../../host/dist/plugins/package/read-plugin-package.js';
import { LoadGate } from '../../../../host/dist/plugins/registry/load-gate.js';
import { FakeSandboxFactory, type FakeSandbox } from '../../../support/fake-sandbox.js';
import { GUID_A, tempDir, type TempDir } from '../../../support/foundation-plugins.js';

/** Counts the loads under way at once. */
class CountingFactory extends FakeSandboxFactory {
  running = 0;
  peak = 0;
  readonly started: string[] = [];
  override create(): FakeSandbox {
    const sandbox = super.create();
    const load = sandbox.load.bind(sandbox);
    sandbox.load = async (spec) => {
      this.started.push(spec.pluginId);
      this.peak = Math.max(this.peak, ++this.running);
      try {
        return await load(spec);
      } finally {
        this.running--;
      }
    };
    return sandbox;
  }
}

describe('LoadGate: a bounded number of loads at once', function () {
  this.timeout(10_000);
  let tmp: TempDir;
  beforeEach(async () => (tmp = await tempDir('jobhook-load-gate-')));
  afterEach(() => tmp.dispose());

  async function pkg(id: string, behaviour: Record<string, unknown> = {}) {
    const dir = path.join(tmp.path, id);
    await mkdir(path.join(dir, 'dist'), { recursive: true });
    await writeFile(path.join(dir, 'plugin.json'), JSON.stringify({ id, name: id, version: '1.0.0', engine: '^0.1.0', main: 'dist/plugin.js', handlers: [{ name: 'H', jobTypes: [GUID_A] }] }));
    await writeFile(path.join(dir, 'dist', 'plugin.js'), JSON.stringify({ handlers: [{ name: 'H', jobTypes: GUID_A }], ...behaviour }));
    return readPluginPackage(dir, new ManifestSchema());
  }

  const gate = (factory: FakeSandboxFactory, concurrency: number) =>
    new LoadGate({ sandboxFactory: factory, egress: new UnconfiguredEgressGateway(), logger: createHostLogger({ level: 'silent' }), config: resolveConfig({ pluginsDir: tmp.path }) }, concurrency);

  it('runs at most its bound of loads at once and starts the others in request order', async () => {
    const factory = new CountingFactory();
    const loads = gate(factory, 2);
    const pkgs = await Promise.all(['p1', 'p2', 'p3', 'p4', 'p5'].map((id) => pkg(id, { loadMs: 40 })));
    const instances = await Promise.all(pkgs.map((p) => loads.load(p)));
    expect(instances.map((i) => i.id)).to.deep.equal(['p1', 'p2', 'p3', 'p4', 'p5']);
    expect(factory.peak).to.equal(2);
    expect(factory.started).to.deep.equal(['p1', 'p2', 'p3', 'p4', 'p5']);
    await Promise.all(instances.map((i) => i.dispose()));
  });

  it('frees the slot of a load that fails, so the next one runs', async () => {
    const factory = new CountingFactory();
    const loads = gate(factory, 1);
    const [bad, good] = [await pkg('broken', { throws: 'bundle threw' }), await pkg('fine')];
    const broken = loads.load(bad);
    const next = loads.load(good);
    await broken.then(
      () => expect.fail('the load should fail'),
      (e: { code: string }) => expect(e.code).to.equal('PLUGIN_BUNDLE_THREW'),
    );
    const instance = await next;
    expect(instance.id).to.equal('fine');
    expect(factory.sandboxes[0]!.disposed, 'the failed version is released').to.equal(true);
    await instance.dispose();
  });
});
