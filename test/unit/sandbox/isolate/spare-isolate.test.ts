import { expect } from 'chai';
import { normalizeEvent } from '@jobhook/host';
import { IsolateSandbox, type IsolateSandboxHooks } from '../../../../host/dist/sandbox/isolate/isolate-sandbox.js';
import { IsolateSandboxFactory } from '../../../../host/dist/sandbox/isolate/isolate-sandbox-factory.js';
import { RuntimeScript } from '../../../../host/dist/sandbox/isolate/runtime-script.js';
import { prepareIsolate, SpareIsolate, type PreparedIsolate } from '../../../../host/dist/sandbox/isolate/spare-isolate.js';
import { sandboxLimits } from '../../../../host/dist/sandbox/sandbox-limits.js';
import type { SandboxDeath, SandboxLoadSpec } from '../../../../host/dist/sandbox/plugin-sandbox.js';
import { GUID_A, event, handlerBundle } from '../../../support/foundation-plugins.js';
import { tick, waitFor } from '../../../support/wait-for.js';

const SPARE_MB = 64;
const services = { log: () => undefined, http: async () => '{"ok":false}' };
const spec = (memoryMb = SPARE_MB): SandboxLoadSpec => ({
  pluginId: 't.spare',
  version: '1.0.0',
  bundleCode: handlerBundle('return ctx.jobTypeId.length > 0;'),
  bundleFilename: 'plugin:t.spare/bundle.js',
  optionsJson: '{}',
  memoryMb,
  loadTimeoutMs: 5000,
});
const invoke = (sandbox: IsolateSandbox) => sandbox.invoke({ invocationId: 'i', handler: 'H', eventJson: JSON.stringify(normalizeEvent(event(GUID_A))), timeoutMs: 5000 });

