import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import ivm from 'isolated-vm';
import { RuntimeScript } from '../../../host/dist/sandbox/runtime-script.js';
import { tempDir } from '../../support/temp-dir.js';

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

  it('takes the code cache after a warm-up run, so it covers the functions loads and invocations call, not only the eager ones', async () => {
    const runtime = new RuntimeScript();
    scripts.push(runtime);
    await runtime.compile(isolate());
    const cold = (await isolate().compileScript(runtime.code, { filename: RuntimeScript.FILENAME, produceCachedData: true })) as ivm.Script & ivm.CachedDataResult;
    const coldBytes = cold.cachedData!.copy().byteLength;
    expect(runtime.cachedBytes, `warm cache ${runtime.cachedBytes} B vs compile-time cache ${coldBytes} B`).to.be.greaterThan(coldBytes * 1.5);
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
