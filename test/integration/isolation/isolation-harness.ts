// A host running the hostile fixtures in real sandbox processes, beside a well-behaved plugin whose
// latency is the measure of "not disturbed". Shared by the isolation suite.
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHost, type HandlerOutcome, type Host, type HostConfigInput } from '@jobhook/host';
import { ProcessSandboxFactory, type ProcessSandboxFactoryOptions } from '../../../host/dist/sandbox/process/process-sandbox-factory.js';
import { captureLogs, type LogCapture } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { event, tempDir, type TempDir } from '../../support/foundation-plugins.js';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/plugins');
export const HOSTILE_JOB_TYPE = 'e1a7c3d2-5b4f-4a69-9c8e-7d6f5a4b3c21';
export const WELL_JOB_TYPE = '2b8e4f1a-6c3d-4e7f-a9b0-1c2d3e4f5a60';
export const SLOW_JOB_TYPE = '7c1d9e2f-3a4b-4c5d-8e6f-9a0b1c2d3e4f';
export const WELL_ID = 'isolation.well-behaved';

/** The path of fixture package `name`. */
export const fixture = (name: string): string => path.join(FIXTURES, name);

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

/** Pids of this process's children that run the sandbox worker, read from /proc (what the OS sees). */
export function workerPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('sandbox-worker.js')) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids.sort((a, b) => a - b);
}

export interface IsolationHostOptions {
  readonly factory?: Partial<Omit<ProcessSandboxFactoryOptions, 'logger'>>;
  readonly config?: HostConfigInput;
  /** Load the well-behaved neighbour and measure its solo median (default true). */
  readonly neighbour?: boolean;
}

/** A host in process-sandbox mode, its factory (for the census) and its captured log. */
export class IsolationHost {
  soloMedianMs = NaN;
  private constructor(
    readonly host: Host,
    readonly factory: ProcessSandboxFactory,
    readonly logs: LogCapture,
    private readonly tmp: TempDir,
    readonly poolSize: number,
  ) {}

  static async start(options: IsolationHostOptions = {}): Promise<IsolationHost> {
    const logs = captureLogs('debug');
    const tmp = await tempDir('jobhook-isolation-');
    const poolSize = options.factory?.processes ?? 2;
    // Small, fast bounds: the suite shares a 2-core machine.
    const factory = new ProcessSandboxFactory({
      logger: logs.logger,
      processes: poolSize,
      heartbeatIntervalMs: 200,
      heartbeatTimeoutMs: 1500,
      ...options.factory,
      limits: { cpuTimeMs: 2000, logLinesPerSecond: 50, logBurst: 100, maxPendingTimers: 100, ...options.factory?.limits },
    });
    const host = await createHost({ config: { pluginsDir: tmp.path, ...options.config }, logger: logs.logger, sandboxFactory: factory });
    const h = new IsolationHost(host, factory, logs, tmp, poolSize);
    if (options.neighbour !== false) {
      expect((await host.registry.sync(fixture('isolation-well-behaved'))).kind).to.equal('added');
      for (let i = 0; i < 5; i++) await h.dispatchWell();
      const solo: number[] = [];
      for (let i = 0; i < 15; i++) solo.push((await h.dispatchWell()).durationMs);
      h.soloMedianMs = median(solo);
    }
    return h;
  }

  /** Dispatches an event of `jobTypeId`; answers the single outcome it produced. */
  async dispatchOne(jobTypeId: string): Promise<HandlerOutcome> {
    const { outcomes } = await this.host.dispatch(event(jobTypeId));
    expect(outcomes, `outcomes for ${jobTypeId}`).to.have.length(1);
    return outcomes[0]!;
  }

  dispatchWell(): Promise<HandlerOutcome> {
    return this.dispatchOne(WELL_JOB_TYPE);
  }

  dispatchHostile(): Promise<HandlerOutcome> {
    return this.dispatchOne(HOSTILE_JOB_TYPE);
  }

  /**
   * Runs `attack` while dispatching the neighbour back to back (at least 9 times, and for as long as
   * the attack lasts); answers the attack's result and the neighbour's outcomes.
   */
  async underAttack<T>(attack: () => Promise<T>): Promise<{ result: T; neighbour: HandlerOutcome[] }> {
    // The solo median is measured again just before each attack: the machine is shared, and its load
    // changes over a run; the comparison is between the same moments with and without the attack.
    const solo: number[] = [];
    for (let i = 0; i < 7; i++) solo.push((await this.dispatchWell()).durationMs);
    this.soloMedianMs = median(solo);
    let settled = false;
    const running = attack().finally(() => (settled = true));
    const neighbour: HandlerOutcome[] = [];
    while ((!settled || neighbour.length < 9) && neighbour.length < 400) neighbour.push(await this.dispatchWell());
    return { result: await running, neighbour };
  }

  /** The neighbour succeeded every time, with a median latency within 3x its solo median; answers that median. */
  expectNeighbourUnharmed(neighbour: readonly HandlerOutcome[]): number {
    for (const o of neighbour) expect(o, 'the well-behaved plugin').to.include({ outcome: 'succeeded' });
    const during = median(neighbour.map((o) => o.durationMs));
    expect(during, `neighbour median ${during.toFixed(2)} ms under attack vs ${this.soloMedianMs.toFixed(2)} ms solo`).to.be.at.most(3 * this.soloMedianMs);
    return during;
  }

  /** Loads fixture `folder`; answers the registry's change. */
  load(folder: string) {
    return this.host.registry.sync(fixture(folder));
  }

  /** Unloads fixture `folder`. */
  async unload(folder: string): Promise<void> {
    await this.host.registry.remove(fixture(folder));
  }

  /**
   * Nothing is left behind: the host counts `sandboxes` sandboxes, the workers hold exactly that many
   * isolates, the pool is at its size and ready, and the OS sees exactly those worker processes.
   */
  async expectNothingLeftBehind(sandboxes = 1): Promise<void> {
    await waitFor(async () => {
      const census = await this.factory.probe();
      expect(census.sandboxes, 'sandboxes the host counts').to.equal(sandboxes);
      expect(census.processes.reduce((n, p) => n + (p.isolates ?? 0), 0), 'isolates alive in the workers').to.equal(sandboxes);
      expect(census.processes.filter((p) => p.role === 'pool' && p.state === 'ready'), 'ready pool processes').to.have.length(this.poolSize);
      expect(census.processes.map((p) => p.pid).sort((a, b) => a - b), 'worker processes the OS sees').to.deep.equal(workerPids());
      return true;
    }, { what: 'nothing left behind: sandboxes, isolates, pool processes and worker pids agreeing', timeoutMs: 5000 });
  }

  /** Plugin log lines of plugin `id` the host wrote. */
  pluginLines(id: string): Array<Record<string, unknown>> {
    return this.logs.lines.filter((l) => l.plugin === id && l.source === 'plugin');
  }

  status(id: string) {
    return this.host.plugins().find((p) => p.id === id);
  }

  async close(): Promise<void> {
    await this.host.close();
    await this.tmp.dispose();
    expect(this.factory.census().processes, 'processes after close').to.have.length(0);
    expect(workerPids(), 'worker processes after close').to.deep.equal([]);
  }
}
