// What `jobhook-sdk build` refuses, as the author sees it on the command line: code, file:line and
// the import chain, and no bundle written.
import { expect } from 'chai';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initPlugin } from '../../../sdk/dist/init/index.js';
import { tempDir, type TempDir } from '../../support/temp-dir.js';
import { explain, linkWorkspaceModules, sdkCli } from './kit-support.js';

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

describe('authors kit: jobhook-sdk build refusals', function () {
  this.timeout(60_000);
  let tmp: TempDir;
  let n = 0;

  /** A fresh scaffold with the workspace's modules linked in. */
  async function plugin(): Promise<string> {
    const dir = path.join(tmp.path, `p${++n}`);
    await initPlugin(dir, { id: `acme.refusal-${n}` });
    await linkWorkspaceModules(dir);
    return dir;
  }

  before(async () => {
    tmp = await tempDir('jobhook-refusals-');
  });
  after(async () => {
    await tmp.dispose();
  });

  it('builds the untouched scaffold', async () => {
    const dir = await plugin();
    const r = await sdkCli(['build'], dir);
    expect(r.code, explain(r)).to.equal(0);
    expect(r.stderr).to.match(/built dist\/plugin\.js \(\d+ bytes\)/);
  });

  it('refuses a Node built-in imported two files deep, naming the chain from src/index.ts', async () => {
    const dir = await plugin();
    await writeFile(path.join(dir, 'src', 'store-files.ts'), `import { readFileSync } from 'node:fs';\nexport const readPem = (p: string): string => String(readFileSync(p));\n`);
    await writeFile(path.join(dir, 'src', 'certs.ts'), `import { readPem } from './store-files.js';\nexport const load = (): string => readPem('/etc/ssl/cert.pem');\n`);
    const index = await readFile(path.join(dir, 'src', 'index.ts'), 'utf8');
    await writeFile(path.join(dir, 'src', 'index.ts'), `import { load } from './certs.js';\nexport const certs = load;\n${index}`);

    const r = await sdkCli(['build'], dir);
    expect(r.code, explain(r)).to.equal(1);
    expect(r.stderr).to.contain('BUILD_SANDBOX_IMPORT');
    expect(r.stderr).to.contain("src/index.ts → src/certs.ts → src/store-files.ts → 'node:fs'  (a Node built-in; the sandbox has no Node APIs)");
    expect(await exists(path.join(dir, 'dist', 'plugin.js'))).to.equal(false);
  });

  it('refuses a package that needs a Node built-in inside node_modules, naming the package files on the way', async () => {
    const dir = await plugin();
    // A separate node_modules folder for this plugin: the linked workspace one stays untouched.
    const vendor = path.join(dir, 'src', 'vendor', 'node_modules', 'legacy-client');
    await mkdir(path.join(vendor, 'lib'), { recursive: true });
    await writeFile(path.join(vendor, 'package.json'), JSON.stringify({ name: 'legacy-client', version: '1.0.0', main: 'index.js' }));
    await writeFile(path.join(vendor, 'index.js'), "module.exports = require('./lib/transport.js');\n");
    await writeFile(path.join(vendor, 'lib', 'transport.js'), "const https = require('https');\nmodule.exports = { get: (u) => https.get(u) };\n");
    await writeFile(path.join(dir, 'src', 'vendor', 'client.ts'), `// @ts-expect-error untyped vendored package\nimport legacy from 'legacy-client';\nexport const ping = (): unknown => legacy.get('https://example.com');\n`);
    const index = await readFile(path.join(dir, 'src', 'index.ts'), 'utf8');
    await writeFile(path.join(dir, 'src', 'index.ts'), `export { ping } from './vendor/client.js';\n${index}`);

    const r = await sdkCli(['build'], dir);
    expect(r.code, explain(r)).to.equal(1);
    expect(r.stderr).to.contain('BUILD_SANDBOX_IMPORT');
    expect(r.stderr).to.contain(
      "src/index.ts → src/vendor/client.ts → src/vendor/node_modules/legacy-client/index.js → src/vendor/node_modules/legacy-client/lib/transport.js → 'https'",
    );
  });

  it("refuses a tsconfig that turns emitDecoratorMetadata off, pointing at the line", async () => {
    const dir = await plugin();
    const file = path.join(dir, 'tsconfig.json');
    await writeFile(file, (await readFile(file, 'utf8')).replace('"emitDecoratorMetadata": true', '"emitDecoratorMetadata": false'));
    const line = (await readFile(file, 'utf8')).split('\n').findIndex((l) => l.includes('emitDecoratorMetadata')) + 1;

    const r = await sdkCli(['build'], dir);
    expect(r.code, explain(r)).to.equal(1);
    expect(r.stderr).to.contain('BUILD_DECORATOR_METADATA_OFF');
    expect(r.stderr).to.contain(`tsconfig.json:${line}: "emitDecoratorMetadata": false — JobHook plugins need it true`);
  });

  it('refuses a tsconfig that does not enable decorators at all, saying what to add', async () => {
    const dir = await plugin();
    await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'ES2022', moduleResolution: 'Bundler' }, include: ['src'] }));
    const r = await sdkCli(['build'], dir);
    expect(r.code, explain(r)).to.equal(1);
    expect(r.stderr).to.contain('"experimentalDecorators" is not set (directly or through "extends") — add "experimentalDecorators": true');
    expect(r.stderr).to.contain('"emitDecoratorMetadata" is not set');
  });

  it('reports TypeScript errors as file:line:col', async () => {
    const dir = await plugin();
    const file = path.join(dir, 'src', 'index.ts');
    await writeFile(file, (await readFile(file, 'utf8')).replace('return context.currentRetryCount < this.options.retryThreshold;', 'return this.options.retryThresold;'));
    const r = await sdkCli(['build'], dir);
    expect(r.code, explain(r)).to.equal(1);
    expect(r.stderr).to.match(/BUILD_TYPESCRIPT_ERRORS[\s\S]*src\/index\.ts:\d+:\d+: TS2551: Property 'retryThresold' does not exist/);
  });
});
