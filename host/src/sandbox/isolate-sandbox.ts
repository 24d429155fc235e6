import ivm from 'isolated-vm';
import type { ErrorInfo, LoadedPlugin, RuntimeLogLevel } from '@jobhook/sdk/protocol';
import { parseEnvelope } from './envelope.js';
import type {
  PluginSandbox,
  SandboxDeath,
  SandboxHostServices,
  SandboxInvokeRequest,
  SandboxInvokeResult,
  SandboxLoadSpec,
  SandboxStats,
} from './plugin-sandbox.js';
import type { RuntimeScript } from './runtime-script.js';
import { SandboxError, errorInfo } from './sandbox-error.js';
import { SleepTimers } from './sleep-timers.js';

/** Bounds an IsolateSandbox applies on its own, beyond the manifest's limits. */
export interface IsolateSandboxLimits {
  readonly maxPendingTimers: number;
  /** How long a timed-out isolate gets to answer a ping before it is judged stuck and disposed. */
  readonly unresponsiveAfterMs: number;
}

const LEVELS: ReadonlySet<string> = new Set(['debug', 'info', 'warn', 'error']);

function isLoadedPlugin(v: unknown): v is LoadedPlugin {
  const handlers = (v as LoadedPlugin)?.handlers;
  return Array.isArray(handlers) && handlers.every((h) => typeof h?.name === 'string' && typeof h?.jobTypes === 'string');
}
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

