import { expect } from 'chai';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { repoRoot } from '../../support/service-harness.js';

const run = promisify(execFile);

async function serve(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, ['--no-node-snapshot', path.join(repoRoot, 'host/dist/main.js'), 'serve', '--plugins', 'plugins', ...args], { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 20_000 });
    return { code: 0, stderr: '' };
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
}

describe('jobhook serve: flags it refuses before loading any plugin', function () {
  this.timeout(30_000);
  let tmp: TempDir;
  before(async () => (tmp = await tempDir('jobhook-serve-cli-')));
  after(() => tmp.dispose());

  it('refuses a non-loopback --listen without a token (exit 2, SERVE_INSECURE_LISTEN)', async () => {
    const { code, stderr } = await serve(['--listen', '0.0.0.0:0', '--data-dir', path.join(tmp.path, 'a')], { JOBHOOK_TOKEN: '' });
    expect(code).to.equal(2);
    expect(stderr).to.match(/^jobhook serve: SERVE_INSECURE_LISTEN: refusing to listen on 0\.0\.0\.0:0 without an API token/);
  });

  it('refuses a --retention that is not a duration (exit 2, CONFIG_RETENTION_INVALID)', async () => {
    const { code, stderr } = await serve(['--retention', 'forever', '--listen', '127.0.0.1:0', '--data-dir', path.join(tmp.path, 'b')]);
    expect(code).to.equal(2);
    expect(stderr).to.match(/CONFIG_RETENTION_INVALID: --retention 'forever'/);
  });
});
