import { expect } from 'chai';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GUID_A, GUID_B } from '../../support/foundation-plugins.js';
import { keepDispatching, startHotHost, type HotHost } from '../../support/hot-host.js';
import { dropByRename, hotPluginFiles, writePackage } from '../../support/plugin-folders.js';
import { sleep, waitFor } from '../../support/wait-for.js';

const status = (hot: HotHost, id: string) => hot.host.plugins().find((p) => p.id === id);

describe('hot drop: new versions, broken versions and duplicate ids', function () {
  this.timeout(30_000);
  let hot: HotHost;

  beforeEach(async () => {
    hot = await startHotHost(async (plugins) => writePackage(path.join(plugins, 'audit'), { id: 't.audit' }));
    expect(status(hot, 't.audit')).to.include({ state: 'active', version: '1.0.0' });
  });
  afterEach(async () => {
    await hot.dispose();
    expect(hot.factory.census(), 'isolates left after close').to.include({ live: 0, spare: 0 });
  });

  it('keeps serving the old version when the new bundle fails to load, and records why', async () => {
    await writePackage(path.join(hot.plugins, 'audit'), { id: 't.audit', version: '2.0.0', bundle: "throw new Error('missing dependency: ldapjs');" });
    const refused = await hot.changes.next((c) => c.kind === 'refused');
    expect(refused).to.deep.include({ id: 't.audit', keptVersion: '1.0.0' });
    const s = status(hot, 't.audit')!;
    expect(s).to.include({ state: 'active', version: '1.0.0' });
    expect(s.lastError).to.include({ code: 'PLUGIN_BUNDLE_THREW', version: '2.0.0' });
    expect(s.lastError?.message).to.match(/Loading plugin 't\.audit' 2\.0\.0 failed: .*missing dependency: ldapjs/);
    const { outcomes } = await hot.dispatch();
    expect(outcomes.map((o) => [o.version, o.outcome])).to.deep.equal([['1.0.0', 'succeeded']]);
    expect(hot.factory.census().live, 'the failed version left no isolate').to.equal(1);
  });

  it('loads the fix that follows a broken version', async () => {
    await writePackage(path.join(hot.plugins, 'audit'), { id: 't.audit', version: '2.0.0', bundle: 'syntax error here(' });
    await hot.changes.next((c) => c.kind === 'refused');
    await writePackage(path.join(hot.plugins, 'audit'), { id: 't.audit', version: '2.0.1' });
    await hot.waitServing('t.audit', '2.0.1');
    expect(hot.changes.all.at(-1)).to.deep.include({ kind: 'replaced', from: '1.0.0', to: '2.0.1' });
    expect(status(hot, 't.audit')).to.include({ state: 'active', version: '2.0.1', lastError: null });
  });

  it('keeps serving when the new plugin.json is invalid, naming the bad field', async () => {
    const files = hotPluginFiles({ id: 't.audit', version: '2.0.0' });
    await writeFile(path.join(hot.plugins, 'audit', 'plugin.json'), files.manifest.replace('"2.0.0"', '"two"'));
    const refused = await hot.changes.next((c) => c.kind === 'refused');
    expect(refused.kind === 'refused' && refused.error.code).to.equal('MANIFEST_INVALID');
    expect(refused.kind === 'refused' && refused.error.message).to.contain('/version');
    expect(refused).to.include({ keptVersion: '1.0.0' });
    expect((await hot.dispatch()).outcomes.map((o) => o.version)).to.deep.equal(['1.0.0']);
  });

  it('retries the same files when plugin.json is touched after a failed load', async () => {
    await writePackage(path.join(hot.plugins, 'audit'), { id: 't.audit', version: '2.0.0', bundle: "throw new Error('flaky');" });
    await hot.changes.next((c) => c.kind === 'refused');
    const files = hotPluginFiles({ id: 't.audit', version: '2.0.0', bundle: "throw new Error('flaky');" });
    await writeFile(path.join(hot.plugins, 'audit', 'plugin.json'), files.manifest);
    await waitFor(() => hot.changes.all.filter((c) => c.kind === 'refused').length === 2, { what: 'a second refusal' });
  });

  it('moves routing to the new job types when a new version changes them', async () => {
    await writePackage(path.join(hot.plugins, 'audit'), { id: 't.audit', version: '2.0.0', jobTypes: [GUID_B] });
    await hot.waitServing('t.audit', '2.0.0', GUID_B);
    expect((await hot.dispatch(GUID_A)).outcomes).to.deep.equal([]);
    expect(status(hot, 't.audit')?.handlers).to.deep.equal([{ name: 'H', jobTypes: [GUID_B] }]);
  });

  it('exposes version, content hash and load time of each version in the status', async () => {
    const v1 = status(hot, 't.audit')!;
    expect(v1.contentHash).to.match(/^[0-9a-f]{64}$/);
    await sleep(5);
    await writePackage(path.join(hot.plugins, 'audit'), { id: 't.audit', version: '2.0.0' });
    await hot.waitServing('t.audit', '2.0.0');
    const v2 = status(hot, 't.audit')!;
    expect(v2.contentHash).to.match(/^[0-9a-f]{64}$/).and.not.equal(v1.contentHash);
    expect(Date.parse(v2.loadedAt!)).to.be.greaterThan(Date.parse(v1.loadedAt!));
  });

  it('refuses a second folder with the same id, naming both folders', async () => {
    await dropByRename(hot.plugins, 'audit-copy', { id: 't.audit', version: '9.0.0' });
    const refused = await hot.changes.next((c) => c.kind === 'refused');
    expect(refused.kind === 'refused' && refused.error.code).to.equal('PLUGIN_DUPLICATE_ID');
    const message = refused.kind === 'refused' ? refused.error.message : '';
    expect(message).to.contain(path.join(hot.plugins, 'audit-copy')).and.contain(path.join(hot.plugins, 'audit'));
    expect(hot.host.plugins().map((p) => [p.folder, p.state])).to.deep.equal([
      [path.join(hot.plugins, 'audit'), 'active'],
      [path.join(hot.plugins, 'audit-copy'), 'failed'],
    ]);
    expect((await hot.dispatch()).outcomes.map((o) => o.version)).to.deep.equal(['1.0.0']);
  });

  it('lets the refused duplicate take over, without a gap, once the first folder is removed', async () => {
    await dropByRename(hot.plugins, 'audit-next', { id: 't.audit', version: '2.0.0' });
    await hot.changes.next((c) => c.kind === 'refused');
    const load = keepDispatching(hot);
    await sleep(50);
    await rm(path.join(hot.plugins, 'audit'), { recursive: true, force: true });
    await hot.changes.next((c) => c.kind === 'replaced');
    await sleep(50);
    const results = await load.stop();
    for (const r of results) expect(r.outcomes.map((o) => o.outcome)).to.deep.equal(['succeeded']);
    expect(hot.changes.all.map((c) => c.kind)).to.deep.equal(['added', 'refused', 'moved', 'replaced']);
    expect(status(hot, 't.audit')).to.include({ folder: path.join(hot.plugins, 'audit-next'), version: '2.0.0', state: 'active', lastError: null });
    expect(hot.host.plugins()).to.have.length(1);
  });
});
