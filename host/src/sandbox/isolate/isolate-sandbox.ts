import ivm from 'isolated-vm';
import type { ErrorInfo, LoadedPlugin } from '@jobhook/sdk/protocol';
import { InFlight } from '../../lifecycle/in-flight.js';
import { CpuWatch } from './cpu-watch.js';
import { isLoadedPlugin, parseEnvelope } from './envelope.js';
import { createIsolateBridge, type IsolateBridge } from './isolate-bridge.js';
import type {
  PluginSandbox,
  SandboxDeath,
  SandboxHostServices,
  SandboxInvokeRequest,
  SandboxInvokeResult,
  SandboxLoadSpec,
  SandboxStats,
} from '../plugin-sandbox.js';
import type { RuntimeScript } from './runtime-script.js';
import { SandboxError, errorInfo } from '../sandbox-error.js';
import type { SandboxLimits } from '../sandbox-limits.js';
import { SleepTimers } from './sleep-timers.js';
import { prepareIsolate, type IsolateSupply, type PreparedIsolate } from './spare-isolate.js';
import { nearDataLimit } from '../data-limit.js';

/** What the owner of an IsolateSandbox hears about it. */
export interface IsolateSandboxHooks {
  /** The isolate is gone (disposed, died); called once. */
  readonly onReleased?: () => void;
  /** V8 lost control of the isolate: the process hosting it should stop serving and be replaced. */
  readonly onCatastrophic?: (message: string) => void;
  /** Where a load gets its isolate (the factory's spare); without it, each load makes its own. */
  readonly isolates?: IsolateSupply;
}

const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

// Codes only the host gives: an isolate's answer never carries one as its own (the runtime shares
// the isolate with plugin code, which could forge an SDK error), so one is moved into the plugin's
// namespace, as the runtime does for any code a plugin chose.
const HOST_CODE = /^(SANDBOX|ISOLATE)_/;
function keepHostCodes(error: ErrorInfo): ErrorInfo {
  return HOST_CODE.test(error.code) ? { ...error, code: `plugin:${error.code}` } : error;
}

/** An invocation waiting to go into the isolate with the next batch. */
interface Queued {
  readonly key: string;
  readonly request: SandboxInvokeRequest;
}

type Settled =
  | { kind: 'value'; value: unknown }
  | { kind: 'thrown'; error: unknown }
  | { kind: 'deadline' }
  | { kind: 'cpu' }
  | { kind: 'dead'; death: SandboxDeath };

/**
 * A plugin version in its own isolated-vm Isolate, in this process: the SDK runtime, then the bundle.
 * Host capabilities enter only as the bridge handed to the runtime's boot function; data crosses as
 * strings and numbers (copies). Limits: the isolate's memory, a wall-clock deadline raced on the host,
 * isolated-vm's synchronous `timeout`, sampled CPU time, and the bridge's own checks.
 */
export class IsolateSandbox implements PluginSandbox {
  private isolate: ivm.Isolate | undefined;
  private context: ivm.Context | undefined;
  private batchRef: ivm.Reference<unknown> | undefined;
  private recoverRef: ivm.Reference<unknown> | undefined;
  private bridge: IsolateBridge | undefined;
  private cpu: CpuWatch | undefined;
  private readonly references: Array<{ release(): void }> = [];
  private readonly timers: SleepTimers;
  private readonly deathListeners: Array<(d: SandboxDeath) => void> = [];
  private death: SandboxDeath | undefined;
  // One settler per invocation in flight, for whatever ends it first: its answer, its deadline, the CPU
  // limit, the isolate's death; removed when it ends. (Chaining `.then` on one long-lived death promise per call
  // kept every finished invocation reachable, ~1.2 KB each, as bench/memory showed.)
  private readonly interrupters = new Map<string, (s: Settled) => void>();
  private readonly resolveDeath = (death: SandboxDeath): void => {
    for (const interrupt of this.interrupters.values()) interrupt({ kind: 'dead', death });
    this.interrupters.clear();
  };
  // Invocations waiting for the next batch call, which goes in at the end of this event-loop turn.
  private queued: Queued[] = [];
  private flushing: NodeJS.Immediate | undefined;
  private batches = 0;
  private readonly inFlight = new InFlight();
  private invocations = 0;
  private released = false;
  private pluginId = '';
  private state: 'new' | 'loading' | 'ready' | 'dead' | 'disposed' = 'new';

  constructor(
    private readonly runtime: RuntimeScript,
    private readonly services: SandboxHostServices,
    private readonly limits: SandboxLimits,
    private readonly hooks: IsolateSandboxHooks = {},
  ) {
    this.timers = new SleepTimers(limits.maxPendingTimers);
  }

