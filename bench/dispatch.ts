// Dispatch latency and throughput of a no-op handler through createHost().dispatch, against floors
// measured in the same run: a direct call, a raw isolated-vm apply, a raw child-process IPC round trip.
// Run: node --no-node-snapshot --import tsx bench/dispatch.ts [--quick] [--modes=process|in-process]
import { createHost, createHostLogger, type Host } from '@jobhook/host';
import { closeSync, openSync } from 'node:fs';
import os from 'node:os';
import { directCall, IpcEcho, IpcIsolatePool, RawIsolate, roundRobin, type Call } from './support/floors.js';
import { benchEvent, jobTypeOf, noopPlugins, type PluginsFolder } from './support/noop-plugins.js';
import { emitSummary, isQuick, row, type BenchRow } from './support/report.js';
import { median, summarize, throughput, timeSerial, type Summary } from './support/stats.js';

const quick = isQuick();
const SERIAL = quick ? 200 : 4000;
const WARMUP = quick ? 50 : 1000;
const PIPELINED = quick ? 500 : 20_000;
const IN_FLIGHT = 64;
const ROUNDS = quick ? 1 : 3;
const PLUGIN_COUNTS = [1, 10] as const;
// Both sandbox modes (config `sandbox.mode`): isolates in supervised worker processes (the default) and
// isolates in the host's own process.
// `--modes=process` measures one mode (and the floors) in half the time, e.g. while working on it.
const ALL_MODES = [
  { key: 'process', label: 'process sandboxes' },
  { key: 'in-process', label: 'in-process isolates' },
] as const;
const modesArg = process.argv.find((a) => a.startsWith('--modes='))?.slice('--modes='.length).split(',');
const MODES = modesArg ? ALL_MODES.filter((m) => modesArg.includes(m.key)) : ALL_MODES;

type Op = (i: number) => Promise<unknown>;

/** Latency samples and throughput figures of one configuration, gathered over the rounds. */
class Subject {
  readonly latencies: number[] = [];
  readonly rates: number[] = [];
  /** `serial: false`: throughput only (after the warm-up), for configurations whose serial path is another's. */
  constructor(
    readonly op: Op,
    private readonly serial = true,
  ) {}
  async round(): Promise<void> {
    await timeSerial(WARMUP, this.op);
    if (this.serial) this.latencies.push(...(await timeSerial(SERIAL, this.op)));
    this.rates.push(await throughput(PIPELINED, IN_FLIGHT, this.op));
  }
  /** Serial latency in µs. */
  get latency(): Summary {
    return summarize(this.latencies.map((ms) => ms * 1000));
  }
  get rate(): number {
    return median(this.rates);
  }
}

function checkSucceeded(result: Awaited<ReturnType<Host['dispatch']>>): void {
  if (result.outcomes.length !== 1 || result.outcomes[0]!.outcome !== 'succeeded') {
    throw new Error(`dispatch did not succeed: ${JSON.stringify(result.outcomes)}`);
  }
}

