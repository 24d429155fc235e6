import { expect } from 'chai';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ManifestSchema, readPluginPackage } from '@jobhook/host';
import { probePackage } from '../../../../host/dist/plugins/watch/package-probe.js';
import { tempDir, type TempDir } from '../../../support/foundation-plugins.js';
import { hotPluginFiles, writePackage } from '../../../support/plugin-folders.js';

describe('probePackage: how complete a plugin folder is right now', () => {
  const schema = new ManifestSchema();
  let tmp: TempDir;
  let n = 0;
  const folder = (): string => path.join(tmp.path, `p${n++}`);

  before(async () => (tmp = await tempDir()));
  after(() => tmp.dispose());

  it('calls a folder that does not exist, or is a file, missing', async () => {
    expect(await probePackage(path.join(tmp.path, 'nope'), schema)).to.deep.equal({ kind: 'missing' });
    const file = path.join(tmp.path, 'a-file');
    await writeFile(file, 'x');
    expect(await probePackage(file, schema)).to.deep.equal({ kind: 'missing' });
  });

  it('calls an empty folder incomplete: plugin.json is not there yet', async () => {
    const dir = folder();
    await mkdir(dir);
    expect(await probePackage(dir, schema)).to.deep.include({ kind: 'incomplete', reason: 'plugin.json is not there yet' });
  });

  it('calls a truncated plugin.json incomplete', async () => {
    const dir = folder();
    await mkdir(dir);
    const { manifest } = hotPluginFiles({ id: 't.cut' });
    await writeFile(path.join(dir, 'plugin.json'), manifest.slice(0, manifest.length / 2));
    expect(await probePackage(dir, schema)).to.deep.include({ kind: 'incomplete', reason: 'plugin.json is not complete JSON yet' });
  });

  it('calls a folder whose bundle is not written yet incomplete, naming the bundle', async () => {
    const dir = folder();
    await mkdir(dir);
    await writeFile(path.join(dir, 'plugin.json'), hotPluginFiles({ id: 't.no-bundle' }).manifest);
    expect(await probePackage(dir, schema)).to.deep.include({ kind: 'incomplete', reason: "its bundle 'dist/plugin.js' is not there yet" });
  });

  it('calls a bundle that does not match "integrity" yet incomplete', async () => {
    const dir = folder();
    const files = hotPluginFiles({ id: 't.partial', integrity: true });
    await mkdir(path.join(dir, 'dist'), { recursive: true });
    await writeFile(path.join(dir, 'plugin.json'), files.manifest);
    await writeFile(path.join(dir, 'dist', 'plugin.js'), files.bundle.slice(0, 40));
    const probe = await probePackage(dir, schema);
    expect(probe).to.deep.include({ kind: 'incomplete', reason: 'the bundle does not match plugin.json "integrity" yet' });
  });

  it('calls a complete but wrong manifest invalid, with the manifest error', async () => {
    const dir = folder();
    await writePackage(dir, { id: 't.bad' });
    await writeFile(path.join(dir, 'plugin.json'), hotPluginFiles({ id: 't.bad' }).manifest.replace('"1.0.0"', '"one"'));
    const probe = await probePackage(dir, schema);
    expect(probe.kind).to.equal('invalid');
    expect(probe.kind === 'invalid' && (probe.error as { code?: string }).code).to.equal('MANIFEST_INVALID');
  });

  it("calls a bundle path that leaves the package invalid, not incomplete (waiting would never help)", async () => {
    const dir = folder();
    await mkdir(dir);
    const manifest = JSON.parse(hotPluginFiles({ id: 't.escape' }).manifest) as Record<string, unknown>;
    await writeFile(path.join(dir, 'plugin.json'), JSON.stringify({ ...manifest, main: '../elsewhere.js' }));
    expect((await probePackage(dir, schema)).kind).to.equal('invalid');
  });

  it('calls a plugin folder that is a symbolic link invalid: links are not followed', async () => {
    const target = folder();
    await writePackage(target, { id: 't.linked' });
    const link = path.join(tmp.path, 'link');
    await symlink(target, link);
    const probe = await probePackage(link, schema);
    expect(probe.kind === 'invalid' && (probe.error as { code?: string }).code).to.equal('PLUGIN_FOLDER_IS_LINK');
  });

  it('reads a complete package once, exactly as the registry would', async () => {
    const dir = folder();
    await writePackage(dir, { id: 't.ok', integrity: true });
    const probe = await probePackage(dir, schema);
    expect(probe.kind).to.equal('ready');
    const direct = await readPluginPackage(dir, schema);
    expect(probe.kind === 'ready' && probe.pkg.contentHash).to.equal(direct.contentHash);
  });
});
