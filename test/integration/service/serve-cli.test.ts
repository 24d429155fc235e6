import { expect } from 'chai';
import path from 'node:path';
import { useTempDir } from '../../support/temp-dir.js';
import { cliEnv, jobhook, type CliRun } from '../../support/cli-runner.js';

/** `jobhook serve --plugins plugins args…`, which must refuse at once (killed after 20 s otherwise). */
const serve = (args: string[], env: Record<string, string> = {}): Promise<CliRun> => jobhook(['serve', '--plugins', 'plugins', ...args], { env: cliEnv(env), killAfterMs: 20_000 });

describe('jobhook serve: flags it refuses before loading any plugin', function () {
  this.timeout(30_000);
  const tmp = useTempDir('jobhook-serve-cli-');

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
