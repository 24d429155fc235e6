// What crosses to and from the SQLite writer thread: a batch as JSON, with the JSON texts it carries
// (an event's stored text, an outcome's log lines) beside it as strings of their own. Inside the
// batch's JSON every such text would be escaped on one side and unescaped on the other; beside it, it
// is copied as it is, so an event's text reaches the database, and the dispatcher, unchanged.
import type { ClaimedReplayRow, ClaimedRow, WriteOp, WriteResult } from './sqlite-writes.js';

/** A batch of writes, or of their results, as it is posted between the threads. */
export interface TextBatch {
  readonly json: string;
  readonly texts: string[];
}

// On the wire a text field holds its index in `texts`; these are the only fields that do.
type Loose = Record<string, unknown>;
const take = (texts: string[], text: string): number => texts.push(text) - 1;
const give = (texts: readonly string[], at: unknown): string => texts[at as number]!;

/** Packs writes for the writer thread. */
export function packOps(ops: readonly WriteOp[]): TextBatch {
  const texts: string[] = [];
  const wire = ops.map((op): unknown => {
    switch (op.kind) {
      case 'append':
        return { ...op, json: take(texts, op.json) };
      case 'poll':
        return { ...op, events: op.events.map((e) => ({ ...e, json: take(texts, e.json) })) };
      case 'outcome':
        return op.logJson === null ? op : { ...op, logJson: take(texts, op.logJson) };
      default:
        return op;
    }
  });
  return { json: JSON.stringify(wire), texts };
}

/** Unpacks writes in the writer thread. */
export function unpackOps({ json, texts }: TextBatch): WriteOp[] {
  const ops = JSON.parse(json) as Loose[];
  for (const op of ops) {
    if (op.kind === 'append') op.json = give(texts, op.json);
    else if (op.kind === 'poll') for (const e of op.events as Loose[]) e.json = give(texts, e.json);
    else if (op.kind === 'outcome' && op.logJson !== null) op.logJson = give(texts, op.logJson);
  }
  return ops as unknown as WriteOp[];
}

const CLAIMS: ReadonlySet<WriteOp['kind']> = new Set(['claim', 'claimReplays']);

/** Packs the results of writes of `kinds` (in order) for the store's thread: claimed rows carry their event's text. */
export function packResults(kinds: readonly WriteOp['kind'][], results: readonly WriteResult[]): TextBatch {
  const texts: string[] = [];
  const wire = results.map((r, i): unknown =>
    r.ok && CLAIMS.has(kinds[i]!) ? { ...r, value: (r.value as Array<ClaimedRow | ClaimedReplayRow>).map((row) => ({ ...row, eventJson: take(texts, row.eventJson) })) } : r,
  );
  return { json: JSON.stringify(wire), texts };
}

/** Unpacks the results of writes of `kinds` (in order). */
export function unpackResults(kinds: readonly WriteOp['kind'][], { json, texts }: TextBatch): WriteResult[] {
  const results = JSON.parse(json) as Loose[];
  results.forEach((r, i) => {
    if (r.ok === true && CLAIMS.has(kinds[i]!)) for (const row of r.value as Loose[]) row.eventJson = give(texts, row.eventJson);
  });
  return results as unknown as WriteResult[];
}
