import type { Database } from 'better-sqlite3';

// Each entry moves the schema one version up (PRAGMA user_version); never edit a released step.
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     idempotency_key TEXT,
     job_id TEXT NOT NULL,
     job_type_id TEXT NOT NULL,
     event_json TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('pending', 'dispatching', 'done')),
     attempts INTEGER NOT NULL DEFAULT 0,
     accepted_at INTEGER NOT NULL,
     completed_at INTEGER
   );
   -- Partial indexes: only keys actually given, and a work queue that stays small however many
   -- done events retention keeps.
   CREATE UNIQUE INDEX events_idempotency ON events(idempotency_key) WHERE idempotency_key IS NOT NULL;
   CREATE INDEX events_pending ON events(seq) WHERE status = 'pending';
   CREATE INDEX events_dispatching ON events(seq) WHERE status = 'dispatching';
   CREATE INDEX events_done ON events(completed_at) WHERE status = 'done';
   CREATE INDEX events_job ON events(job_id);
   CREATE TABLE outcomes (
     event_id TEXT NOT NULL,
     plugin TEXT NOT NULL,
     handler TEXT NOT NULL,
     version TEXT NOT NULL,
     outcome TEXT NOT NULL,
     duration_ms REAL NOT NULL,
     invocation_id TEXT NOT NULL,
     error_code TEXT,
     error_message TEXT,
     attempts INTEGER NOT NULL,
     recorded_at INTEGER NOT NULL,
     PRIMARY KEY (event_id, plugin, handler)
   ) WITHOUT ROWID;
   CREATE TABLE plugin_flags (
     plugin_id TEXT PRIMARY KEY,
     disabled INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );`,
  // Where each pull source (the job-history poller) stands; written with the events it covers.
  `CREATE TABLE poll_cursors (
     source TEXT PRIMARY KEY,
     cursor TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   );`,
  // Replays: an outcome is unique per (event, plugin, handler, replay), replay 0 being the event's own
  // dispatch, so running a handler again after a fix keeps the first outcome; each outcome keeps the
  // plugin's log lines of its invocation. SQLite cannot change a primary key in place: copy, swap.
  `CREATE TABLE outcomes_v2 (
     event_id TEXT NOT NULL,
     plugin TEXT NOT NULL,
     handler TEXT NOT NULL,
     replay INTEGER NOT NULL DEFAULT 0,
     version TEXT NOT NULL,
     outcome TEXT NOT NULL,
     duration_ms REAL NOT NULL,
     invocation_id TEXT NOT NULL,
     error_code TEXT,
     error_message TEXT,
     attempts INTEGER NOT NULL,
     recorded_at INTEGER NOT NULL,
     log_json TEXT,
     PRIMARY KEY (event_id, plugin, handler, replay)
   ) WITHOUT ROWID;
   INSERT INTO outcomes_v2 (event_id, plugin, handler, replay, version, outcome, duration_ms, invocation_id, error_code, error_message, attempts, recorded_at)
     SELECT event_id, plugin, handler, 0, version, outcome, duration_ms, invocation_id, error_code, error_message, attempts, recorded_at FROM outcomes;
   DROP TABLE outcomes;
   ALTER TABLE outcomes_v2 RENAME TO outcomes;
   CREATE INDEX outcomes_plugin ON outcomes(plugin, recorded_at);
   CREATE TABLE replays (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     event_id TEXT NOT NULL,
     replay INTEGER NOT NULL,
     plugin TEXT NOT NULL,
     handler TEXT,
     status TEXT NOT NULL CHECK (status IN ('pending', 'dispatching', 'done')),
     attempts INTEGER NOT NULL DEFAULT 0,
     requested_at INTEGER NOT NULL,
     completed_at INTEGER,
     UNIQUE (event_id, replay)
   );
   CREATE INDEX replays_pending ON replays(id) WHERE status = 'pending';
   CREATE INDEX replays_dispatching ON replays(id) WHERE status = 'dispatching';`,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database up to SCHEMA_VERSION; refuses a database written by a newer JobHook. */
export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`the event store has schema version ${current}, newer than this JobHook understands (${SCHEMA_VERSION}); upgrade JobHook`);
  }
  const step = db.transaction(() => {
    for (let v = current; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  });
  if (current < SCHEMA_VERSION) step.immediate();
}
