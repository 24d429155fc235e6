// Several hosts on one PostgreSQL store against the single SQLite host, in the same run. Each
// configuration runs real `jobhook serve` processes (in-process sandboxes, one no-op plugin); load
// comes from autocannon processes, one per host, sharing a fixed number of connections, for a fixed
// time. Measured: events accepted per second (each committed before its 202), events dispatched per
// second (first accept to last outcome recorded), and accept→outcome p50/p99 from the store's own
// timestamps. The PostgreSQL server runs with fsync on (durable commits, as in production).
// Run: node --no-node-snapshot --import tsx bench/cluster.ts [--quick]
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { startPostgres, type PostgresServer } from '../test/support/postgres-server.js';
import { pgQuery } from '../test/support/cluster-hosts.js';
import { spawnServe, type ServeChild } from '../test/support/service-harness.js';
import { benchEvent, jobTypeOf, noopPlugins, type PluginsFolder } from './support/noop-plugins.js';
import { emitSummary, isQuick, row, type BenchRow } from './support/report.js';
import { treeCpuMs } from './support/process-tree.js';
import { quantile } from './support/stats.js';

const quick = isQuick();
const SECONDS = quick ? 1 : 6;
const CONNECTIONS = 48;
const HOST_COUNTS = [1, 2, 3] as const;
const LOADER = fileURLToPath(new URL('./support/intake-load.mjs', import.meta.url));

interface Figures {
  readonly accepted: number;
  readonly intakeRate: number;
  readonly dispatchRate: number;
  readonly p50: number;
  readonly p99: number;
  /** Events acknowledged but not stored, or stored without exactly one outcome. */
  readonly faults: number;
  /** CPU of every host process, and of the PostgreSQL server, per event (accept to outcome), in µs. */
  hostCpuUs: number;
  dbCpuUs: number;
  /** Transactions the PostgreSQL server committed per event (all hosts' intake, claims, outcomes, leases). */
  commitsPerEvent: number;
}

/** CPU used by the hosts and the database server between `start()` and `stop(events)`. */
function cpuMeter(hosts: readonly ServeChild[], dbPid: number | undefined): { stop(events: number): { host: number; db: number } } {
  const hostCpu = (): number => hosts.reduce((n, h) => n + treeCpuMs(h.child.pid!), 0);
  const dbCpu = (): number => (dbPid === undefined ? 0 : treeCpuMs(dbPid));
  const [h0, d0] = [hostCpu(), dbCpu()];
  return { stop: (events) => ({ host: ((hostCpu() - h0) * 1000) / events, db: ((dbCpu() - d0) * 1000) / events }) };
}

function load(url: string, bodies: readonly string[], connections: number, seconds: number): Promise<{ total: number; duration: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOADER, JSON.stringify({ url, bodies, connections, seconds })], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`the load generator exited with ${code}`));
      const r = JSON.parse(out.trim().split('\n').pop()!) as { requests: { total: number }; duration: number; non2xx: number; errors: number };
      if (r.non2xx > 0 || r.errors > 0) return reject(new Error(`load run had ${r.non2xx} non-2xx answers and ${r.errors} errors`));
      resolve({ total: r.requests.total, duration: r.duration });
    });
  });
}

/** accepted_at and recorded_at (host epoch ms) of every event, once all are done. */
type Timings = Array<{ accepted: number; recorded: number }>;

// autocannon does not count answers that arrive after its clock stops, so the store may hold a few
// more events than it reports; fewer would be a lost event, and every stored one needs one outcome.
// Returns how many events went wrong (lost, or without exactly one outcome).
function countFaults(what: string, acknowledged: number, stored: number, outcomes: number): number {
  const faults = Math.max(0, acknowledged - stored) + Math.abs(outcomes - stored);
  if (faults > 0) process.stderr.write(`${what}: ${acknowledged} acknowledged, ${stored} stored, ${outcomes} outcomes\n`);
  return faults;
}

