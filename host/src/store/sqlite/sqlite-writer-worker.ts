// The writer thread of SqliteEventStore: owns the one write connection, so a commit's fsync blocks
// this thread, never the event loop that answers HTTP. Messages in: `{ ops }` (WriteOps packed as a
// TextBatch) or `{ close: true }`. Out, one per commit, covering the next `batches` batches in the
// order they were sent: `{ batches, results }` (packed) or `{ batches, failure }` (all rolled back);
// also `{ fatal }` (cannot open) and `{ closed }`.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SqliteWrites, type WriteOp, type WriteResult } from './sqlite-writes.js';
import { packResults, unpackOps, type TextBatch } from './writer-texts.js';

type Inbound = { ops?: TextBatch; close?: true };

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

// Writes only the dispatcher loop waits for (claims, outcomes, completions) may wait this long for
// company: they then share a commit with other writes instead of paying an fsync of their own. A
// write someone outside waits for (an accepted event's 202) is committed at once.
const LAZY_MS = 2;
const EAGER: ReadonlySet<WriteOp['kind']> = new Set(['append', 'flag', 'requeue', 'prune', 'poll']);

let waiting: WriteOp[][] = [];
let closeAfter = false;
let timer: NodeJS.Timeout | null = null;

function take(message: Inbound): void {
  if (message.close) closeAfter = true;
  else waiting.push(unpackOps(message.ops!));
}

function commit(): void {
  timer = null;
  // Every batch that arrived while the last commit synced joins this one transaction.
  for (let next = receiveMessageOnPort(port); next && !closeAfter; next = receiveMessageOnPort(port)) take(next.message as Inbound);
  const batches = waiting;
  waiting = [];
  const ops = batches.length === 1 ? batches[0]! : batches.flat();
  let results: WriteResult[] | undefined;
  let failure: string | undefined;
  try {
    results = writes!.runBatch(ops);
  } catch (e) {
    failure = (e as Error).message;
  }
  // One answer for the whole commit, however many batches joined it: the store's thread, which also
  // answers HTTP, takes one message (one wake-up, one parse) per fsync rather than one per batch.
  if (batches.length > 0) {
    port.postMessage(results ? { batches: batches.length, results: packResults(ops.map((op) => op.kind), results) } : { batches: batches.length, failure });
  }
  if (closeAfter) close();
}

port.on('message', (message: Inbound) => {
  if (!writes) return message.close ? close() : undefined;
  take(message);
  if (closeAfter || waiting.some((batch) => batch.some((op) => EAGER.has(op.kind)))) {
    if (timer) clearTimeout(timer);
    commit();
  } else {
    timer ??= setTimeout(commit, LAZY_MS);
  }
});