describe('SpareIsolate (an isolate made ahead of the next load)', function () {
  this.timeout(20_000);
  const runtime = new RuntimeScript();
  let made: PreparedIsolate[] = [];
  let spares: SpareIsolate[] = [];
  let sandboxes: IsolateSandbox[] = [];
  // The real preparation, recorded, so a test sees every isolate a spare made.
  const recorded: typeof prepareIsolate = (...args) => {
    const prepared = prepareIsolate(...args);
    made.push(prepared);
    return prepared;
  };
  const newSpare = (prepare: typeof prepareIsolate = recorded, onCatastrophic?: (message: string) => void): SpareIsolate => {
    const spare = new SpareIsolate(runtime, SPARE_MB, prepare, onCatastrophic);
    spares.push(spare);
    return spare;
  };
  const sandboxOn = (spare: SpareIsolate, hooks: IsolateSandboxHooks = {}): IsolateSandbox => {
    const sandbox = new IsolateSandbox(runtime, services, sandboxLimits({}), { ...hooks, isolates: spare });
    sandboxes.push(sandbox);
    return sandbox;
  };
  /** Waits until `spare` holds its `count`-th isolate, warm. */
  const warmSpare = async (spare: SpareIsolate, count = 1): Promise<PreparedIsolate> => {
    await waitFor(() => made.length >= count && spare.held === 1, { what: `spare #${count}` });
    const prepared = made[count - 1]!;
    await prepared.warm;
    return prepared;
  };
  /** Waits, turn by turn, until `count` isolates were started (not yet warm). */
  const started = async (count: number): Promise<void> => {
    for (let turn = 0; turn < 10 && made.length < count; turn++) await tick();
    expect(made).to.have.length(count);
  };
  after(() => runtime.dispose());
  afterEach(async () => {
    for (const s of sandboxes.splice(0)) await s.dispose();
    for (const s of spares.splice(0)) s.dispose();
    for (const p of made.splice(0)) p.dispose();
    made = [];
    spares = [];
    sandboxes = [];
  });

  it('is made once created: a context with the runtime evaluated, its boot not called (no bridge, no timers, no web globals)', async () => {
    const spare = newSpare();
    const prepared = await warmSpare(spare);
    expect(made).to.have.length(1);
    const { context, boot } = await prepared.warm;
    expect(boot.typeof).to.equal('function');
    // boot installs these over the bridge (and takes performance.timeOrigin then): a spare has none of them.
    expect(await context.eval('[typeof setTimeout, typeof fetch, typeof performance, typeof navigator].join()')).to.equal('undefined,undefined,undefined,undefined');
  });

  it('is taken by a load asking the default memory, which runs the plugin in it; another is made only after that load', async () => {
    const spare = newSpare();
    const first = await warmSpare(spare);
    const sandbox = sandboxOn(spare);
    const loading = sandbox.load(spec());
    expect(spare.held, 'the spare was taken as the load began').to.equal(0);
    await tick();
    expect(made, 'no new spare while the load runs').to.have.length(1);
    await loading;
    // What the caller sends in the turn the load ended (a worker's reply, batched on setImmediate)
    // goes before the next spare's synchronous `new ivm.Isolate`.
    const madeWhenAnswered = await new Promise<number>((r) => setImmediate(() => r(made.length)));
    expect(madeWhenAnswered, 'spares made before the answer of the turn went').to.equal(1);
    const cpuBefore = first.isolate.cpuTime;
    expect((await invoke(sandbox)).outcome).to.equal('succeeded');
    expect(first.isolate.cpuTime > cpuBefore, 'the invocation ran in the spare isolate').to.equal(true);
    const second = await warmSpare(spare, 2);
    expect(second).to.not.equal(first);
    expect(second.isolate.isDisposed).to.equal(false);
    await sandbox.dispose();
    expect(first.isolate.isDisposed, 'the sandbox disposed the isolate it took').to.equal(true);
    expect(spare.held, 'an isolate used once is never given back').to.equal(1);
    expect(second.isolate.isDisposed).to.equal(false);
  });

  it('is left alone by a load asking another memory limit, which makes its own isolate', async () => {
    const spare = newSpare();
    const prepared = await warmSpare(spare);
    const sandbox = sandboxOn(spare);
    const loading = sandbox.load(spec(32));
    expect(spare.held).to.equal(1);
    await loading;
    expect((await invoke(sandbox)).outcome).to.equal('succeeded');
    const own = await sandbox.stats();
    const spareHeap = await prepared.isolate.getHeapStatistics();
    expect(own.heapLimitBytes, 'the load has its own 32 MB isolate').to.be.below(spareHeap.heap_size_limit);
    await sandbox.dispose();
    expect(prepared.isolate.isDisposed).to.equal(false);
    expect(spare.held).to.equal(1);
    expect(made).to.have.length(1);
  });

  it('is taken while still warming by a load, which then loads in it', async () => {
    const spare = newSpare();
    // The spare is started a turn or two after its creation; its context and runtime take longer.
    await started(1);
    let warmed = false;
    void made[0]!.warm.then(() => (warmed = true));
    const sandbox = sandboxOn(spare);
    const loading = sandbox.load(spec());
    expect(warmed, 'still warming when the load began').to.equal(false);
    expect(spare.held, 'the warming spare was taken').to.equal(0);
    await loading;
    expect((await invoke(sandbox)).outcome).to.equal('succeeded');
    await sandbox.dispose();
    expect(made[0]!.isolate.isDisposed, 'the load ran in it, and its sandbox disposed it').to.equal(true);
  });

  it('is released by dispose, warm or still warming, and none is made after', async () => {
    const warm = newSpare();
    const held = await warmSpare(warm);
    warm.dispose();
    expect(held.isolate.isDisposed).to.equal(true);
    expect(warm.held).to.equal(0);
    warm.loadEnded();
    await tick();
    await tick();
    expect(made).to.have.length(1);

    const warming = newSpare();
    await started(2);
    warming.dispose();
    expect(made[1]!.isolate.isDisposed).to.equal(true);
    const settled = await made[1]!.warm.then(
      () => 'warm',
      () => 'rejected',
    );
    expect(settled, 'disposing ends the warming').to.equal('rejected');
    expect(made).to.have.length(2);
  });

  it('on a catastrophic error while spare, is disposed and replaced, no plugin hears of it, and the process is told to be replaced', async () => {
    const processCatastrophes: string[] = [];
    const spare = newSpare(recorded, (m) => processCatastrophes.push(m));
    await warmSpare(spare);
    const deaths: SandboxDeath[] = [];
    const catastrophes: string[] = [];
    const sandbox = sandboxOn(spare, { onCatastrophic: (m) => catastrophes.push(m) });
    sandbox.onDeath((d) => deaths.push(d));
    await sandbox.load(spec());
    const victim = await warmSpare(spare, 2);
    victim.onCatastrophicError('test: V8 lost control of the spare');
    expect(victim.isolate.isDisposed).to.equal(true);
    expect(spare.held).to.equal(0);
    const replacement = await warmSpare(spare, 3);
    expect(replacement.isolate.isDisposed).to.equal(false);
    expect((await invoke(sandbox)).outcome).to.equal('succeeded');
    expect(deaths).to.deep.equal([]);
    expect(catastrophes).to.deep.equal([]);
    expect(processCatastrophes).to.deep.equal(['test: V8 lost control of the spare']);
  });

  it('routes a catastrophic error to the sandbox that took the isolate, not to the next spare', async () => {
    const spare = newSpare();
    const taken = await warmSpare(spare);
    const deaths: SandboxDeath[] = [];
    const catastrophes: string[] = [];
    const sandbox = sandboxOn(spare, { onCatastrophic: (m) => catastrophes.push(m) });
    sandbox.onDeath((d) => deaths.push(d));
    await sandbox.load(spec());
    const next = await warmSpare(spare, 2);
    taken.onCatastrophicError('test: V8 lost control of the plugin');
    expect(deaths.map((d) => d.code)).to.deep.equal(['ISOLATE_CATASTROPHIC']);
    expect(catastrophes).to.deep.equal(['test: V8 lost control of the plugin']);
    expect(taken.isolate.isDisposed).to.equal(true);
    expect(next.isolate.isDisposed).to.equal(false);
    expect(spare.held).to.equal(1);
  });

  it('stops remaking a spare that keeps failing until a load ends', async () => {
    // Each isolate is disposed as soon as it is made, so its warming fails.
    const failing: typeof prepareIsolate = (...args) => {
      const prepared = recorded(...args);
      prepared.isolate.dispose();
      return prepared;
    };
    const spare = newSpare(failing);
    await waitFor(() => made.length === 3, { what: 'the first spare and its two remakes' });
    for (let i = 0; i < 5; i++) await tick();
    await Promise.allSettled(made.map((p) => p.warm));
    for (let i = 0; i < 5; i++) await tick();
    expect(made).to.have.length(3);
    expect(spare.held).to.equal(0);
    spare.loadEnded();
    await waitFor(() => made.length >= 4, { what: 'a spare made after a load ended' });
  });
});

