// The EventStore contract: one suite every store implementation runs (`describeEventStoreContract`),
// each over a real database (a SQLite file, a PostgreSQL server).
import { expect } from 'chai';
import sinon from 'sinon';
import { normalizeEvent, type HandlerOutcome } from '@jobhook/host';
import type { WireEvent } from '@jobhook/sdk/contract';
import { GUID_A, GUID_B, event } from '../../support/foundation-plugins.js';
import { outcomeKey, type EventStore } from '../../../host/dist/store/event-store.js';

export const outcome = (plugin: string, extra: Partial<HandlerOutcome> = {}): HandlerOutcome => ({ plugin, version: '1.0.0', handler: 'H', outcome: 'succeeded', durationMs: 2.5, invocationId: `inv-${plugin}`, ...extra });

export async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}

/** One store implementation under test: a fresh, empty store per test, and the same data reopened. */
export interface StoreSubject {
  /** Opens a new store over a new, empty database. */
  open(): Promise<EventStore>;
  /** Closes `store` and opens the same database again. */
  reopen(store: EventStore): Promise<EventStore>;
  /** Outcome rows the database holds for `eventId`, counted with the database's own client. */
  outcomeRows(eventId: string): Promise<number>;
  /** Releases what `open` made (called after each test, once the store is closed). */
  cleanup(): Promise<void>;
}