  async load(spec: SandboxLoadSpec): Promise<LoadedPlugin> {
    if (this.state !== 'new') throw new SandboxError('SANDBOX_REUSED', `a sandbox loads one plugin version once (state ${this.state})`, spec.pluginId);
    this.state = 'loading';
    this.pluginId = spec.pluginId;
    const onCatastrophic = (message: string): void => {
      const atProcessLimit = nearDataLimit();
      this.die(
        atProcessLimit
          ? { name: 'SandboxCrash', code: 'SANDBOX_PROCESS_MEMORY', message: `an allocation of the plugin failed at its sandbox process's hard memory total (${atProcessLimit}); V8: ${message}` }
          : { name: 'SandboxCrash', code: 'ISOLATE_CATASTROPHIC', message: `V8 reported a catastrophic error in the plugin's isolate: ${message}` },
      );
      this.hooks.onCatastrophic?.(message);
    };
    // The factory's spare when it fits (made ahead; only the runtime's code has run in it), else a new one.
    const prepared = this.hooks.isolates?.take(spec.memoryMb) ?? prepareIsolate(this.runtime, spec.memoryMb, spec.loadTimeoutMs, onCatastrophic);
    prepared.routeCatastrophic(onCatastrophic);
    const isolate = prepared.isolate;
    this.isolate = isolate;
    try {
      // The isolate's thread runs queued calls one after the other without waiting for this thread in
      // between: the bundle's compilation (which runs no code) goes in behind the context and runtime,
      // later the API lookups and the bundle's script. Each is awaited where its result is needed; until
      // then its failure must not count as unhandled. The bundle is CommonJS; wrapped (on its first
      // line, so line numbers hold) it yields its module factory, called with a `require` that only knows the SDK.
      const pluginCall = isolate.compileScript(`(function (require, module, exports) {${spec.bundleCode}\n})`, { filename: spec.bundleFilename });
      pluginCall.catch(() => {});
      const { context, boot } = await prepared.warm;
      this.context = context;
      this.references.push(boot);
      this.bridge = createIsolateBridge(this.services, this.timers, this.limits, () => this.runtime.webLibrary.evaluate(isolate, context), (answers) => this.takeAnswers(answers));
      this.references.push(...this.bridge.references);
      const api = (await boot.apply(undefined, [...this.bridge.bootArgs], { result: { reference: true }, timeout: spec.loadTimeoutMs })) as ivm.Reference<
        Record<string, unknown>
      >;
      this.references.push(api);
      // The bundle's script runs only now, after the runtime has booted; the isolate takes it after
      // the two lookups, which no plugin code can reach (a frozen object in the runtime's closure).
      const pluginScript = await pluginCall;
      const lookups = (['loadPlugin', 'invokeBatch', 'recover'] as const).map((name) => api.get(name, { reference: true }) as Promise<ivm.Reference<unknown>>);
      const factoryCall = pluginScript.run(context, { reference: true, timeout: spec.loadTimeoutMs }) as Promise<ivm.Reference<unknown>>;
      for (const call of [...lookups, factoryCall]) call.catch(() => {});
      const loadRef = await lookups[0]!;
      this.references.push(loadRef);
      this.batchRef = await lookups[1]!;
      this.references.push(this.batchRef);
      this.recoverRef = await lookups[2]!;
      this.references.push(this.recoverRef);
      const factory = await factoryCall;
      pluginScript.release();
      const raw = await loadRef.apply(undefined, [factory.derefInto(), spec.optionsJson, spec.jobTypesJson ?? '{}'], { result: { copy: true }, timeout: spec.loadTimeoutMs });
      factory.release();
      const envelope = this.checkedEnvelope(raw, isLoadedPlugin);
      if (!envelope.ok) throw new SandboxError(envelope.error.code, envelope.error.message, spec.pluginId);
      if (this.death) throw new SandboxError(this.death.code, this.death.message, spec.pluginId);
      this.state = 'ready';
      this.cpu = new CpuWatch(() => this.readCpuTime(), this.limits.backgroundCpuPercent, {
        invocationExceeded: (key, usedMs) => this.onCpuExceeded(key, usedMs),
        backgroundExceeded: (usedMs, windowMs) =>
          this.die({
            name: 'SandboxCrash',
            code: 'SANDBOX_BACKGROUND_WORK',
            message: `the plugin kept running work after its handlers returned (${usedMs} ms of CPU within ${windowMs} ms, limit ${this.limits.backgroundCpuPercent}%) and its isolate was disposed`,
          }),
      });
      this.cpu.start();
      return envelope.value;
    } catch (e) {
      const info = e instanceof SandboxError ? undefined : this.classify(e);
      await this.dispose();
      if (e instanceof SandboxError) throw e;
      throw new SandboxError(info!.code, info!.message, spec.pluginId, { cause: e });
    } finally {
      this.hooks.isolates?.loadEnded();
    }
  }

