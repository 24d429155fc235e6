import type { Pool } from 'pg';

// Each entry moves the schema one version up; never edit a released step, add one.
// Times JobHook takes itself (accepted, completed, recorded) are epoch ms from the host, as in the
// SQLite store; lease and heartbeat times come from the server's clock, which every host shares.
const MIGRATIONS: ReadonlyArray<{ readonly name: string; readonly sql: string }> = [
  {
    name: 'events, outcomes, plugin flags, hosts, deployments',
    sql: `
      CREATE TABLE events (
        seq bigserial PRIMARY KEY,
        id text NOT NULL UNIQUE,
        idempotency_key text,
        job_id text NOT NULL,
        job_type_id text NOT NULL,
        event_json text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'dispatching', 'done')),
        attempts integer NOT NULL DEFAULT 0,
        accepted_at bigint NOT NULL,
        completed_at bigint,
        lease_owner text,
        lease_expires timestamptz
      );
      CREATE UNIQUE INDEX events_idempotency ON events (idempotency_key) WHERE idempotency_key IS NOT NULL;
      -- The work queue: only events not done, however many done ones retention keeps.
      CREATE INDEX events_queue ON events (seq) WHERE status <> 'done';
      CREATE INDEX events_lease_owner ON events (lease_owner) WHERE status = 'dispatching';
      CREATE INDEX events_done ON events (completed_at) WHERE status = 'done';
      CREATE INDEX events_job ON events (job_id);
      CREATE TABLE outcomes (
        event_id text NOT NULL,
        plugin text NOT NULL,
        handler text NOT NULL,
        version text NOT NULL,
        outcome text NOT NULL,
        duration_ms double precision NOT NULL,
        invocation_id text NOT NULL,
        error_code text,
        error_message text,
        attempts integer NOT NULL,
        recorded_at bigint NOT NULL,
        PRIMARY KEY (event_id, plugin, handler)
      );
      CREATE TABLE plugin_flags (
        plugin_id text PRIMARY KEY,
        disabled boolean NOT NULL,
        updated_at bigint NOT NULL
      );
      CREATE TABLE hosts (
        id text PRIMARY KEY,
        address text,
        version text NOT NULL,
        started_at timestamptz NOT NULL,
        heartbeat_at timestamptz NOT NULL,
        plugins jsonb NOT NULL DEFAULT '[]'
      );
      CREATE TABLE deployments (
        plugin_id text PRIMARY KEY,
        version text,
        sha256 text,
        size_bytes integer,
        package bytea,
        removed boolean NOT NULL,
        updated_at timestamptz NOT NULL
      );`,
  },
  {
    name: 'poll cursors',
    sql: `
      CREATE TABLE poll_cursors (
        source text PRIMARY KEY,
        cursor text NOT NULL,
        updated_at bigint NOT NULL
      );`,
  },
  {
    name: 'replays: outcomes keyed by replay number, with plugin log lines; replay requests',
    sql: `
      ALTER TABLE outcomes ADD COLUMN replay integer NOT NULL DEFAULT 0;
      ALTER TABLE outcomes ADD COLUMN log_json text;
      ALTER TABLE outcomes DROP CONSTRAINT outcomes_pkey;
      ALTER TABLE outcomes ADD PRIMARY KEY (event_id, plugin, handler, replay);
      -- Bulk replays look outcomes up by plugin and time.
      CREATE INDEX outcomes_plugin_recorded ON outcomes (plugin, recorded_at);
      CREATE TABLE replays (
        id bigserial PRIMARY KEY,
        event_id text NOT NULL,
        replay integer NOT NULL,
        plugin text NOT NULL,
        handler text,
        status text NOT NULL CHECK (status IN ('pending', 'dispatching', 'done')),
        attempts integer NOT NULL DEFAULT 0,
        requested_at bigint NOT NULL,
        completed_at bigint,
        lease_owner text,
        lease_expires timestamptz,
        UNIQUE (event_id, replay)
      );
      CREATE INDEX replays_queue ON replays (id) WHERE status <> 'done';
      CREATE INDEX replays_lease_owner ON replays (lease_owner) WHERE status = 'dispatching';`,
  },
];

/** The schema version this code writes. */
export const PG_SCHEMA_VERSION = MIGRATIONS.length;

// Any constant both hosts agree on: the lock only serialises JobHook migrations with each other.
const MIGRATION_LOCK = 0x6a6f62686f6f6b; // "jobhook"

/**
 * Brings the database up to PG_SCHEMA_VERSION, each step in its own transaction, under an advisory
 * lock: hosts starting at the same time wait for each other, and the later ones find nothing to do.
 * Refuses a database a newer JobHook has migrated.
 */
export async function migratePg(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS jobhook_schema (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM jobhook_schema');
      const current = rows[0]?.v ?? 0;
      if (current > PG_SCHEMA_VERSION) {
        throw new Error(`the event store has schema version ${current}, newer than this JobHook understands (${PG_SCHEMA_VERSION}); upgrade JobHook`);
      }
      for (let v = current; v < PG_SCHEMA_VERSION; v++) {
        const step = MIGRATIONS[v]!;
        await client.query('BEGIN');
        try {
          await client.query(step.sql);
          await client.query('INSERT INTO jobhook_schema (version, name) VALUES ($1, $2)', [v + 1, step.name]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw e;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}
