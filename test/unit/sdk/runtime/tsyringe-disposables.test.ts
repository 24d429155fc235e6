import 'reflect-metadata';
import { expect } from 'chai';
import { container, injectable } from 'tsyringe';

// The runtime skips tsyringe's dispose() for a container that constructed nothing disposable, by
// reading the container's own Set of disposables. This pins the tsyringe the lockfile holds to that
// shape: after an upgrade that changes it, the runtime still disposes (it falls back to always), but
// the fast path is lost, and this test says so.
describe('the tsyringe the runtime is built with keeps what a container must dispose in a Set', () => {
  @injectable()
  class Plain {}
  @injectable()
  class Closable {
    closed = false;
    dispose(): void {
      this.closed = true;
    }
  }

  it('holds nothing for a container that constructed nothing with dispose()', () => {
    const scope = container.createChildContainer();
    scope.resolve(Plain);
    const disposables: unknown = (scope as unknown as { disposables?: unknown }).disposables;
    expect(disposables).to.be.an.instanceOf(Set);
    expect((disposables as Set<unknown>).size).to.equal(0);
  });

  it('holds each constructed instance with dispose(), which dispose() then calls', async () => {
    const scope = container.createChildContainer();
    const closable = scope.resolve(Closable);
    const disposables = (scope as unknown as { disposables: Set<unknown> }).disposables;
    expect([...disposables]).to.deep.equal([closable]);
    await scope.dispose();
    expect(closable.closed).to.equal(true);
  });
});