function parseFields(json: unknown): Record<string, unknown> {
  if (typeof json !== 'string') return {};
  try {
    const v = JSON.parse(json) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

type Settled = { kind: 'value'; value: unknown } | { kind: 'thrown'; error: unknown } | { kind: 'deadline' } | { kind: 'dead'; death: SandboxDeath };

/**
 * A plugin version in its own isolated-vm Isolate, in this process: the SDK runtime, then the bundle.
 * Host capabilities enter only as Callbacks handed to the runtime's boot function; data crosses as
 * strings and numbers (copies).
 */
export class IsolateSandbox implements PluginSandbox {
  private isolate: ivm.Isolate | undefined;
  private context: ivm.Context | undefined;
  private invokeRef: ivm.Reference<unknown> | undefined;
  private readonly references: Array<{ release(): void }> = [];
  private readonly timers: SleepTimers;
  private readonly deathListeners: Array<(d: SandboxDeath) => void> = [];
  private death: SandboxDeath | undefined;
  private resolveDeath!: (d: SandboxDeath) => void;
  private readonly died = new Promise<SandboxDeath>((r) => (this.resolveDeath = r));
  private inFlight = 0;
  private state: 'new' | 'loading' | 'ready' | 'dead' | 'disposed' = 'new';

  constructor(
    private readonly runtime: RuntimeScript,
    private readonly services: SandboxHostServices,
    private readonly limits: IsolateSandboxLimits,
    private readonly onReleased: () => void = () => {},
  ) {
    this.timers = new SleepTimers(limits.maxPendingTimers);
  }

  async load(spec: SandboxLoadSpec): Promise<LoadedPlugin> {
    if (this.state !== 'new') throw new SandboxError('SANDBOX_REUSED', `a sandbox loads one plugin version once (state ${this.state})`, spec.pluginId);
    this.state = 'loading';
    const isolate = new ivm.Isolate({
      memoryLimit: spec.memoryMb,
      onCatastrophicError: (message) => this.die({ name: 'SandboxCrash', code: 'ISOLATE_CATASTROPHIC', message: `V8 reported a catastrophic error: ${message}` }),
    });
    this.isolate = isolate;
    try {
      const context = await isolate.createContext();
      this.context = context;
      const runtimeScript = await this.runtime.compile(isolate);
      const boot = (await runtimeScript.run(context, { reference: true, timeout: spec.loadTimeoutMs })) as ivm.Reference<unknown>;
      runtimeScript.release();
      this.references.push(boot);
      const api = (await boot.apply(undefined, this.bridgeCallbacks(), { result: { reference: true }, timeout: spec.loadTimeoutMs })) as ivm.Reference<
        Record<string, unknown>
      >;
      this.references.push(api);
      const loadRef = (await api.get('loadPlugin', { reference: true })) as ivm.Reference<unknown>;
      this.invokeRef = (await api.get('invoke', { reference: true })) as ivm.Reference<unknown>;
      this.references.push(loadRef, this.invokeRef);

      // The bundle is CommonJS; wrapping it (on its first line, so line numbers hold) yields its module
      // factory, which the runtime calls with a `require` that only knows the SDK.
      const pluginScript = await isolate.compileScript(`(function (require, module, exports) {${spec.bundleCode}\n})`, {
        filename: spec.bundleFilename,
      });
      const factory = (await pluginScript.run(context, { reference: true, timeout: spec.loadTimeoutMs })) as ivm.Reference<unknown>;
      pluginScript.release();
      const raw = await loadRef.apply(undefined, [factory.derefInto(), spec.optionsJson], { result: { copy: true }, timeout: spec.loadTimeoutMs });
      factory.release();
      const envelope = parseEnvelope(raw, isLoadedPlugin);
      if (!envelope.ok) throw new SandboxError(envelope.error.code, envelope.error.message, spec.pluginId);
      this.state = 'ready';
      return envelope.value;
    } catch (e) {
      await this.dispose();
      if (e instanceof SandboxError) throw e;
      const info = this.classify(e);
      throw new SandboxError(info.code, `${info.message}`, spec.pluginId, { cause: e });
    }
  }

  // The log line is a Callback (fire and forget); async host functions are References, because a
  // Callback cannot hand a host promise back to the isolate.
  private bridgeCallbacks(): Array<ivm.Callback | ivm.Reference<unknown>> {
    const log = new ivm.Callback(
      (level: unknown, message: unknown, fieldsJson: unknown, invocationId: unknown) => {
        try {
          this.services.log({
            level: (typeof level === 'string' && LEVELS.has(level) ? level : 'info') as RuntimeLogLevel,
            message: typeof message === 'string' ? message : String(message),
            fields: parseFields(fieldsJson),
            invocationId: typeof invocationId === 'string' ? invocationId : null,
          });
        } catch {
          // A log line must never fail the plugin; the host logger reports its own problems.
        }
      },
      { ignored: true },
    );
    // Host functions that return promises must never throw synchronously (isolated-vm #417, #314).
    const http = new ivm.Reference(
      (requestJson: unknown, invocationId: unknown): Promise<string> => {
        if (typeof requestJson !== 'string' || typeof invocationId !== 'string') {
          return Promise.resolve(JSON.stringify({ ok: false, error: errorInfo('EGRESS_BAD_REQUEST', 'malformed request from the sandbox') }));
        }
        return this.services
          .http(requestJson, invocationId)
          .catch((e: unknown) => JSON.stringify({ ok: false, error: errorInfo('EGRESS_FAILED', (e as Error)?.message ?? String(e)) }));
      },
    );
    const sleep = new ivm.Reference((ms: unknown) => this.timers.sleep(ms));
    this.references.push(http, sleep);
    return [log, http, sleep];
  }

  async invoke(request: SandboxInvokeRequest): Promise<SandboxInvokeResult> {
    if (this.state !== 'ready' || !this.invokeRef) {
      return { outcome: 'crashed', error: this.death ?? errorInfo('SANDBOX_NOT_READY', `the sandbox is ${this.state}`) };
    }
    this.inFlight++;
    let deadline: NodeJS.Timeout | undefined;
    try {
      const call = this.invokeRef
        .apply(undefined, [request.handler, request.eventJson, request.invocationId], {
          result: { promise: true, copy: true },
          timeout: request.timeoutMs,
        })
        .then(
          (value): Settled => ({ kind: 'value', value }),
          (error: unknown): Settled => ({ kind: 'thrown', error }),
        );
      const expired = new Promise<Settled>((r) => (deadline = setTimeout(() => r({ kind: 'deadline' }), request.timeoutMs)));
      const dead = this.died.then((death): Settled => ({ kind: 'dead', death }));
      const settled = await Promise.race([call, expired, dead]);
      switch (settled.kind) {
        case 'value': {
          const envelope = parseEnvelope(settled.value, isBoolean);
          if (envelope.ok) return { outcome: envelope.value ? 'succeeded' : 'failed' };
          return { outcome: 'error', error: envelope.error };
        }
        case 'deadline':
          void this.checkResponsive();
          return { outcome: 'timeout', error: errorInfo('SANDBOX_TIMEOUT', `the handler did not finish within ${request.timeoutMs} ms`, 'SandboxTimeoutError') };
        case 'dead':
          return { outcome: 'crashed', error: settled.death };
        case 'thrown': {
          const info = this.classify(settled.error);
          if (info.code === 'SANDBOX_TIMEOUT') {
            return { outcome: 'timeout', error: { ...info, message: `the handler ran synchronously past ${request.timeoutMs} ms and was stopped` } };
          }
          return { outcome: this.state === 'ready' ? 'error' : 'crashed', error: this.death ?? info };
        }
      }
    } finally {
      clearTimeout(deadline);
      this.inFlight--;
    }
  }

  /** Maps what isolated-vm throws to a stable code, and notices a dead isolate. */
  private classify(e: unknown): ErrorInfo {
    const message = (e as Error)?.message ?? String(e);
    if (/timed out/i.test(message)) return errorInfo('SANDBOX_TIMEOUT', message, 'SandboxTimeoutError');
    if (/memory limit/i.test(message)) {
      this.die({ name: 'SandboxCrash', code: 'ISOLATE_MEMORY_LIMIT', message: 'the plugin exceeded its memory limit and its isolate was disposed' });
      return this.death!;
    }
    if (this.isolate?.isDisposed || /disposed/i.test(message)) {
      this.die({ name: 'SandboxCrash', code: 'ISOLATE_DISPOSED', message: `the isolate was disposed: ${message}` });
      return this.death!;
    }
    return errorInfo('SANDBOX_CALL_FAILED', message);
  }

  // isolated-vm's timeout covers synchronous code only (#185, #318): after a deadline, an isolate that
  // does not answer a trivial script is stuck in a loop past an await, and is disposed.
  private async checkResponsive(): Promise<void> {
    const context = this.context;
    if (this.state !== 'ready' || !context) return;
    let timer: NodeJS.Timeout | undefined;
    const answered = await Promise.race([
      context.eval('0', { timeout: this.limits.unresponsiveAfterMs }).then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), this.limits.unresponsiveAfterMs))),
    ]);
    clearTimeout(timer);
    if (!answered && this.state === 'ready') {
      this.die({ name: 'SandboxCrash', code: 'SANDBOX_UNRESPONSIVE', message: 'the plugin kept running after its deadline (a loop after an await) and its isolate was disposed' });
    }
  }

  private die(death: SandboxDeath): void {
    if (this.state === 'dead' || this.state === 'disposed') return;
    this.state = 'dead';
    this.death = death;
    this.resolveDeath(death);
    this.release();
    for (const listener of this.deathListeners.splice(0)) {
      try {
        listener(death);
      } catch {
        // a listener's failure must not stop the others
      }
    }
  }

  onDeath(listener: (death: SandboxDeath) => void): void {
    this.deathListeners.push(listener);
  }

  async stats(): Promise<SandboxStats> {
    const isolate = this.isolate;
    if (!isolate || isolate.isDisposed) return { heapUsedBytes: 0, heapLimitBytes: 0, cpuTimeMs: 0, inFlight: this.inFlight };
    const heap = await isolate.getHeapStatistics();
    return {
      heapUsedBytes: heap.used_heap_size + heap.externally_allocated_size,
      heapLimitBytes: heap.heap_size_limit,
      cpuTimeMs: Number(isolate.cpuTime) / 1e6,
      inFlight: this.inFlight,
    };
  }

  // Order matters (isolated-vm #23, #302): stop host timers, release References, then dispose.
  private release(): void {
    this.timers.dispose();
    for (const ref of this.references.splice(0).reverse()) {
      try {
        ref.release();
      } catch {
        // already released with its isolate
      }
    }
    this.invokeRef = undefined;
    this.context = undefined;
    const isolate = this.isolate;
    this.isolate = undefined;
    if (isolate && !isolate.isDisposed) {
      try {
        isolate.dispose();
      } catch {
        // disposing an isolate that V8 already tore down
      }
    }
    if (isolate) this.onReleased();
  }

  async dispose(): Promise<void> {
    if (this.state === 'disposed') return;
    if (this.state !== 'dead') {
      this.death = { name: 'SandboxCrash', code: 'SANDBOX_DISPOSED', message: 'the plugin version was unloaded while the invocation ran' };
      this.resolveDeath(this.death);
    }
    this.state = 'disposed';
    this.release();
  }
}
