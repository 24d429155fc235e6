import { expect } from 'chai';
import sinon from 'sinon';
import { LiveFeed, type LiveMessage } from '../../../../host/dist/api/live/live-feed.js';

const EVENT = { agentId: 'a', username: null, clientMachine: null, jobResult: 4, jobId: 'j', jobType: 'PEMInventory', jobTypeId: 't', operationType: 0, certificateId: null, requestTimestamp: null, currentRetryCount: 0 };

describe('LiveFeed', () => {
  it('tells every subscriber, in order, and a throwing one does not stop the others', () => {
    const feed = new LiveFeed();
    const seen: LiveMessage[] = [];
    feed.subscribe(() => {
      throw new Error('broken subscriber');
    }, () => undefined);
    feed.subscribe((m) => seen.push(m), () => undefined);
    feed.accepted('e1', EVENT);
    feed.outcome('e1', { plugin: 'p', version: '1.0.0', handler: 'H', outcome: 'error', durationMs: 2, invocationId: 'i', error: { code: 'HANDLER_THREW', message: 'boom' } }, 0);
    feed.done('e1');
    expect(seen.map((m) => m.type)).to.deep.equal(['accepted', 'outcome', 'done']);
    expect(seen[1]).to.deep.include({ eventId: 'e1', plugin: 'p', outcome: 'error', replay: 0, error: { code: 'HANDLER_THREW', message: 'boom' } });
  });

  it('stops telling a subscriber that unsubscribed, and ends every subscription once at close', () => {
    const feed = new LiveFeed();
    let told = 0;
    let closed = 0;
    const unsubscribe = feed.subscribe(() => told++, () => closed++);
    feed.subscribe(() => told++, () => closed++);
    unsubscribe();
    feed.done('e');
    expect([told, feed.subscribers]).to.deep.equal([1, 1]);
    feed.close();
    feed.close();
    expect(closed).to.equal(1);
    feed.subscribe(() => told++, () => closed++);
    expect(closed, 'a subscriber after close is closed at once').to.equal(2);
    feed.done('e');
    expect(told).to.equal(1);
  });

  it('builds no message while nobody listens, and builds them again once someone does', () => {
    const feed = new LiveFeed();
    // Each message is stamped with toISOString: not calling it is not building the message.
    const stamp = sinon.spy(Date.prototype, 'toISOString');
    try {
      feed.accepted('e1', EVENT);
      feed.outcome('e1', { plugin: 'p', version: '1.0.0', handler: 'H', outcome: 'succeeded', durationMs: 1, invocationId: 'i' }, 0);
      feed.done('e1');
      expect(stamp.callCount).to.equal(0);
      const seen: LiveMessage[] = [];
      const unsubscribe = feed.subscribe((m) => seen.push(m), () => undefined);
      feed.done('e1');
      unsubscribe();
      feed.done('e2');
      expect(seen.map((m) => [m.type, m.eventId])).to.deep.equal([['done', 'e1']]);
      expect(stamp.callCount).to.equal(1);
    } finally {
      stamp.restore();
    }
  });
});
