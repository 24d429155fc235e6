import { expect } from 'chai';
import type { PluginEgress } from '../../../../host/dist/egress/egress-gateway.js';
import { DisposableStore } from '../../../../host/dist/lifecycle/index.js';
import { InvocationBook, PluginInstance } from '../../../../host/dist/plugins/registry/plugin-instance.js';
import { FakeSandboxFactory, type FakeSandbox } from '../../../support/fake-sandbox.js';

/** A small fake of the egress seam that records what the version asks of it. */
function fakeEgress(log: string[]): PluginEgress {
  return {
    request: async () => JSON.stringify({ ok: true, value: null }),
    endInvocation: (id) => log.push(`end ${id}`),
    dispose: () => void log.push('egress disposed'),
  };
}

describe('PluginInstance: one loaded version', function () {
  this.timeout(5000);
  let factory: FakeSandboxFactory;
  let log: string[];
  beforeEach(() => {
    factory = new FakeSandboxFactory();
    log = [];
  });
  afterEach(() => factory.finishHeld());

  async function version(options: { concurrency: number; queueDepth: number; timeoutMs?: number; hold?: boolean; sandboxDispose?: () => Promise<void> }) {
    const egress = fakeEgress(log);
    const sandbox: FakeSandbox = factory.create();
    await sandbox.load({ bundleCode: JSON.stringify({ handlers: [], hold: options.hold ?? true }), version: '1.0.0' } as never);
    const dispose = sandbox.dispose.bind(sandbox);
    sandbox.dispose = async () => {
      log.push('sandbox disposed');
      await (options.sandboxDispose ?? dispose)();
    };
    const owned = new DisposableStore('the version');
    owned.add(egress);
    owned.add(sandbox);
    const pkg = { manifest: { id: 'acme.unit', version: '1.0.0' } } as never;
    const limits = { memoryMb: 64, timeoutMs: options.timeoutMs ?? 1000, concurrency: options.concurrency };
    return new PluginInstance(pkg, limits, new Map([['H', []]]), sandbox, egress, owned, new InvocationBook(), options.queueDepth);
  }

  it('runs up to its concurrency, queues up to its depth, and answers the rest rejected with PLUGIN_AT_CAPACITY', async () => {
    const instance = await version({ concurrency: 1, queueDepth: 1 });
    const running = instance.invoke('H', 'job-1', '{}', 'inv-1');
    const queued = instance.invoke('H', 'job-2', '{}', 'inv-2');
    const turnedAway = await instance.invoke('H', 'job-3', '{}', 'inv-3');
    expect(turnedAway).to.deep.equal({
      outcome: 'rejected',
      error: { name: 'PluginError', code: 'PLUGIN_AT_CAPACITY', message: "plugin 'acme.unit' is at its concurrency limit (1) and its queue is full" },
    });
    expect(factory.sandboxes[0]!.invocations).to.equal(1);
    factory.finishHeld();
    expect(await running).to.deep.equal({ outcome: 'succeeded' });
    await new Promise((r) => setImmediate(r));
    expect(factory.sandboxes[0]!.invocations, 'the queued one runs once a slot is free').to.equal(2);
    factory.finishHeld();
    expect(await queued).to.deep.equal({ outcome: 'succeeded' });
    expect(log).to.deep.equal(['end inv-1', 'end inv-2']);
  });

  it('drains: waits for the invocations it has started, and is draining meanwhile', async () => {
    const instance = await version({ concurrency: 2, queueDepth: 0 });
    const running = instance.invoke('H', 'job-1', '{}', 'inv-1');
    let drained = false;
    const draining = instance.drain().then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 20));
    expect([instance.state, drained]).to.deep.equal(['draining', false]);
    factory.finishHeld();
    await running;
    await draining;
    expect(drained).to.equal(true);
  });

  it('stops waiting for an invocation that never ends a second after its deadline', async () => {
    const instance = await version({ concurrency: 1, queueDepth: 0, timeoutMs: 50 });
    void instance.invoke('H', 'job-1', '{}', 'inv-1');
    const started = Date.now();
    await instance.drain();
    expect(Date.now() - started).to.be.within(1000, 3000);
  });

  it('disposes its sandbox, then its egress channel, once however often asked, and runs nothing after', async () => {
    const instance = await version({ concurrency: 1, queueDepth: 0, hold: false });
    await Promise.all([instance.dispose(), instance.dispose()]);
    await instance.dispose();
    expect(log).to.deep.equal(['sandbox disposed', 'egress disposed']);
    expect(instance.state).to.equal('disposed');
    expect(await instance.invoke('H', 'job-1', '{}', 'inv-1')).to.deep.include({ outcome: 'crashed' });
  });

  it('still releases its egress channel when its sandbox fails to dispose, and reports that failure', async () => {
    const instance = await version({ concurrency: 1, queueDepth: 0, sandboxDispose: () => Promise.reject(new Error('isolate would not go')) });
    await instance.dispose().then(
      () => expect.fail('the failure should be reported'),
      (e: Error) => expect(e.message).to.equal('isolate would not go'),
    );
    expect(log).to.deep.equal(['sandbox disposed', 'egress disposed']);
  });
});
