import { expect } from 'chai';
import { RequestSlots } from '../../../host/dist/egress/request-slots.js';

describe('per-plugin request slots', () => {
  it('grants up to max at once and hands freed slots to waiters in order', async () => {
    const slots = new RequestSlots(2, 10);
    const signal = new AbortController().signal;
    const a = await slots.acquire(signal);
    const b = await slots.acquire(signal);
    const order: string[] = [];
    const c = slots.acquire(signal).then((r) => (order.push('c'), r));
    const d = slots.acquire(signal).then((r) => (order.push('d'), r));
    await new Promise((r) => setImmediate(r));
    expect(order).to.deep.equal([]);
    a();
    a(); // releasing twice frees one slot only
    const releaseC = await c;
    expect(order).to.deep.equal(['c']);
    b();
    const releaseD = await d;
    expect(order).to.deep.equal(['c', 'd']);
    releaseC();
    releaseD();
    expect(slots.inFlight).to.equal(0);
  });

  it('fails at once past the queue, with EGRESS_QUEUE_FULL', async () => {
    const slots = new RequestSlots(1, 0);
    const signal = new AbortController().signal;
    const release = await slots.acquire(signal);
    await slots.acquire(signal).then(
      () => expect.fail('should not be granted'),
      (e: { code: string }) => expect(e.code).to.equal('EGRESS_QUEUE_FULL'),
    );
    release();
  });

  it('drops a waiter whose signal aborts, with the abort reason', async () => {
    const slots = new RequestSlots(1, 5);
    const release = await slots.acquire(new AbortController().signal);
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort(new Error('invocation ended'));
    await waiting.then(
      () => expect.fail('should not be granted'),
      (e: Error) => expect(e.message).to.equal('invocation ended'),
    );
    release();
    expect(slots.inFlight).to.equal(0);
  });
});