async function waitAllDone(count: () => Promise<number>): Promise<void> {
  const until = Date.now() + 300_000;
  while ((await count()) > 0) {
    if (Date.now() > until) throw new Error('events still not done after 5 min');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function figures(timings: Timings, accepted: number, intakeSeconds: number, faults: number): Figures {
  const latencies = timings.map((t) => t.recorded - t.accepted).sort((a, b) => a - b);
  const first = Math.min(...timings.map((t) => t.accepted));
  const last = Math.max(...timings.map((t) => t.recorded));
  return { accepted, intakeRate: accepted / intakeSeconds, dispatchRate: timings.length / ((last - first) / 1000), p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), faults, hostCpuUs: 0, dbCpuUs: 0, commitsPerEvent: 0 };
}

async function runHosts(root: string, count: number, plugins: string, store: { url: string; server: PostgresServer } | null): Promise<{ hosts: ServeChild[]; dataDirs: string[] }> {
  const dataDirs = Array.from({ length: count }, (_, i) => path.join(root, `host-${i}`));
  const started = await Promise.allSettled(
    dataDirs.map(async (dataDir, i) => {
      await mkdir(dataDir, { recursive: true });
      const config = path.join(dataDir, 'jobhook.config.json');
      await writeFile(config, JSON.stringify({ store: { hostId: `bench-${i}` } }));
      return spawnServe(['--plugins', plugins, '--data-dir', dataDir, '--config', config, ...(store ? ['--store', store.url] : [])], {
        JOBHOOK_SANDBOX_MODE: 'in-process',
        JOBHOOK_LOG_LEVEL: 'info',
        ...(store ? { JOBHOOK_STORE_PASSWORD: store.server.password } : {}),
      });
    }),
  );
  const hosts = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stopHosts(hosts);
    throw failed.reason;
  }
  return { hosts, dataDirs };
}

async function stopHosts(hosts: readonly ServeChild[]): Promise<void> {
  for (const h of hosts) h.child.kill('SIGTERM');
  await Promise.all(hosts.map((h) => h.exited));
}

async function offerLoad(hosts: readonly ServeChild[], bodies: readonly string[]): Promise<{ accepted: number; seconds: number }> {
  const per = Math.max(1, Math.floor(CONNECTIONS / hosts.length));
  const results = await Promise.all(hosts.map((h) => load(h.url, bodies, per, SECONDS)));
  return { accepted: results.reduce((n, r) => n + r.total, 0), seconds: Math.max(...results.map((r) => r.duration)) };
}

async function sqliteRun(root: string, plugins: string, bodies: readonly string[]): Promise<Figures> {
  const { hosts, dataDirs } = await runHosts(path.join(root, 'sqlite'), 1, plugins, null);
  try {
    const cpu = cpuMeter(hosts, undefined);
    const { accepted, seconds } = await offerLoad(hosts, bodies);
    const db = new Database(path.join(dataDirs[0]!, 'events.db'), { readonly: true });
    try {
      await waitAllDone(async () => (db.prepare(`SELECT count(*) AS n FROM events WHERE status <> 'done'`).get() as { n: number }).n);
      const timings = db.prepare('SELECT e.accepted_at AS accepted, o.recorded_at AS recorded FROM events e JOIN outcomes o ON o.event_id = e.id').all() as Timings;
      const stored = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
      const used = cpu.stop(stored);
      return { ...figures(timings, stored, seconds, countFaults('SQLite', accepted, stored, timings.length)), hostCpuUs: used.host, dbCpuUs: 0, commitsPerEvent: 0 };
    } finally {
      db.close();
    }
  } finally {
    await stopHosts(hosts);
  }
}

