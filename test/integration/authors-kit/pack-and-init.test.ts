// `jobhook-sdk pack` and `jobhook-sdk init` at their edges, through the CLI an author runs.
import { expect } from 'chai';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ManifestSchema, readPluginPackage } from '@jobhook/host';
import { initPlugin } from '../../../sdk/dist/init/index.js';
import { tempDir, type TempDir } from '../../support/temp-dir.js';
import { explain, linkWorkspaceModules, run, sdkCli } from './kit-support.js';

describe('authors kit: jobhook-sdk pack and init', function () {
  this.timeout(60_000);
  let tmp: TempDir;
  let n = 0;

  async function plugin(): Promise<string> {
    const dir = path.join(tmp.path, `p${++n}`);
    await initPlugin(dir, { id: `acme.pack-${n}`, jobTypes: ['0D8CF0C8-56CA-4B8A-B16A-C062018E170D'] });
    await linkWorkspaceModules(dir);
    return dir;
  }

  async function editManifest(dir: string, edit: (m: Record<string, unknown>) => void): Promise<void> {
    const file = path.join(dir, 'plugin.json');
    const m = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    edit(m);
    await writeFile(file, JSON.stringify(m, null, 2));
  }

  before(async () => {
    tmp = await tempDir('jobhook-pack-');
  });
  after(async () => {
    await tmp.dispose();
  });

  it('writes a folder the host accepts, with a fresh integrity replacing a stale one and no editor-only $schema', async () => {
    const dir = await plugin();
    await editManifest(dir, (m) => {
      m.integrity = `sha256-${Buffer.alloc(32).toString('base64')}`;
    });
    const r = await sdkCli(['pack', '--out', path.join(tmp.path, 'out1')], dir);
    expect(r.code, explain(r)).to.equal(0);
    const folder = path.join(tmp.path, 'out1', 'acme.pack-1');
    const pkg = await readPluginPackage(folder, new ManifestSchema());
    expect(pkg.manifest.integrity).to.equal(pkg.bundleIntegrity);
    expect(pkg.manifest).to.not.have.property('$schema');
    expect((await readdir(folder)).sort()).to.deep.equal(['dist', 'plugin.json']);
    // The author's own plugin.json is left as it was.
    expect(JSON.parse(await readFile(path.join(dir, 'plugin.json'), 'utf8'))).to.have.property('$schema');
    const listing = await run('tar', ['-tzf', path.join(tmp.path, 'out1', 'acme.pack-1-0.1.0.tgz')], tmp.path);
    expect(listing.stdout.trim().split('\n')).to.deep.equal(['acme.pack-1/', 'acme.pack-1/plugin.json', 'acme.pack-1/dist/', 'acme.pack-1/dist/plugin.js']);
  });

  it('replaces a previous pack whole, leaving no files of the old version and no staging folders', async () => {
    const dir = await plugin();
    const out = path.join(tmp.path, 'out2');
    expect((await sdkCli(['pack', '--out', out, '--no-tgz'], dir)).code).to.equal(0);
    await writeFile(path.join(out, 'acme.pack-2', 'dist', 'leftover.js'), '');
    await editManifest(dir, (m) => {
      m.version = '0.2.0';
    });
    const r = await sdkCli(['pack', '--out', out, '--no-tgz'], dir);
    expect(r.code, explain(r)).to.equal(0);
    expect(await readdir(out)).to.deep.equal(['acme.pack-2']);
    expect(await readdir(path.join(out, 'acme.pack-2', 'dist'))).to.deep.equal(['plugin.js']);
    expect(JSON.parse(await readFile(path.join(out, 'acme.pack-2', 'plugin.json'), 'utf8')).version).to.equal('0.2.0');
  });

  it('refuses an invalid plugin.json with every problem at its JSON pointer, before building', async () => {
    const dir = await plugin();
    await editManifest(dir, (m) => {
      m.handlers = [{ name: 'AuditJob', jobTypes: ['PEMInventory'] }];
      m.permisions = {};
    });
    const r = await sdkCli(['pack'], dir);
    expect(r.code, explain(r)).to.equal(1);
    expect(r.stderr).to.contain('PACK_MANIFEST_INVALID');
    expect(r.stderr).to.contain("plugin.json /permisions: unknown property 'permisions'");
    expect(r.stderr).to.contain('plugin.json /handlers/0/jobTypes/0: "PEMInventory" is not valid: A job-type GUID (case-insensitive).');
    await stat(path.join(dir, 'dist')).then(
      () => expect.fail('pack built a plugin whose manifest is invalid'),
      () => undefined,
    );
  });

  it('init writes the job types into plugin.json (the handler does not repeat them), and refuses bad input', async () => {
    const dir = path.join(tmp.path, 'fresh');
    const r = await sdkCli(['init', dir, '--name', 'Acme Renewals', '--job-types', '0D8CF0C8-56CA-4B8A-B16A-C062018E170D,a809ce1f-1eea-4738-a38e-15708c89c981'], tmp.path);
    expect(r.code, explain(r)).to.equal(0);
    const manifest = JSON.parse(await readFile(path.join(dir, 'plugin.json'), 'utf8')) as { id: string; handlers: Array<{ jobTypes: string[] }> };
    expect(manifest.id).to.equal('acme-renewals');
    expect(manifest.handlers[0]?.jobTypes).to.deep.equal(['0D8CF0C8-56CA-4B8A-B16A-C062018E170D', 'a809ce1f-1eea-4738-a38e-15708c89c981']);
    expect(await readFile(path.join(dir, 'src', 'index.ts'), 'utf8')).to.not.match(/readonly jobTypes|0D8CF0C8/i);
    expect(JSON.parse(await readFile(path.join(dir, '.mocharc.json'), 'utf8'))['node-option']).to.include('no-node-snapshot');

    const again = await sdkCli(['init', dir], tmp.path);
    expect([again.code, again.stderr]).to.satisfy(([code, err]: [number, string]) => code === 1 && err.includes('INIT_NOT_EMPTY'));
    await mkdir(path.join(tmp.path, 'empty'));
    const badGuid = await sdkCli(['init', path.join(tmp.path, 'empty'), '--job-types', 'PEMInventory'], tmp.path);
    expect(badGuid.stderr).to.contain("INIT_BAD_JOB_TYPE: not a job-type GUID: PEMInventory");
    const badId = await sdkCli(['init', path.join(tmp.path, 'empty'), '--id', 'Acme_Plugin'], tmp.path);
    expect(badId.stderr).to.contain("INIT_BAD_ID: 'Acme_Plugin' is not a valid plugin id");
    expect(await readdir(path.join(tmp.path, 'empty'))).to.deep.equal([]);
  });
});
