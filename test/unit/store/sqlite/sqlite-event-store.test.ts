import { expect } from 'chai';
import path from 'node:path';
import Database from 'better-sqlite3';
import { normalizeEvent } from '@jobhook/host';
import { event, tempDir, type TempDir } from '../../../support/foundation-plugins.js';
import type { EventStore } from '../../../../host/dist/store/event-store.js';
import { EVENTS_DB_FILE, SqliteEventStore } from '../../../../host/dist/store/sqlite/sqlite-event-store.js';
import { describeEventStoreContract, outcome } from '../event-store-contract.js';

describeEventStoreContract('SqliteEventStore', () => {
  let tmp: TempDir | undefined;
  let dir = '';
  return {
    open: async () => {
      tmp = await tempDir('jobhook-store-');
      dir = path.join(tmp.path, 'data');
      return SqliteEventStore.open(dir);
    },
    reopen: async (store: EventStore) => {
      await store.close();
      return SqliteEventStore.open(dir);
    },
    outcomeRows: async (eventId: string) => {
      const db = new Database(path.join(dir, EVENTS_DB_FILE), { readonly: true });
      try {
        return (db.prepare('SELECT COUNT(*) AS n FROM outcomes WHERE event_id = ?').get(eventId) as { n: number }).n;
      } finally {
        db.close();
      }
    },
    cleanup: async () => tmp?.dispose(),
  };
});

describe('SqliteEventStore', () => {
  let tmp: TempDir;
  let dir: string;
  let store: SqliteEventStore;

  beforeEach(async () => {
    tmp = await tempDir('jobhook-store-');
    dir = path.join(tmp.path, 'data');
    store = SqliteEventStore.open(dir);
  });
  afterEach(async () => {
    await store.close();
    await tmp.dispose();
  });

  it('keeps its database in WAL journal mode, so the events CLI can read while serve writes', () => {
    const db = new Database(path.join(dir, EVENTS_DB_FILE), { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
    } finally {
      db.close();
    }
  });

  it('returns every event left dispatching to pending at the next start (one host owns the file)', async () => {
    const { id } = await store.append(normalizeEvent(event()));
    await store.claim(1);
    await store.recordOutcome(id, outcome('p.a'), 1);
    await store.close();
    store = SqliteEventStore.open(dir);
    expect(await store.requeueInFlight()).to.equal(1);
    expect(await store.queueDepth()).to.deep.equal({ pending: 1, dispatching: 0 });
  });

  it('refuses to open a missing store when it must exist, and a store from a newer JobHook', async () => {
    let error: { code?: string; message: string } | undefined;
    try {
      SqliteEventStore.open(path.join(tmp.path, 'nowhere'), { mustExist: true });
    } catch (e) {
      error = e as typeof error;
    }
    expect(error?.code).to.equal('STORE_OPEN_FAILED');
    expect(error?.message).to.match(/nowhere.*--data-dir/);
    await store.close();
    const db = new Database(path.join(dir, EVENTS_DB_FILE));
    db.pragma('user_version = 99');
    db.close();
    try {
      store = SqliteEventStore.open(dir);
      expect.fail('opened a newer store');
    } catch (e) {
      expect((e as { code?: string }).code).to.equal('STORE_OPEN_FAILED');
      expect((e as Error).message).to.match(/schema version 99.*upgrade JobHook/);
    }
    store = SqliteEventStore.open(path.join(tmp.path, 'fresh'));
  });
});
