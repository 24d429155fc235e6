import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { createHostLogger } from '../../../host/dist/logging/logger.js';
import { captureLogs } from '../../support/log-capture.js';
import { SandboxProcess } from '../../../host/dist/sandbox/process/sandbox-process.js';
import { sandboxLimits } from '../../../host/dist/sandbox/sandbox-limits.js';

const NEVER_READY = fileURLToPath(new URL('../../fixtures/workers/never-ready.js', import.meta.url));


function options(logger: ReturnType<typeof createHostLogger>, extra: { startTimeoutMs?: number; entry?: string } = {}) {
  return { limits: sandboxLimits({}), heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 5000, processMemoryMb: 2048, processHardMemoryMb: 0, prlimit: null, logger, ...extra };
}

describe('a sandbox process ending', function () {
  this.timeout(60_000);

  it('kills a worker that never becomes ready, so nothing waits on it forever', async () => {
    const { logger, lines } = captureLogs('debug');
    const proc = new SandboxProcess('pool', options(logger, { startTimeoutMs: 1500, entry: NEVER_READY }), () => {});
    const failure = await proc.ready.then(
      () => null,
      (e: unknown) => e as { code?: string },
    );
    expect(failure?.code).to.equal('SANDBOX_PROCESS_EXITED');
    expect((await proc.exited).message).to.match(/was killed by SIGKILL/);
    expect(proc.state).to.equal('exited');
    expect(lines.some((l) => l.msg === 'sandbox process did not become ready in time; killing it')).to.equal(true);
  });

  it('shuts down with answers still on their way without a warning, and the worker exits 0', async () => {
    const { logger, lines } = captureLogs('debug');
    // The race (answers written after the host closed the channel) is lost about one time in three.
    for (let round = 0; round < 6; round++) {
      const proc = new SandboxProcess('pool', options(logger), () => {});
      await proc.ready;
      const pings = Array.from({ length: 50 }, () => proc.request('ping', {}, 10_000).catch(() => null));
      await proc.shutdown(5000);
      await Promise.all(pings);
      expect((await proc.exited).message, `round ${round}`).to.match(/exited with code 0/);
    }
    expect(lines.filter((l) => l.level >= 40).map((l) => l.msg)).to.deep.equal([]);
  });
});
