// Sustained intake over HTTP: POST /v1/job-completions with every event committed to SQLite before
// its 202 (and dispatched to 5 loaded no-op plugins behind it), against the same service answering
// without persisting (the in-memory store), in the same run. The load comes from its own process on
// 127.0.0.1: autocannon's closed loop for the highest sustained rate, then 5,000 events/s offered for
// the ack latency at that rate, by an open-loop generator sending evenly (bench/support/paced-load.mjs;
// autocannon's `overallRate` sends each second's quota back to back, so its "5,000/s" is bursts at
// full speed, kept as a row of its own). The generators' floor is measured in the same run: the same
// load against a server that answers 202 at once (bare node:http, and a bare Fastify route), each in
// its own process like the host, so a ratio says what the host adds to the generator and the loopback.
// Run: node --no-node-snapshot --import tsx bench/intake.ts [--quick] [--rounds=N]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHost, createHostLogger, type Host } from '@jobhook/host';
import { startService } from '../host/dist/composition/start-service.js';
import type { EventStore } from '../host/dist/store/event-store.js';
import { MemoryEventStore } from '../host/dist/store/memory/memory-event-store.js';
import { SqliteEventStore } from '../host/dist/store/sqlite/sqlite-event-store.js';
import { load, startBareServer, type LoadResult } from './support/intake-processes.js';
import { benchEvent, jobTypeOf, noopPlugins, type PluginsFolder } from './support/noop-plugins.js';
import { emitSummary, isQuick, row, type BenchRow } from './support/report.js';
import { median } from './support/stats.js';

const quick = isQuick();
const SECONDS = quick ? 1 : 5;
const roundsArg = process.argv.find((a) => a.startsWith('--rounds='));
const ROUNDS = roundsArg ? Math.max(1, Number(roundsArg.slice('--rounds='.length))) : quick ? 1 : 3;
const PLUGINS = 5;
const CONNECTIONS = 128;
const TARGET_RATE = 5000;
// The paced generator's first second warms the connections and the server's code paths, uncounted.
const WARMUP_SECONDS = quick ? 0 : 1;

type Mode = 'durable' | 'memory';

