import { expect } from 'chai';
import { startFakeJobHistory, type FakeJobHistory } from '@jobhook/sdk/testing';
import { NO_CREDENTIALS } from '../../../../host/dist/egress/credentials/credential-provider.js';
import { PlatformApi } from '../../../../host/dist/platform/platform-api.js';
import { parseHistoryRow } from '../../../../host/dist/sources/poller/history-row.js';
import { JobHistoryClient } from '../../../../host/dist/sources/poller/job-history-client.js';
import { RetryCounter } from '../../../../host/dist/sources/poller/retry-counter.js';

describe('currentRetryCount of polled rows', function () {
  this.timeout(20_000);
  let fake: FakeJobHistory;
  let client: JobHistoryClient;

  beforeEach(async () => {
    fake = await startFakeJobHistory();
    client = new JobHistoryClient(new PlatformApi(fake.url, NO_CREDENTIALS));
  });
  afterEach(async () => {
    client.dispose();
    await fake.close();
  });

  // The fake keeps Status and Result as names, which the row parser reads as well as numbers.
  const row = (id: number) => parseHistoryRow(fake.rows.get(id)!, 'UTC');
  const lookups = (): number => fake.requests.filter((r) => /JobId -eq/.test(r.query['pq.queryString'] ?? '')).length;

  it("asks about a page's jobs first met ahead of mapping, and counts each from its earlier attempts", async () => {
    const jobs = Array.from({ length: 12 }, (_, i) => `5d0b6a8e-2f0c-4b6e-9a51-3c0e2d7f9a${String(i).padStart(2, '0')}`);
    // Before the restart: job i ended CompletedWillRetry i % 3 times in a row.
    for (const [i, jobId] of jobs.entries()) for (let k = 0; k < i % 3; k++) fake.add({ jobId, status: 'CompletedWillRetry', result: 'Failure' });
    // The page read after the restart: one more attempt of each job, and a second one of job 0.
    const page = jobs.map((jobId) => fake.add({ jobId }));
    const again = fake.add({ jobId: jobs[0] });
    const counter = new RetryCounter(client, 'UTC', false);
    await counter.prime([...page, again].map(row));
    expect(lookups(), 'one lookup per job, not per row').to.equal(jobs.length);
    const counts: number[] = [];
    for (const id of page) counts.push(await counter.countFor(row(id)));
    expect(await counter.countFor(row(again))).to.equal(0);
    expect(lookups(), 'mapping the page asked nothing more').to.equal(jobs.length);
    expect(counts).to.deep.equal(jobs.map((_, i) => i % 3));
  });

  it('asks nothing when it has read the history from its first row', async () => {
    const id = fake.add();
    const counter = new RetryCounter(client, 'UTC', true);
    await counter.prime([row(id)]);
    expect(await counter.countFor(row(id))).to.equal(0);
    expect(lookups()).to.equal(0);
  });
});
