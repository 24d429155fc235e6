import { expect } from 'chai';
import { startFakeJobHistory, type FakeJobHistory } from '@jobhook/sdk/testing';
import { resolveConfig } from '../../../host/dist/config.js';
import { createPoller } from '../../../host/dist/sources/poller/create-poller.js';
import type { JobHistoryPoller } from '../../../host/dist/sources/poller/job-history-poller.js';
import { MemoryEventStore } from '../../../host/dist/store/memory/memory-event-store.js';
import { captureLogs } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';

describe('the job-history poller: many rows in process at once', function () {
  this.timeout(60_000);
  let fake: FakeJobHistory;
  let store: MemoryEventStore;
  let poller: JobHistoryPoller;

  beforeEach(async () => {
    fake = await startFakeJobHistory();
    fake.addAgent('orch-01.example.com');
    fake.addStoreType('PEM');
    store = new MemoryEventStore();
    const config = resolveConfig({ platform: { url: fake.url, poll: { enabled: true, intervalMs: 40, pageSize: 7, since: 0 } } } as never);
    poller = createPoller({ config, store, logger: captureLogs('info').logger, onStored: () => {} })!;
  });
  afterEach(async () => {
    await poller.dispose();
    await store.close();
    await fake.close();
  });

  const storedRows = async (): Promise<number[]> => (await store.list({ limit: 1000 })).map((e) => e.event.jobHistoryId!).sort((a, b) => a - b);

  it('re-reads more waiting rows than it asks about one by one as a range, never passing the lowest, storing each once', async () => {
    const running = Array.from({ length: 25 }, () => fake.begin());
    const done = fake.addMany(5);
    poller.start();
    await waitFor(() => poller.status().open.waiting === 25, { what: () => JSON.stringify(poller.status()), timeoutMs: 20_000, intervalMs: 50 });
    // Finished in a shuffled order, a few at a time, the cursor always stays below the lowest still running.
    const order = [...running].sort((a, b) => ((a * 7919) % 31) - ((b * 7919) % 31));
    for (let i = 0; i < order.length; i += 5) {
      for (const id of order.slice(i, i + 5)) fake.complete(id);
      const stillRunning = order.slice(i + 5);
      await waitFor(async () => (await storedRows()).length === i + 5 + 5, { what: async () => `${JSON.stringify(await storedRows())} ${JSON.stringify(poller.status())}`, timeoutMs: 20_000, intervalMs: 50 });
      if (stillRunning.length > 0) {
        // The cursor moves up to just below the lowest row still running, and no further.
        const lowest = Math.min(...stillRunning);
        await waitFor(() => poller.status().cursor === lowest - 1, { what: () => `cursor after finishing ${i + 5}: ${JSON.stringify(poller.status())}`, timeoutMs: 20_000, intervalMs: 50 });
        expect(poller.status().open.waiting).to.equal(stillRunning.length);
      } else {
        await waitFor(() => poller.status().cursor === done.last, { what: () => JSON.stringify(poller.status()), timeoutMs: 20_000, intervalMs: 50 });
      }
    }
    expect(await storedRows()).to.deep.equal([...running, ...Array.from({ length: 5 }, (_, k) => done.first + k)].sort((a, b) => a - b));
    // The range re-read was used (the query names both bounds).
    expect(fake.requests.some((r) => /JobHistoryId -gt \d+ AND JobHistoryId -le \d+/.test(r.query['pq.queryString'] ?? ''))).to.equal(true);
    expect(poller.status()).to.include({ eventsStored: 30, healthy: true });
  });
});