/** Waits until the dispatcher loop has finished every accepted event; returns how long that took. */
async function drain(store: EventStore): Promise<number> {
  const started = performance.now();
  for (;;) {
    const depth = await store.queueDepth();
    if (depth.pending + depth.dispatching === 0) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Figures {
  rate: number[];
  p50AtMax: number[];
  p99AtMax: number[];
  /** Paced, from each request's due time. */
  p50AtTarget: number[];
  p99AtTarget: number[];
  rateAtTarget: number[];
  /** autocannon's per-second quota at the same rate. */
  p99Quota: number[];
  drainMs: number[];
  cpuPerEvent: number[];
  accepted: number;
}

const figuresOf = (): Figures => ({ rate: [], p50AtMax: [], p99AtMax: [], p50AtTarget: [], p99AtTarget: [], rateAtTarget: [], p99Quota: [], drainMs: [], cpuPerEvent: [], accepted: 0 });

/** What the generators measure against a bare server. */
interface FloorFigures {
  p50: number[];
  p99: number[];
  p99Quota: number[];
}

/** The 5,000/s phase, paced and evenly spread. */
const paced = (url: string, bodies: readonly string[]): Promise<LoadResult> =>
  load({ generator: 'paced', url, bodies, connections: CONNECTIONS, seconds: SECONDS, rate: TARGET_RATE, warmupSeconds: WARMUP_SECONDS });

/** The same rate as autocannon's per-second quota (what this row measured before). */
const quota = (url: string, bodies: readonly string[]): Promise<LoadResult> => load({ generator: 'autocannon', url, bodies, connections: CONNECTIONS, seconds: SECONDS, rate: TARGET_RATE });

async function round(mode: Mode, host: Host, bodies: readonly string[], figures: Figures): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'jobhook-bench-intake-'));
  const store: EventStore = mode === 'durable' ? SqliteEventStore.open(dataDir) : new MemoryEventStore();
  const logger = createHostLogger({ level: 'warn' });
  const service = await startService({ host, store, logger, listen: '127.0.0.1:0', token: null });
  try {
    const cpu = process.cpuUsage();
    const max = await load({ generator: 'autocannon', url: service.url, bodies, connections: CONNECTIONS, seconds: SECONDS });
    figures.drainMs.push(await drain(store));
    // CPU of this process (every thread: HTTP, store writer, dispatch) per event, intake to outcome
    // recorded; the figure the shared machine's contention does not bend much.
    const used = process.cpuUsage(cpu);
    figures.cpuPerEvent.push((used.user + used.system) / max.requests.total);
    const fixed = await paced(service.url, bodies);
    figures.rateAtTarget.push(fixed.requests.total / fixed.duration);
    figures.drainMs.push(await drain(store));
    const bursts = await quota(service.url, bodies);
    figures.drainMs.push(await drain(store));
    figures.rate.push(max.requests.total / max.duration);
    figures.p50AtMax.push(max.latency.p50);
    figures.p99AtMax.push(max.latency.p99);
    figures.p50AtTarget.push(fixed.latency.p50);
    figures.p99AtTarget.push(fixed.latency.p99);
    figures.p99Quota.push(bursts.latency.p99);
    figures.accepted += max.requests.total + fixed.requests.total + bursts.requests.total;
    process.stderr.write(
      `${mode}: max ${Math.round(max.requests.average)}/s p99 ${max.latency.p99} ms; paced p50 ${fixed.latency.p50} p99 ${fixed.latency.p99} ms (from write p99 ${fixed.sent?.p99}, late ticks ${fixed.lateStarts}); autocannon quota p99 ${bursts.latency.p99} ms\n`,
    );
    if (mode === 'durable') {
      // Every 202 must be a stored, dispatched event: check the store agrees with the load generator.
      const done = await store.list({ status: 'done', limit: 1 });
      if (done.length === 0 || done[0]!.outcomes.length !== 1) throw new Error('the durable run did not dispatch its events');
    }
  } finally {
    await service.close();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function floorRound(kind: 'http' | 'fastify', bodies: readonly string[], figures: FloorFigures): Promise<void> {
  const server = await startBareServer(kind);
  try {
    const fixed = await paced(server.url, bodies);
    figures.p50.push(fixed.latency.p50);
    figures.p99.push(fixed.latency.p99);
    // autocannon's quota floor only against node:http: it is what the old row had in its tail.
    if (kind === 'http') figures.p99Quota.push((await quota(server.url, bodies)).latency.p99);
    process.stderr.write(`bare ${kind}: paced p50 ${fixed.latency.p50} p99 ${fixed.latency.p99} ms (from write p99 ${fixed.sent?.p99}, late ticks ${fixed.lateStarts})${kind === 'http' ? `; autocannon quota p99 ${figures.p99Quota.at(-1)} ms` : ''}\n`);
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  let plugins: PluginsFolder | undefined;
  let host: Host | undefined;
  try {
    plugins = await noopPlugins(PLUGINS);
    host = await createHost({ config: { pluginsDir: plugins.root, logLevel: 'warn' }, logger: createHostLogger({ level: 'warn' }) });
    // Events cycle through the 5 plugins' job types: each event is dispatched to one loaded plugin.
    const bodies = Array.from({ length: PLUGINS }, (_, i) => JSON.stringify(benchEvent(jobTypeOf(i))));
    const figures: Record<Mode, Figures> = { durable: figuresOf(), memory: figuresOf() };
    const bare: Record<'http' | 'fastify', FloorFigures> = { http: { p50: [], p99: [], p99Quota: [] }, fastify: { p50: [], p99: [], p99Quota: [] } };
    // Interleaved, so drift on a shared machine hits every side alike.
    for (let r = 0; r < ROUNDS; r++) {
      await floorRound('http', bodies, bare.http);
      await round('memory', host, bodies, figures.memory);
      await floorRound('fastify', bodies, bare.fastify);
      await round('durable', host, bodies, figures.durable);
    }
    const d = figures.durable;
    const m = figures.memory;
    const floor = (label: string, v: number[]) => ({ label, value: median(v) });
    const generatorFloor = floor('generator vs bare node:http', bare.http.p99);
    const rows: BenchRow[] = [
      row(`floor: paced generator vs bare node:http, ack p50 at ${TARGET_RATE}/s`, median(bare.http.p50), 'ms'),
      row(`floor: paced generator vs bare node:http, ack p99 at ${TARGET_RATE}/s`, median(bare.http.p99), 'ms'),
      row(`floor: paced generator vs bare Fastify route, ack p99 at ${TARGET_RATE}/s`, median(bare.fastify.p99), 'ms', generatorFloor),
      row(`accepted events/s, durable, ${CONNECTIONS} connections`, median(d.rate), 'events/s', floor('not persisted', m.rate), {
        text: `≥ ${TARGET_RATE} events/s`,
        met: (v) => v >= TARGET_RATE,
      }),
      row(`accepted events/s, durable, ${TARGET_RATE}/s offered`, median(d.rateAtTarget), 'events/s', floor('not persisted', m.rateAtTarget)),
      row(`ack p50 at ${TARGET_RATE}/s, durable`, median(d.p50AtTarget), 'ms', floor('generator vs bare node:http', bare.http.p50)),
      row(`ack p99 at ${TARGET_RATE}/s, durable`, median(d.p99AtTarget), 'ms', generatorFloor, { text: '≤ 20 ms', met: (v) => v <= 20 }),
      row(`ack p99 at ${TARGET_RATE}/s, not persisted`, median(m.p99AtTarget), 'ms', generatorFloor),
      row(`ack p99 at ${TARGET_RATE}/s, durable vs not persisted`, median(d.p99AtTarget), 'ms', floor('not persisted', m.p99AtTarget)),
      row(`ack p99 at ${TARGET_RATE}/s, durable, autocannon's per-second quota`, median(d.p99Quota), 'ms', floor('autocannon quota vs bare node:http', bare.http.p99Quota)),
      row(`ack p99 at ${TARGET_RATE}/s, not persisted, autocannon's per-second quota`, median(m.p99Quota), 'ms', floor('autocannon quota vs bare node:http', bare.http.p99Quota)),
      row('ack p50 at max rate, durable', median(d.p50AtMax), 'ms', floor('not persisted', m.p50AtMax)),
      row('ack p99 at max rate, durable', median(d.p99AtMax), 'ms', floor('not persisted', m.p99AtMax)),
      row('dispatch backlog left after a run', median(d.drainMs), 'ms', floor('not persisted', m.drainMs)),
      row('host CPU per event, accept to outcome recorded', median(d.cpuPerEvent), 'µs', floor('not persisted', m.cpuPerEvent)),
    ];
    process.stdout.write(`${d.accepted} durable and ${m.accepted} in-memory events accepted over ${ROUNDS} round(s) of ${SECONDS} s per load phase, ${PLUGINS} no-op plugins loaded\n`);
    emitSummary({ bench: 'intake', quick, rows });
  } finally {
    await host?.close();
    await plugins?.dispose();
  }
}

await main();
