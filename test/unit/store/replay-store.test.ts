import { expect } from 'chai';
import path from 'node:path';
import Database from 'better-sqlite3';
import { normalizeEvent, type HandlerOutcome } from '@jobhook/host';
import type { WireEvent } from '@jobhook/sdk/contract';
import { GUID_A, GUID_B, event, tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { outcomeKey, type EventStore } from '../../../host/dist/store/event-store.js';
import { MemoryEventStore } from '../../../host/dist/store/memory/memory-event-store.js';
import pg from 'pg';
import { EVENTS_DB_FILE, SqliteEventStore } from '../../../host/dist/store/sqlite/sqlite-event-store.js';
import { SCHEMA_VERSION } from '../../../host/dist/store/sqlite/sqlite-schema.js';
import { parsePgConnection } from '../../../host/dist/store/postgres/pg-connection.js';
import { PgEventStore } from '../../../host/dist/store/postgres/pg-event-store.js';
import { sharedPostgres } from '../../support/postgres-server.js';

const outcome = (plugin: string, extra: Partial<HandlerOutcome> = {}): HandlerOutcome => ({ plugin, version: '1.0.0', handler: 'H', outcome: 'error', durationMs: 3, invocationId: `inv-${plugin}`, error: { code: 'HANDLER_THREW', message: 'boom' }, ...extra });

async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}

/** A done event with the given outcomes of its own dispatch. */
async function doneEvent(store: EventStore, outcomes: HandlerOutcome[], overrides: Record<string, unknown> = {}): Promise<string> {
  const { id } = await store.append(normalizeEvent(event(GUID_A, overrides)));
  const [claimed] = await store.claim(1);
  expect(claimed!.id).to.equal(id);
  for (const o of outcomes) await store.recordOutcome(id, o, 1);
  await store.complete(id);
  return id;
}

async function openPg(hostId: string, url?: string, leaseMs = 30_000): Promise<PgEventStore> {
  const server = await sharedPostgres();
  const database = url ?? (await server.freshDatabase('replays'));
  return PgEventStore.open({ connection: parsePgConnection(database, server.password, 4), hostId, leaseMs, pollMs: 60_000 });
}

const stores: Array<[string, (dir: string) => EventStore | Promise<EventStore>]> = [
  ['SqliteEventStore', (dir) => SqliteEventStore.open(dir)],
  ['MemoryEventStore', () => new MemoryEventStore()],
  ['PgEventStore', () => openPg('host-a')],
];

