// A real `jobhook serve` polling a fake Command job history: config file, two plugins on the fake's
// PEM inventory job type, and ways to wait for and read back what it stored.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startFakeJobHistory, type FakeJobHistory } from '@jobhook/sdk/testing';
import { SqliteEventStore } from '../../host/dist/store/sqlite/sqlite-event-store.js';
import type { EventRecord } from '../../host/dist/store/event-store.js';
import { handlerBundle, manifest, writePlugin } from './foundation-plugins.js';
import { request } from './service-harness.js';
import { waitFor } from './wait-for.js';

/** The fake platform with one agent and the PEM store type, and plugins routed to PEM inventory. */
export interface PollerRig {
  readonly fake: FakeJobHistory;
  readonly pluginsDir: string;
  readonly inventoryJobType: string;
  readonly agentId: string;
  /** Writes `<dir>/jobhook.config.json` polling the fake; returns its path. */
  config(dir: string, poll?: Record<string, unknown>): Promise<string>;
}

export const PLUGIN_HANDLERS = ['p.one/H', 'p.two/H'];

export async function startPollerRig(root: string): Promise<PollerRig> {
  const fake = await startFakeJobHistory();
  const agentId = fake.addAgent('orch-01.example.com', { username: 'KEYFACTOR\\svc-orch' });
  const inventoryJobType = fake.addStoreType('PEM').Inventory!;
  const pluginsDir = path.join(root, 'plugins');
  // Succeeds only when the context tells a polled event (with its row) from a pushed one.
  const tellsSource = "return ctx.source === 'poll' ? Number.isInteger(ctx.jobHistoryId) && ctx.operationType === 0 && ctx.certificateId === null : ctx.source === 'push' && ctx.jobHistoryId === null;";
  await writePlugin(pluginsDir, 'one', manifest('p.one', {}, [inventoryJobType]), handlerBundle(tellsSource, inventoryJobType));
  await writePlugin(pluginsDir, 'two', manifest('p.two', {}, [inventoryJobType]), handlerBundle('return new Promise((r) => setTimeout(() => r(true), 2));', inventoryJobType));
  return {
    fake,
    pluginsDir,
    inventoryJobType,
    agentId,
    async config(dir, poll = {}) {
      const file = path.join(dir, 'jobhook.config.json');
      const config = {
        platform: { url: fake.url, poll: { enabled: true, intervalMs: 150, pageSize: 50, since: 0, maxBackoffMs: 600, requestTimeoutMs: 3000, unmappedAttempts: 3, ...poll } },
      };
      await writeFile(file, JSON.stringify(config, null, 2));
      return file;
    },
  };
}

/** `GET /v1/poller`. */
export async function pollerStatus(url: string): Promise<any> {
  return (await request(`${url}/v1/poller`)).body;
}

/** Every polled event the service has, newest first (through the API, paging with `before`). */
export async function polledEvents(url: string): Promise<EventRecord[]> {
  const out: EventRecord[] = [];
  let before: string | undefined;
  for (;;) {
    const page = (await request(`${url}/v1/job-completions?limit=1000${before ? `&before=${before}` : ''}`)).body.events as EventRecord[];
    out.push(...page.filter((e) => e.event.source === 'poll'));
    if (page.length < 1000) return out;
    before = page[page.length - 1]!.id;
  }
}

/** Every event in a stopped service's store. */
export async function storedEvents(dataDir: string): Promise<EventRecord[]> {
  const store = SqliteEventStore.open(dataDir, { mustExist: true });
  try {
    const out: EventRecord[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await store.list({ limit: 1000, before });
      out.push(...page);
      if (page.length < 1000) return out;
      before = page[page.length - 1]!.id;
    }
  } finally {
    await store.close();
  }
}

/** Waits until every id in `ids` has a done polled event with an outcome from each plugin handler. */
export async function waitAllDone(url: string, ids: readonly number[], timeoutMs = 30_000): Promise<EventRecord[]> {
  let events: EventRecord[] = [];
  const done = (): boolean => {
    const byRow = new Set(events.filter((e) => e.status === 'done' && e.outcomes.length === PLUGIN_HANDLERS.length).map((e) => e.event.jobHistoryId));
    return ids.every((id) => byRow.has(id));
  };
  await waitFor(
    async () => ((events = await polledEvents(url)), done()),
    { what: async () => `done events for rows ${ids.join(',')}, have ${events.length} polled event(s); poller: ${JSON.stringify(await pollerStatus(url))}`, timeoutMs, intervalMs: 50 },
  );
  return events;
}

/** Exactly one event per history row in `ids` (and none other), each done with one outcome per handler, all succeeded. */
export function expectOnePerRow(events: readonly EventRecord[], ids: readonly number[]): string[] {
  const problems: string[] = [];
  const byRow = new Map<number, EventRecord[]>();
  for (const e of events) {
    const id = e.event.jobHistoryId ?? -1;
    byRow.set(id, [...(byRow.get(id) ?? []), e]);
  }
  for (const id of ids) {
    const list = byRow.get(id) ?? [];
    if (list.length !== 1) problems.push(`row ${id}: ${list.length} events`);
    for (const e of list) {
      const handlers = e.outcomes.map((o) => `${o.plugin}/${o.handler}`).sort();
      if (JSON.stringify(handlers) !== JSON.stringify(PLUGIN_HANDLERS)) problems.push(`row ${id}: outcomes ${handlers.join(',')}`);
      if (!e.outcomes.every((o) => o.outcome === 'succeeded')) problems.push(`row ${id}: ${JSON.stringify(e.outcomes)}`);
      if (e.idempotencyKey !== `${e.event.jobId}:${id}`) problems.push(`row ${id}: key ${e.idempotencyKey}`);
    }
  }
  for (const id of byRow.keys()) if (!ids.includes(id)) problems.push(`unexpected event for row ${id}`);
  return problems;
}
