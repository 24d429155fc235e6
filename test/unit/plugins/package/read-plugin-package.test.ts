import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ManifestError, ManifestSchema, readPluginPackage } from '@jobhook/host';
import { handlerBundle, manifest, writePlugin } from '../../../support/foundation-plugins.js';
import { useTempDir } from '../../../support/temp-dir.js';

const schema = new ManifestSchema();

async function problemsOf(dir: string): Promise<Array<{ pointer: string; message: string }>> {
  try {
    await readPluginPackage(dir, schema);
  } catch (e) {
    expect(e).to.be.instanceOf(ManifestError);
    return [...(e as ManifestError).problems];
  }
  throw new Error('expected the package to be refused');
}

describe('reading a plugin package', () => {
  const tmp = useTempDir('jobhook-manifest-', 'each');

  it('reads a valid package with its bundle, integrity and content hash', async () => {
    const dir = await writePlugin(tmp.path, 'ok', manifest('acme.ok'), handlerBundle('return true;'));
    const pkg = await readPluginPackage(dir, schema);
    expect(pkg.manifest.id).to.equal('acme.ok');
    expect(pkg.bundleCode).to.contain('jobCompleteHandler');
    expect(pkg.bundleIntegrity).to.match(/^sha256-[A-Za-z0-9+/]{43}=$/);
    expect(pkg.contentHash).to.match(/^[0-9a-f]{64}$/);
  });

  it('refuses a main that climbs out of the package with ..', async () => {
    const dir = await writePlugin(tmp.path, 'dots', manifest('acme.dots', { main: '../bundle.js' }), 'x');
    const problems = await problemsOf(dir);
    expect(problems.some((p) => p.pointer === '/main')).to.equal(true);
  });

  it('refuses an absolute main', async () => {
    const dir = await writePlugin(tmp.path, 'abs', manifest('acme.abs', { main: path.join(tmp.path, 'abs', 'bundle.js') }), 'x');
    const problems = await problemsOf(dir);
    expect(problems.some((p) => p.pointer === '/main')).to.equal(true);
  });

  it('refuses a main that is a symlink escaping the package', async () => {
    await writeFile(path.join(tmp.path, 'secret.js'), 'module.exports = 1;');
    const dir = await writePlugin(tmp.path, 'link', manifest('acme.link', { main: 'dist/bundle.js' }), 'x');
    await mkdir(path.join(dir, 'dist'));
    await symlink(path.join(tmp.path, 'secret.js'), path.join(dir, 'dist', 'bundle.js'));
    const problems = await problemsOf(dir);
    const main = problems.find((p) => p.pointer === '/main');
    expect(main?.message).to.match(/outside the package/);
  });

  it('refuses a package whose main does not exist, saying to build it', async () => {
    const dir = await writePlugin(tmp.path, 'nomain', manifest('acme.nomain', { main: 'dist/plugin.js' }), 'x');
    const main = (await problemsOf(dir)).find((p) => p.pointer === '/main');
    expect(main?.message).to.match(/does not exist.*jobhook-sdk build/);
  });

  it('refuses a bundle whose sha256 does not match integrity, and accepts the right one', async () => {
    const bundle = handlerBundle('return true;');
    const wrong = await writePlugin(tmp.path, 'wrong', manifest('acme.wrong', { integrity: `sha256-${'A'.repeat(43)}=` }), bundle);
    expect((await problemsOf(wrong)).map((p) => p.pointer)).to.include('/integrity');
    const sri = `sha256-${createHash('sha256').update(bundle).digest('base64')}`;
    const right = await writePlugin(tmp.path, 'right', manifest('acme.right', { integrity: sri }), bundle);
    expect((await readPluginPackage(right, schema)).bundleIntegrity).to.equal(sri);
  });

  it('refuses a plugin built for another host API version', async () => {
    const dir = await writePlugin(tmp.path, 'engine', manifest('acme.engine', { engine: '^2.0.0' }), 'x');
    const engine = (await problemsOf(dir)).find((p) => p.pointer === '/engine');
    expect(engine?.message).to.match(/needs host API '\^2\.0\.0'/);
  });

  it('says plainly when plugin.json is not JSON', async () => {
    const dir = await writePlugin(tmp.path, 'notjson', '{ "id": ', 'x');
    try {
      await readPluginPackage(dir, schema);
      expect.fail('should refuse');
    } catch (e) {
      expect((e as ManifestError).code).to.equal('MANIFEST_NOT_JSON');
      expect((e as ManifestError).message).to.match(/not valid JSON/);
    }
  });

  it('says plainly when there is no plugin.json', async () => {
    const dir = path.join(tmp.path, 'empty');
    await mkdir(dir);
    try {
      await readPluginPackage(dir, schema);
      expect.fail('should refuse');
    } catch (e) {
      expect((e as ManifestError).code).to.equal('MANIFEST_MISSING');
    }
  });
});