for (const [name, open] of stores) {
  describe(`${name}: replays, filters and invocation logs`, () => {
    let tmp: TempDir;
    let store: EventStore;

    beforeEach(async function () {
      // The first PostgreSQL test starts the shared server.
      this.timeout(120_000);
      tmp = await tempDir('jobhook-replay-store-');
      store = await open(path.join(tmp.path, 'data'));
    });
    afterEach(async () => {
      await store.close();
      await tmp.dispose();
    });

    it('numbers replays per event, claims them oldest first, and keeps the first outcome beside the replayed one', async () => {
      const id = await doneEvent(store, [outcome('p.a')]);
      const [r1] = await store.requestReplays([{ eventId: id, plugin: 'p.a', handler: 'H' }]);
      const [r2] = await store.requestReplays([{ eventId: id, plugin: 'p.a', handler: null }]);
      expect([r1!.replay, r2!.replay]).to.deep.equal([1, 2]);
      expect(r1).to.include({ status: 'pending', plugin: 'p.a', handler: 'H', completedAt: null });
      const claimed = await store.claimReplays(10);
      expect(claimed.map((c) => c.replay)).to.deep.equal([1, 2]);
      expect(claimed[0]!.jobTypeId).to.equal(GUID_A);
      expect((JSON.parse(claimed[0]!.eventJson) as WireEvent).jobTypeId).to.equal(GUID_A);
      expect([...claimed[0]!.recorded]).to.deep.equal([]);
      expect(await store.claimReplays(10)).to.deep.equal([]);
      await store.recordOutcome(id, outcome('p.a', { outcome: 'succeeded', error: undefined, version: '1.1.0' }), 1, 1);
      // A second outcome under the same replay number is ignored, like the original dispatch's.
      await store.recordOutcome(id, outcome('p.a', { outcome: 'failed' }), 1, 1);
      await store.completeReplay(id, 1);
      const record = (await store.get(id))!;
      expect(record.outcomes.map((o) => `${o.replay}:${o.outcome}:${o.version}`)).to.deep.equal(['0:error:1.0.0', '1:succeeded:1.1.0']);
      expect(record.replays.map((r) => `${r.replay}:${r.status}`)).to.deep.equal(['1:done', '2:dispatching']);
      expect(record.replays[0]!.completedAt).to.be.a('string');
    });

    it('refuses a replay of an unknown event with STORE_NOT_FOUND and stores none of the batch', async () => {
      const id = await doneEvent(store, [outcome('p.a')]);
      const err = await rejection(store.requestReplays([{ eventId: id, plugin: 'p.a', handler: null }, { eventId: 'nope', plugin: 'p.a', handler: null }]));
      expect(err.code).to.equal('STORE_NOT_FOUND');
      expect((await store.get(id))!.replays).to.deep.equal([]);
      expect(await store.claimReplays(10)).to.deep.equal([]);
    });

    it('finds the handlers whose latest outcome since a time failed, skipping fixed ones and those with a replay pending', async () => {
      const failed = await doneEvent(store, [outcome('p.a'), outcome('p.b')]);
      const fixed = await doneEvent(store, [outcome('p.a', { outcome: 'timeout' })]);
      const ok = await doneEvent(store, [outcome('p.a', { outcome: 'succeeded', error: undefined })]);
      await store.requestReplays([{ eventId: fixed, plugin: 'p.a', handler: 'H' }]);
      await store.claimReplays(10);
      await store.recordOutcome(fixed, outcome('p.a', { outcome: 'succeeded', error: undefined }), 1, 1);
      await store.completeReplay(fixed, 1);
      const since = new Date(Date.now() - 60_000);
      const found = await store.replayCandidates({ plugin: 'p.a', since, outcomes: ['failed', 'error', 'timeout', 'crashed'], limit: 100 });
      expect(found).to.deep.equal([{ eventId: failed, plugin: 'p.a', handler: 'H' }]);
      expect(await store.replayCandidates({ plugin: 'p.a', since: new Date(Date.now() + 60_000), outcomes: ['error'], limit: 100 })).to.deep.equal([]);
      expect(await store.replayCandidates({ plugin: 'p.a', since, outcomes: ['succeeded'], limit: 100 })).to.have.deep.members([
        { eventId: fixed, plugin: 'p.a', handler: 'H' },
        { eventId: ok, plugin: 'p.a', handler: 'H' },
      ]);
      await store.requestReplays(found);
      expect(await store.replayCandidates({ plugin: 'p.a', since, outcomes: ['error'], limit: 100 }), 'a pending replay is not asked twice').to.deep.equal([]);
    });

    it('filters the list by outcome, plugin, job type and time, together with paging', async () => {
      const a = await doneEvent(store, [outcome('p.a')], { jobType: 'PEMInventory' });
      const b = await doneEvent(store, [outcome('p.b', { outcome: 'succeeded', error: undefined })], { jobType: 'IISInventory' });
      const { id: c } = await store.append(normalizeEvent(event(GUID_B, { jobType: 'PEMInventory' })));
      const ids = async (q: Parameters<EventStore['list']>[0]) => (await store.list(q)).map((r) => r.id);
      expect(await ids({ outcome: 'error' })).to.deep.equal([a]);
      expect(await ids({ plugin: 'p.b' })).to.deep.equal([b]);
      expect(await ids({ outcome: 'error', plugin: 'p.b' })).to.deep.equal([]);
      expect(await ids({ jobType: 'peminventory' })).to.deep.equal([c, a]);
      expect(await ids({ jobTypeId: GUID_B.toUpperCase() })).to.deep.equal([c]);
      expect(await ids({ acceptedFrom: new Date(Date.now() + 60_000) })).to.deep.equal([]);
      expect(await ids({ acceptedUntil: new Date(Date.now() + 60_000), limit: 2 })).to.deep.equal([c, b]);
      expect(await ids({ jobType: 'PEMInventory', before: c })).to.deep.equal([a]);
    });

    it('keeps the plugin log lines of an invocation with its outcome', async () => {
      const logs = { lines: [{ at: new Date().toISOString(), level: 'warn', message: 'store answered 503', fields: { attempt: 2 } }], truncated: true };
      const id = await doneEvent(store, [outcome('p.a', { logs })]);
      expect((await store.get(id))!.outcomes[0]!.logs).to.deep.equal(logs);
    });
  });
}

