import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createHostLogger, resolveConfig } from '@jobhook/host';
import { createService } from '../../../host/dist/composition/create-service.js';
import { DisposableStore, type Disposable } from '../../../host/dist/lifecycle/index.js';
import { handlerBundle, manifest, tempDir, writePlugin, type TempDir } from '../../support/foundation-plugins.js';

/** The real owner, noting the order resources are handed to it and every release it makes of them. */
class WatchedStore extends DisposableStore {
  readonly added: number[] = [];
  readonly released: number[] = [];
  override add<T extends Disposable>(resource: T): Disposable {
    const index = this.added.length;
    this.added.push(index);
    return super.add({
      dispose: () => {
        this.released.push(index);
        return resource.dispose();
      },
    });
  }
}

/** Processes whose parent is this one (the sandbox processes a host forks). */
function childPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The fields after the command name (which may hold spaces) start with state, then ppid.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) pids.push(Number(entry));
    } catch {
      // Gone between the listing and the read.
    }
  }
  return pids;
}

/**
 * Handles Node keeps open (servers, sockets, file watchers, workers). Timers and single file-system
 * requests are left out: they come and go with the test runner.
 */
function openHandles(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((r) => r !== 'Timeout' && r !== 'Immediate' && !r.startsWith('FSReq'))
    .sort();
}

/** Threads of this process: a worker (the SQLite store's writer) is one, even while it is unref'd. */
function threads(): number {
  return readdirSync('/proc/self/task').length;
}

async function settled(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
}

function logs(onLine: (line: Record<string, unknown>) => void = () => {}): { lines: Array<Record<string, unknown>>; logger: ReturnType<typeof createHostLogger> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (!text.trim()) continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        onLine(line);
      }
      done();
    },
  });
  return { lines, logger: createHostLogger({ level: 'debug', destination }) };
}

describe('the composition root of serve', function () {
  this.timeout(60_000);
  let tmp: TempDir;
  let blocker: Server | undefined;
  before(async () => {
    tmp = await tempDir('jobhook-compose-');
    // A plugins folder of its own for each test: file watchers of one folder are shared, so a watcher
    // one test leaked would hide the one the next test leaks.
    for (const name of ['taken', 'running', 'aborted']) await writePlugin(path.join(tmp.path, `plugins-${name}`), 'ok', manifest('t.ok'), handlerBundle('return true;'));
  });
  afterEach(() => new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve())).then(() => (blocker = undefined)));
  after(() => tmp.dispose());

  const config = (name: string, listen: string) => resolveConfig({ pluginsDir: path.join(tmp.path, `plugins-${name}`), dataDir: path.join(tmp.path, `data-${name}`), listen, apiToken: null });

  it('releases everything it started, newest first and once each, when the listen port is taken', async () => {
    const taken = createServer();
    blocker = taken;
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const handlesBefore = openHandles();
    const childrenBefore = childPids();
    const threadsBefore = threads();
    const log = logs();
    const owner = new WatchedStore();

    const error = await createService({ config: config('taken', `127.0.0.1:${port}`), logger: log.logger }, owner).then(
      () => expect.fail('start-up should fail'),
      (e: { code?: string }) => e,
    );

    expect(error.code).to.equal('SERVE_LISTEN_FAILED');
    // It got as far as the API: the store, the host with a sandbox process and the watcher, the cluster node.
    expect(log.lines.some((l) => l.msg === 'sandbox process ready')).to.equal(true);
    expect(owner.added.length).to.be.greaterThan(6);
    expect(owner.released).to.deep.equal([...owner.added].reverse());
    expect(owner.isDisposed).to.equal(true);
    await settled(() => childPids().length === childrenBefore.length);
    expect(childPids(), 'no sandbox process is left').to.deep.equal(childrenBefore);
    await settled(() => openHandles().join() === handlesBefore.join());
    expect(openHandles(), 'no server, socket, watcher or worker is left').to.deep.equal(handlesBefore);
    await settled(() => threads() <= threadsBefore);
    expect(threads(), 'no worker thread is left').to.be.at.most(threadsBefore);
    expect(log.lines.filter((l) => l.code === 'HOST_CLOSE_FAILED')).to.deep.equal([]);
  });

  it('releases in the reverse order of construction exactly once, however often it is disposed', async () => {
    const handlesBefore = openHandles();
    const childrenBefore = childPids();
    const threadsBefore = threads();
    const log = logs();
    const owner = new WatchedStore();
    const service = await createService({ config: config('running', '127.0.0.1:0'), logger: log.logger }, owner);
    expect((await fetch(`${service.url}/healthz`)).status).to.equal(200);
    expect(childPids().length).to.be.greaterThan(childrenBefore.length);
    expect(service.host.plugins().map((p) => [p.id, p.state])).to.deep.equal([['t.ok', 'active']]);

    await Promise.all([service.dispose(), service.dispose()]);
    await service.dispose();

    expect(owner.released).to.deep.equal([...owner.added].reverse());
    const refused = await service.host.dispatch({}).then(
      () => expect.fail('a disposed host should refuse'),
      (e: { code?: string }) => e,
    );
    expect(refused.code).to.equal('HOST_CLOSED');
    await fetch(`${service.url}/healthz`).then(
      () => expect.fail('the server should be closed'),
      (e: Error) => expect(e).to.be.instanceOf(TypeError),
    );
    await settled(() => childPids().length === childrenBefore.length);
    expect(childPids(), 'no sandbox process is left').to.deep.equal(childrenBefore);
    await settled(() => openHandles().join() === handlesBefore.join());
    expect(openHandles(), 'no server, socket, watcher or worker is left').to.deep.equal(handlesBefore);
    await settled(() => threads() <= threadsBefore);
    expect(threads(), 'no worker thread is left').to.be.at.most(threadsBefore);
  });

  it('stops loading when its signal aborts, and releases what it had opened before rejecting', async () => {
    const handlesBefore = openHandles();
    const childrenBefore = childPids();
    const threadsBefore = threads();
    const controller = new AbortController();
    const log = logs((line) => line.msg === 'sandbox process ready' && controller.abort());
    const owner = new WatchedStore();
    const error = await createService({ config: config('aborted', '127.0.0.1:0'), logger: log.logger, signal: controller.signal }, owner).then(
      () => expect.fail('start-up should be aborted'),
      (e: { code?: string }) => e,
    );
    expect(error.code).to.equal('HOST_START_ABORTED');
    expect(owner.released).to.deep.equal([...owner.added].reverse());
    expect(log.lines.some((l) => String(l.msg).startsWith('HTTP API listening'))).to.equal(false);
    await settled(() => childPids().length === childrenBefore.length);
    expect(childPids(), 'no sandbox process is left').to.deep.equal(childrenBefore);
    await settled(() => openHandles().join() === handlesBefore.join());
    expect(openHandles(), 'no server, socket, watcher or worker is left').to.deep.equal(handlesBefore);
    await settled(() => threads() <= threadsBefore);
    expect(threads(), 'no worker thread is left').to.be.at.most(threadsBefore);
  });
});
