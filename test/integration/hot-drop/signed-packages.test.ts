// Signed packages end to end: keys made and packages signed with the real `jobhook-sdk` CLI, dropped
// into a real `jobhook serve` whose trust store knows some keys and refuses unsigned packages.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { appendFile, cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { GUID_B, tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { startHostileServe, type HostileServe } from '../../support/hostile-serve.js';
import { writePackage } from '../../support/plugin-folders.js';
import { jobhookSdk, succeeded } from '../../support/cli-runner.js';

const run = promisify(execFile);
const sdk = (...args: string[]) => succeeded(jobhookSdk(args));

describe('signed packages', function () {
  this.timeout(60_000);
  let keys: TempDir;
  let h: HostileServe;
  let currentId: string;
  let oldId: string;

  /** A package signed with `key` in the staging folder, moved into the plugins folder. */
  async function dropSigned(folder: string, id: string, key: string | null, tamper?: (dir: string) => Promise<void>): Promise<void> {
    const staging = path.join(keys.path, 'staging', folder);
    await writePackage(staging, { id, jobTypes: [GUID_B] });
    if (key) await sdk('sign', staging, '--key', path.join(keys.path, `${key}.key`));
    await tamper?.(staging);
    await cp(staging, path.join(keys.path, 'ready', folder), { recursive: true });
    await run('mv', [path.join(keys.path, 'ready', folder), path.join(h.plugins, folder)]);
  }

  before(async () => {
    keys = await tempDir('jobhook-keys-');
    const keyId = async (name: string): Promise<string> => /key id (\S+)/.exec((await sdk('keygen', path.join(keys.path, name))).stdout)![1]!;
    currentId = await keyId('current');
    oldId = await keyId('old');
    await keyId('stranger');
    // The neighbour must be signed too: this host refuses unsigned packages.
    h = await startHostileServe({
      config: {
        trust: { keys: { [currentId]: path.join(keys.path, 'current.pub'), [oldId]: await readFile(path.join(keys.path, 'old.pub'), 'utf8') }, revoked: [oldId], unsigned: 'refuse' },
      },
      prepare: async (plugins) => {
        await sdk('sign', path.join(plugins, 'neighbour'), '--key', path.join(keys.path, 'current.key'));
      },
    });
    await h.active('well.neighbour');
  });
  after(async () => {
    await h?.close();
    await keys?.dispose();
  });

  it('writes a private key only its owner can read, and prints the key id the host config uses', async () => {
    const { mode } = await import('node:fs').then((fs) => fs.statSync(path.join(keys.path, 'current.key')));
    expect(mode & 0o077).to.equal(0);
    expect(currentId).to.match(/^ed25519-[0-9a-f]{16}$/);
  });

  it('loads a package signed with a trusted key and dispatches to it', async () => {
    await dropSigned('good', 'signed.good', 'current');
    expect((await h.active('signed.good')).signedBy, 'GET /v1/plugins names the signing key').to.equal(currentId);
    const outcomes = await h.dispatch(GUID_B);
    expect(outcomes.find((o) => o.plugin === 'signed.good')?.outcome).to.equal('succeeded');
    await h.expectServing();
  });

  it('refuses a package whose bundle changed after signing', async () => {
    await dropSigned('bad-bundle', 'signed.bad-bundle', 'current', (dir) => appendFile(path.join(dir, 'dist', 'plugin.js'), '\n// changed\n'));
    const p = await h.refused('bad-bundle', 'PACKAGE_SIGNATURE_INVALID');
    expect(p.lastError!.message).to.include(`key '${currentId}'`).and.include('the bundle changed after it was signed');
    await h.expectServing();
  });

  it('refuses a package whose plugin.json changed after signing', async () => {
    await dropSigned('bad-manifest', 'signed.bad-manifest', 'current', async (dir) => {
      const m = JSON.parse(await readFile(path.join(dir, 'plugin.json'), 'utf8'));
      m.permissions = { http: [{ url: '**', methods: ['GET', 'POST'] }] };
      await writeFile(path.join(dir, 'plugin.json'), JSON.stringify(m));
    });
    const p = await h.refused('bad-manifest', 'PACKAGE_SIGNATURE_INVALID');
    expect(p.lastError!.message).to.include('plugin.json changed after it was signed');
    await h.expectServing();
  });

  it('keeps a re-indented plugin.json valid: the signature covers its canonical form', async () => {
    await dropSigned('reindented', 'signed.reindented', 'current', async (dir) => {
      const m = JSON.parse(await readFile(path.join(dir, 'plugin.json'), 'utf8'));
      const reordered = Object.fromEntries(Object.entries(m).reverse());
      await writeFile(path.join(dir, 'plugin.json'), JSON.stringify(reordered, null, 4));
    });
    await h.active('signed.reindented');
  });

  it('refuses an unsigned package under trust.unsigned: refuse', async () => {
    await dropSigned('unsigned', 'signed.unsigned', null);
    const p = await h.refused('unsigned', 'PACKAGE_UNSIGNED');
    expect(p.lastError!.message).to.include('trust.unsigned: refuse');
    await h.expectServing();
  });

  it('refuses a package signed with a revoked key, naming the key', async () => {
    await dropSigned('revoked', 'signed.revoked', 'old');
    const p = await h.refused('revoked', 'PACKAGE_KEY_REVOKED');
    expect(p.lastError!.message).to.include(`key '${oldId}'`);
    await h.expectServing();
  });

  it('refuses a package signed with a key the host does not know, naming the key', async () => {
    await dropSigned('stranger', 'signed.stranger', 'stranger');
    const p = await h.refused('stranger', 'PACKAGE_KEY_UNKNOWN');
    expect(p.lastError!.message).to.match(/key 'ed25519-[0-9a-f]{16}', which is not in trust\.keys/);
    await h.expectServing();
  });

  it('loads a refused package once it is re-signed with a trusted key (rotation)', async () => {
    await sdk('sign', path.join(h.plugins, 'revoked'), '--key', path.join(keys.path, 'current.key'));
    await h.active('signed.revoked');
    await rm(path.join(keys.path, 'staging'), { recursive: true, force: true });
  });
});
