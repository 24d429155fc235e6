import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import ivm from 'isolated-vm';
import { normalizeEvent } from '@jobhook/host';
import { IsolateSandbox } from '../../../../host/dist/sandbox/isolate/isolate-sandbox.js';
import { RuntimeScript } from '../../../../host/dist/sandbox/isolate/runtime-script.js';
import { sandboxLimits } from '../../../../host/dist/sandbox/sandbox-limits.js';
import { GUID_A, event, handlerBundle } from '../../../support/foundation-plugins.js';
import { tempDir } from '../../../support/temp-dir.js';

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('RuntimeScript (the SDK runtime and its host-made code cache)', function () {
  this.timeout(20_000);
  const isolates: ivm.Isolate[] = [];
  const scripts: RuntimeScript[] = [];
  const isolate = (): ivm.Isolate => {
    const i = new ivm.Isolate({ memoryLimit: 32 });
    isolates.push(i);
    return i;
  };
  afterEach(() => {
    for (const s of scripts.splice(0)) s.dispose();
    for (const i of isolates.splice(0)) if (!i.isDisposed) i.dispose();
  });

  it('takes the code cache after a warm-up run, so a plugin loads and runs its first invocation on less CPU than from a compile-time cache', async () => {
    const runtime = new RuntimeScript();
    scripts.push(runtime);
    await runtime.compile(isolate());
    // The same runtime with only what V8 caches at compile time: the seam IsolateSandbox compiles through.
    const compiled = (await isolate().compileScript(runtime.code, { filename: RuntimeScript.FILENAME, produceCachedData: true })) as ivm.Script & ivm.CachedDataResult;
    const compileTimeCache = compiled.cachedData!;
    const compileTimeOnly = {
      code: runtime.code,
      webLibrary: runtime.webLibrary,
      compile: (target: ivm.Isolate) => target.compileScript(runtime.code, { filename: RuntimeScript.FILENAME, cachedData: compileTimeCache }),
    } as unknown as RuntimeScript;
    // CPU the plugin's isolate spent booting the runtime, loading the plugin and running one invocation.
    const firstRunCpuMs = async (from: RuntimeScript): Promise<number> => {
      const sandbox = new IsolateSandbox(from, { log: () => undefined, http: async () => '{"ok":false}' }, sandboxLimits({}));
      try {
        await sandbox.load({ pluginId: 't.first-run', version: '1.0.0', bundleCode: handlerBundle('return ctx.jobTypeId.length > 0;'), bundleFilename: 'plugin:t.first-run/bundle.js', optionsJson: '{}', memoryMb: 32, loadTimeoutMs: 5000 });
        const ran = await sandbox.invoke({ invocationId: 'first', handler: 'H', eventJson: JSON.stringify(normalizeEvent(event(GUID_A))), timeoutMs: 5000 });
        expect(ran.outcome).to.equal('succeeded');
        return (await sandbox.stats()).cpuTimeMs;
      } finally {
        await sandbox.dispose();
      }
    };
    const warm: number[] = [];
    const cold: number[] = [];
    for (let i = 0; i < 9; i++) {
      warm.push(await firstRunCpuMs(runtime));
      cold.push(await firstRunCpuMs(compileTimeOnly));
    }
    expect(median(warm), `first-run CPU (ms) from the warm cache ${warm.map((n) => n.toFixed(1))} vs the compile-time cache ${cold.map((n) => n.toFixed(1))}`).to.be.below(median(cold));
  });

  it('gives every isolate a runtime V8 accepts from the cache, which boots', async () => {
    const runtime = new RuntimeScript();
    scripts.push(runtime);
    await runtime.compile(isolate());
    const target = isolate();
    const context = await target.createContext();
    const script = await runtime.compile(target);
    const boot = (await script.run(context, { reference: true })) as ivm.Reference<unknown>;
    expect(boot.typeof).to.equal('function');
  });

  it('falls back to compiling cold when the warm-up fails, and still caches what it can', async () => {
    const dir = await tempDir('jobhook-runtime-');
    try {
      const bundle = path.join(dir.path, 'runtime.bundle.js');
      await writeFile(bundle, `var __jobhookRuntime = { boot() { throw new Error('this runtime cannot boot'); } };`);
      const runtime = new RuntimeScript(bundle);
      scripts.push(runtime);
      const target = isolate();
      const context = await target.createContext();
      const script = await runtime.compile(target);
      const boot = (await script.run(context, { reference: true })) as ivm.Reference<unknown>;
      expect(boot.typeof).to.equal('function');
      expect(runtime.cachedBytes).to.be.greaterThan(0);
    } finally {
      await dir.dispose();
    }
  });
});
