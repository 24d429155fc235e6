// The job-history poller: how soon a row that turns terminal on the platform has its outcome
// recorded, against a pushed event's intake-to-outcome time in the same service (floor); and how
// fast a 50,000-row history is backfilled, against the fake platform's own page-serving rate and the
// store's plain append rate for the same events (floors), all in the same run.
// Run: node --no-node-snapshot --import tsx bench/poller.ts [--quick]
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHost, createHostLogger, normalizeEvent, type Host, type HostConfigInput } from '@jobhook/host';
import { startFakeJobHistory, type FakeJobHistory } from '@jobhook/sdk/testing';
import { startService } from '../host/dist/composition/start-service.js';
import type { Service } from '../host/dist/composition/service-options.js';
import type { EventStore, PolledEvent } from '../host/dist/store/event-store.js';
import { SqliteEventStore } from '../host/dist/store/sqlite/sqlite-event-store.js';
import { benchEvent, noopPlugins, type PluginsFolder } from './support/noop-plugins.js';
import { emitSummary, isQuick, row, type BenchRow } from './support/report.js';
import { median, summarize } from './support/stats.js';

const quick = isQuick();
const INTERVAL_MS = 100;
const SAMPLES = quick ? 6 : 40;
const BACKFILL_ROWS = quick ? 3_000 : 50_000;
const PAGE_SIZE = 1000;
const ROUNDS = quick ? 1 : 2;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Rig {
  readonly fake: FakeJobHistory;
  readonly host: Host;
  readonly store: EventStore;
  readonly service: Service;
  readonly dataDir: string;
  /** When the service (and with it the poller) began to start (performance.now()). */
  readonly startedAt: number;
  close(): Promise<void>;
}

async function startRig(fake: FakeJobHistory, plugins: PluginsFolder, poll: Record<string, unknown>): Promise<Rig> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jobhook-bench-poller-'));
  const logger = createHostLogger({ level: 'warn' });
  const config = {
    pluginsDir: plugins.root,
    logLevel: 'warn',
    platform: { url: fake.url, poll: { enabled: true, intervalMs: INTERVAL_MS, pageSize: PAGE_SIZE, since: 'now', ...poll } },
  } as HostConfigInput;
  const host = await createHost({ config, logger });
  const store = SqliteEventStore.open(dataDir);
  const startedAt = performance.now();
  const service = await startService({ host, store, logger, listen: '127.0.0.1:0', token: null });
  return {
    fake,
    host,
    store,
    service,
    dataDir,
    startedAt,
    close: async () => {
      await service.close();
      await host.close();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until the event of `jobId` has its outcome; returns when it was recorded (epoch ms). */
async function outcomeRecorded(store: EventStore, jobId: string, timeoutMs = 10_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [record] = await store.list({ jobId, limit: 1 });
    const outcome = record?.outcomes[0];
    if (outcome) return Date.parse(outcome.recordedAt);
    if (Date.now() > until) throw new Error(`no outcome for job ${jobId} within ${timeoutMs} ms`);
    await sleep(2);
  }
}

/** Terminal-to-outcome times of rows completed at random points of the poll cycle. */
async function polledLatencies(rig: Rig): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const jobId = randomUUID();
    const id = rig.fake.begin({ jobId });
    await sleep(Math.random() * INTERVAL_MS * 2);
    const turned = Date.now();
    rig.fake.complete(id);
    out.push((await outcomeRecorded(rig.store, jobId)) - turned);
  }
  return out;
}

