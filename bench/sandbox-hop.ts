// What the process hop costs: dispatch through isolates in supervised sandbox processes (the default
// `sandbox.mode`) against isolates in the host's own process, same plugins, same run, rounds
// interleaved. Serial latency (p50, p99) and pipelined throughput (64 events in flight).
// Run: node --no-node-snapshot --import tsx bench/sandbox-hop.ts [--quick]
import { createHost, createHostLogger, type Host } from '@jobhook/host';
import { benchEvent, jobTypeOf, noopPlugins, type PluginsFolder } from './support/noop-plugins.js';
import { emitSummary, isQuick, row, type BenchRow } from './support/report.js';
import { median, summarize, throughput, timeSerial, type Summary } from './support/stats.js';

const quick = isQuick();
const SERIAL = quick ? 200 : 3000;
const WARMUP = quick ? 50 : 500;
const PIPELINED = quick ? 500 : 10_000;
const IN_FLIGHT = 64;
const ROUNDS = quick ? 1 : 3;
// One plugin: the hop alone. Four: events spread over the pool's processes (and over 4 isolates in-process).
const PLUGIN_COUNTS = [1, 4] as const;
const MODES = ['in-process', 'process'] as const;

class Subject {
  readonly latencies: number[] = [];
  readonly rates: number[] = [];
  constructor(readonly op: (i: number) => Promise<unknown>) {}
  async round(): Promise<void> {
    await timeSerial(WARMUP, this.op);
    this.latencies.push(...(await timeSerial(SERIAL, this.op)));
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

async function main(): Promise<void> {
  const events = Array.from({ length: 4 }, (_, i) => benchEvent(jobTypeOf(i)));
  const folders: PluginsFolder[] = [];
  const hosts: Host[] = [];
  try {
    const subjects = new Map<string, Subject>();
    for (const n of PLUGIN_COUNTS) {
      const folder = await noopPlugins(n);
      folders.push(folder);
      for (const mode of MODES) {
        // Concurrency high enough that 64 events in flight are not queued by the plugin's own limit.
        const host = await createHost({
          config: { pluginsDir: folder.root, sandbox: { mode }, limits: { defaults: { memoryMb: 64, timeoutMs: 30_000, concurrency: 64 } } },
          logger: createHostLogger({ level: 'silent' }),
        });
        hosts.push(host);
        const check = await host.dispatch(events[0]!);
        if (check.outcomes[0]?.outcome !== 'succeeded') throw new Error(`${mode}: dispatch did not succeed: ${JSON.stringify(check.outcomes)}`);
        subjects.set(`${mode}-${n}`, new Subject(async (i) => {
          const { outcomes } = await host.dispatch(events[i % n]!);
          if (outcomes[0]?.outcome !== 'succeeded') throw new Error(`${mode}: ${JSON.stringify(outcomes)}`);
        }));
      }
    }
    // Interleaved, so a burst of load from elsewhere on the machine hits both modes alike.
    for (let r = 0; r < ROUNDS; r++) for (const s of subjects.values()) await s.round();

    const rows: BenchRow[] = [];
    for (const n of PLUGIN_COUNTS) {
      const label = n === 1 ? '1 plugin' : `${n} plugins`;
      const inProc = subjects.get(`in-process-${n}`)!;
      const proc = subjects.get(`process-${n}`)!;
      const base = { label: 'in-process', value: inProc.latency.p50 };
      rows.push(row(`serial p50, ${label}, in-process isolates`, inProc.latency.p50, 'µs'));
      rows.push(row(`serial p50, ${label}, process sandboxes`, proc.latency.p50, 'µs', base));
      rows.push(
        row(`hop cost (serial p50 difference), ${label}`, proc.latency.p50 - inProc.latency.p50, 'µs', null, {
          text: '≤ 500 µs',
          met: (v) => v <= 500,
        }),
      );
      rows.push(row(`serial p99, ${label}, process sandboxes`, proc.latency.p99, 'µs', { label: 'in-process p99', value: inProc.latency.p99 }));
      rows.push(row(`throughput (${IN_FLIGHT} in flight), ${label}, in-process isolates`, inProc.rate, 'events/s'));
      rows.push(
        row(`throughput (${IN_FLIGHT} in flight), ${label}, process sandboxes`, proc.rate, 'events/s', { label: 'in-process', value: inProc.rate }, {
          text: '≥ 0.5× in-process',
          met: (_v, ratio) => ratio !== null && ratio >= 0.5,
        }),
      );
    }
    emitSummary({ bench: 'sandbox-hop', quick, rows });
  } finally {
    for (const h of hosts) await h.close();
    for (const f of folders) await f.dispose();
  }
}

await main();