async function main(): Promise<void> {
  const events = Array.from({ length: 10 }, (_, i) => benchEvent(jobTypeOf(i)));
  const payloads = events.map((e) => JSON.stringify(e));
  const payloadOf = (i: number, plugins: number): string => payloads[i % plugins]!;

  const folders: PluginsFolder[] = [];
  const hosts: Host[] = [];
  const rawIsolates: RawIsolate[] = [];
  const pools: IpcIsolatePool[] = [];
  let ipc: IpcEcho | undefined;
  // The shipped log level is info: one line per handler outcome. Written to /dev/null, its cost shows.
  const devNull = openSync('/dev/null', 'w');
  try {
    const direct: Call = directCall();
    ipc = await IpcEcho.start();
    for (let i = 0; i < 10; i++) rawIsolates.push(await RawIsolate.create());
    const ipcCall = ipc.call;

    const subjects = new Map<string, Subject>();
    subjects.set('direct', new Subject((i) => direct(payloadOf(i, 1))));
    subjects.set('ipc', new Subject((i) => ipcCall(payloadOf(i, 1))));
    for (const n of PLUGIN_COUNTS) {
      const raw = roundRobin(rawIsolates.slice(0, n).map((r) => r.call));
      subjects.set(`raw-${n}`, new Subject((i) => raw(i, payloadOf(i, n))));
      // As many children as the sandbox pool has processes by default (one per CPU).
      const pool = await IpcIsolatePool.start(n, os.availableParallelism());
      pools.push(pool);
      subjects.set(`ipc-ivm-${n}`, new Subject((i) => pool.call(i % n, payloadOf(i, n))));
      const folder = await noopPlugins(n);
      // The same plugins with `limits.concurrency` equal to the events in flight: with the default
      // (4), 64 in flight mostly wait in the plugin's queue, and throughput measures that queue.
      const wide = await noopPlugins(n, { limits: { concurrency: IN_FLIGHT } });
      folders.push(folder, wide);
      for (const mode of MODES) {
        const wideHost = await createHost({ config: { pluginsDir: wide.root, sandbox: { mode: mode.key } }, logger: createHostLogger({ level: 'silent' }) });
        hosts.push(wideHost);
        checkSucceeded(await wideHost.dispatch(events[0]!));
        subjects.set(`${mode.key}-${n}-wide`, new Subject((i) => wideHost.dispatch(events[i % n]!), false));
        const host = await createHost({ config: { pluginsDir: folder.root, sandbox: { mode: mode.key } }, logger: createHostLogger({ level: 'silent' }) });
        hosts.push(host);
        checkSucceeded(await host.dispatch(events[0]!));
        subjects.set(`${mode.key}-${n}`, new Subject((i) => host.dispatch(events[i % n]!)));
        if (n === 10) {
          const logged = await createHost({
            config: { pluginsDir: folder.root, sandbox: { mode: mode.key } },
            logger: createHostLogger({ level: 'info', destination: devNull }),
          });
          hosts.push(logged);
          subjects.set(`${mode.key}-${n}-logged`, new Subject((i) => logged.dispatch(events[i % n]!)));
        }
      }
    }
    // Rounds interleave every configuration, so a burst of load from elsewhere hits host and floor alike.
    for (let r = 0; r < ROUNDS; r++) for (const s of subjects.values()) await s.round();

    const get = (k: string): Subject => subjects.get(k)!;
    const rows: BenchRow[] = [];
    const directL = get('direct').latency;
    const ipcL = get('ipc').latency;
    rows.push(row('floor: direct call p50', directL.p50, 'µs'));
    rows.push(row('floor: raw IPC round trip p50', ipcL.p50, 'µs'));
    rows.push(row('floor: raw IPC throughput (64 in flight)', get('ipc').rate, 'msg/s'));
    for (const n of PLUGIN_COUNTS) {
      const label = n === 1 ? '1 plugin' : `${n} plugins`;
      const rawS = get(`raw-${n}`);
      const rawL = rawS.latency;
      rows.push(row(`floor: raw ivm apply p50, ${label}`, rawL.p50, 'µs', { label: 'direct call', value: directL.p50 }));
      rows.push(row(`floor: raw ivm throughput, ${label}`, rawS.rate, 'events/s'));
      const composedS = get(`ipc-ivm-${n}`);
      const composedL = composedS.latency;
      rows.push(row(`floor: IPC + ivm apply in a child p50, ${label}`, composedL.p50, 'µs', { label: 'raw ivm + IPC', value: rawL.p50 + ipcL.p50 }));
      rows.push(row(`floor: IPC + ivm apply in a child throughput, ${label}`, composedS.rate, 'events/s'));
      for (const mode of MODES) {
        const hostS = get(`${mode.key}-${n}`);
        const hostL = hostS.latency;
        const what = `${label}, ${mode.label}`;
        // The process hop's own floor is the composed one; in-process isolates are held to raw ivm.
        const floorL = mode.key === 'process' ? { label: 'IPC + ivm child', p50: composedL.p50, p99: composedL.p99 } : { label: 'raw ivm', p50: rawL.p50, p99: rawL.p99 };
        const floorRate = mode.key === 'process' ? { label: 'IPC + ivm child', value: composedS.rate } : { label: 'raw ivm apply', value: rawS.rate };
        rows.push(
          row(`serial p50, ${what}`, hostL.p50, 'µs', { label: 'raw ivm + IPC', value: rawL.p50 + ipcL.p50 }, { text: '≤ 2× floor', met: (_v, ratio) => ratio !== null && ratio <= 2 }),
        );
        rows.push(row(`serial p50 vs its own floor, ${what}`, hostL.p50, 'µs', { label: floorL.label, value: floorL.p50 }));
        rows.push(row(`serial p99, ${what}`, hostL.p99, 'µs', { label: `${floorL.label} p99`, value: floorL.p99 }));
        rows.push(
          row(
            `throughput (64 in flight), ${what}`,
            hostS.rate,
            'events/s',
            floorRate,
            n === 10 ? { text: '≥ 20,000 events/s', met: (v) => v >= 20_000 } : null,
          ),
        );
        // Issue 18's throughput goals are read on this row: it measures the host, not the queue of a
        // plugin whose concurrency is a quarter of what is offered.
        const wideGoal =
          mode.key !== 'process'
            ? null
            : n === 1
              ? { text: '≥ 0.6× floor', met: (_v: number, ratio: number | null) => ratio !== null && ratio >= 0.6 }
              : { text: '≥ 0.7× floor, ≥ 25,000/s', met: (v: number, ratio: number | null) => ratio !== null && ratio >= 0.7 && v >= 25_000 };
        rows.push(row(`throughput (64 in flight), ${what}, concurrency 64`, get(`${mode.key}-${n}-wide`).rate, 'events/s', floorRate, wideGoal));
        const logged = subjects.get(`${mode.key}-${n}-logged`);
        if (logged) {
          rows.push(row(`serial p50, ${what}, info logs to /dev/null`, logged.latency.p50, 'µs', { label: 'same, logs off', value: hostL.p50 }));
          rows.push(row(`throughput (64 in flight), ${what}, info logs to /dev/null`, logged.rate, 'events/s', { label: 'same, logs off', value: hostS.rate }));
        }
      }
    }
    emitSummary({ bench: 'dispatch', quick, rows });
  } finally {
    for (const h of hosts) await h.close();
    for (const r of rawIsolates) r.dispose();
    for (const p of pools) await p.dispose();
    await ipc?.dispose();
    for (const f of folders) await f.dispose();
    closeSync(devNull);
  }
}

await main();
