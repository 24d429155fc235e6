// `jobhook-sdk build` bundles packages whose browser or worker build needs only the sandbox's
// web-standard globals, picking that build over the one for Node; a real Node built-in is still refused.
import { expect } from 'chai';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initPlugin } from '../../../sdk/dist/init/index.js';
import { tempDir, type TempDir } from '../../support/temp-dir.js';
import { explain, linkWorkspaceModules, sdkCli } from './kit-support.js';

async function vendor(dir: string, name: string, files: Record<string, string>): Promise<void> {
  const root = path.join(dir, 'src', 'vendor', 'node_modules', name);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
}

async function useFromIndex(dir: string, importLine: string, exportLine: string): Promise<void> {
  await writeFile(path.join(dir, 'src', 'vendor', 'use.ts'), `// @ts-expect-error untyped vendored package\n${importLine}\n${exportLine}\n`);
  const index = await readFile(path.join(dir, 'src', 'index.ts'), 'utf8');
  await writeFile(path.join(dir, 'src', 'index.ts'), `export * from './vendor/use.js';\n${index}`);
}

describe('authors kit: jobhook-sdk build with packages for web runtimes', function () {
  this.timeout(60_000);
  let tmp: TempDir;
  let n = 0;

  async function plugin(): Promise<string> {
    const dir = path.join(tmp.path, `p${++n}`);
    await initPlugin(dir, { id: `acme.web-${n}` });
    await linkWorkspaceModules(dir);
    return dir;
  }

  before(async () => {
    tmp = await tempDir('jobhook-web-packages-');
  });
  after(() => tmp.dispose());

  it("takes a package's browser export condition instead of its node one", async () => {
    const dir = await plugin();
    await vendor(dir, 'ids', {
      'package.json': JSON.stringify({ name: 'ids', version: '1.0.0', type: 'module', exports: { '.': { node: './node.js', browser: './web.js', default: './node.js' } } }),
      'node.js': "import { randomBytes } from 'node:crypto';\nexport const id = () => randomBytes(8).toString('hex');\n",
      'web.js': "export const id = () => Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16)).join('') + '-web';\n",
    });
    await useFromIndex(dir, "import { id } from 'ids';", 'export const newId = (): string => id();');
    const r = await sdkCli(['build'], dir);
    expect(r.code, explain(r)).to.equal(0);
    const bundle = await readFile(path.join(dir, 'dist', 'plugin.js'), 'utf8');
    expect(bundle).to.contain('-web');
    expect(bundle).to.not.contain('node:crypto');
  });

  it("follows a package's browser field file map, as uuid 8 and many older packages publish it", async () => {
    const dir = await plugin();
    await vendor(dir, 'old-ids', {
      'package.json': JSON.stringify({ name: 'old-ids', version: '1.0.0', main: 'index.js', browser: { './rng.js': './rng-browser.js' } }),
      'index.js': "const rng = require('./rng.js');\nmodule.exports = { id: () => Array.from(rng(), (b) => b.toString(16)).join('') };\n",
      'rng.js': "const crypto = require('crypto');\nmodule.exports = () => crypto.randomBytes(16);\n",
      'rng-browser.js': "module.exports = () => crypto.getRandomValues(new Uint8Array(16));\nmodule.exports.kind = 'browser rng';\n",
    });
    await useFromIndex(dir, "import oldIds from 'old-ids';", 'export const oldId = (): string => oldIds.id();');
    const r = await sdkCli(['build'], dir);
    expect(r.code, explain(r)).to.equal(0);
    const bundle = await readFile(path.join(dir, 'dist', 'plugin.js'), 'utf8');
    expect(bundle).to.contain('browser rng');
    expect(bundle).to.not.match(/require\(["']crypto["']\)/);
  });

  it('still refuses a package whose only build needs a Node built-in', async () => {
    const dir = await plugin();
    await vendor(dir, 'node-only', {
      'package.json': JSON.stringify({ name: 'node-only', version: '1.0.0', main: 'index.js' }),
      'index.js': "const fs = require('fs');\nmodule.exports = { read: (p) => fs.readFileSync(p, 'utf8') };\n",
    });
    await useFromIndex(dir, "import nodeOnly from 'node-only';", "export const read = (): string => nodeOnly.read('/etc/hosts');");
    const r = await sdkCli(['build'], dir);
    expect(r.code, explain(r)).to.equal(1);
    expect(r.stderr).to.contain('BUILD_SANDBOX_IMPORT');
    expect(r.stderr).to.contain("src/vendor/node_modules/node-only/index.js → 'fs'  (a Node built-in; the sandbox has no Node APIs)");
  });
});
