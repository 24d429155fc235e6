import { readFileSync } from 'node:fs';
import ivm from 'isolated-vm';
import { runtimeBundlePath, RUNTIME_GLOBAL_NAME } from '@jobhook/sdk/runtime-bundle';
import { egressFailureJson } from '../../egress/egress-gateway.js';
import { randomBytesCallback } from './isolate-bridge.js';
import { WebLibraryScript } from './web-library-script.js';

// A plugin written by the host, run once in a throwaway isolate so that the runtime functions every
// load and invocation uses are compiled before the code cache is taken (see `warmCache`). It injects
// each service the runtime registers, so the DI paths are compiled too.
const WARM_UP_HANDLER = 'jobhook.warm-up';
const WARM_UP_JOB_TYPE = '00000000-0000-4000-8000-000000000000';
const WARM_UP_BUNDLE = `(function (require, module, exports) {
'use strict';
const sdk = require('@jobhook/sdk');
class WarmUp {
  constructor(log, context, options, client) { this.jobTypes = '${WARM_UP_JOB_TYPE}'; this.log = log; this.options = options; this.client = client; }
  async runHandler(context) { this.log.debug('warm-up', { jobId: context.jobId }); return context.jobTypeId === this.jobTypes; }
}
Reflect.defineMetadata('design:paramtypes', [sdk.Logger, sdk.JobContext, sdk.PluginOptions, sdk.HttpClient], WarmUp);
sdk.injectable()(WarmUp);
sdk.jobCompleteHandler('${WARM_UP_HANDLER}')(WarmUp);
})`;
const WARM_UP_EVENT = JSON.stringify({
  agentId: WARM_UP_JOB_TYPE,
  username: null,
  clientMachine: null,
  jobResult: 2,
  jobId: WARM_UP_JOB_TYPE,
  jobType: 'WarmUp',
  jobTypeId: WARM_UP_JOB_TYPE,
  operationType: 1,
  certificateId: null,
  requestTimestamp: '2026-01-01T00:00:00.000Z',
  currentRetryCount: 0,
});
const WARM_UP_TIMEOUT_MS = 5000;

/**
 * The SDK runtime source and the V8 code cache for it. The cache is produced by the host from the
 * host's own copy of the runtime (never accepted from a plugin package) and reused by every isolate.
 * One per sandbox factory; disposing it releases the cache.
 */
export class RuntimeScript {
  /** The runtime wrapped so that its exports stay out of the isolate's global scope. */
  readonly code: string;
  /** The web-standard globals' implementations, evaluated in an isolate on first use. */
  readonly webLibrary: WebLibraryScript;
  private cachedData: ivm.ExternalCopy<ArrayBuffer> | undefined;
  private warming: Promise<void> | undefined;
  private disposed = false;
  static readonly FILENAME = 'jobhook:sdk-runtime.js';

  constructor(bundlePath: string = runtimeBundlePath(), webLibrary: WebLibraryScript = new WebLibraryScript()) {
    this.webLibrary = webLibrary;
    const bundle = readFileSync(bundlePath, 'utf8');
    this.code = `(function () {\n${bundle}\nreturn ${RUNTIME_GLOBAL_NAME}.boot;\n})()`;
  }

  /** Bytes of V8 code cache held (0 when none yet): for the census and tests. */
  get cachedBytes(): number {
    return this.cachedData?.copy().byteLength ?? 0;
  }

  /** Compiles the runtime in `isolate`, with the code cache (produced once, on first use). */
  async compile(isolate: ivm.Isolate): Promise<ivm.Script> {
    this.warming ??= this.warmCache();
    await this.warming;
    if (this.cachedData) {
      const script = (await isolate.compileScript(this.code, { filename: RuntimeScript.FILENAME, cachedData: this.cachedData })) as ivm.Script & {
        cachedDataRejected?: boolean;
      };
      if (script.cachedDataRejected !== true) return script;
      script.release();
    }
    // No usable cache (the warm-up failed, or V8 refused it): compile cold, and keep a cache of the
    // eagerly compiled part for the next isolates.
    const script = (await isolate.compileScript(this.code, { filename: RuntimeScript.FILENAME, produceCachedData: true })) as ivm.Script & ivm.CachedDataResult;
    if (script.cachedData && !this.disposed) {
      this.cachedData?.release();
      this.cachedData = script.cachedData;
    }
    return script;
  }

