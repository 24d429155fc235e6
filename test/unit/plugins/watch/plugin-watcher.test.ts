import { expect } from 'chai';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createHostLogger, ManifestSchema, readPluginPackage, type PluginChange, type PluginErrorRecord } from '@jobhook/host';
import type { PluginPackage } from '../../../../host/dist/plugins/package/read-plugin-package.js';
import { PluginWatcher, type PluginFolderSink } from '../../../../host/dist/plugins/watch/plugin-watcher.js';
import type { WatchTimings } from '../../../../host/dist/plugins/watch/watch-timings.js';
import { tempDir, type TempDir } from '../../../support/foundation-plugins.js';
import { hotPluginFiles, writePackage } from '../../../support/plugin-folders.js';
import { sleep, waitFor } from '../../../support/wait-for.js';

const TIMINGS: WatchTimings = { settleMs: 60, unlinkGraceMs: 150, recheckMs: 60, incompleteGraceMs: 600 };

interface Call {
  readonly op: 'sync' | 'remove';
  readonly folder: string;
  /** `pkg <version>`, `error <code>` or `read` (no argument: the registry reads the folder itself). */
  readonly arg: string;
}

/** Stands in for the registry: records what the watcher asks, remembers what it was handed. */
class RecordingSink implements PluginFolderSink {
  readonly calls: Call[] = [];
  readonly states = new Map<string, { hash: string | null; error: PluginErrorRecord | null }>();

  sync(folder: string, pkg?: PluginPackage | Error): Promise<PluginChange> {
    const arg = pkg === undefined ? 'read' : pkg instanceof Error ? `error ${(pkg as { code?: string }).code}` : `pkg ${pkg.manifest.version}`;
    this.calls.push({ op: 'sync', folder: path.basename(folder), arg });
    const error = pkg instanceof Error ? { code: 'X', message: pkg.message, at: '' } : null;
    this.states.set(folder, { hash: pkg && !(pkg instanceof Error) ? pkg.contentHash : null, error });
    return Promise.resolve({ kind: 'unchanged', id: 'x', version: '1.0.0', folder });
  }
  remove(folder: string): Promise<PluginChange> {
    this.calls.push({ op: 'remove', folder: path.basename(folder), arg: '' });
    this.states.delete(folder);
    return Promise.resolve({ kind: 'removed', id: 'x', version: null, folder });
  }
  folderState(folder: string): { hash: string | null; error: PluginErrorRecord | null } | undefined {
    return this.states.get(folder);
  }
  knownFolders(): string[] {
    return [...this.states.keys()];
  }
  summary(): string[] {
    return this.calls.map((c) => `${c.op} ${c.folder}${c.arg ? ` ${c.arg}` : ''}`);
  }
}

const resources = (kind: string): number => process.getActiveResourcesInfo().filter((r) => r === kind).length;

