import { expect } from 'chai';
import { startFakeJobHistory, type FakeJobHistory } from '@jobhook/sdk/testing';
import { resolveConfig, type PollConfig } from '../../../host/dist/config.js';
import { createPoller } from '../../../host/dist/sources/poller/create-poller.js';
import type { JobHistoryPoller } from '../../../host/dist/sources/poller/job-history-poller.js';
import type { PolledEvent } from '../../../host/dist/store/event-store.js';
import { MemoryEventStore } from '../../../host/dist/store/memory/memory-event-store.js';
import { captureLogs } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';

/** A real memory store whose next commit carrying events fails, as a lost database connection would. */
class FlakyStore extends MemoryEventStore {
  failNextEvents = false;
  override async appendPolled(source: string, events: readonly PolledEvent[], cursor: string | null) {
    if (this.failNextEvents && events.length > 0) {
      this.failNextEvents = false;
      throw new Error('connection to the database lost');
    }
    return super.appendPolled(source, events, cursor);
  }
}

describe('the job-history poller: a poll that fails part-way', function () {
  this.timeout(60_000);
  let fake: FakeJobHistory;
  let store: FlakyStore;
  let poller: JobHistoryPoller | null;

  beforeEach(async () => {
    fake = await startFakeJobHistory();
    fake.addAgent('orch-01.example.com');
    fake.addAgent('orch-02.example.com');
    fake.addStoreType('PEM');
    store = new FlakyStore();
    poller = null;
  });
  afterEach(async () => {
    await poller?.dispose();
    await store.close();
    await fake.close();
  });

  const start = (poll: Partial<PollConfig> = {}): JobHistoryPoller => {
    const config = resolveConfig({ platform: { url: fake.url, poll: { enabled: true, intervalMs: 40, maxBackoffMs: 200, pageSize: 50, since: 0, ...poll } } } as never);
    poller = createPoller({ config, store, logger: captureLogs('info').logger, onStored: () => {} })!;
    poller.start();
    return poller;
  };
  const storedRows = async (): Promise<number[]> => (await store.list({ limit: 1000 })).map((e) => e.event.jobHistoryId!).sort((a, b) => a - b);
  const status = (p: JobHistoryPoller): string => JSON.stringify(p.status());

  it('reads again every row of a page whose mapping failed, even when a row it waited on finishes first', async () => {
    const r1 = fake.add();
    const r2 = fake.begin();
    const r3 = fake.add({ agentMachine: 'orch-02.example.com' });
    // Row 3's agent lookup fails once: the first poll fails after reading (not storing) rows 1 and 2.
    fake.fail('server-error', { path: /^Agents$/, query: /orch-02/ });
    // A long pause after the failure, so that row 2 finishes before the page is read again.
    const p = start({ intervalMs: 2000, maxBackoffMs: 2000 });
    await waitFor(() => (p.status().errors.POLL_PLATFORM_ERROR ?? 0) > 0, { what: () => status(p), timeoutMs: 20_000, intervalMs: 50 });
    fake.complete(r2);
    await waitFor(async () => (await storedRows()).length >= 3 && p.status().cursor === r3, { what: async () => `${JSON.stringify(await storedRows())} ${status(p)}`, timeoutMs: 20_000, intervalMs: 50 });
    expect(await storedRows()).to.deep.equal([r1, r2, r3]);
  });

  it('reads again the rows of a page whose commit failed while the next page was being read', async () => {
    const { first, last } = fake.addMany(2);
    const running = fake.begin();
    const after = fake.add();
    store.failNextEvents = true;
    const p = start({ pageSize: 2, intervalMs: 2000, maxBackoffMs: 2000 });
    await waitFor(() => (p.status().errors.POLL_STORE_FAILED ?? 0) > 0, { what: () => status(p), timeoutMs: 20_000, intervalMs: 50 });
    fake.complete(running);
    await waitFor(async () => (await storedRows()).length >= 4 && p.status().cursor === after, { what: async () => `${JSON.stringify(await storedRows())} ${status(p)}`, timeoutMs: 20_000, intervalMs: 50 });
    expect(await storedRows()).to.deep.equal([first, last, running, after]);
  });

  it('moves past a waited-on row the platform deleted, also when more rows wait than it re-reads one by one', async () => {
    const running = Array.from({ length: 14 }, () => fake.begin());
    const done = fake.add();
    const p = start({ pageSize: 5 });
    await waitFor(() => p.status().open.waiting === 14, { what: () => status(p), timeoutMs: 20_000, intervalMs: 50 });
    const [gone, ...rest] = running;
    fake.remove(gone!);
    // 13 rows still run (re-read as a range): the cursor moves up to the next of them.
    await waitFor(() => p.status().cursor === rest[0]! - 1 && p.status().open.waiting === 13, { what: () => status(p), timeoutMs: 10_000, intervalMs: 50 });
    expect(p.status().errors.POLL_ROW_VANISHED).to.equal(1);
    for (const id of rest) fake.complete(id);
    await waitFor(() => p.status().cursor === done, { what: () => status(p), timeoutMs: 20_000, intervalMs: 50 });
    expect(await storedRows()).to.deep.equal([...rest, done]);
    expect(p.status().open.waiting).to.equal(0);
  });
});
