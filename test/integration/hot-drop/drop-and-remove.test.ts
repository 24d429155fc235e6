import { expect } from 'chai';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GUID_A } from '../../support/foundation-plugins.js';
import { startHotHost, keepDispatching, TEST_TIMINGS, type HotHost } from '../../support/hot-host.js';
import { dropByCopy, dropByRename, dropByTar, hotPluginFiles, replaceBySwap, writePackage, writeSlowly,  } from '../../support/plugin-folders.js';
import { sleep, waitFor } from '../../support/wait-for.js';

describe('hot drop: plugin folders added, replaced and removed while the host runs', function () {
  this.timeout(30_000);
  let hot: HotHost;

  beforeEach(async () => {
    hot = await startHotHost();
  });
  afterEach(async () => {
    await hot.dispose();
    expect(hot.factory.census(), 'isolates left after close').to.include({ live: 0, spare: 0 });
  });

  describe('adding', () => {
    it('loads a folder moved in with one rename (the recommended deploy) and runs its handler', async () => {
      await dropByRename(hot.plugins, 'renamed', { id: 't.renamed' });
      await hot.waitServing('t.renamed', '1.0.0');
      expect(hot.changes.kinds('t.renamed')).to.deep.equal(['added']);
      expect(hot.host.plugins().find((p) => p.id === 't.renamed')).to.include({ state: 'active', version: '1.0.0' });
    });

    it('loads a folder copied in with cp -r', async () => {
      await dropByCopy(hot.plugins, 'copied', { id: 't.copied' }, hot.staging);
      await hot.waitServing('t.copied', '1.0.0');
      expect(hot.changes.kinds('t.copied')).to.deep.equal(['added']);
    });

    it('loads a tarball extracted in place', async () => {
      await dropByTar(hot.plugins, 'from-tar', { id: 't.from-tar', padBytes: 300_000 }, hot.staging);
      await hot.waitServing('t.from-tar', '1.0.0');
      expect(hot.changes.kinds('t.from-tar')).to.deep.equal(['added']);
    });

    it('waits for the bundle of a folder whose plugin.json came first, then loads it without reporting a failure', async () => {
      const dir = path.join(hot.plugins, 'manifest-first');
      const files = hotPluginFiles({ id: 't.manifest-first' });
      await mkdir(path.join(dir, 'dist'), { recursive: true });
      await writeFile(path.join(dir, 'plugin.json'), files.manifest);
      await sleep(TEST_TIMINGS.settleMs * 5);
      expect(hot.changes.all, 'nothing reported while the bundle is missing').to.deep.equal([]);
      await writeFile(path.join(dir, 'dist', 'plugin.js'), files.bundle);
      await hot.waitServing('t.manifest-first', '1.0.0');
      expect(hot.changes.kinds('t.manifest-first')).to.deep.equal(['added']);
    });

    it('waits for plugin.json of a folder whose bundle came first, then loads it without reporting a failure', async () => {
      const dir = path.join(hot.plugins, 'bundle-first');
      const files = hotPluginFiles({ id: 't.bundle-first' });
      await mkdir(path.join(dir, 'dist'), { recursive: true });
      await writeFile(path.join(dir, 'dist', 'plugin.js'), files.bundle);
      await sleep(TEST_TIMINGS.settleMs * 5);
      await writeSlowly(path.join(dir, 'plugin.json'), files.manifest, 2, TEST_TIMINGS.settleMs * 2);
      await hot.waitServing('t.bundle-first', '1.0.0');
      expect(hot.changes.kinds('bundle-first')).to.deep.equal(['added']);
    });

    it('loads a bundle written slowly in pieces only once it matches plugin.json "integrity"', async () => {
      const dir = path.join(hot.plugins, 'slow-bundle');
      const files = hotPluginFiles({ id: 't.slow-bundle', integrity: true, padBytes: 200_000 });
      await mkdir(path.join(dir, 'dist'), { recursive: true });
      await writeFile(path.join(dir, 'plugin.json'), files.manifest);
      await writeSlowly(path.join(dir, 'dist', 'plugin.js'), files.bundle, 4, TEST_TIMINGS.settleMs * 2);
      await hot.waitServing('t.slow-bundle', '1.0.0');
      expect(hot.changes.kinds('t.slow-bundle')).to.deep.equal(['added']);
    });

    it('reports a folder that stays without plugin.json, and loads it once plugin.json arrives', async () => {
      const dir = path.join(hot.plugins, 'late');
      const files = hotPluginFiles({ id: 't.late' });
      await mkdir(path.join(dir, 'dist'), { recursive: true });
      await writeFile(path.join(dir, 'dist', 'plugin.js'), files.bundle);
      const refused = await hot.changes.next((c) => c.kind === 'refused' && path.basename(c.folder) === 'late');
      expect(refused.kind === 'refused' && refused.error.code).to.equal('MANIFEST_MISSING');
      expect(hot.host.plugins().find((p) => p.folder === dir)).to.include({ state: 'failed' });
      await writeFile(path.join(dir, 'plugin.json'), files.manifest);
      await hot.waitServing('t.late', '1.0.0');
      expect(hot.host.plugins().filter((p) => p.folder === dir)).to.have.length(1);
      expect(hot.host.plugins().find((p) => p.folder === dir)).to.include({ state: 'active', lastError: null });
    });

    it('refuses a plugin folder that is a symbolic link, saying to copy or move the package in', async () => {
      await writePackage(path.join(hot.staging, 'release-1'), { id: 't.linked' });
      await symlink(path.join(hot.staging, 'release-1'), path.join(hot.plugins, 'linked'));
      const refused = await hot.changes.next((c) => c.kind === 'refused');
      expect(refused.kind === 'refused' && refused.error.code).to.equal('PLUGIN_FOLDER_IS_LINK');
      expect(refused.kind === 'refused' && refused.error.message).to.contain('copy or move the package folder in');
      expect((await hot.dispatch()).outcomes).to.deep.equal([]);
    });

    it('ignores dot folders, node_modules and editor temp folders', async () => {
      await writePackage(path.join(hot.plugins, '.hidden'), { id: 't.hidden' });
      await writePackage(path.join(hot.plugins, 'node_modules'), { id: 't.node-modules' });
      await writePackage(path.join(hot.plugins, 'draft.tmp'), { id: 't.draft' });
      await writePackage(path.join(hot.plugins, 'backup~'), { id: 't.backup' });
      await dropByRename(hot.plugins, 'real', { id: 't.real' });
      await hot.waitServing('t.real', '1.0.0');
      await sleep(TEST_TIMINGS.settleMs * 3);
      expect(hot.host.plugins().map((p) => p.id)).to.deep.equal(['t.real']);
      expect(hot.changes.all.map((c) => c.id)).to.deep.equal(['t.real']);
    });
  });

  describe('replacing', () => {
    beforeEach(async () => {
      await dropByRename(hot.plugins, 'p', { id: 't.p' });
      await hot.waitServing('t.p', '1.0.0');
    });

    it('replaces a plugin whose files are edited in place with the new version', async () => {
      await writePackage(path.join(hot.plugins, 'p'), { id: 't.p', version: '2.0.0' });
      await hot.waitServing('t.p', '2.0.0');
      expect(hot.changes.kinds('t.p')).to.deep.equal(['added', 'replaced']);
      expect(hot.changes.all[1]).to.include({ kind: 'replaced', from: '1.0.0', to: '2.0.0' });
    });

    it('replaces by swapping folders (mv away, mv in) without unloading it or missing an event', async () => {
      const load = keepDispatching(hot);
      await sleep(50);
      await replaceBySwap(hot.plugins, 'p', { id: 't.p', version: '2.0.0' });
      await waitFor(() => hot.host.plugins().find((p) => p.id === 't.p' && p.version === '2.0.0'), { what: '2.0.0 to serve' });
      await sleep(50);
      const results = await load.stop();
      expect(results.length).to.be.greaterThan(10);
      for (const r of results) expect(r.outcomes.map((o) => o.outcome)).to.deep.equal(['succeeded']);
      expect(hot.changes.kinds('t.p')).to.deep.equal(['added', 'replaced']);
    });

    it('replaces after rm -rf and a fresh cp -r without a gap in service', async () => {
      const load = keepDispatching(hot);
      await sleep(50);
      await rm(path.join(hot.plugins, 'p'), { recursive: true, force: true });
      await dropByCopy(hot.plugins, 'p', { id: 't.p', version: '2.0.0' }, hot.staging);
      await waitFor(() => hot.host.plugins().find((p) => p.id === 't.p' && p.version === '2.0.0'), { what: '2.0.0 to serve' });
      await sleep(50);
      const results = await load.stop();
      for (const r of results) expect(r.outcomes.map((o) => o.outcome)).to.deep.equal(['succeeded']);
      expect(hot.changes.kinds('t.p')).to.deep.equal(['added', 'replaced']);
    });

    it('treats a folder deleted and copied again a moment later as a replacement, not a removal', async () => {
      const load = keepDispatching(hot);
      await rm(path.join(hot.plugins, 'p'), { recursive: true, force: true });
      await sleep(TEST_TIMINGS.settleMs * 1.5);
      await dropByCopy(hot.plugins, 'p', { id: 't.p', version: '2.0.0' }, hot.staging);
      await waitFor(() => hot.host.plugins().find((p) => p.id === 't.p' && p.version === '2.0.0'), { what: '2.0.0 to serve' });
      const results = await load.stop();
      for (const r of results) expect(r.outcomes.map((o) => o.outcome)).to.deep.equal(['succeeded']);
      expect(hot.changes.kinds('t.p')).to.deep.equal(['added', 'replaced']);
    });

    it('leaves the plugin alone when its files are rewritten with the same content', async () => {
      const before = hot.host.plugins()[0]!;
      await writePackage(path.join(hot.plugins, 'p'), { id: 't.p' });
      await sleep(TEST_TIMINGS.settleMs * 4);
      expect(hot.host.plugins()[0]).to.include({ state: 'active', loadedAt: before.loadedAt, contentHash: before.contentHash });
      expect(hot.changes.kinds('t.p').filter((k) => k !== 'unchanged')).to.deep.equal(['added']);
    });
  });

  describe('removing', () => {
    beforeEach(async () => {
      await dropByRename(hot.plugins, 'gone', { id: 't.gone' });
      await dropByRename(hot.plugins, 'stays', { id: 't.stays' });
      await hot.waitServing('t.gone', '1.0.0');
      await hot.waitServing('t.stays', '1.0.0');
    });

    const expectGone = async (): Promise<void> => {
      const removed = await hot.changes.next((c) => c.kind === 'removed' && c.id === 't.gone');
      expect(removed).to.include({ version: '1.0.0' });
      expect((await hot.dispatch(GUID_A)).outcomes.map((o) => o.plugin)).to.deep.equal(['t.stays']);
      expect(hot.host.plugins().map((p) => p.id)).to.deep.equal(['t.stays']);
      await waitFor(() => hot.factory.census().live === 1, { what: 'the removed version to be disposed' });
    };

    it('unloads a plugin whose folder is deleted with rm -rf', async () => {
      await rm(path.join(hot.plugins, 'gone'), { recursive: true, force: true });
      await expectGone();
    });

    it('unloads a plugin whose folder is moved out of the plugins folder', async () => {
      await rename(path.join(hot.plugins, 'gone'), path.join(hot.staging, 'gone'));
      await expectGone();
    });

    it('unloads a plugin whose folder is renamed to an ignored name (.gone.disabled)', async () => {
      await rename(path.join(hot.plugins, 'gone'), path.join(hot.plugins, '.gone.disabled'));
      await expectGone();
    });

    it('loads it again when the folder comes back', async () => {
      await rename(path.join(hot.plugins, 'gone'), path.join(hot.staging, 'gone'));
      await expectGone();
      await rename(path.join(hot.staging, 'gone'), path.join(hot.plugins, 'gone'));
      await hot.waitServing('t.gone', '1.0.0');
      expect(hot.changes.kinds('t.gone')).to.deep.equal(['added', 'removed', 'added']);
    });
  });
});
