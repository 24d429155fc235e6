// The writer thread of SqliteEventStore: owns the one write connection, so a commit's fsync blocks
// this thread, never the event loop that answers HTTP. Messages: in `{ ops }` (JSON) or `{ close: true }`;
// out `{ results }` (JSON), `{ failure }` (the batch rolled back), `{ fatal }` (cannot open) or `{ closed }`.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SqliteWrites, type WriteOp } from './sqlite-writes.js';

const port = parentPort!;
let db: Database.Database | undefined;
let writes: SqliteWrites | undefined;
try {
  db = new Database((workerData as { file: string }).file, { fileMustExist: true, timeout: 5000 });
  db.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before its callers hear "committed" (the durable 202).
  db.pragma('synchronous = FULL');
  writes = new SqliteWrites(db);
} catch (e) {
  db?.close();
  port.postMessage({ fatal: (e as Error).message });
}

port.on('message', (message: { ops?: string; close?: true }) => {
  if (message.close) {
    db?.close();
    port.postMessage({ closed: true });
    port.close();
    return;
  }
  if (!writes) return;
  try {
    port.postMessage({ results: JSON.stringify(writes.runBatch(JSON.parse(message.ops!) as WriteOp[])) });
  } catch (e) {
    port.postMessage({ failure: (e as Error).message });
  }
});
