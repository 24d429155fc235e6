// The path docs/plugin-authors.md walks an author through, end to end with the real tools:
// init → npm install (offline, from the workspace, on an empty npm cache) → npm test → npm run pack → unpack + mv into a
// running host's plugins folder → dispatch → succeeded.
import { expect } from 'chai';
import { readFile, rename, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createHost, readPluginPackage, ManifestSchema, type Host, type PluginChange } from '@jobhook/host';
import { startFakePlatform, type FakePlatform } from '@jobhook/sdk/testing';
import { tempDir, type TempDir } from '../../support/temp-dir.js';
import { waitFor } from '../../support/wait-for.js';
import { explain, installFromWorkspace, run, sdkCli, STORE_INVENTORY_GUID } from './kit-support.js';

const ID = 'acme.inventory-audit';

describe('authors kit: from jobhook-sdk init to a dispatch in a running host', function () {
  this.timeout(180_000);
  let tmp: TempDir;
  let host: Host | undefined;
  let platform: FakePlatform | undefined;

  before(async () => {
    tmp = await tempDir('jobhook-kit-');
  });
  after(async () => {
    await host?.close();
    await platform?.close();
    await tmp.dispose();
  });

  it('scaffolds, installs, tests, packs, hot-drops and runs a plugin that succeeds', async () => {
    const pluginDir = path.join(tmp.path, 'acme-inventory-audit');

    const init = await sdkCli(['init', pluginDir, '--name', 'Acme inventory audit', '--id', ID, '--job-types', STORE_INVENTORY_GUID], tmp.path);
    expect(init.code, explain(init)).to.equal(0);
    expect(init.stdout).to.contain(`created plugin '${ID}'`);
    const manifest = JSON.parse(await readFile(path.join(pluginDir, 'plugin.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.$schema).to.equal('./node_modules/@jobhook/sdk/dist/plugin-manifest.schema.json');
    expect(manifest.handlers).to.deep.equal([{ name: 'AuditJob', jobTypes: [STORE_INVENTORY_GUID] }]);

    expect(JSON.parse(await readFile(path.join(pluginDir, 'package.json'), 'utf8')).devDependencies).to.include.keys('@jobhook/sdk', '@jobhook/host', 'mocha', 'tsx');
    const install = await installFromWorkspace(pluginDir);
    expect(install.code, explain(install)).to.equal(0);
    // npm linked the bins the scaffold's scripts call.
    await readFile(path.join(pluginDir, 'node_modules/.bin/jobhook-sdk'));
    await readFile(path.join(pluginDir, 'node_modules/.bin/mocha'));
    // The schema the editor is pointed at exists once installed.
    await readFile(path.join(pluginDir, 'node_modules/@jobhook/sdk/dist/plugin-manifest.schema.json'), 'utf8');

    const test = await run('npm', ['test'], pluginDir);
    expect(test.code, explain(test)).to.equal(0);
    expect(test.stdout).to.match(/3 passing/);

    const pack = await run('npm', ['run', 'pack'], pluginDir);
    expect(pack.code, explain(pack)).to.equal(0);
    const tarball = path.join(pluginDir, 'out', `${ID}-0.1.0.tgz`);

    platform = await startFakePlatform({
      'GET OrchestratorJobs/JobHistory': { json: [{ JobID: 'x', Result: 4, Message: 'Store unreachable' }] },
    });
    const pluginsDir = path.join(tmp.path, 'plugins');
    const staging = path.join(tmp.path, 'incoming');
    await mkdir(pluginsDir);
    await mkdir(staging);
    const changes: PluginChange[] = [];
    host = await createHost({
      config: {
        pluginsDir,
        dataDir: path.join(tmp.path, 'data'),
        logLevel: 'silent',
        platform: { url: platform.url, auth: { type: 'bearer', token: 'kit-secret' } },
      },
      watch: true,
      onPluginChange: (c) => changes.push(c),
    });

    // The documented drop: unpack beside the plugins folder, then one atomic move into it.
    const untar = await run('tar', ['-xzf', tarball, '-C', staging], tmp.path);
    expect(untar.code, explain(untar)).to.equal(0);
    const pkg = await readPluginPackage(path.join(staging, ID), new ManifestSchema());
    expect(pkg.manifest.integrity).to.equal(pkg.bundleIntegrity);
    await rename(path.join(staging, ID), path.join(pluginsDir, ID));

    const change = await waitFor(() => changes.find((c) => c.id === ID), { what: () => `the host to pick up '${ID}' (changes: ${JSON.stringify(changes)})`, timeoutMs: 15_000, intervalMs: 25 });
    expect(change.kind, JSON.stringify(change)).to.equal('added');

    const result = await host.dispatch({
      AgentId: '7f1c2b9e-3d4a-4e5f-8a6b-1c2d3e4f5a6b',
      JobId: '5d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a',
      JobType: 'AcmeStoreInventory',
      JobTypeId: STORE_INVENTORY_GUID.toLowerCase(),
      JobResult: 'Failure',
      OperationType: 'Unknown',
      CertificateId: null,
      CurrentRetryCount: 0,
    });
    expect(result.outcomes.map((o) => [o.plugin, o.handler, o.outcome, o.error?.message])).to.deep.equal([[ID, 'AuditJob', 'succeeded', undefined]]);
    expect(platform.requests.map((r) => [r.method, r.path, r.query['pq.queryString'], r.headers.authorization])).to.deep.equal([
      ['GET', 'OrchestratorJobs/JobHistory', 'JobID -eq "5d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a"', 'Bearer kit-secret'],
    ]);
  });
});