/** The floor: the same event posted to the intake, from the POST to its outcome recorded. */
async function pushedLatencies(rig: Rig, jobTypeId: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const sent = Date.now();
    const res = await fetch(`${rig.service.url}/v1/job-completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...benchEvent(jobTypeId), jobId: randomUUID() }) });
    if (res.status !== 202) throw new Error(`intake answered ${res.status}`);
    const { id } = (await res.json()) as { id: string };
    for (;;) {
      const record = await rig.store.get(id);
      if (record?.outcomes[0]) {
        out.push(Date.parse(record.outcomes[0].recordedAt) - sent);
        break;
      }
      await sleep(2);
    }
  }
  return out;
}

/** Backfills a history of BACKFILL_ROWS rows from the start; returns events stored per second. */
async function backfill(fake: FakeJobHistory, plugins: PluginsFolder): Promise<number> {
  const rig = await startRig(fake, plugins, { since: 0 });
  try {
    for (;;) {
      const status = (await (await fetch(`${rig.service.url}/v1/poller`)).json()) as { eventsStored: number };
      if (status.eventsStored >= BACKFILL_ROWS) break;
      await sleep(5);
    }
    return BACKFILL_ROWS / ((performance.now() - rig.startedAt) / 1000);
  } finally {
    await rig.close();
  }
}

/** Floor: every page of the same history fetched as fast as the fake serves them (rows/s). */
async function servingRate(fake: FakeJobHistory): Promise<number> {
  const started = performance.now();
  let after = 0;
  let rows = 0;
  for (;;) {
    const url = `${fake.url}OrchestratorJobs/JobHistory?pq.queryString=${encodeURIComponent(`JobHistoryId -gt ${after}`)}&pq.returnLimit=${PAGE_SIZE}&pq.sortField=JobHistoryId&pq.sortAscending=0`;
    const page = (await (await fetch(url, { headers: { 'x-keyfactor-requested-with': 'APIClient' } })).json()) as Array<{ JobHistoryId: number }>;
    rows += page.length;
    if (page.length < PAGE_SIZE) break;
    after = page[page.length - 1]!.JobHistoryId;
  }
  return rows / ((performance.now() - started) / 1000);
}

/** Floor: the same number of polled events appended to a fresh store, one page per transaction. */
async function plainAppendRate(jobTypeId: string): Promise<number> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jobhook-bench-poller-append-'));
  const store = SqliteEventStore.open(dataDir);
  try {
    const base = benchEvent(jobTypeId);
    // Built before the clock starts: the floor is the store's own rate.
    const pages: Array<{ events: PolledEvent[]; cursor: string }> = [];
    for (let at = 1; at <= BACKFILL_ROWS; at += PAGE_SIZE) {
      const events = Array.from({ length: Math.min(PAGE_SIZE, BACKFILL_ROWS - at + 1) }, (_, i) => {
        const jobId = randomUUID();
        return { event: normalizeEvent({ ...base, jobId, source: 'poll', jobHistoryId: at + i }), idempotencyKey: `${jobId}:${at + i}` };
      });
      pages.push({ events, cursor: JSON.stringify({ after: at + events.length - 1, newestEnd: null }) });
    }
    const started = performance.now();
    for (const page of pages) await store.appendPolled('bench', page.events, page.cursor);
    return BACKFILL_ROWS / ((performance.now() - started) / 1000);
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const plugins = await noopPlugins(0);
  const fake = await startFakeJobHistory();
  const backfillFake = await startFakeJobHistory();
  try {
    fake.addAgent('orch-01.example.com');
    backfillFake.addAgent('orch-01.example.com');
    const jobTypeId = fake.addStoreType('PEM').Inventory!;
    backfillFake.addStoreType('PEM');
    // One no-op plugin on the fake's PEM inventory job type (the backfill's is another GUID: those
    // events are stored and passed by the dispatcher with no handler to run).
    await plugins.add(0, jobTypeId);
    backfillFake.addMany(BACKFILL_ROWS);

    const polled: number[] = [];
    const pushed: number[] = [];
    const rig = await startRig(fake, plugins, {});
    try {
      // Alternating, so a burst of load from elsewhere hits both alike.
      for (let r = 0; r < ROUNDS; r++) {
        pushed.push(...(await pushedLatencies(rig, jobTypeId)));
        polled.push(...(await polledLatencies(rig)));
      }
    } finally {
      await rig.close();
    }
    const rates: number[] = [];
    const serving: number[] = [];
    const appending: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      serving.push(await servingRate(backfillFake));
      appending.push(await plainAppendRate(jobTypeId));
      rates.push(await backfill(backfillFake, plugins));
    }
    const p = summarize(polled);
    const q = summarize(pushed);
    const goalMs = INTERVAL_MS + 100;
    const rows: BenchRow[] = [
      row(`terminal row → outcome recorded p50, interval ${INTERVAL_MS} ms`, p.p50, 'ms', { label: 'pushed event p50', value: q.p50 }, { text: `≤ ${goalMs} ms (interval + 100)`, met: (v) => v <= goalMs }),
      row(`terminal row → outcome recorded p95, interval ${INTERVAL_MS} ms`, p.p95, 'ms', { label: 'pushed event p95', value: q.p95 }),
      row(`backfill ${BACKFILL_ROWS} rows, events stored/s`, median(rates), 'events/s', { label: 'fake pages served, rows/s', value: median(serving) }, { text: '≥ 5000 events/s', met: (v) => v >= 5000 }),
      row(`backfill ${BACKFILL_ROWS} rows vs plain store appends`, median(rates), 'events/s', { label: 'appendPolled alone, events/s', value: median(appending) }),
    ];
    process.stdout.write(`${polled.length} polled and ${pushed.length} pushed latency samples; ${ROUNDS} backfill round(s) of ${BACKFILL_ROWS} rows, pages of ${PAGE_SIZE}\n`);
    emitSummary({ bench: 'poller', quick, rows });
  } finally {
    await fake.close();
    await backfillFake.close();
    await plugins.dispose();
  }
}

await main();
