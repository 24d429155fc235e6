import type { LoadedPlugin } from '@jobhook/sdk/protocol';
import type {
  PluginLogRecord,
  PluginSandbox,
  SandboxDeath,
  SandboxHostServices,
  SandboxInvokeRequest,
  SandboxInvokeResult,
  SandboxLoadSpec,
  SandboxStats,
} from '../plugin-sandbox.js';
import { SandboxError, errorInfo } from '../sandbox-error.js';
import type { ProcessPool } from './process-pool.js';
import { ProcessExitedError, type ProcessEndpoint, type SandboxProcess } from './sandbox-process.js';
import { isInvokeResult } from './worker-protocol.js';
import { isLoadedPlugin } from '../isolate/envelope.js';
import { InFlight } from '../../lifecycle/in-flight.js';

/** Where the sandbox's isolate lives, and what it is running there. */
interface Home {
  readonly proc: SandboxProcess;
  readonly sid: string;
  /** Invocations running there: the old home of a move is let go once they end. */
  readonly work: InFlight;
}

// Beyond its own deadline, how long an invocation waits for its worker before the host gives up on
// the answer (the worker enforces the deadline; this only covers a worker that cannot).
const ANSWER_GRACE_MS = 2000;
const CONTROL_TIMEOUT_MS = 5000;


/**
 * A plugin version whose isolate lives in a sandbox worker process. When its process is retired
 * (a V8 catastrophe in a neighbour, the memory watch), it reloads itself in a healthy process and
 * lets the old copy finish what it runs. When its process dies, it reports the death (recorded, and
 * held against the plugin if it was running something) and reloads itself in a live process; what
 * is dispatched meanwhile waits for the new home. Only when that reload fails does it die, and the
 * registry restarts the plugin.
 */
export class ProcessSandbox implements PluginSandbox {
  private home: Home | undefined;
  private spec: SandboxLoadSpec | undefined;
  private state: 'new' | 'loading' | 'ready' | 'dead' | 'disposed' = 'new';
  private readonly deathListeners: Array<(d: SandboxDeath) => void> = [];
  private relocating = false;
  // While the sandbox reloads itself after its process died: settles with the new home, or none.
  private arriving: Promise<Home | undefined> | undefined;

  constructor(
    private readonly pool: ProcessPool,
    private readonly services: SandboxHostServices,
    private readonly onGone: () => void,
  ) {}

  async load(spec: SandboxLoadSpec): Promise<LoadedPlugin> {
    if (this.state !== 'new') throw new SandboxError('SANDBOX_REUSED', `a sandbox loads one plugin version once (state ${this.state})`, spec.pluginId);
    this.state = 'loading';
    this.spec = spec;
    try {
      const proc = await this.pool.acquire(spec.pluginId);
      const { home, loaded } = await this.loadInto(proc, spec);
      if (this.state !== 'loading') {
        await this.unload(home);
        throw new SandboxError('SANDBOX_DISPOSED', 'the sandbox was disposed while it loaded', spec.pluginId);
      }
      this.home = home;
      this.state = 'ready';
      return loaded;
    } catch (e) {
      await this.dispose();
      throw e instanceof SandboxError ? new SandboxError(e.code, e.message, spec.pluginId, { cause: e }) : e;
    }
  }

  private async loadInto(proc: SandboxProcess, spec: SandboxLoadSpec): Promise<{ home: Home; loaded: LoadedPlugin }> {
    const home: Home = { proc, sid: proc.attach(this.endpointFor(() => this.home === home)), work: new InFlight() };
    try {
      const loaded = await proc.request('load', { sid: home.sid, spec }, spec.loadTimeoutMs + CONTROL_TIMEOUT_MS);
      if (!isLoadedPlugin(loaded)) throw new SandboxError('SANDBOX_BAD_ENVELOPE', 'the sandbox process answered a load of the wrong shape');
      return { home, loaded };
    } catch (e) {
      proc.detach(home.sid);
      this.pool.release(proc);
      throw e;
    }
  }

  // Messages from the worker reach this sandbox only while `current()` says the home is its own.
  private endpointFor(current: () => boolean): ProcessEndpoint {
    return {
      log: (record: PluginLogRecord) => this.services.log(record),
      http: (requestJson, invocationId) => this.services.http(requestJson, invocationId),
      died: (death) => {
        if (current()) this.die(death);
      },
      processExited: (death) => {
        if (current()) this.rehome(death);
      },
      relocate: () => {
        if (current()) void this.relocate();
      },
    };
  }

  async invoke(request: SandboxInvokeRequest): Promise<SandboxInvokeResult> {
    const startedAt = performance.now();
    const home = this.home ?? (await this.arrival(request.timeoutMs));
    if (this.state !== 'ready' || !home) {
      if (this.state === 'ready' && this.arriving) {
        return { outcome: 'timeout', error: errorInfo('SANDBOX_TIMEOUT', `the handler could not start within ${request.timeoutMs} ms: its sandbox was still moving out of a sandbox process that died`, 'SandboxTimeoutError') };
      }
      return { outcome: 'crashed', error: errorInfo('SANDBOX_NOT_READY', `the sandbox is ${this.state}`) };
    }
    // Time spent waiting for a new home is part of the invocation's deadline.
    const waited = performance.now() - startedAt;
    if (waited > 1) request = { ...request, timeoutMs: Math.max(1, Math.floor(request.timeoutMs - waited)) };
    const leave = home.work.enter();
    try {
      const result = await home.proc.request('invoke', { sid: home.sid, request }, request.timeoutMs + ANSWER_GRACE_MS);
      if (!isInvokeResult(result)) return { outcome: 'error', error: errorInfo('SANDBOX_BAD_ENVELOPE', 'the sandbox process answered an invocation of the wrong shape') };
      return result;
    } catch (e) {
      if (e instanceof ProcessExitedError) return { outcome: 'crashed', error: errorInfo(e.code, e.message, 'SandboxCrash') };
      const err = e as SandboxError;
      // The isolate is fine; only this invocation's message could not cross.
      if (err.code === 'SANDBOX_IPC_SEND_FAILED' || err.code === 'SANDBOX_MESSAGE_TOO_LARGE') return { outcome: 'error', error: errorInfo(err.code, err.message, 'SandboxError') };
      if (err.code === 'SANDBOX_PROCESS_NO_ANSWER') {
        return { outcome: 'timeout', error: errorInfo('SANDBOX_TIMEOUT', `the handler did not finish within ${request.timeoutMs} ms (${err.message})`, 'SandboxTimeoutError') };
      }
      return { outcome: 'crashed', error: errorInfo(err.code ?? 'SANDBOX_CALL_FAILED', err.message ?? String(e), 'SandboxCrash') };
    } finally {
      leave();
    }
  }