  async invoke(request: SandboxInvokeRequest): Promise<SandboxInvokeResult> {
    if (this.state !== 'ready' || !this.batchRef) {
      return { outcome: 'crashed', error: this.death ?? errorInfo('SANDBOX_NOT_READY', `the sandbox is ${this.state}`) };
    }
    const leave = this.inFlight.enter();
    const key = String(++this.invocations);
    const cpuLimitMs = Math.min(this.limits.cpuTimeMs, request.timeoutMs);
    let deadline: NodeJS.Timeout | undefined;
    try {
      const settledOnce = new Promise<Settled>((r) => this.interrupters.set(key, r));
      // CPU time cannot pass wall time in a single-threaded isolate: watch it only when it is the tighter bound.
      this.cpu?.begin(key, cpuLimitMs < request.timeoutMs ? cpuLimitMs : null);
      this.enqueue({ key, request });
      deadline = setTimeout(() => this.interrupters.get(key)?.({ kind: 'deadline' }), request.timeoutMs);
      const settled = await settledOnce;
      switch (settled.kind) {
        case 'value': {
          const envelope = this.checkedEnvelope(settled.value, isBoolean);
          if (envelope.ok) return { outcome: envelope.value ? 'succeeded' : 'failed' };
          return { outcome: 'error', error: envelope.hostError ? envelope.error : keepHostCodes(envelope.error) };
        }
        case 'deadline':
          void this.checkResponsive();
          return { outcome: 'timeout', error: errorInfo('SANDBOX_TIMEOUT', `the handler did not finish within ${request.timeoutMs} ms`, 'SandboxTimeoutError') };
        case 'cpu':
          return {
            outcome: 'timeout',
            error: errorInfo('SANDBOX_CPU_LIMIT', `the handler used more than ${cpuLimitMs} ms of CPU time and its isolate was disposed`, 'SandboxTimeoutError'),
          };
        case 'dead':
          return { outcome: 'crashed', error: settled.death };
        case 'thrown': {
          const info = this.classify(settled.error);
          if (info.code === 'SANDBOX_TIMEOUT') {
            return { outcome: 'timeout', error: { ...info, message: `the handler ran synchronously past its ${request.timeoutMs} ms deadline and was stopped` } };
          }
          return { outcome: this.state === 'ready' ? 'error' : 'crashed', error: this.death ?? info };
        }
        default:
          return settled satisfies never;
      }
    } finally {
      clearTimeout(deadline);
      this.cpu?.end(key);
      this.interrupters.delete(key);
      leave();
    }
  }

  private enqueue(item: Queued): void {
    this.queued.push(item);
    this.flushing ??= setImmediate(() => this.flush());
  }

  /**
   * Sends every invocation queued in this turn into the isolate with one call: its thread then runs
   * them one after the other, and what ends within that turn comes back with the call's result.
   */
  private flush(): void {
    this.flushing = undefined;
    const queued = this.queued;
    this.queued = [];
    const batchRef = this.batchRef;
    if (this.state !== 'ready' || !batchRef) return;
    const keys: string[] = [];
    const args: string[] = [String(++this.batches)];
    let timeoutMs = Infinity;
    for (const { key, request } of queued) {
      // One that ended meanwhile (its deadline passed in the queue) does not go in.
      if (!this.interrupters.has(key)) continue;
      keys.push(key);
      args.push(request.handler, request.eventJson, request.invocationId, key);
      timeoutMs = Math.min(timeoutMs, request.timeoutMs);
    }
    if (keys.length === 0) return;
    batchRef
      .apply(undefined, args, {
        result: { promise: true, copy: true },
        // Bounds the synchronous part of the call (a `while (true)` before the first await) by the
        // tightest deadline in the batch; CPU time, which contention makes smaller than wall time, is
        // the watch's to bound.
        timeout: timeoutMs,
      })
      .then(
        (answers: unknown) => this.takeAnswers(answers),
        (error: unknown) => this.batchFailed(args[0]!, keys, queued, error),
      );
  }

  /** Settles the invocations named in `[key, envelope, …]`; what names none in flight is ignored. */
  private takeAnswers(answers: unknown): void {
    if (!Array.isArray(answers)) return;
    for (let i = 0; i + 1 < answers.length; i += 2) {
      const key: unknown = answers[i];
      if (typeof key !== 'string') continue;
      this.interrupters.get(key)?.({ kind: 'value', value: answers[i + 1] });
    }
  }

