import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir, useTempDir } from '../../support/temp-dir.js';

describe('temp folders (test support)', () => {
  it('tempDir makes a fresh folder that dispose removes with its contents, twice without harm', async () => {
    const dir = await tempDir('jobhook-support-');
    await writeFile(path.join(dir.path, 'f'), 'x');
    expect(path.basename(dir.path)).to.match(/^jobhook-support-/);
    await dir.dispose();
    await dir.dispose();
    expect(existsSync(dir.path)).to.equal(false);
  });

  describe('useTempDir per test', () => {
    const tmp = useTempDir('jobhook-support-each-', 'each');
    const seen: string[] = [];
    it('gives the first test a folder', () => {
      expect(existsSync(tmp.path)).to.equal(true);
      seen.push(tmp.path);
    });
    it('gives the next test another, the first one removed', () => {
      expect(tmp.path).to.not.equal(seen[0]);
      expect(existsSync(seen[0]!)).to.equal(false);
    });
  });
});
