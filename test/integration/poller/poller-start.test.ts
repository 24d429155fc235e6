import { expect } from 'chai';
import { startFakeJobHistory, type FakeJobHistory } from '@jobhook/sdk/testing';
import { resolveConfig, type PollConfig } from '../../../host/dist/config.js';
import { createPoller } from '../../../host/dist/sources/poller/create-poller.js';
import type { JobHistoryPoller } from '../../../host/dist/sources/poller/job-history-poller.js';
import { MemoryEventStore } from '../../../host/dist/store/memory/memory-event-store.js';
import { captureLogs } from '../../support/log-capture.js';
import { sleep, waitFor } from '../../support/wait-for.js';

describe('the job-history poller: where a new store starts (platform.poll.since)', function () {
  this.timeout(30_000);
  let fake: FakeJobHistory;
  let store: MemoryEventStore;
  let poller: JobHistoryPoller | null;

  beforeEach(async () => {
    fake = await startFakeJobHistory();
    fake.addAgent('orch-01.example.com');
    fake.addStoreType('PEM');
    store = new MemoryEventStore();
    poller = null;
  });
  afterEach(async () => {
    await poller?.dispose();
    await store.close();
    await fake.close();
  });

  const start = (poll: Partial<PollConfig>): JobHistoryPoller => {
    const config = resolveConfig({ platform: { url: fake.url, poll: { enabled: true, intervalMs: 50, ...poll } } } as never);
    poller = createPoller({ config, store, logger: captureLogs('info').logger, onStored: () => {} })!;
    poller.start();
    return poller;
  };
  const storedRows = async (): Promise<number[]> => (await store.list({ limit: 1000 })).map((e) => e.event.jobHistoryId!).sort((a, b) => a - b);

  it('`now` skips the history that exists at the first start and keeps that starting point', async () => {
    fake.addMany(5);
    const p = start({ since: 'now' });
    await waitFor(() => p.status().cursor === 5, { what: () => JSON.stringify(p.status()), timeoutMs: 20_000, intervalMs: 50 });
    const later = fake.add();
    await waitFor(async () => (await storedRows()).length === 1, { what: async () => JSON.stringify(await storedRows()), timeoutMs: 20_000, intervalMs: 50 });
    expect(await storedRows()).to.deep.equal([later]);
    expect(JSON.parse((await store.pollCursor(`job-history ${fake.url}`))!)).to.include({ after: later });
  });

  it('an ISO time starts at the first row that started then or later', async () => {
    fake.addMany(3);
    await sleep(20);
    const since = new Date().toISOString();
    await sleep(20);
    const { first, last } = fake.addMany(2);
    const p = start({ since });
    await waitFor(async () => (await storedRows()).length === 2, { what: async () => `${JSON.stringify(await storedRows())} ${JSON.stringify(p.status())}`, timeoutMs: 20_000, intervalMs: 50 });
    expect(await storedRows()).to.deep.equal([first, last]);
  });

  it('a JobHistoryId starts after that row; 0 reads the whole history', async () => {
    fake.addMany(6);
    const p = start({ since: 4 });
    await waitFor(async () => (await storedRows()).length === 2, { what: async () => JSON.stringify(p.status()), timeoutMs: 20_000, intervalMs: 50 });
    expect(await storedRows()).to.deep.equal([5, 6]);
  });

  it('an ISO time is asked for in the server zone (platform.poll.timeZone)', async () => {
    fake.addMany(2);
    const p = start({ since: '2026-01-01T10:00:00Z', timeZone: '+02:00' });
    await waitFor(() => p.status().cursor !== null, { what: () => JSON.stringify(p.status()), timeoutMs: 20_000, intervalMs: 50 });
    const asked = fake.requests.find((r) => /OperationStart/.test(r.query['pq.queryString'] ?? ''));
    expect(asked?.query['pq.queryString']).to.equal('OperationStart -ge "2026-01-01T12:00:00.000"');
  });

  it('accepts UTC or a fixed offset as the server zone, and refuses a zone name', () => {
    const zone = (timeZone: string) => resolveConfig({ platform: { url: fake.url, poll: { timeZone } } } as never).platform.poll.timeZone;
    expect(zone('+05:30')).to.equal('+05:30');
    expect(resolveConfig({ platform: { url: fake.url } } as never).platform.poll.timeZone).to.equal('UTC');
    expect(() => zone('Europe/Berlin')).to.throw(/timeZone/);
  });

  it('is refused without a platform URL', () => {
    expect(() => resolveConfig({ platform: { poll: { enabled: true } } } as never)).to.throw(/poll.*platform API URL/);
  });
});
