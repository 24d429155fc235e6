import { expect } from 'chai';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ManifestSchema } from '@jobhook/host';
import { listPluginFolders, readPluginFolders } from '../../../../host/dist/plugins/registry/plugin-folder-entry.js';
import { tempDir, type TempDir } from '../../../support/foundation-plugins.js';

describe('plugin folders under the plugins folder', () => {
  let tmp: TempDir;
  beforeEach(async () => {
    tmp = await tempDir('jobhook-folders-');
    for (const name of ['zeta', 'alpha', '.hidden', 'node_modules', 'draft~', 'upload.partial']) await mkdir(path.join(tmp.path, name));
    await writeFile(path.join(tmp.path, 'loose.tgz'), '');
    await symlink(path.join(tmp.path, 'alpha'), path.join(tmp.path, 'linked'));
  });
  afterEach(() => tmp.dispose());

  it('lists the candidate folders in name order, links included and marked, ignored names and loose files left out', async () => {
    expect(await listPluginFolders(tmp.path)).to.deep.equal([
      { folder: path.join(tmp.path, 'alpha'), isLink: false },
      { folder: path.join(tmp.path, 'linked'), isLink: true },
      { folder: path.join(tmp.path, 'zeta'), isLink: false },
    ]);
  });

  it('fails with PLUGINS_DIR_UNREADABLE, naming the folder, when it cannot be listed', async () => {
    const missing = path.join(tmp.path, 'nope');
    await listPluginFolders(missing).then(
      () => expect.fail('should fail'),
      (e: { code: string; message: string }) => {
        expect(e.code).to.equal('PLUGINS_DIR_UNREADABLE');
        expect(e.message).to.match(new RegExp(`^the plugins folder '${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' cannot be read: ENOENT`));
      },
    );
  });

  it('reads each folder, answering the error for one that cannot be read and refusing a link without following it', async () => {
    const read = await readPluginFolders(tmp.path, new ManifestSchema());
    expect(read.map((r) => [path.basename(r.folder), (r.pkg as { code?: string }).code])).to.deep.equal([
      ['alpha', 'MANIFEST_MISSING'],
      ['linked', 'PLUGIN_FOLDER_IS_LINK'],
      ['zeta', 'MANIFEST_MISSING'],
    ]);
  });
});
