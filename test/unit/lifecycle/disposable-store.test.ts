import { expect } from 'chai';
import { DisposableStore, toDisposable } from '../../../host/dist/lifecycle/index.js';

describe('DisposableStore: one owner releases everything it holds', () => {
  it('releases newest first, once, however often it is disposed', async () => {
    const store = new DisposableStore();
    const order: string[] = [];
    store.defer(() => void order.push('first'));
    store.add(toDisposable(async () => void order.push('second')));
    store.defer(() => void order.push('third'));
    await Promise.all([store.dispose(), store.dispose()]);
    await store.dispose();
    expect(order).to.deep.equal(['third', 'second', 'first']);
  });

  it('counts as disposed already while its first release runs', async () => {
    const store = new DisposableStore();
    let seen: boolean | undefined;
    store.defer(() => void (seen = store.isDisposed));
    await store.dispose();
    expect(seen).to.equal(true);
  });

  it('lets one resource go early through the handle add returned, and not again at the end', async () => {
    const store = new DisposableStore();
    let released = 0;
    const handle = store.defer(() => void released++);
    await handle.dispose();
    await handle.dispose();
    await store.dispose();
    expect(released).to.equal(1);
  });

  it('runs every release when one throws, then rethrows the first failure', async () => {
    const store = new DisposableStore();
    const ran: string[] = [];
    store.defer(() => void ran.push('a'));
    store.defer(() => {
      throw new Error('b broke');
    });
    store.defer(() => {
      ran.push('c');
      throw new Error('c broke');
    });
    let caught: unknown;
    await store.dispose().catch((e: unknown) => (caught = e));
    expect(ran).to.deep.equal(['c', 'a']);
    expect((caught as Error).message).to.equal('c broke');
  });

  it('refuses new resources once disposed, and still releases the one it was handed', async () => {
    const store = new DisposableStore('the test owner');
    await store.dispose();
    let released = false;
    expect(() => store.defer(() => void (released = true))).to.throw(/the test owner is disposed/).with.property('code', 'DISPOSED');
    await new Promise((r) => setImmediate(r));
    expect(released).to.equal(true);
    expect(store.isDisposed).to.equal(true);
  });
});
