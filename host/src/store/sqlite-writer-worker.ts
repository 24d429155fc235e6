// The writer thread of SqliteEventStore: owns the one write connection, so a commit's fsync blocks
// this thread, never the event loop that answers HTTP. Messages in: `{ ops }` (a JSON array of
// WriteOp) or `{ close: true }`. Out, one per `{ ops }` and in order: `{ results }` (JSON) or
// `{ failure }` (rolled back); also `{ fatal }` (cannot open) and `{ closed }`.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SqliteWrites, type WriteOp, type WriteResult } from './sqlite-writes.js';

type Inbound = { ops?: string; close?: true };

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

function close(): void {
  db?.close();
  port.postMessage({ closed: true });
  port.close();
}

port.on('message', (first: Inbound) => {
  if (first.close) return close();
  if (!writes) return;
  // Every batch that arrived while the last commit synced joins this one transaction.
  const batches: WriteOp[][] = [JSON.parse(first.ops!) as WriteOp[]];
  let closeAfter = false;
  for (let next = receiveMessageOnPort(port); next; next = receiveMessageOnPort(port)) {
    const message = next.message as Inbound;
    if (message.close) {
      closeAfter = true;
      break;
    }
    batches.push(JSON.parse(message.ops!) as WriteOp[]);
  }
  let results: WriteResult[] | undefined;
  let failure: string | undefined;
  try {
    results = writes.runBatch(batches.flat());
  } catch (e) {
    failure = (e as Error).message;
  }
  let at = 0;
  for (const batch of batches) {
    port.postMessage(results ? { results: JSON.stringify(results.slice(at, at + batch.length)) } : { failure });
    at += batch.length;
  }
  if (closeAfter) close();
});
