import { expect } from 'chai';
import { build } from 'esbuild';
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHost, type Host } from '@jobhook/host';
import { buildPlugin } from '@jobhook/sdk/build';
import { captureLogs } from '../../support/log-capture.js';
import { GUID_B, event, tempDir, type TempDir } from '../../support/foundation-plugins.js';

const fixture = fileURLToPath(new URL('../../fixtures/plugins/di-deep', import.meta.url));

describe('dependency injection inside the isolate', function () {
  this.timeout(60_000);
  let tmp: TempDir;
  let host: Host | undefined;

  before(async () => {
    tmp = await tempDir();
    // Built in place: the fixture resolves @jobhook/sdk from the workspace, as a real plugin does.
    await buildPlugin(fixture);
  });
  after(() => tmp.dispose());
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });

  async function deployBuilt(folder: string): Promise<string> {
    const dir = path.join(tmp.path, folder);
    await cp(fixture, dir, { recursive: true });
    return dir;
  }

  it('resolves the handler by constructor type two levels deep, with options, logger and context', async () => {
    const plugins = path.join(tmp.path, 'deep-default');
    await mkdir(plugins);
    await deployBuilt(path.join('deep-default', 'di-deep'));
    const logs = captureLogs();
    host = await createHost({ config: { pluginsDir: plugins }, logger: logs.logger });
    const { outcomes } = await host.dispatch(event(GUID_B, { certificateId: 7 }));
    expect(outcomes.map((o) => o.outcome)).to.deep.equal(['succeeded']);
    const line = logs.lines.find((l) => l.msg === 'deep handler ran');
    expect(line).to.include({ plugin: 'test.di-deep', handler: 'Deep', source: 'plugin' });
    // The plugin's own fields, under `data`, apart from the host's.
    expect(line?.data).to.include({ chain: 'outer(hello@2)', sameContext: true, frozen: true, timestampIsDate: true, certificateId: 7, jobTypeId: GUID_B });
    expect(line?.invocationId).to.equal(outcomes[0]!.invocationId);
  });

  it("injects the admin's option overrides over the manifest defaults", async () => {
    const plugins = path.join(tmp.path, 'deep-override');
    await mkdir(plugins);
    await deployBuilt(path.join('deep-override', 'di-deep'));
    const logs = captureLogs();
    host = await createHost({ config: { pluginsDir: plugins, plugins: { 'test.di-deep': { options: { greeting: 'bonjour' } } } }, logger: logs.logger });
    await host.dispatch(event(GUID_B));
    expect((logs.lines.find((l) => l.msg === 'deep handler ran')?.data as { chain?: string } | undefined)?.chain).to.equal('outer(bonjour@2)');
  });

  it('refuses a plugin bundled without decorator metadata, saying how to fix it', async () => {
    const plugins = path.join(tmp.path, 'deep-nometa');
    const dir = path.join(plugins, 'di-deep');
    await mkdir(plugins);
    await cp(fixture, dir, { recursive: true });
    // esbuild alone understands decorators but emits no design:paramtypes metadata.
    await build({
      entryPoints: [path.join(dir, 'src/index.ts')],
      bundle: true,
      format: 'cjs',
      platform: 'neutral',
      outfile: path.join(dir, 'dist/plugin.js'),
      external: ['@jobhook/sdk', 'tsyringe', 'reflect-metadata'],
      tsconfigRaw: { compilerOptions: { experimentalDecorators: true } },
      logLevel: 'silent',
    });
    host = await createHost({ config: { pluginsDir: plugins }, logger: captureLogs().logger });
    const [status] = host.plugins();
    expect(status).to.include({ id: 'test.di-deep', state: 'failed' });
    expect(status!.lastError?.code).to.equal('PLUGIN_NO_DECORATOR_METADATA');
    expect(status!.lastError?.message).to.match(/Loading plugin 'test\.di-deep' 1\.0\.0 failed: .*emitDecoratorMetadata/);
    const { outcomes } = await host.dispatch(event(GUID_B));
    expect(outcomes).to.deep.equal([]);
  });
});
