import { expect } from 'chai';
import pg from 'pg';
import { normalizeEvent } from '@jobhook/host';
import { GUID_A, event } from '../../../support/foundation-plugins.js';
import { sharedPostgres, type PostgresServer } from '../../../support/postgres-server.js';
import type { EventStore } from '../../../../host/dist/store/event-store.js';
import { parsePgConnection } from '../../../../host/dist/store/postgres/pg-connection.js';
import { PgEventStore } from '../../../../host/dist/store/postgres/pg-event-store.js';
import { PG_SCHEMA_VERSION } from '../../../../host/dist/store/postgres/pg-migrations.js';
import { describeEventStoreContract, outcome, rejection } from '../event-store-contract.js';

let server: PostgresServer;
before(async function () {
  this.timeout(120_000);
  server = await sharedPostgres();
});

function openPg(url: string, hostId: string, leaseMs = 30_000, errors: string[] = []): Promise<PgEventStore> {
  return PgEventStore.open({ connection: parsePgConnection(url, server.password, 4), hostId, leaseMs, pollMs: 60_000, onError: (m) => errors.push(m) });
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client(parsePgConnection(url, server.password, 1).pool);
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describeEventStoreContract('PgEventStore', () => {
  let url = '';
  return {
    open: async () => {
      url = await server.freshDatabase('contract');
      return openPg(url, 'host-a');
    },
    reopen: async (store: EventStore) => {
      await store.close();
      return openPg(url, 'host-a');
    },
    outcomeRows: async (eventId: string) => Number((await query<{ n: string }>(url, 'SELECT count(*) AS n FROM outcomes WHERE event_id = $1', [eventId]))[0]!.n),
    cleanup: async () => undefined,
  };
});

describe('PgEventStore (several hosts on one database)', () => {
  let url: string;
  const open: PgEventStore[] = [];
  const host = async (id: string, leaseMs?: number, errors?: string[]): Promise<PgEventStore> => {
    const s = await openPg(url, id, leaseMs, errors);
    open.push(s);
    return s;
  };
  beforeEach(async () => {
    url = await server.freshDatabase('hosts');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('migrates once when several hosts open a new database at the same moment', async () => {
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => host(id)));
    expect((await query<{ version: number }>(url, 'SELECT version FROM jobhook_schema ORDER BY version')).map((r) => r.version)).to.deep.equal(Array.from({ length: PG_SCHEMA_VERSION }, (_, i) => i + 1));
  });

  it('splits a queue between hosts claiming at once, each event to exactly one of them', async () => {
    const [a, b] = [await host('a'), await host('b')];
    await Promise.all(Array.from({ length: 200 }, (_, i) => a.append(normalizeEvent(event(GUID_A, { currentRetryCount: i })))));
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).claim(25)));
    const ids = claims.flat().map((c) => c.id);
    expect(new Set(ids).size).to.equal(200);
    const owners = await query<{ lease_owner: string; n: string }>(url, `SELECT lease_owner, count(*) AS n FROM events GROUP BY lease_owner ORDER BY lease_owner`);
    expect(owners.map((o) => o.lease_owner)).to.deep.equal(['a', 'b']);
  });

  it('keeps a live host’s claims past the lease by renewing them', async () => {
    const a = await host('a', 600);
    const b = await host('b', 600);
    await a.append(normalizeEvent(event()));
    expect(await a.claim(1)).to.have.length(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await b.claim(1)).to.deep.equal([]);
  });

  it('lets another host reclaim the events of a host whose lease ran out, skipping recorded handlers', async () => {
    const a = await host('a');
    const b = await host('b');
    const { id } = await a.append(normalizeEvent(event()));
    const [claimed] = await a.claim(1);
    await a.recordOutcome(id, outcome('p.a'), claimed!.attempts);
    expect(await b.claim(1)).to.deep.equal([]);
    // The clock moving past a's lease, as when a stops renewing (killed, or cut off the network).
    await query(url, `UPDATE events SET lease_expires = now() - interval '1 second'`);
    const [again] = await b.claim(1);
    expect(again?.id).to.equal(id);
    expect(again?.attempts).to.equal(2);
    expect([...again!.recorded]).to.deep.equal(['p.a\u0000H']);
    expect((await query<{ lease_owner: string }>(url, 'SELECT lease_owner FROM events'))[0]!.lease_owner).to.equal('b');
  });

  it('hands its unfinished claims back when it closes, so other hosts take them at once', async () => {
    const a = await openPg(url, 'a');
    const b = await host('b');
    await a.append(normalizeEvent(event()));
    await a.claim(1);
    await a.close();
    expect(await b.claim(1)).to.have.length(1);
  });

  it('wakes the other hosts when events are committed, not the host that appended them', async () => {
    const a = await host('a');
    const b = await host('b');
    let wokeA = 0;
    let wokeB = 0;
    a.onForeignAppend(() => wokeA++);
    b.onForeignAppend(() => wokeB++);
    await a.append(normalizeEvent(event()));
    const deadline = Date.now() + 10_000;
    while (wokeB === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(wokeB).to.be.greaterThan(0);
    expect(wokeA).to.equal(0);
  });

  it('refuses a database a newer JobHook migrated', async () => {
    await (await host('a')).close();
    await query(url, `INSERT INTO jobhook_schema (version, name) VALUES (99, 'future')`);
    const err = await rejection(openPg(url, 'b'));
    expect(err.code).to.equal('STORE_OPEN_FAILED');
    expect(err.message).to.match(/schema version 99.*upgrade JobHook/);
  });

  it('never shows the password in an error', async () => {
    const secret = 'not-the-password-42';
    const wrong = parsePgConnection(url.replace('postgres://jobhook@', `postgres://jobhook:${secret}@`), null, 2);
    expect(wrong.display).to.not.include(secret);
    const err = await rejection(PgEventStore.open({ connection: wrong, hostId: 'x', leaseMs: 30_000 }));
    expect(err.code).to.equal('STORE_OPEN_FAILED');
    expect(err.message).to.include('jobhook:***@');
    expect(err.message).to.not.include(secret);
  });
});