describe('SqliteEventStore: replays across restarts and upgrades', () => {
  let tmp: TempDir;
  beforeEach(async () => (tmp = await tempDir('jobhook-replay-upgrade-')));
  afterEach(async () => tmp.dispose());

  it('returns a replay left dispatching to pending, and its re-claim names the handlers already recorded under it', async () => {
    const dir = path.join(tmp.path, 'data');
    let store = SqliteEventStore.open(dir);
    const id = await doneEvent(store, [outcome('p.a'), outcome('p.a', { handler: 'G' })]);
    await store.requestReplays([{ eventId: id, plugin: 'p.a', handler: null }]);
    await store.claimReplays(1);
    await store.recordOutcome(id, outcome('p.a', { outcome: 'succeeded', error: undefined }), 1, 1);
    await store.close();
    store = SqliteEventStore.open(dir);
    try {
      expect(await store.requeueInFlight()).to.equal(1);
      const [again] = await store.claimReplays(1);
      expect(again).to.include({ eventId: id, replay: 1, attempts: 2 });
      expect([...again!.recorded]).to.deep.equal([outcomeKey('p.a', 'H')]);
    } finally {
      await store.close();
    }
  });

  it('upgrades a store written before replays: its outcomes become the original dispatch (replay 0)', async () => {
    const dir = path.join(tmp.path, 'data');
    const fresh = SqliteEventStore.open(dir);
    const id = await doneEvent(fresh, [outcome('p.a')]);
    await fresh.close();
    // Back to the schema before replays: the outcomes table as it was, one version down.
    const db = new Database(path.join(dir, EVENTS_DB_FILE));
    db.exec(`DROP TABLE replays;
      CREATE TABLE outcomes_v1 (event_id TEXT NOT NULL, plugin TEXT NOT NULL, handler TEXT NOT NULL, version TEXT NOT NULL, outcome TEXT NOT NULL, duration_ms REAL NOT NULL,
        invocation_id TEXT NOT NULL, error_code TEXT, error_message TEXT, attempts INTEGER NOT NULL, recorded_at INTEGER NOT NULL, PRIMARY KEY (event_id, plugin, handler)) WITHOUT ROWID;
      INSERT INTO outcomes_v1 SELECT event_id, plugin, handler, version, outcome, duration_ms, invocation_id, error_code, error_message, attempts, recorded_at FROM outcomes;
      DROP TABLE outcomes; ALTER TABLE outcomes_v1 RENAME TO outcomes;`);
    db.pragma(`user_version = ${SCHEMA_VERSION - 1}`);
    db.close();
    const store = SqliteEventStore.open(dir);
    try {
      const [o] = (await store.get(id))!.outcomes;
      expect(o).to.include({ plugin: 'p.a', outcome: 'error', replay: 0 });
      expect(o!.error).to.deep.equal({ code: 'HANDLER_THREW', message: 'boom' });
      expect((await store.requestReplays([{ eventId: id, plugin: 'p.a', handler: null }]))[0]!.replay).to.equal(1);
    } finally {
      await store.close();
    }
  });
});