  // The new home of a sandbox moving after its process died, waited for at most `timeoutMs`.
  private async arrival(timeoutMs: number): Promise<Home | undefined> {
    const arriving = this.arriving;
    if (!arriving) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), timeoutMs)));
    try {
      return await Promise.race([arriving, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stats(): Promise<SandboxStats> {
    const home = this.home;
    if (this.state !== 'ready' || !home) return { heapUsedBytes: 0, heapLimitBytes: 0, cpuTimeMs: 0, inFlight: 0 };
    return home.proc.request('stats', { sid: home.sid }, CONTROL_TIMEOUT_MS);
  }

  onDeath(listener: (death: SandboxDeath) => void): void {
    this.deathListeners.push(listener);
  }

  /** The worker process holding the isolate, while loaded (for the census and tests). */
  get pid(): number | null {
    return this.home?.proc.pid ?? null;
  }

  /** The plugin loaded (or being loaded) here. */
  get pluginId(): string | null {
    return this.spec?.pluginId ?? null;
  }

  // Loads the same version in a healthy process, switches to it, and lets the old copy drain.
  private async relocate(): Promise<void> {
    const old = this.home;
    const spec = this.spec;
    if (this.state !== 'ready' || !old || !spec || this.relocating) return;
    this.relocating = true;
    try {
      const proc = await this.pool.acquire(spec.pluginId);
      const { home } = await this.loadInto(proc, spec);
      if (this.state !== 'ready' || this.home !== old) {
        await this.unload(home);
        return;
      }
      this.home = home;
      await old.work.idle();
      await this.unload(old);
    } catch (e) {
      if (this.state === 'ready' && this.home === old) {
        const { code, message } = e as SandboxError;
        this.die({ name: 'SandboxCrash', code: code ?? 'SANDBOX_RELOCATION_FAILED', message: `moving the plugin out of a retired sandbox process failed: ${message}`, collateral: true });
      }
    } finally {
      this.relocating = false;
    }
  }

  // Its process died: the death is reported at once (recorded; held against the plugin only if it was
  // running something then), and the same version loads in a live process. Invocations in flight in
  // the dead process have ended `crashed` with the death's code; those that arrive meanwhile wait.
  private rehome(death: SandboxDeath): void {
    const old = this.home;
    const spec = this.spec;
    if (this.state !== 'ready' || !old || !spec) return;
    this.home = undefined;
    old.proc.detach(old.sid);
    this.pool.release(old.proc);
    // Settles only once the move is decided, so an invocation waiting on it finds the new home set.
    const arriving = this.pool
      .acquire(spec.pluginId)
      .then((proc) => this.loadInto(proc, spec))
      .then(
        async ({ home }) => {
          if (this.state !== 'ready') {
            await this.unload(home);
            return undefined;
          }
          this.home = home;
          return home;
        },
        (e: unknown) => {
          const { code, message } = e as SandboxError;
          // Not held against the plugin: the death that made it move was reported already.
          this.die({ name: 'SandboxCrash', code: code ?? 'SANDBOX_RELOCATION_FAILED', message: `reloading the plugin after its sandbox process died failed: ${message ?? String(e)}`, collateral: true });
          return undefined;
        },
      );
    this.arriving = arriving;
    void arriving.finally(() => {
      if (this.arriving === arriving) this.arriving = undefined;
    });
    this.report({ ...death, collateral: old.work.size === 0, survived: true });
  }

  private report(death: SandboxDeath): void {
    for (const listener of [...this.deathListeners]) {
      try {
        listener(death);
      } catch {
        // a listener's failure must not stop the others
      }
    }
  }

  private async unload(home: Home): Promise<void> {
    try {
      await home.proc.request('dispose', { sid: home.sid }, CONTROL_TIMEOUT_MS);
    } catch {
      // the process is gone or stuck; its supervision ends it
    }
    home.proc.detach(home.sid);
    this.pool.release(home.proc);
  }

  private die(death: SandboxDeath): void {
    if (this.state === 'dead' || this.state === 'disposed') return;
    this.state = 'dead';
    const home = this.home;
    this.home = undefined;
    if (home) {
      // Answers to invocations still in flight come after the death notice: let them arrive before
      // the process may be ended.
      void home.work.idle().then(() => {
        home.proc.detach(home.sid);
        this.pool.release(home.proc);
      });
    }
    this.onGone();
    this.report(death);
    this.deathListeners.length = 0;
  }

  async dispose(): Promise<void> {
    if (this.state === 'disposed') return;
    const wasDead = this.state === 'dead';
    this.state = 'disposed';
    const home = this.home;
    this.home = undefined;
    if (home) await this.unload(home);
    if (!wasDead) this.onGone();
  }
}