describe('IsolateSandboxFactory and its spare isolate', function () {
  this.timeout(20_000);
  let factory: IsolateSandboxFactory | undefined;
  afterEach(async () => {
    await factory?.dispose();
    factory = undefined;
  });

  it('counts the spare apart from plugin sandboxes, spends it on a default load, refills it, and releases it on dispose', async () => {
    factory = new IsolateSandboxFactory({}, { spareMemoryMb: SPARE_MB });
    await waitFor(() => factory!.census().spare === 1, { what: 'the spare' });
    expect(factory.census()).to.deep.equal({ live: 0, created: 0, spare: 1 });
    const other = factory.create(services);
    const otherLoad = other.load(spec(32));
    expect(factory.census().spare, 'a 32 MB load leaves the 64 MB spare').to.equal(1);
    await otherLoad;
    const sandbox = factory.create(services);
    const loading = sandbox.load(spec());
    expect(factory.census()).to.deep.equal({ live: 2, created: 2, spare: 0 });
    await loading;
    await waitFor(() => factory!.census().spare === 1, { what: 'the next spare' });
    expect((await invoke(sandbox)).outcome).to.equal('succeeded');
    await factory.dispose();
    expect(factory.census()).to.deep.equal({ live: 0, created: 2, spare: 0 });
  });

  it('makes no spare when told none (a dedicated process), and its loads make their own isolates', async () => {
    factory = new IsolateSandboxFactory({}, { spareMemoryMb: null });
    for (let turn = 0; turn < 5; turn++) await tick();
    expect(factory.census().spare).to.equal(0);
    const sandbox = factory.create(services);
    await sandbox.load(spec());
    expect((await invoke(sandbox)).outcome).to.equal('succeeded');
    for (let turn = 0; turn < 5; turn++) await tick();
    expect(factory.census()).to.deep.equal({ live: 1, created: 1, spare: 0 });
  });
});
