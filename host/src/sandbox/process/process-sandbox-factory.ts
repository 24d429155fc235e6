import os from 'node:os';
import type { HostLogger } from '../../logging/logger.js';
import type { MemoryEnforcement, PluginSandbox, SandboxFactory, SandboxHostServices } from '../plugin-sandbox.js';
import { DEFAULT_PLUGIN_MEMORY_MB, sandboxLimits, type SandboxLimits } from '../sandbox-limits.js';
import { ProcessPool, type ProcessEvent } from './process-pool.js';
import { ProcessSandbox } from './process-sandbox.js';
import { IN_ISOLATE_MEMORY_BOUNDS, kernelMemoryCap } from './process-memory-cap.js';
import type { SandboxProcessInfo } from './sandbox-process.js';

/** How the host runs its sandbox processes (the admin's `sandbox` config). */
export interface ProcessSandboxFactoryOptions {
  readonly logger: HostLogger;
  /** Shared pool size; 0 or absent: one per CPU. */
  readonly processes?: number;
  /** Plugin ids that each get a process of their own. */
  readonly dedicated?: readonly string[];
  readonly heartbeatIntervalMs?: number;
  readonly heartbeatTimeoutMs?: number;
  /** Resident memory of one process above which its largest isolate is disposed. */
  readonly processMemoryMb?: number;
  /** Hard memory total of one process, kernel-enforced where possible; 0 for none (default 4096). */
  readonly processHardMemoryMb?: number;
  readonly limits?: Partial<SandboxLimits>;
  /** Memory limit of the isolate each process makes ahead of its next load (default: the host's per-plugin default). */
  readonly spareMemoryMb?: number;
  /** Process started / exited, for logs and tests. */
  readonly onProcessEvent?: (event: ProcessEvent) => void;
}

/** Live processes and sandboxes, so tests and metrics can assert that nothing was left behind. */
export interface ProcessCensus {
  readonly processes: readonly SandboxProcessInfo[];
  /** Sandboxes loaded or loading, as the host counts them. */
  readonly sandboxes: number;
  /** Processes ever started, and pool processes replaced after dying or being retired. */
  readonly spawned: number;
  readonly replaced: number;
}

/**
 * Sandboxes in supervised worker processes: isolates never run in the host process that holds the
 * event store, the credentials and the API, since V8 cannot be trusted after a catastrophic error. Processes start on the first load.
 */
export class ProcessSandboxFactory implements SandboxFactory {
  private readonly pool: ProcessPool;
  private readonly live = new Set<ProcessSandbox>();
  /** Which memory limits hold, and how (logged once by `serve`, reported by `/readyz`). */
  readonly memoryEnforcement: MemoryEnforcement;

  constructor(options: ProcessSandboxFactoryOptions) {
    const logger = options.logger.child({ component: 'sandbox-processes' });
    const processMemoryMb = options.processMemoryMb ?? 2048;
    const processHardMemoryMb = options.processHardMemoryMb ?? 4096;
    const kernel = kernelMemoryCap(processHardMemoryMb);
    this.memoryEnforcement = {
      kernel: kernel.cap,
      kernelLimitMb: kernel.cap === 'none' ? null : processHardMemoryMb,
      kernelReason: kernel.reason,
      processMemoryMb,
      inIsolate: IN_ISOLATE_MEMORY_BOUNDS,
    };
    this.pool = new ProcessPool(
      {
        size: options.processes && options.processes > 0 ? options.processes : Math.max(1, os.availableParallelism()),
        dedicated: new Set(options.dedicated ?? []),
        heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1000,
        heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 3000,
        processMemoryMb,
        processHardMemoryMb,
        prlimit: kernel.prlimit,
        limits: sandboxLimits(options.limits),
        spareMemoryMb: options.spareMemoryMb ?? DEFAULT_PLUGIN_MEMORY_MB,
        logger,
      },
      (event) => {
        if (event.kind === 'exited') logger[event.requested ? 'debug' : 'info']({ pid: event.pid, role: event.role, reason: event.reason }, 'sandbox process exited');
        else logger.debug({ pid: event.pid, role: event.role, startMs: event.startMs }, 'sandbox process ready');
        options.onProcessEvent?.(event);
      },
    );
  }

  create(services: SandboxHostServices): ProcessSandbox & PluginSandbox {
    const sandbox: ProcessSandbox = new ProcessSandbox(this.pool, services, () => this.live.delete(sandbox));
    this.live.add(sandbox);
    return sandbox;
  }

  /** Live processes (with what their last heartbeat said) and sandboxes. */
  census(): ProcessCensus {
    const { processes, spawned, replaced } = this.pool.census();
    return { processes, sandboxes: this.live.size, spawned, replaced };
  }

  /** Pings every live process now, so the census reports fresh isolate counts. */
  async probe(): Promise<ProcessCensus> {
    await Promise.allSettled(this.pool.processes().map((p) => p.probe()));
    return this.census();
  }

  /** The live sandboxes (e.g. to find which process holds a plugin). */
  sandboxes(): ProcessSandbox[] {
    return [...this.live];
  }

  /** Disposes every sandbox, then ends every process. */
  async dispose(): Promise<void> {
    await Promise.allSettled([...this.live].map((s) => s.dispose()));
    await this.pool.dispose();
  }
}
