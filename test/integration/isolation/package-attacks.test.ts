// Hostile packages dropped into a running `jobhook serve`: files that are not what they claim (links
// to devices and secrets, FIFOs), oversized manifests and bundles, manifests built to make
// validation slow or its report huge, ids that shadow a neighbour's. Each ends with a coded refusal,
// the host serving, and the neighbour in the same sandbox process getting every outcome.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { GUID_A, GUID_B, tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { startHostileServe, type HostileServe } from '../../support/hostile-serve.js';
import { hotPluginFiles, writePackage } from '../../support/plugin-folders.js';
import { request } from '../../support/service-harness.js';

const run = promisify(execFile);
const TOKEN = 'jh-package-attack-secret-4f1c9e';

/** A folder holding a valid bundle and whatever plugin.json `place` makes. */
async function packageWith(plugins: string, folder: string, place: (manifestPath: string, manifestText: string) => Promise<void>, id = `hostile.${folder}`): Promise<void> {
  const staging = path.join(plugins, `.${folder}.incoming`);
  const files = hotPluginFiles({ id, jobTypes: [GUID_B] });
  await mkdir(path.join(staging, 'dist'), { recursive: true });
  await writeFile(path.join(staging, 'dist', 'plugin.js'), files.bundle);
  await place(path.join(staging, 'plugin.json'), files.manifest);
  await run('mv', [staging, path.join(plugins, folder)]);
}

function manifestWithJobTypes(id: string, jobTypes: string[]): string {
  return JSON.stringify({ id, name: id, version: '1.0.0', engine: '^0.1.0', main: 'dist/plugin.js', handlers: [{ name: 'H', jobTypes }] });
}

