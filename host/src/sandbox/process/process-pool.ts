import type { HostLogger } from '../../logging/logger.js';
import { SandboxError } from '../sandbox-error.js';
import { SandboxProcess, type SandboxProcessInfo, type SandboxProcessOptions } from './sandbox-process.js';

/** How many processes, and which plugins get one of their own. */
export interface ProcessPoolOptions extends SandboxProcessOptions {
  /** Shared pool size. */
  readonly size: number;
  /** Plugin ids that run alone in a dedicated process (admin config). */
  readonly dedicated: ReadonlySet<string>;
  readonly logger: HostLogger;
}

/** A process lifecycle event, for logs and tests. */
export type ProcessEvent =
  | { readonly kind: 'ready'; readonly pid: number; readonly role: 'pool' | 'dedicated'; readonly startMs: number }
  | { readonly kind: 'exited'; readonly pid: number; readonly role: 'pool' | 'dedicated'; readonly reason: string; /** The host ended it (shutdown), so nothing went wrong. */ readonly requested: boolean };

const ACQUIRE_TIMEOUT_MS = 15_000;
const MAX_RESPAWN_DELAY_MS = 30_000;

/**
 * The sandbox worker processes: a shared pool, kept at its size (a process that dies is
 * replaced at once), plus dedicated processes, one per sandbox of a plugin the admin isolated.
 */
export class ProcessPool {
  private readonly members: SandboxProcess[] = [];
  private readonly others = new Set<SandboxProcess>();
  private started = false;
  private disposed = false;
  private failedStarts = 0;
  private readonly respawns = new Set<NodeJS.Timeout>();
  private spawnedCount = 0;
  private replacedCount = 0;
  private readonly readyOnce = new WeakSet<SandboxProcess>();

  constructor(
    private readonly options: ProcessPoolOptions,
    private readonly onEvent: (event: ProcessEvent) => void = () => {},
  ) {}

  /** A process to load `pluginId` into, ready: its own when dedicated, else the least-loaded pool member. */
  async acquire(pluginId: string): Promise<SandboxProcess> {
    this.assertOpen();
    if (this.options.dedicated.has(pluginId)) {
      const proc = this.spawn('dedicated');
      proc.reserve();
      await proc.ready.catch((e: unknown) => {
        throw new SandboxError('SANDBOX_PROCESS_UNAVAILABLE', `the dedicated sandbox process for '${pluginId}' did not start: ${(e as Error).message}`, pluginId);
      });
      return proc;
    }
    this.start();
    const deadline = performance.now() + ACQUIRE_TIMEOUT_MS;
    while (performance.now() < deadline) {
      this.assertOpen();
      const candidates = this.members.filter((p) => p.state === 'ready' || p.state === 'starting');
      if (candidates.length === 0) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const proc = candidates.reduce((a, b) => (b.load < a.load ? b : a));
      proc.reserve();
      try {
        await proc.ready;
        if (proc.state === 'ready') return proc;
      } catch {
        // it died while starting; its replacement is on the way
      }
      proc.unreserve();
    }
    throw new SandboxError('SANDBOX_PROCESS_UNAVAILABLE', `no sandbox process became ready within ${ACQUIRE_TIMEOUT_MS} ms to load '${pluginId}'`, pluginId);
  }

  /**
   * A sandbox let go of `proc`: a dedicated or retiring process with nothing left in it ends, once
   * the answers it still owes (an invocation's outcome after its isolate died) have arrived.
   */
  release(proc: SandboxProcess): void {
    const ends = (): boolean => proc.sandboxCount === 0 && (proc.role === 'dedicated' || proc.state === 'retiring');
    if (!ends()) return;
    void proc.idle().then(() => {
      if (ends()) return proc.shutdown();
    });
  }

  /** Every live process, pool first. */
  census(): { processes: SandboxProcessInfo[]; spawned: number; replaced: number } {
    const all = [...this.members, ...this.others].filter((p) => p.state !== 'exited');
    return { processes: all.map((p) => p.info()), spawned: this.spawnedCount, replaced: this.replacedCount };
  }

  /** Live processes, for probing. */
  processes(): SandboxProcess[] {
    return [...this.members, ...this.others].filter((p) => p.state !== 'exited');
  }

  /** Kills every process and waits for each to exit. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const timer of this.respawns) clearTimeout(timer);
    const all = [...this.members, ...this.others];
    await Promise.all(all.map((p) => p.shutdown(500)));
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    for (let i = 0; i < this.options.size; i++) this.members.push(this.spawn('pool'));
  }

  private spawn(role: 'pool' | 'dedicated'): SandboxProcess {
    const proc = new SandboxProcess(role, this.options, (retired) => this.onRetire(retired));
    this.spawnedCount++;
    if (role === 'dedicated') this.others.add(proc);
    proc.ready.then(
      () => {
        this.readyOnce.add(proc);
        if (role === 'pool') this.failedStarts = 0;
        this.onEvent({ kind: 'ready', pid: proc.pid, role, startMs: Math.round(performance.now() - proc.startedAt) });
      },
      () => {},
    );
    void proc.exited.then((death) => this.onExit(proc, death.message));
    return proc;
  }

  // A retiring pool member leaves the pool at once, and a fresh process takes its place.
  private onRetire(proc: SandboxProcess): void {
    const i = this.members.indexOf(proc);
    if (i < 0) return;
    this.members.splice(i, 1);
    this.others.add(proc);
    if (!this.disposed) {
      this.replacedCount++;
      this.members.push(this.spawn('pool'));
    }
    this.release(proc);
  }

  private onExit(proc: SandboxProcess, reason: string): void {
    this.others.delete(proc);
    this.onEvent({ kind: 'exited', pid: proc.pid, role: proc.role, reason, requested: proc.shuttingDown });
    const i = this.members.indexOf(proc);
    if (i < 0 || this.disposed) return;
    this.members.splice(i, 1);
    this.replacedCount++;
    if (this.readyOnce.has(proc)) {
      this.members.push(this.spawn('pool'));
      return;
    }
    // It never became ready: something is wrong with the install or the machine; do not spin.
    this.failedStarts++;
    const delay = Math.min(MAX_RESPAWN_DELAY_MS, 500 * 2 ** (this.failedStarts - 1));
    this.options.logger.error({ delayMs: delay }, 'a sandbox process died before it was ready; retrying later');
    const timer = setTimeout(() => {
      this.respawns.delete(timer);
      if (!this.disposed) this.members.push(this.spawn('pool'));
    }, delay);
    this.respawns.add(timer);
  }

  private assertOpen(): void {
    if (this.disposed) throw new SandboxError('SANDBOX_FACTORY_DISPOSED', 'the sandbox processes were shut down');
  }
}
