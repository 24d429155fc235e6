import { expect } from 'chai';
import { Limiter } from '../../../host/dist/lifecycle/index.js';

describe('Limiter: bounded concurrency with a bounded queue', () => {
  it('admits up to the limit, queues up to the depth, and turns the rest away at once', async () => {
    const limiter = new Limiter(2, 1);
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    const queued = limiter.acquire();
    expect(await limiter.acquire()).to.equal(undefined);
    expect([limiter.active, limiter.queued]).to.deep.equal([2, 1]);
    a!();
    const c = await queued;
    expect(c).to.be.a('function');
    expect([limiter.active, limiter.queued]).to.deep.equal([2, 0]);
    b!();
    c!();
    expect(limiter.active).to.equal(0);
  });

  it('grants waiters in arrival order and ignores a second release of the same slot', async () => {
    const limiter = new Limiter(1, 5);
    const held = await limiter.acquire();
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => limiter.acquire().then((release) => (order.push(n), release!())));
    held!();
    held!();
    await Promise.all(waits);
    expect(order).to.deep.equal([1, 2, 3]);
    expect(limiter.active).to.equal(0);
  });

  it('drops a waiter whose signal aborts, with the signal reason', async () => {
    const limiter = new Limiter(1, 5);
    const held = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('invocation ended'));
    await waiting.then(
      () => expect.fail('should have been refused'),
      (e: Error) => expect(e.message).to.equal('invocation ended'),
    );
    expect(limiter.queued).to.equal(0);
    held!();
    expect(limiter.active).to.equal(0);
  });

  it('refuses waiters and later callers once closed', async () => {
    const limiter = new Limiter(1, 5);
    await limiter.acquire();
    const waiting = limiter.acquire();
    limiter.close();
    await waiting.then(() => expect.fail('granted'), (e: { code: string }) => expect(e.code).to.equal('DISPOSED'));
    await limiter.acquire().then(() => expect.fail('granted'), (e: { code: string }) => expect(e.code).to.equal('DISPOSED'));
  });
});
