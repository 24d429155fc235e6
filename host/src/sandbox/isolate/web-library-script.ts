import { readFileSync } from 'node:fs';
import ivm from 'isolated-vm';
import { webLibraryBundlePath } from '@jobhook/sdk/runtime-bundle';

/**
 * The web library script (the implementations of the sandbox's web-standard globals) and its V8
 * code cache, produced by the host on first use and shared by every isolate. An isolate's runtime
 * asks for it, through a synchronous bridge call, the first time its plugin reads one of those
 * globals; isolates whose plugins never do are spared its source and bytecode.
 */
export class WebLibraryScript {
  static readonly FILENAME = 'jobhook:sdk-web-library.js';
  private code: string | undefined;
  private cachedData: ivm.ExternalCopy<ArrayBuffer> | undefined;
  private disposed = false;

  constructor(private readonly bundlePath: string = webLibraryBundlePath()) {}

  /** Evaluates the library in `context` (of `isolate`), synchronously; false when it could not. */
  evaluate(isolate: ivm.Isolate, context: ivm.Context): boolean {
    if (this.disposed || isolate.isDisposed) return false;
    let script: (ivm.Script & ivm.CachedDataResult & { cachedDataRejected?: boolean }) | undefined;
    try {
      this.code ??= readFileSync(this.bundlePath, 'utf8');
      const cache = this.cachedData;
      script = isolate.compileScriptSync(this.code, {
        filename: WebLibraryScript.FILENAME,
        ...(cache ? { cachedData: cache } : { produceCachedData: true }),
      }) as typeof script;
      if (!cache && script!.cachedData && !this.disposed) this.cachedData = script!.cachedData;
      script!.runSync(context);
      return true;
    } catch {
      return false;
    } finally {
      script?.release();
    }
  }

  dispose(): void {
    this.disposed = true;
    this.cachedData?.release();
    this.cachedData = undefined;
  }
}
