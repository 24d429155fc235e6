import ivm from 'isolated-vm';
import type { RuntimeScript } from './runtime-script.js';

/** Where an isolate's catastrophic error (V8 lost control of it) is reported. */
export type CatastrophicHandler = (message: string) => void;

/** What every load starts with: a context in which the SDK runtime was evaluated, and its `boot`, not yet called. */
export interface WarmIsolate {
  readonly context: ivm.Context;
  readonly boot: ivm.Reference<unknown>;
}

/**
 * An isolate on its way to warm, or there. Only host code runs in it until a load takes it: the
 * runtime's top level defines its modules and answers `boot`; the bridge (the plugin's services),
 * the limits and the bundle go in only when the load calls `boot`.
 */
export interface PreparedIsolate {
  readonly isolate: ivm.Isolate;
  /** Rejects when evaluating the runtime failed or the isolate was disposed first. */
  readonly warm: Promise<WarmIsolate>;
  /** The isolate's catastrophic errors go to `handler` from now on (V8 takes the callback at construction). */
  routeCatastrophic(handler: CatastrophicHandler): void;
  /** What V8 calls on a catastrophic error: it goes to the isolate's holder at that moment. */
  readonly onCatastrophicError: CatastrophicHandler;
  /** Releases `boot` (once there) and disposes the isolate, which ends a warming still under way. */
  dispose(): void;
}

/**
 * Makes an isolate and queues its context, the runtime's compilation (from the code cache) and its
 * evaluation. `new ivm.Isolate` is synchronous; the rest runs on the isolate's thread, and a caller
 * may queue more behind it (a load, its bundle's compilation) before awaiting `warm`.
 */
export function prepareIsolate(runtime: RuntimeScript, memoryMb: number, timeoutMs: number, onCatastrophic: CatastrophicHandler): PreparedIsolate {
  let route = onCatastrophic;
  let warmed: WarmIsolate | undefined;
  const onCatastrophicError = (message: string): void => route(message);
  const isolate = new ivm.Isolate({ memoryLimit: memoryMb, onCatastrophicError });
  const warm = (async (): Promise<WarmIsolate> => {
    const contextCall = isolate.createContext();
    const runtimeCall = runtime.compile(isolate);
    // Each is awaited below; until then its failure must not count as unhandled.
    runtimeCall.catch(() => {});
    const context = await contextCall;
    const script = await runtimeCall;
    try {
      const boot = (await script.run(context, { reference: true, timeout: timeoutMs })) as ivm.Reference<unknown>;
      warmed = { context, boot };
      return warmed;
    } finally {
      script.release();
    }
  })();
  // A spare disposed unused has no one awaiting it.
  warm.catch(() => {});
  // Order matters (isolated-vm #23, #302): the Reference first, then the isolate.
  const dispose = (): void => {
    try {
      warmed?.boot.release();
    } catch {
      // released with its isolate
    }
    try {
      if (!isolate.isDisposed) isolate.dispose();
    } catch {
      // V8 already tore it down
    }
  };
  return { isolate, warm, routeCatastrophic: (handler) => (route = handler), onCatastrophicError, dispose };
}

/** Where a load gets its isolate. */
export interface IsolateSupply {
  /** The warm (or warming) isolate for a load asking `memoryMb`, when one fits; it is the caller's from then on. */
  take(memoryMb: number): PreparedIsolate | undefined;
  /** A load ended, either way: the moment to make the next spare, off that load's path. */
  loadEnded(): void;
}

// The runtime's top level runs host code only, in about a millisecond; this bounds a host bug.
const SPARE_WARM_TIMEOUT_MS = 5000;
// A spare that failed (its runtime threw, or V8 lost it) is remade at once this many times in a row;
// after that only when a load ends, so a broken spare cannot keep the process busy.
const MAX_REMAKES_IN_A_ROW = 2;

/**
 * One isolate made ahead of the next load, so that load does not pay the isolate, its context and
 * the runtime's evaluation (about 2/3 of a load) on its own path. Made after the owner is created
 * and again after each load that ends; an isolate taken is never given back. Its memory limit is
 * fixed at creation, so it serves only loads asking `memoryMb` (the host's default).
 */
export class SpareIsolate implements IsolateSupply {
  private spare: PreparedIsolate | undefined;
  private making: NodeJS.Immediate | undefined;
  private remakes = 0;
  private disposed = false;

  constructor(
    private readonly runtime: RuntimeScript,
    readonly memoryMb: number,
    private readonly prepare: typeof prepareIsolate = prepareIsolate,
    /** V8 lost control of the spare: like any isolate's, it means the process should be replaced. */
    private readonly onCatastrophic: CatastrophicHandler = () => {},
  ) {
    this.scheduleMake();
  }

  /** Isolates held for the next load (0 or 1): for the census. */
  get held(): number {
    return this.spare ? 1 : 0;
  }

  take(memoryMb: number): PreparedIsolate | undefined {
    const spare = this.spare;
    if (!spare || memoryMb !== this.memoryMb || spare.isolate.isDisposed) return undefined;
    this.spare = undefined;
    return spare;
  }

  loadEnded(): void {
    this.remakes = 0;
    this.scheduleMake();
  }

  // Two turns on: what the load that ended answers in this turn is sent by a setImmediate queued
  // after this one (the sandbox worker's reply, batched for the turn), and `new ivm.Isolate` is
  // synchronous, so making the spare one turn on would hold that answer back by its cost.
  private scheduleMake(): void {
    if (this.disposed || this.spare || this.making) return;
    this.making = setImmediate(() => (this.making = setImmediate(() => this.make())));
  }

  private make(): void {
    this.making = undefined;
    if (this.disposed || this.spare) return;
    let spare: PreparedIsolate;
    try {
      spare = this.prepare(this.runtime, this.memoryMb, SPARE_WARM_TIMEOUT_MS, (message) => {
        this.lost(spare);
        // No plugin ran in it, but V8's state in this process can no longer be trusted.
        this.onCatastrophic(message);
      });
    } catch {
      // No isolate could be made (the process is short of memory): loads make their own.
      return;
    }
    this.spare = spare;
    spare.warm.catch(() => this.lost(spare));
  }

  /** The spare (while it is still ours) failed or V8 lost it: it goes, and another is made. */
  private lost(spare: PreparedIsolate): void {
    if (this.spare !== spare) return;
    this.spare = undefined;
    spare.dispose();
    if (++this.remakes <= MAX_REMAKES_IN_A_ROW) this.scheduleMake();
  }

  dispose(): void {
    this.disposed = true;
    if (this.making) clearImmediate(this.making);
    this.making = undefined;
    const spare = this.spare;
    this.spare = undefined;
    spare?.dispose();
  }
}
