import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { useTempDir } from '../../support/temp-dir.js';
import { ARCHIVE_LIMITS, packPluginFolder, readPackageArchive } from '../../../host/dist/cluster/plugin-archive.js';

// A raw ustar entry, so a test can write what no well-behaved packer would (links, '..', absolute paths).
function entry(name: string, content: string | Buffer = '', type = '0', linkname = ''): Buffer {
  const body = Buffer.isBuffer(content) ? content : Buffer.from(content);
  const h = Buffer.alloc(512, 0);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 8, 'ascii');
  h.write('0000000\0', 108, 8, 'ascii');
  h.write('0000000\0', 116, 8, 'ascii');
  h.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124, 12, 'ascii');
  h.write('00000000000\0', 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii');
  h.write(type, 156, 1, 'ascii');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\u000000', 257, 8, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  const pad = Buffer.alloc((512 - (body.length % 512)) % 512, 0);
  return Buffer.concat([h, body, pad]);
}
const tgz = (...entries: Buffer[]): Buffer => gzipSync(Buffer.concat([...entries, Buffer.alloc(1024, 0)]));

async function refusal(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('expected a refusal');
}

describe('plugin package archives', () => {
  const tmp = useTempDir('jobhook-archive-', 'each');

  it('reads a package with one top folder (as jobhook-sdk pack writes it) or with files at its top', async () => {
    const nested = await readPackageArchive(tgz(entry('acme.x/', '', '5'), entry('acme.x/plugin.json', '{}'), entry('acme.x/dist/plugin.js', 'code')));
    expect([...nested.keys()].sort()).to.deep.equal(['dist/plugin.js', 'plugin.json']);
    const flat = await readPackageArchive(tgz(entry('plugin.json', '{}'), entry('./bundle.js', 'code')));
    expect(flat.get('bundle.js')?.toString()).to.equal('code');
  });

  it('packs a plugin folder to plugin.json and its bundle only, under a folder named after its id', async () => {
    const dir = path.join(tmp.path, 'src');
    await mkdir(path.join(dir, 'dist'), { recursive: true });
    await mkdir(path.join(dir, 'node_modules', 'junk'), { recursive: true });
    await writeFile(path.join(dir, 'plugin.json'), JSON.stringify({ id: 'acme.x', version: '1.2.3', main: 'dist/plugin.js' }));
    await writeFile(path.join(dir, 'dist', 'plugin.js'), 'bundle');
    await writeFile(path.join(dir, 'node_modules', 'junk', 'index.js'), 'junk');
    const packed = await packPluginFolder(dir);
    expect(packed).to.include({ id: 'acme.x', version: '1.2.3' });
    expect([...(await readPackageArchive(packed.tgz)).keys()].sort()).to.deep.equal(['dist/plugin.js', 'plugin.json']);
  });

  for (const [what, archive] of [
    ['a path climbing out with ..', () => tgz(entry('plugin.json', '{}'), entry('../../etc/cron.d/x', 'boom'))],
    ['an absolute path', () => tgz(entry('plugin.json', '{}'), entry('/etc/passwd', 'boom'))],
    ['a symbolic link', () => tgz(entry('plugin.json', '{}'), entry('bundle.js', '', '2', '/etc/passwd'))],
    ['a hard link', () => tgz(entry('plugin.json', '{}'), entry('bundle.js', '', '1', 'plugin.json'))],
    ['no plugin.json', () => tgz(entry('a/bundle.js', 'x'), entry('b/plugin.json', '{}'))],
    ['bytes that are not gzip', () => Buffer.from('plain text')],
  ] as const) {
    it(`refuses a package with ${what}`, async () => {
      const err = await refusal(readPackageArchive(archive()));
      expect(err.code).to.equal('DEPLOY_PACKAGE_INVALID');
    });
  }

  it('stops unpacking a gzip bomb at the size cap', async () => {
    const bomb = gzipSync(Buffer.concat([entry('plugin.json', Buffer.alloc(ARCHIVE_LIMITS.maxUnpackedBytes + 4 * 1024 * 1024, 0x20)), Buffer.alloc(1024, 0)]));
    expect(bomb.length).to.be.below(1024 * 1024);
    const err = await refusal(readPackageArchive(bomb));
    expect(err.code).to.equal('DEPLOY_PACKAGE_INVALID');
    expect(err.message).to.match(/bytes unpacked/);
  });
});