  /**
   * A batch call failed. When it was stopped at its synchronous timeout, the runtime says which
   * invocation was starting then (that one ran past its deadline) and which never started (they go
   * into the next batch); those already started go on and answer as usual. Any other failure ends
   * every invocation of the batch still waiting, as it ended a lone call before.
   */
  private batchFailed(batchId: string, keys: readonly string[], queued: readonly Queued[], error: unknown): void {
    const fail = (key: string): void => this.interrupters.get(key)?.({ kind: 'thrown', error });
    const info = this.classify(error);
    const recoverRef = this.recoverRef;
    if (info.code !== 'SANDBOX_TIMEOUT' || this.state !== 'ready' || !recoverRef) {
      for (const key of keys) fail(key);
      return;
    }
    recoverRef.apply(undefined, [batchId], { result: { copy: true }, timeout: this.limits.unresponsiveAfterMs }).then(
      (raw: unknown) => {
        if (!Array.isArray(raw) || !raw.every((k): k is string => typeof k === 'string')) {
          for (const key of keys) fail(key);
          return;
        }
        const [stopped, ...unstarted] = raw;
        if (stopped && keys.includes(stopped)) fail(stopped);
        const byKey = new Map(queued.map((q) => [q.key, q]));
        for (const key of unstarted) {
          const item = byKey.get(key);
          if (item && this.interrupters.has(key)) this.enqueue(item);
        }
      },
      () => {
        for (const key of keys) fail(key);
      },
    );
  }

  /** Parses an answer of the runtime, refusing one larger than the host accepts. */
  private checkedEnvelope<T>(raw: unknown, isValue: (v: unknown) => v is T) {
    if (typeof raw === 'string' && raw.length > this.limits.maxResultBytes) {
      return {
        ok: false as const,
        hostError: true,
        error: errorInfo('SANDBOX_RESULT_TOO_LARGE', `the sandbox answered ${raw.length} characters, over the limit of ${this.limits.maxResultBytes}`),
      };
    }
    return { ...parseEnvelope(raw, isValue), hostError: false };
  }

  private onCpuExceeded(key: string, usedMs: number): void {
    this.interrupters.get(key)?.({ kind: 'cpu' });
    this.die({
      name: 'SandboxCrash',
      code: 'SANDBOX_CPU_LIMIT',
      message: `an invocation used ${usedMs} ms of CPU time, over the limit, and the plugin's isolate was disposed`,
    });
  }

  private readCpuTime(): bigint | undefined {
    const isolate = this.isolate;
    if (!isolate || isolate.isDisposed) return undefined;
    try {
      return isolate.cpuTime;
    } catch {
      return undefined;
    }
  }

  /** Maps what isolated-vm throws to a stable code, and notices a dead isolate. */
  private classify(e: unknown): ErrorInfo {
    const message = (e as Error)?.message ?? String(e);
    if (/timed out/i.test(message)) return errorInfo('SANDBOX_TIMEOUT', message, 'SandboxTimeoutError');
    if (this.death) return this.death;
    if (/memory limit/i.test(message) || this.isolate?.isDisposed) {
      // isolated-vm disposes an isolate on its own only when it passes its memory limit; a pending
      // call then rejects with "Promise was abandoned" or "Isolate is disposed".
      this.die({ name: 'SandboxCrash', code: 'ISOLATE_MEMORY_LIMIT', message: 'the plugin exceeded its memory limit and its isolate was disposed' });
      return this.death!;
    }
    if (/disposed|abandoned/i.test(message)) {
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

  /** Ends the sandbox with `death` (a limit decided outside, e.g. its process's memory watch). */
  terminate(death: SandboxDeath): void {
    this.die(death);
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
    if (!isolate || isolate.isDisposed) return { heapUsedBytes: 0, heapLimitBytes: 0, cpuTimeMs: 0, inFlight: this.inFlight.size };
    const heap = await isolate.getHeapStatistics();
    return {
      heapUsedBytes: heap.used_heap_size + heap.externally_allocated_size,
      heapLimitBytes: heap.heap_size_limit,
      cpuTimeMs: Number(isolate.cpuTime) / 1e6,
      inFlight: this.inFlight.size,
    };
  }

  /** The plugin this sandbox holds (empty before `load`). */
  get plugin(): string {
    return this.pluginId;
  }

  // Order matters (isolated-vm #23, #302): stop host timers, release References, then dispose.
  private release(): void {
    this.cpu?.stop();
    this.bridge?.flush();
    this.timers.dispose();
    for (const ref of this.references.splice(0).reverse()) {
      try {
        ref.release();
      } catch {
        // already released with its isolate
      }
    }
    this.batchRef = undefined;
    this.recoverRef = undefined;
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    this.queued = [];
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
    if (!this.released) {
      this.released = true;
      this.hooks.onReleased?.();
    }
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
