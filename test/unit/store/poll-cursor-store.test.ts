import { expect } from 'chai';
import path from 'node:path';
import Database from 'better-sqlite3';
import { normalizeEvent } from '@jobhook/host';
import { GUID_A, event, tempDir, type TempDir } from '../../support/foundation-plugins.js';
import type { EventStore } from '../../../host/dist/store/event-store.js';
import { MemoryEventStore } from '../../../host/dist/store/memory/memory-event-store.js';
import { EVENTS_DB_FILE, SqliteEventStore } from '../../../host/dist/store/sqlite/sqlite-event-store.js';
import { parsePgConnection } from '../../../host/dist/store/postgres/pg-connection.js';
import { PgEventStore } from '../../../host/dist/store/postgres/pg-event-store.js';
import { sharedPostgres } from '../../support/postgres-server.js';

const polled = (jobId: string, jobHistoryId: number, extra: Record<string, unknown> = {}) => ({
  event: normalizeEvent(event(GUID_A, { jobId, source: 'poll', jobHistoryId, ...extra })),
  idempotencyKey: `${jobId}:${jobHistoryId}`,
});
const JOB = '0b6c3e2a-9f41-4d7e-b1a5-c3d2e1f0a9b8';

async function openPg(): Promise<EventStore> {
  const server = await sharedPostgres();
  return PgEventStore.open({ connection: parsePgConnection(await server.freshDatabase('poll'), server.password, 2), hostId: 'poll-test', leaseMs: 30_000, pollMs: 60_000 });
}

for (const kind of ['sqlite', 'memory', 'postgres'] as const) {
  describe(`${kind} store: polled events and the poll cursor`, () => {
    let tmp: TempDir;
    let store: EventStore;

    beforeEach(async function () {
      // The first PostgreSQL test of a run starts the server.
      this.timeout(120_000);
      tmp = await tempDir('jobhook-pollstore-');
      store = kind === 'sqlite' ? SqliteEventStore.open(path.join(tmp.path, 'data')) : kind === 'postgres' ? await openPg() : new MemoryEventStore();
    });
    afterEach(async () => {
      await store.close();
      await tmp.dispose();
    });

    it('has no cursor for a source before the first appendPolled, then the one committed with the events', async () => {
      expect(await store.pollCursor('job-history a')).to.equal(null);
      const results = await store.appendPolled('job-history a', [polled(JOB, 1), polled(JOB, 2)], '{"after":2}');
      expect(results.map((r) => r.created)).to.deep.equal([true, true]);
      expect(await store.pollCursor('job-history a')).to.equal('{"after":2}');
      expect(await store.pollCursor('job-history b')).to.equal(null);
      expect((await store.queueDepth()).pending).to.equal(2);
      const stored = await store.get(results[0]!.id);
      expect(stored?.event).to.include({ source: 'poll', jobHistoryId: 1 });
      expect(stored?.idempotencyKey).to.equal(`${JOB}:1`);
    });

    it('stores a row read again nothing twice, even when it maps differently now, and keeps the cursor when given null', async () => {
      const [first] = await store.appendPolled('s', [polled(JOB, 7)], '{"after":7}');
      const again = await store.appendPolled('s', [polled(JOB, 7, { currentRetryCount: 3 }), polled(JOB, 8)], null);
      expect(again[0]).to.deep.equal({ id: first!.id, created: false });
      expect(again[1]!.created).to.equal(true);
      expect(await store.pollCursor('s')).to.equal('{"after":7}');
      expect((await store.get(first!.id))?.event.currentRetryCount).to.equal(0);
    });

    it('moves the cursor with no events (the starting point of `since: now`)', async () => {
      expect(await store.appendPolled('s', [], '{"after":41}')).to.deep.equal([]);
      expect(await store.pollCursor('s')).to.equal('{"after":41}');
    });
  });
}

describe('sqlite store: the poll cursor is durable with its events', () => {
  it('survives a reopen, and a store of the previous schema version gains the cursor table', async () => {
    const tmp = await tempDir('jobhook-pollstore-');
    const dir = path.join(tmp.path, 'data');
    try {
      let store = SqliteEventStore.open(dir);
      await store.appendPolled('s', [polled(JOB, 3)], '{"after":3}');
      await store.close();
      // Pretend the file was written before the cursor table existed.
      const db = new Database(path.join(dir, EVENTS_DB_FILE));
      // (and so before the replay tables, which come after it).
      db.exec('DROP TABLE poll_cursors; DROP TABLE replays');
      db.pragma('user_version = 1');
      db.close();
      store = SqliteEventStore.open(dir);
      expect(await store.pollCursor('s')).to.equal(null);
      await store.appendPolled('s', [polled(JOB, 3), polled(JOB, 4)], '{"after":4}');
      await store.close();
      store = SqliteEventStore.open(dir, { mustExist: true });
      expect(await store.pollCursor('s')).to.equal('{"after":4}');
      expect(await store.list({ limit: 10 })).to.have.length(2);
      await store.close();
    } finally {
      await tmp.dispose();
    }
  });
});