describe('hostile packages dropped into a running serve', function () {
  this.timeout(60_000);
  let h: HostileServe;
  let secrets: TempDir;
  let tokenFile: string;

  before(async () => {
    secrets = await tempDir('jobhook-token-');
    tokenFile = path.join(secrets.path, 'platform-token');
    await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    h = await startHostileServe({ env: { JOBHOOK_PLATFORM_TOKEN_FILE: tokenFile } });
    await h.active('well.neighbour');
  });
  after(async () => {
    await h?.close();
    await secrets?.dispose();
  });

  it('refuses a bundle over packages.maxBundleBytes before reading it, naming the plugin and the limit', async () => {
    await packageWith(h.plugins, 'huge-bundle', async (file, text) => {
      await writeFile(file, text);
      // 20 MiB of control bytes: JSON-escaping them for the sandbox would cost six times that.
      await writeFile(path.join(path.dirname(file), 'dist', 'plugin.js'), Buffer.alloc(20 * 1024 * 1024, 1));
    });
    const p = await h.refused('huge-bundle', 'BUNDLE_TOO_LARGE');
    expect(p.lastError!.message).to.include("plugin 'hostile.huge-bundle'").and.include('over the limit of 16 MiB (packages.maxBundleBytes)');
    await h.expectServing();
  });

  it('refuses a plugin.json linked to /dev/zero without reading from it', async () => {
    await packageWith(h.plugins, 'dev-zero', (file) => symlink('/dev/zero', file));
    const p = await h.refused('dev-zero', 'MANIFEST_NOT_REGULAR');
    expect(p.lastError!.message).to.include('symbolic link');
    await h.expectServing();
  });

  it('refuses four FIFOs as plugin.json without blocking, and still loads the next package dropped', async () => {
    for (const n of [1, 2, 3, 4]) await packageWith(h.plugins, `fifo-${n}`, (file) => run('mkfifo', [file]).then(() => undefined));
    for (const n of [1, 2, 3, 4]) expect((await h.refused(`fifo-${n}`, 'MANIFEST_NOT_REGULAR')).lastError!.message).to.include('FIFO');
    await writePackage(path.join(h.plugins, 'after-fifos'), { id: 'well.after-fifos', jobTypes: [GUID_B] });
    await h.active('well.after-fifos');
    await h.expectServing();
  });

  it('refuses a plugin.json over packages.maxManifestBytes before parsing it (50,000 GUIDs)', async () => {
    const guids = Array.from({ length: 50_000 }, (_, i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`);
    await packageWith(h.plugins, 'many-guids', (file) => writeFile(file, manifestWithJobTypes('hostile.many-guids', guids)));
    const p = await h.refused('many-guids', 'MANIFEST_TOO_LARGE');
    expect(p.lastError!.message).to.include('over the limit of 256 KiB (packages.maxManifestBytes)');
    await h.expectServing();
  });

  it('validates a manifest of thousands of bad job types quickly and reports the first 20 problems', async () => {
    // Within the size cap: 6,000 job types, over the schema's maxItems, each also invalid.
    const bad = Array.from({ length: 6000 }, (_, i) => `not-a-guid-${i}`);
    const started = Date.now();
    await packageWith(h.plugins, 'bad-guids', (file) => writeFile(file, manifestWithJobTypes('hostile.bad-guids', bad)));
    const p = await h.refused('bad-guids', 'MANIFEST_INVALID');
    expect(Date.now() - started, 'refused within a few seconds').to.be.below(8000);
    expect(p.lastError!.message.length, 'message length').to.be.below(10_000);
    expect(p.lastError!.message).to.match(/and \d+ more problem\(s\) not listed/);
    const answer = await request(`${h.url}/v1/plugins`);
    expect(JSON.stringify(answer.body).length, '/v1/plugins answer size').to.be.below(50_000);
    expect(Math.max(...h.serve.lines.map((l) => JSON.stringify(l).length)), 'longest log line').to.be.below(20_000);
    await h.expectServing();
  });

  it('finds duplicate job types ignoring case and braces, without the schema', async () => {
    await packageWith(h.plugins, 'dup-guids', (file) => writeFile(file, manifestWithJobTypes('hostile.dup-guids', [GUID_B, `{${GUID_B.toUpperCase()}}`])));
    const p = await h.refused('dup-guids', 'MANIFEST_INVALID');
    expect(p.lastError!.message).to.include('/handlers/0/jobTypes/1: repeats /handlers/0/jobTypes/0');
    await h.expectServing();
  });

  it('refuses a plugin.json linked to the platform token file, and the token appears nowhere', async () => {
    await packageWith(h.plugins, 'token-link', (file) => symlink(tokenFile, file));
    const p = await h.refused('token-link', 'MANIFEST_NOT_REGULAR');
    expect(JSON.stringify(p)).not.to.include(TOKEN);
    expect(h.logText()).not.to.include(TOKEN);
    await h.expectServing();
  });

  it('reports a plugin.json that is not JSON by position only, never quoting it', async () => {
    await packageWith(h.plugins, 'token-copy', (file) => writeFile(file, `${TOKEN}\n`));
    // Not JSON looks half-written at first: the watcher waits for it to complete, then refuses it.
    const p = await h.refused('token-copy', 'MANIFEST_NOT_JSON');
    expect(p.lastError!.message).to.include('plugin.json is not valid JSON');
    expect(JSON.stringify(await h.list())).not.to.include(TOKEN.slice(0, 8));
    expect(h.logText()).not.to.include(TOKEN.slice(0, 8));
    await h.expectServing();
  });

  it("refuses ids that differ from a neighbour's only by a trailing '.' or '-'", async () => {
    await writePackage(path.join(h.plugins, 'shadow-dot'), { id: 'well.neighbour.', jobTypes: [GUID_A] });
    await writePackage(path.join(h.plugins, 'shadow-dash'), { id: 'well.neighbour-', jobTypes: [GUID_A] });
    for (const folder of ['shadow-dot', 'shadow-dash']) {
      const p = await h.refused(folder, 'MANIFEST_INVALID');
      expect(p.lastError!.message).to.include('/id');
    }
    // The neighbour alone answers its job type: neither shadow was loaded beside it.
    await h.expectServing();
  });

  it('ends with SIGTERM promptly after all of the above', async () => {
    // The FIFOs are still in the folder: a read blocked on one would hold the shutdown.
    const { code, ms } = await h.stop();
    expect(code).to.equal(0);
    expect(ms).to.be.below(15_000);
  });
});