  /**
   * A cache taken at compile time holds only the functions V8 compiles eagerly: the rest of tsyringe,
   * reflect-metadata and the runtime would be compiled again in every isolate, on first call (3/4 of
   * a plugin's load time, by the load bench's profile). So the runtime is first run in a throwaway
   * isolate — boot, load the host's warm-up plugin, one invocation — and then compiled again there:
   * V8 finds the script in that isolate's compilation cache with its inner functions compiled, and
   * the code cache it writes includes them. Only host code runs in that isolate. A failure leaves no
   * cache, and `compile` falls back to compiling cold.
   */
  private async warmCache(): Promise<void> {
    const isolate = new ivm.Isolate({ memoryLimit: 64 });
    const released: Array<{ release(): void }> = [];
    try {
      const context = await isolate.createContext();
      const first = await isolate.compileScript(this.code, { filename: RuntimeScript.FILENAME });
      released.push(first);
      const boot = (await first.run(context, { reference: true, timeout: WARM_UP_TIMEOUT_MS })) as ivm.Reference<unknown>;
      released.push(boot);
      const log = new ivm.Callback(() => undefined, { ignored: true });
      const http = new ivm.Reference(() => Promise.resolve(egressFailureJson('EGRESS_WARM_UP', 'no egress while warming up')));
      const sleep = new ivm.Reference(() => Promise.resolve());
      released.push(http, sleep);
      const deliver = new ivm.Callback(() => undefined, { ignored: true });
      const api = (await boot.apply(undefined, [log, http, sleep, '{}', randomBytesCallback(), new ivm.Callback(() => false), deliver], { result: { reference: true }, timeout: WARM_UP_TIMEOUT_MS })) as ivm.Reference<
        Record<string, unknown>
      >;
      released.push(api);
      const loadPlugin = (await api.get('loadPlugin', { reference: true })) as ivm.Reference<unknown>;
      const invoke = (await api.get('invokeBatch', { reference: true })) as ivm.Reference<unknown>;
      released.push(loadPlugin, invoke);
      const pluginScript = await isolate.compileScript(WARM_UP_BUNDLE, { filename: 'jobhook:warm-up-plugin.js' });
      released.push(pluginScript);
      const factory = (await pluginScript.run(context, { reference: true, timeout: WARM_UP_TIMEOUT_MS })) as ivm.Reference<unknown>;
      released.push(factory);
      const loaded = await loadPlugin.apply(undefined, [factory.derefInto(), '{}'], { result: { copy: true }, timeout: WARM_UP_TIMEOUT_MS });
      if (typeof loaded !== 'string' || !loaded.startsWith('{"ok":true')) return;
      const ran = (await invoke.apply(undefined, ['1', WARM_UP_HANDLER, WARM_UP_EVENT, 'warm-up', 'k'], { result: { promise: true, copy: true }, timeout: WARM_UP_TIMEOUT_MS })) as unknown;
      if (!Array.isArray(ran) || ran[0] !== 'k' || ran[1] !== '{"ok":true,"value":true}') return;
      const again = (await isolate.compileScript(this.code, { filename: RuntimeScript.FILENAME, produceCachedData: true })) as ivm.Script & ivm.CachedDataResult;
      released.push(again);
      if (again.cachedData && !this.disposed) this.cachedData = again.cachedData;
    } catch {
      // No warm cache; `compile` produces a cold one.
    } finally {
      for (const r of released.reverse()) {
        try {
          r.release();
        } catch {
          // released with its isolate
        }
      }
      isolate.dispose();
    }
  }

  dispose(): void {
    this.disposed = true;
    this.webLibrary.dispose();
    this.cachedData?.release();
    this.cachedData = undefined;
  }
}