async function pgRun(root: string, count: number, plugins: string, bodies: readonly string[], server: PostgresServer): Promise<Figures> {
  const url = await server.freshDatabase(`bench_${count}`);
  const { hosts } = await runHosts(path.join(root, `pg-${count}`), count, plugins, { url, server });
  try {
    const commits = async (): Promise<number> =>
      Number((await pgQuery<{ n: string }>(url, server, 'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()'))[0]!.n);
    const commits0 = await commits();
    const cpu = cpuMeter(hosts, server.pid());
    const { accepted, seconds } = await offerLoad(hosts, bodies);
    await waitAllDone(async () => Number((await pgQuery<{ n: string }>(url, server, `SELECT count(*) AS n FROM events WHERE status <> 'done'`))[0]!.n));
    const rows = await pgQuery<{ accepted: string; recorded: string }>(url, server, 'SELECT e.accepted_at AS accepted, o.recorded_at AS recorded FROM events e JOIN outcomes o ON o.event_id = e.id');
    const stored = Number((await pgQuery<{ n: string }>(url, server, 'SELECT count(*) AS n FROM events'))[0]!.n);
    const used = cpu.stop(stored);
    // The server publishes its counters about once a second.
    await new Promise((r) => setTimeout(r, 1500));
    const commitsPerEvent = ((await commits()) - commits0) / stored;
    const faults = countFaults(`PostgreSQL ×${count}`, accepted, stored, rows.length);
    return { ...figures(rows.map((r) => ({ accepted: Number(r.accepted), recorded: Number(r.recorded) })), stored, seconds, faults), hostCpuUs: used.host, dbCpuUs: used.db, commitsPerEvent };
  } finally {
    await stopHosts(hosts);
  }
}

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'jobhook-bench-cluster-'));
  let plugins: PluginsFolder | undefined;
  let server: PostgresServer | undefined;
  try {
    plugins = await noopPlugins(1);
    const bodies = [JSON.stringify(benchEvent(jobTypeOf(0)))];
    server = await startPostgres({ durable: true });
    const sqlite = await sqliteRun(root, plugins.root, bodies);
    const pg: Figures[] = [];
    for (const n of HOST_COUNTS) pg.push(await pgRun(root, n, plugins.root, bodies, server));

    const floor = (label: string, value: number) => ({ label, value });
    const rows: BenchRow[] = [
      row('accepted events/s, SQLite, 1 host', sqlite.intakeRate, 'events/s'),
      row('dispatched events/s, SQLite, 1 host', sqlite.dispatchRate, 'events/s'),
      row('accept→outcome p50, SQLite, 1 host', sqlite.p50, 'ms'),
      row('accept→outcome p99, SQLite, 1 host', sqlite.p99, 'ms'),
      row('host CPU per event, SQLite, 1 host', sqlite.hostCpuUs, 'µs'),
    ];
    rows.push(
      row('events lost, or without exactly one outcome, in all runs', sqlite.faults + pg.reduce((n, f) => n + f.faults, 0), 'events', null, { text: '= 0', met: (v) => v === 0 }),
    );
    HOST_COUNTS.forEach((n, i) => {
      const f = pg[i]!;
      const hosts = `PostgreSQL, ${n} host${n > 1 ? 's' : ''}`;
      rows.push(
        row(`accepted events/s, ${hosts}`, f.intakeRate, 'events/s', floor('SQLite host', sqlite.intakeRate)),
        row(`dispatched events/s, ${hosts}`, f.dispatchRate, 'events/s', floor('SQLite host', sqlite.dispatchRate)),
        row(`accept→outcome p50, ${hosts}`, f.p50, 'ms', floor('SQLite host', sqlite.p50)),
        row(`accept→outcome p99, ${hosts}`, f.p99, 'ms', floor('SQLite host', sqlite.p99)),
        row(`host CPU per event (all hosts), ${hosts}`, f.hostCpuUs, 'µs', floor('SQLite host', sqlite.hostCpuUs)),
        row(`PostgreSQL server CPU per event, ${hosts}`, f.dbCpuUs, 'µs'),
        row(`PostgreSQL commits per event, ${hosts}`, f.commitsPerEvent, 'commits'),
      );
    });
    process.stdout.write(
      `${os.cpus().length} CPUs shared by the PostgreSQL server, every host and the load generators; ${SECONDS} s of load per configuration, ${CONNECTIONS} connections in all; events accepted: SQLite ${sqlite.accepted}, PostgreSQL ${pg.map((f, i) => `×${HOST_COUNTS[i]} ${f.accepted}`).join(', ')}\n`,
    );
    emitSummary({ bench: 'cluster', quick, rows });
  } finally {
    await server?.stop();
    await plugins?.dispose();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