/** The shared suite, `describe`d once per store. */
export function describeEventStoreContract(name: string, subject: () => StoreSubject): void {
  describe(`${name} (EventStore contract)`, () => {
    let s: StoreSubject;
    let store: EventStore;

    beforeEach(async () => {
      s = subject();
      store = await s.open();
    });
    afterEach(async () => {
      await store.close();
      await s.cleanup();
    });

    const reopen = async (): Promise<EventStore> => {
      store = await s.reopen(store);
      return store;
    };
    it('keeps an appended event across a reopen, pending, with its normalised fields', async () => {
      const { id, created } = await store.append(normalizeEvent(event(GUID_A.toUpperCase(), { jobResult: 'Failure' })));
      expect(created).to.equal(true);
      await reopen();
      const record = await store.get(id);
      expect(record).to.include({ id, status: 'pending', attempts: 0, completedAt: null, idempotencyKey: null });
      expect(record?.event).to.include({ jobTypeId: GUID_A, jobResult: 4 });
      expect(record?.outcomes).to.deep.equal([]);
      expect(Date.parse(record!.acceptedAt)).to.be.closeTo(Date.now(), 10_000);
    });

    it('commits hundreds of concurrent appends, each with its own id', async () => {
      const results = await Promise.all(Array.from({ length: 500 }, (_, i) => store.append(normalizeEvent(event(GUID_A, { currentRetryCount: i })))));
      expect(new Set(results.map((r) => r.id)).size).to.equal(500);
      await reopen();
      expect(await store.queueDepth()).to.deep.equal({ pending: 500, dispatching: 0 });
    });

    it('returns the first id for a repeated idempotency key, and refuses a different event under it', async () => {
      const e = normalizeEvent(event());
      const first = await store.append(e, 'job-1:0');
      const [again, sameTick] = await Promise.all([store.append(e, 'job-1:0'), store.append(e, 'job-1:0')]);
      expect(again).to.deep.equal({ id: first.id, created: false });
      expect(sameTick).to.deep.equal({ id: first.id, created: false });
      const err = await rejection(store.append(normalizeEvent(event(GUID_A, { currentRetryCount: 1 })), 'job-1:0'));
      expect(err.code).to.equal('IDEMPOTENCY_KEY_REUSED');
      expect(err.message).to.include(first.id);
      expect((await store.list()).length).to.equal(1);
    });

    it('fails only the refused append when a batch commits, not the others sharing the commit', async () => {
      const e = normalizeEvent(event());
      await store.append(e, 'k');
      const results = await Promise.allSettled([store.append(normalizeEvent(event(GUID_B)), 'k'), store.append(e), store.append(e)]);
      expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'fulfilled', 'fulfilled']);
      expect((await store.list()).length).to.equal(3);
    });

    it('claims pending events oldest first, moving them to dispatching and counting attempts', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await store.append(normalizeEvent(event(GUID_A, { currentRetryCount: i })))).id);
      const first = await store.claim(3);
      expect(first.map((c) => c.id)).to.deep.equal(ids.slice(0, 3));
      expect(first.every((c) => c.attempts === 1 && c.recorded.size === 0)).to.equal(true);
      // The claim carries the event's stored text, for the sandbox, and the fields routing reads.
      expect(first[2]).to.include({ jobId: event(GUID_A).jobId, jobTypeId: GUID_A });
      expect((JSON.parse(first[2]!.eventJson) as WireEvent).currentRetryCount).to.equal(2);
      // Exactly the event `get` reads back: the text is the stored event, not a copy made for the claim.
      expect(JSON.parse(first[2]!.eventJson)).to.deep.equal((await store.get(ids[2]!))?.event);
      expect((await store.claim(10)).map((c) => c.id)).to.deep.equal(ids.slice(3));
      expect(await store.claim(10)).to.deep.equal([]);
      expect(await store.queueDepth()).to.deep.equal({ pending: 0, dispatching: 5 });
    });

    it('records one outcome per plugin handler and ignores a second for the same one', async () => {
      const { id } = await store.append(normalizeEvent(event()));
      await store.claim(1);
      await Promise.all([
        store.recordOutcome(id, outcome('p.a'), 1),
        store.recordOutcome(id, outcome('p.b', { outcome: 'error', error: { code: 'HANDLER_THREW', message: 'no route to host' } }), 1),
      ]);
      await store.recordOutcome(id, outcome('p.a', { outcome: 'failed', invocationId: 'second' }), 2);
      await store.complete(id);
      await reopen();
      const record = await store.get(id);
      expect(record?.status).to.equal('done');
      expect(record?.completedAt).to.be.a('string');
      expect(record?.outcomes.map((o) => [o.plugin, o.outcome, o.invocationId, o.attempts])).to.deep.equal([
        ['p.a', 'succeeded', 'inv-p.a', 1],
        ['p.b', 'error', 'inv-p.b', 1],
      ]);
      expect(record?.outcomes[1]!.error).to.deep.equal({ code: 'HANDLER_THREW', message: 'no route to host' });
      expect(record?.outcomes[0]).to.not.have.property('error');
    });

    it('dispatches an event left dispatching by a stop again after a reopen, naming the handlers already recorded', async () => {
      const { id } = await store.append(normalizeEvent(event()));
      const [claimed] = await store.claim(1);
      await store.recordOutcome(id, outcome('p.a'), claimed!.attempts);
      await reopen();
      await store.requeueInFlight();
      const [again] = await store.claim(1);
      expect(again?.attempts).to.equal(2);
      expect([...again!.recorded]).to.deep.equal([outcomeKey('p.a', 'H')]);
    });

    it('lists newest first, filtered by status and job id, paged with a cursor', async () => {
      const jobId = '11111111-2222-4333-8444-555555555555';
      const a = (await store.append(normalizeEvent(event(GUID_A, { jobId })))).id;
      const b = (await store.append(normalizeEvent(event(GUID_A)))).id;
      const c = (await store.append(normalizeEvent(event(GUID_A, { jobId })))).id;
      await store.claim(1);
      expect((await store.list()).map((e) => e.id)).to.deep.equal([c, b, a]);
      expect((await store.list({ status: 'dispatching' })).map((e) => e.id)).to.deep.equal([a]);
      expect((await store.list({ jobId: `{${jobId.toUpperCase()}}` })).map((e) => e.id)).to.deep.equal([c, a]);
      expect((await store.list({ limit: 1, before: c })).map((e) => e.id)).to.deep.equal([b]);
      expect((await rejection(store.list({ before: 'nope' }))).code).to.equal('STORE_NOT_FOUND');
    });

    it('prunes done events completed before the cutoff with their outcomes, and nothing else', async () => {
      const clock = sinon.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z'), toFake: ['Date'] });
      let old: string;
      try {
        old = (await store.append(normalizeEvent(event()))).id;
        await store.claim(1);
        await store.recordOutcome(old, outcome('p.a'), 1);
        await store.complete(old);
      } finally {
        clock.restore();
      }
      const oldPending = (await store.append(normalizeEvent(event(GUID_B)))).id;
      const recent = (await store.append(normalizeEvent(event(GUID_A, { currentRetryCount: 1 })))).id;
      await store.claim(10);
      await store.complete(recent);
      // oldPending was never completed: pending and dispatching events are work, never pruned.
      expect(await store.prune(new Date(Date.parse('2026-06-01T00:00:00Z')))).to.equal(1);
      expect(await store.get(old)).to.equal(undefined);
      expect(await store.get(recent)).to.not.equal(undefined);
      expect(await store.get(oldPending)).to.not.equal(undefined);
      expect(await s.outcomeRows(old)).to.equal(0);
    });

    it('keeps plugin switches across a reopen', async () => {
      await store.setPluginDisabled('p.b', true);
      await store.setPluginDisabled('p.a', true);
      await store.setPluginDisabled('p.b', false);
      await reopen();
      expect(await store.disabledPlugins()).to.deep.equal(['p.a']);
    });

    it('commits what was queued when closed, then refuses use with STORE_CLOSED', async () => {
      const pending = store.append(normalizeEvent(event()));
      await store.close();
      const { id } = await pending;
      expect((await rejection(store.append(normalizeEvent(event())))).code).to.equal('STORE_CLOSED');
      expect((await rejection(store.get(id))).code).to.equal('STORE_CLOSED');
      store = await s.reopen(store);
      expect((await store.get(id))?.status).to.equal('pending');
    });

    it('claims only the job types asked for, leaving the others pending', async () => {
      const a = (await store.append(normalizeEvent(event(GUID_A)))).id;
      const b = (await store.append(normalizeEvent(event(GUID_B)))).id;
      expect((await store.claim(10, { jobTypeIds: [GUID_B] })).map((c) => c.id)).to.deep.equal([b]);
      expect(await store.claim(10, { jobTypeIds: [] })).to.deep.equal([]);
      expect((await store.get(a))?.status).to.equal('pending');
      expect((await store.claim(10)).map((c) => c.id)).to.deep.equal([a]);
    });

    it('never hands the same event to two concurrent claims', async () => {
      await Promise.all(Array.from({ length: 60 }, (_, i) => store.append(normalizeEvent(event(GUID_A, { currentRetryCount: i })))));
      const claims = await Promise.all(Array.from({ length: 8 }, () => store.claim(10)));
      const ids = claims.flat().map((c) => c.id);
      expect(ids.length).to.equal(60);
      expect(new Set(ids).size).to.equal(60);
    });

    it('keeps one outcome per handler when the same outcome is recorded concurrently', async () => {
      const { id } = await store.append(normalizeEvent(event()));
      await store.claim(1);
      await Promise.all(Array.from({ length: 5 }, (_, i) => store.recordOutcome(id, outcome('p.a', { invocationId: `inv-${i}` }), 1)));
      expect(await s.outcomeRows(id)).to.equal(1);
      expect((await store.get(id))?.outcomes).to.have.length(1);
    });
  });
}