describe('PluginWatcher: plugin folder changes → registry calls', function () {
  this.timeout(15_000);
  const schema = new ManifestSchema();
  let tmp: TempDir;
  let root: string;
  let sink: RecordingSink;
  let watcher: PluginWatcher;

  const startWatcher = async (): Promise<void> => {
    watcher = new PluginWatcher({ pluginsDir: root, sink, schema, logger: createHostLogger({ level: 'silent' }), timings: TIMINGS });
    await watcher.start();
  };

  beforeEach(async () => {
    tmp = await tempDir('jobhook-watch-');
    root = path.join(tmp.path, 'plugins');
    await mkdir(root);
    sink = new RecordingSink();
  });
  afterEach(async () => {
    await watcher?.close();
    await tmp.dispose();
  });

  it('hands a folder over once, after it has been quiet, however many files were written', async () => {
    await startWatcher();
    const dir = path.join(root, 'burst');
    for (let i = 0; i < 5; i++) {
      await writePackage(dir, { id: 't.burst' });
      await writeFile(path.join(dir, `notes-${i}.txt`), 'x');
      await sleep(10);
    }
    await waitFor(() => sink.calls.length > 0, { what: 'a call' });
    await sleep(TIMINGS.settleMs * 3);
    expect(sink.summary()).to.deep.equal(['sync burst pkg 1.0.0']);
  });

  it('holds a folder back while its bundle is missing, then hands over the complete package', async () => {
    await startWatcher();
    const dir = path.join(root, 'slow');
    const files = hotPluginFiles({ id: 't.slow' });
    await mkdir(path.join(dir, 'dist'), { recursive: true });
    await writeFile(path.join(dir, 'plugin.json'), files.manifest);
    await sleep(TIMINGS.settleMs * 4);
    expect(sink.calls).to.deep.equal([]);
    await writeFile(path.join(dir, 'dist', 'plugin.js'), files.bundle);
    await waitFor(() => sink.calls.length > 0, { what: 'a call' });
    await sleep(TIMINGS.settleMs * 2);
    expect(sink.summary()).to.deep.equal(['sync slow pkg 1.0.0']);
  });

  it('reports a folder that stays half-written past the grace, once, with the reason', async () => {
    await startWatcher();
    await mkdir(path.join(root, 'empty'));
    await waitFor(() => sink.calls.length > 0, { what: 'a call', timeoutMs: 3000 });
    await sleep(TIMINGS.incompleteGraceMs + TIMINGS.recheckMs * 2);
    expect(sink.summary()).to.deep.equal(['sync empty error MANIFEST_MISSING']);
  });

  it('does not hand over the same content twice, unless plugin.json itself is written again', async () => {
    await startWatcher();
    const dir = path.join(root, 'same');
    await writePackage(dir, { id: 't.same' });
    await waitFor(() => sink.calls.length === 1, { what: 'a call' });
    const { bundle, manifest } = hotPluginFiles({ id: 't.same' });
    await writeFile(path.join(dir, 'dist', 'plugin.js'), bundle);
    await sleep(TIMINGS.settleMs * 4);
    expect(sink.calls).to.have.length(1);
    await writeFile(path.join(dir, 'plugin.json'), manifest);
    await waitFor(() => sink.calls.length === 2, { what: 'a second call' });
    expect(sink.summary()).to.deep.equal(['sync same pkg 1.0.0', 'sync same pkg 1.0.0']);
  });

  it('treats a folder moved away and back within the grace as changed, never removed', async () => {
    await writePackage(path.join(root, 'swap'), { id: 't.swap' });
    sink.states.set(path.join(root, 'swap'), { hash: (await readPluginPackage(path.join(root, 'swap'), schema)).contentHash, error: null });
    await startWatcher();
    await rename(path.join(root, 'swap'), path.join(tmp.path, 'swap-old'));
    await writePackage(path.join(tmp.path, 'swap-new'), { id: 't.swap', version: '2.0.0' });
    await sleep(TIMINGS.settleMs + 20);
    await rename(path.join(tmp.path, 'swap-new'), path.join(root, 'swap'));
    await waitFor(() => sink.calls.length > 0, { what: 'a call' });
    await sleep(TIMINGS.unlinkGraceMs * 2);
    expect(sink.summary()).to.deep.equal(['sync swap pkg 2.0.0']);
  });

  it('removes a folder that stays gone, once', async () => {
    await writePackage(path.join(root, 'gone'), { id: 't.gone' });
    sink.states.set(path.join(root, 'gone'), { hash: (await readPluginPackage(path.join(root, 'gone'), schema)).contentHash, error: null });
    await startWatcher();
    await rm(path.join(root, 'gone'), { recursive: true });
    await waitFor(() => sink.calls.length > 0, { what: 'a call' });
    await sleep(TIMINGS.unlinkGraceMs * 2);
    expect(sink.summary()).to.deep.equal(['remove gone']);
  });

  it('never hands over dot folders, node_modules, editor temp folders or loose files', async () => {
    await startWatcher();
    await writePackage(path.join(root, '.staging'), { id: 't.a' });
    await writePackage(path.join(root, 'node_modules'), { id: 't.b' });
    await writePackage(path.join(root, 'copy.partial'), { id: 't.c' });
    await writePackage(path.join(root, 'x.swp'), { id: 't.d' });
    await writeFile(path.join(root, 'plugin.tgz'), 'not a folder');
    await writePackage(path.join(root, 'real'), { id: 't.real' });
    await writePackage(path.join(root, 'real', 'node_modules', 'dep'), { id: 't.dep' });
    await waitFor(() => sink.calls.length > 0, { what: 'a call' });
    await sleep(TIMINGS.settleMs * 3);
    expect(sink.summary()).to.deep.equal(['sync real pkg 1.0.0']);
  });

  it('looks at every folder once at start, catching what changed before it watched', async () => {
    await writePackage(path.join(root, 'changed'), { id: 't.changed', version: '2.0.0' });
    await writePackage(path.join(root, 'same'), { id: 't.same' });
    sink.states.set(path.join(root, 'changed'), { hash: 'an older version', error: null });
    sink.states.set(path.join(root, 'same'), { hash: (await readPluginPackage(path.join(root, 'same'), schema)).contentHash, error: null });
    sink.states.set(path.join(root, 'vanished'), { hash: 'whatever', error: null });
    await startWatcher();
    await waitFor(() => sink.calls.length === 2, { what: 'two calls', timeoutMs: 3000 });
    await sleep(TIMINGS.unlinkGraceMs);
    expect(sink.summary().sort()).to.deep.equal(['remove vanished', 'sync changed pkg 2.0.0']);
  });

  it('makes no call after close, leaves no timer or file watch behind, and closes twice without harm', async () => {
    // Handles of an earlier test's closed watcher finish closing on a later turn of the loop.
    await sleep(20);
    const timeouts = resources('Timeout');
    const watches = resources('FSEventWrap');
    await startWatcher();
    expect(resources('FSEventWrap')).to.be.greaterThan(watches);
    await writePackage(path.join(root, 'late'), { id: 't.late' });
    await sleep(5);
    await watcher.close();
    await watcher.close();
    await sleep(20);
    expect(resources('FSEventWrap'), 'file watches').to.be.at.most(watches);
    expect(resources('Timeout'), 'timers').to.be.at.most(timeouts);
    await writePackage(path.join(root, 'later'), { id: 't.later' });
    await sleep(TIMINGS.settleMs * 3);
    expect(sink.calls).to.deep.equal([]);
  });
});
