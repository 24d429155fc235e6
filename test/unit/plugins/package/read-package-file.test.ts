import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { readPackageFile } from '../../../../host/dist/plugins/package/read-package-file.js';
import { jsonSyntaxProblem } from '../../../../host/dist/plugins/package/json-syntax-problem.js';
import { boundProblems } from '../../../../host/dist/errors.js';
import { useTempDir } from '../../../support/temp-dir.js';

const run = promisify(execFile);

describe('reading one file of a package', () => {
  const tmp = useTempDir('jobhook-manifest-', 'each');

  it('reads a regular file within the cap', async () => {
    await writeFile(path.join(tmp.path, 'f'), 'hello');
    const r = await readPackageFile(path.join(tmp.path, 'f'), 5);
    expect(r.ok && r.bytes.toString()).to.equal('hello');
  });

  it('refuses a file one byte over the cap without reading it', async () => {
    await writeFile(path.join(tmp.path, 'f'), 'hello!');
    expect(await readPackageFile(path.join(tmp.path, 'f'), 5)).to.deep.equal({ ok: false, failure: { kind: 'too-large', size: 6 } });
  });

  it('refuses links (even to files inside), devices, FIFOs and folders', async () => {
    await writeFile(path.join(tmp.path, 'real'), '{}');
    await symlink(path.join(tmp.path, 'real'), path.join(tmp.path, 'link'));
    await symlink('/dev/zero', path.join(tmp.path, 'zero'));
    await run('mkfifo', [path.join(tmp.path, 'fifo')]);
    await mkdir(path.join(tmp.path, 'dir'));
    const kinds = await Promise.all(['link', 'zero', 'fifo', 'dir', 'missing'].map(async (f) => {
      const r = await readPackageFile(path.join(tmp.path, f), 1024);
      return r.ok ? 'read' : r.failure.kind === 'not-regular' ? r.failure.what : r.failure.kind;
    }));
    expect(kinds).to.deep.equal(['link', 'link', 'a FIFO (named pipe)', 'a folder', 'missing']);
    const device = await readPackageFile('/dev/zero', 1024);
    expect(!device.ok && device.failure.kind).to.equal('not-regular');
  });
});

describe('reporting manifest problems', () => {
  it('gives the position of a JSON error, never the text around it', () => {
    const text = '{\n  "id": "x",\n}';
    let error: unknown;
    try {
      JSON.parse(text);
    } catch (e) {
      error = e;
    }
    expect(jsonSyntaxProblem(text, error)).to.equal('plugin.json is not valid JSON: unexpected input at line 3, column 1');
    let quoted: unknown;
    try {
      JSON.parse('secret-token-value');
    } catch (e) {
      quoted = e;
    }
    expect(jsonSyntaxProblem('secret-token-value', quoted)).not.to.include('secret');
  });

  it('keeps the first 20 problems, clipped, and says how many more there were', () => {
    const problems = Array.from({ length: 5000 }, (_, i) => ({ pointer: `/handlers/0/jobTypes/${i}`, message: 'x'.repeat(10_000) }));
    const bounded = boundProblems(problems);
    expect(bounded).to.have.length(21);
    expect(bounded[0]!.message.length).to.be.at.most(300);
    expect(bounded[20]!.message).to.equal('and 4980 more problem(s) not listed');
  });
});
