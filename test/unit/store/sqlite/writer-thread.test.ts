import { expect } from 'chai';
import path from 'node:path';
import { tempDir, type TempDir } from '../../../support/foundation-plugins.js';
import { WriterThread } from '../../../../host/dist/store/sqlite/writer-thread.js';
import { SqliteEventStore } from '../../../../host/dist/store/sqlite/sqlite-event-store.js';
import type { WriteOp } from '../../../../host/dist/store/sqlite/sqlite-writes.js';

const append = (n: number, key: string | null = null, json = `{"n":${n}}`): WriteOp => ({ kind: 'append', id: `e${n}`, key, jobId: 'j', jobTypeId: 't', json, at: n });
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('WriterThread', () => {
  let tmp: TempDir;
  beforeEach(async () => (tmp = await tempDir('jobhook-writer-')));
  afterEach(() => tmp.dispose());

  it('fails every write with STORE_WRITE_FAILED, and says why, when its thread cannot open the store', async () => {
    const writer = new WriterThread(path.join(tmp.path, 'missing', 'events.db'));
    let error: { code?: string; message: string } | undefined;
    try {
      await writer.enqueue({ kind: 'requeue' });
    } catch (e) {
      error = e as typeof error;
    }
    expect(error?.code).to.equal('STORE_WRITE_FAILED');
    expect(error?.message).to.match(/could not open the store/);
    expect(writer.error).to.match(/could not open the store/);
    await writer.close();
    let refused: { code?: string } | undefined;
    await writer.enqueue({ kind: 'requeue' }).catch((e: { code?: string }) => (refused = e));
    expect(refused?.code).to.equal('STORE_CLOSED');
  });

  it('answers the batches that shared a commit in one message, each write with its own result or refusal', async () => {
    const store = SqliteEventStore.open(tmp.path);
    await store.close();
    const writer = new WriterThread(store.file);
    let messages = 0;
    // The thread's answers, counted where the store hears them.
    (writer as unknown as { worker: { on(e: 'message', f: () => void): void } }).worker.on('message', () => messages++);
    try {
      // A large first batch keeps the thread committing while the next turns each send a batch of
      // their own: those wait, and share the next commit.
      const first = Array.from({ length: 3000 }, (_, i) => writer.enqueue<{ id: string; created: boolean }>(append(i, null, JSON.stringify({ n: i, pad: 'x'.repeat(400) }))));
      const later: Array<Promise<unknown>> = [];
      const BATCHES = 20;
      for (let b = 0; b < BATCHES; b++) {
        await nextTurn();
        const n = 10_000 + b;
        later.push(writer.enqueue(append(n, `k${b % 5}`)));
      }
      const firstResults = await Promise.all(first);
      expect(firstResults.map((r) => r.id)).to.deep.equal(Array.from({ length: 3000 }, (_, i) => `e${i}`));
      const settled = await Promise.allSettled(later);
      // Keys k0..k4 are taken by the first five; each later use is a different event under a used key.
      settled.forEach((r, b) => {
        if (b < 5) expect(r).to.deep.equal({ status: 'fulfilled', value: { id: `e${10_000 + b}`, created: true } });
        else expect(r.status === 'rejected' && (r.reason as { code?: string }).code, `batch ${b}`).to.equal('IDEMPOTENCY_KEY_REUSED');
      });
      expect(messages, 'one answer per commit, not per batch').to.be.lessThan(BATCHES / 2);
    } finally {
      await writer.close();
    }
  });
});
