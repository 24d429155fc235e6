import { readFileSync } from 'node:fs';
import ivm from 'isolated-vm';
import { runtimeBundlePath, RUNTIME_GLOBAL_NAME } from '@jobhook/sdk/runtime-bundle';

/**
 * The SDK runtime source and the V8 code cache for it. The cache is produced by the host from the
 * host's own copy of the runtime (never accepted from a plugin package) and reused by every isolate.
 * One per sandbox factory; disposing it releases the cache.
 */
export class RuntimeScript {
  /** The runtime wrapped so that its exports stay out of the isolate's global scope. */
  readonly code: string;
  private cachedData: ivm.ExternalCopy<ArrayBuffer> | undefined;
  static readonly FILENAME = 'jobhook:sdk-runtime.js';

  constructor(bundlePath: string = runtimeBundlePath()) {
    const bundle = readFileSync(bundlePath, 'utf8');
    this.code = `(function () {\n${bundle}\nreturn ${RUNTIME_GLOBAL_NAME}.boot;\n})()`;
  }

  /** Compiles the runtime in `isolate`, using (or producing, the first time) the code cache. */
  async compile(isolate: ivm.Isolate): Promise<ivm.Script> {
    if (this.cachedData) {
      const script = (await isolate.compileScript(this.code, { filename: RuntimeScript.FILENAME, cachedData: this.cachedData })) as ivm.Script & {
        cachedDataRejected?: boolean;
      };
      if (script.cachedDataRejected !== true) return script;
      this.cachedData.release();
      this.cachedData = undefined;
    }
    const script = (await isolate.compileScript(this.code, { filename: RuntimeScript.FILENAME, produceCachedData: true })) as ivm.Script & ivm.CachedDataResult;
    if (script.cachedData) this.cachedData = script.cachedData;
    return script;
  }

  dispose(): void {
    this.cachedData?.release();
    this.cachedData = undefined;
  }
}