describe('PgEventStore: replays with several hosts on one database', () => {
  const open: PgEventStore[] = [];
  let url: string;
  const host = async (id: string, leaseMs?: number): Promise<PgEventStore> => {
    const s = await openPg(id, url, leaseMs);
    open.push(s);
    return s;
  };
  beforeEach(async function () {
    this.timeout(120_000);
    url = await (await sharedPostgres()).freshDatabase('replay-hosts');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('gives each replay to one host, and only to a host that has its plugin', async () => {
    const a = await host('host-a');
    const b = await host('host-b');
    const id = await doneEvent(a, [outcome('p.a'), outcome('p.b')]);
    await a.requestReplays([
      { eventId: id, plugin: 'p.a', handler: null },
      { eventId: id, plugin: 'p.b', handler: null },
    ]);
    const [fromA, fromB] = await Promise.all([a.claimReplays(10, { pluginIds: ['p.a', 'p.b'] }), b.claimReplays(10, { pluginIds: ['p.a', 'p.b'] })]);
    expect([...fromA, ...fromB].map((r) => r.replay).sort()).to.deep.equal([1, 2]);
    expect(await a.claimReplays(10), 'nothing claimed twice').to.deep.equal([]);

    const [r3] = await b.requestReplays([{ eventId: id, plugin: 'p.b', handler: 'H' }]);
    expect(await a.claimReplays(10, { pluginIds: ['p.a'] }), 'host-a has no p.b').to.deep.equal([]);
    expect((await b.claimReplays(10, { pluginIds: ['p.b'] })).map((r) => r.replay)).to.deep.equal([r3!.replay]);
  });

  it('numbers replays asked for at once by two hosts one after the other', async () => {
    const a = await host('host-a');
    const b = await host('host-b');
    const id = await doneEvent(a, [outcome('p.a')]);
    const asks = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b).requestReplays([{ eventId: id, plugin: 'p.a', handler: null }])),
    );
    expect(asks.map(([r]) => r!.replay).sort((x, y) => x - y)).to.deep.equal([1, 2, 3, 4, 5, 6]);
  });

  it("moves a dead host's replay to another host after its lease, which runs only the handlers not yet recorded", async function () {
    this.timeout(30_000);
    const a = await host('host-a', 600);
    const b = await host('host-b', 600);
    const id = await doneEvent(a, [outcome('p.a'), outcome('p.a', { handler: 'G' })]);
    await a.requestReplays([{ eventId: id, plugin: 'p.a', handler: null }]);
    expect(await a.claimReplays(1)).to.have.length(1);
    await a.recordOutcome(id, outcome('p.a', { outcome: 'succeeded', error: undefined }), 1, 1);
    // host-a dies without handing back: its lease stops being renewed.
    clearInterval((a as unknown as { renewTimer: NodeJS.Timeout }).renewTimer);
    expect(await b.claimReplays(1), 'a live lease is not taken').to.deep.equal([]);
    let again: Awaited<ReturnType<EventStore['claimReplays']>> = [];
    const until = Date.now() + 20_000;
    while (again.length === 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      again = await b.claimReplays(1);
    }
    expect(again[0]).to.include({ eventId: id, replay: 1, attempts: 2 });
    expect([...again[0]!.recorded]).to.deep.equal([outcomeKey('p.a', 'H')]);
  });

  it('hands back its replays on close, and requeueInFlight returns them after a restart', async () => {
    const a = await host('host-a');
    const id = await doneEvent(a, [outcome('p.a')]);
    await a.requestReplays([{ eventId: id, plugin: 'p.a', handler: null }]);
    await a.claimReplays(1);
    await a.close();
    const b = await host('host-b');
    expect((await b.claimReplays(1)).map((r) => r.replay)).to.deep.equal([1]);
    expect(await b.requeueInFlight()).to.equal(1);
    expect((await b.get(id))!.replays.map((r) => r.status)).to.deep.equal(['pending']);
  });
});

describe('PgEventStore: upgrading a database written before replays', () => {
  it('keeps its outcomes as the original dispatch (replay 0) and numbers the first replay 1', async function () {
    this.timeout(120_000);
    const server = await sharedPostgres();
    const url = await server.freshDatabase('replay-upgrade');
    const fresh = await openPg('host-a', url);
    const id = await doneEvent(fresh, [outcome('p.a')]);
    await fresh.close();
    // Back to schema version 2: no replays table, outcomes keyed by (event, plugin, handler).
    const client = new pg.Client(parsePgConnection(url, server.password, 1).pool);
    await client.connect();
    try {
      await client.query(`DROP TABLE replays; DROP INDEX outcomes_plugin_recorded;
        ALTER TABLE outcomes DROP CONSTRAINT outcomes_pkey; ALTER TABLE outcomes DROP COLUMN replay; ALTER TABLE outcomes DROP COLUMN log_json;
        ALTER TABLE outcomes ADD PRIMARY KEY (event_id, plugin, handler); DELETE FROM jobhook_schema WHERE version = 3;`);
    } finally {
      await client.end();
    }
    const store = await openPg('host-a', url);
    try {
      const [o] = (await store.get(id))!.outcomes;
      expect(o).to.include({ plugin: 'p.a', outcome: 'error', replay: 0 });
      expect((await store.requestReplays([{ eventId: id, plugin: 'p.a', handler: null }]))[0]!.replay).to.equal(1);
    } finally {
      await store.close();
    }
  });
});
