// A large message crosses to its sandbox process in pieces. When one piece cannot be written, the host
// fails the message; the worker must then let go of the pieces it already received for it, or a
// long-lived process would hold them (megabytes each time) for the rest of its life.
import { expect } from 'chai';
import type { ChildProcess } from 'node:child_process';
import { SandboxProcess } from '../../../host/dist/sandbox/process/sandbox-process.js';
import { DEFAULT_SANDBOX_LIMITS } from '../../../host/dist/sandbox/sandbox-limits.js';
import { captureLogs } from '../../support/log-capture.js';

const MiB = 1024 * 1024;

describe('a chunked message one of whose pieces cannot be sent (one real sandbox process)', function () {
  this.timeout(30_000);
  let proc: SandboxProcess;

  before(async () => {
    proc = new SandboxProcess(
      'dedicated',
      { limits: DEFAULT_SANDBOX_LIMITS, heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 20_000, processMemoryMb: 4096, processHardMemoryMb: 0, prlimit: null, logger: captureLogs().logger },
      () => {},
    );
    await proc.ready;
  });
  after(() => proc?.shutdown());

  /**
   * Loads a 3 MiB bundle while the child's send throws for the one write `fails` picks. No 256 KiB
   * piece of a string can fail to serialise on its own, so the failure is injected at the one place it
   * would surface; the process, its channel and its worker are real.
   */
  async function loadFailing(sid: string, fails: (message: { type?: string; chunked?: boolean }, pieces: number) => boolean): Promise<{ code?: string; pieces: number }> {
    const child = (proc as unknown as { child: ChildProcess }).child;
    const send = child.send.bind(child) as (...args: unknown[]) => boolean;
    let pieces = 0;
    child.send = ((message: unknown, ...rest: unknown[]) => {
      const first = (Array.isArray(message) ? message[0] : undefined) as { type?: string; chunked?: boolean } | undefined;
      if (first?.type === 'chunk') pieces++;
      if (first && fails(first, pieces)) throw new RangeError('Invalid string length');
      return send(message, ...rest);
    }) as ChildProcess['send'];
    const spec = { pluginId: 'test.chunked', version: '1.0.0', bundleCode: `/*${'x'.repeat(3 * MiB)}*/`, bundleFilename: 'plugin:test.chunked/bundle.js', optionsJson: '{}', memoryMb: 64, loadTimeoutMs: 10_000 };
    try {
      const error = await proc.request('load', { sid, spec }, 15_000).then(
        () => expect.fail('the load should fail'),
        (e: { code?: string }) => e,
      );
      return { code: error.code, pieces };
    } finally {
      child.send = send as ChildProcess['send'];
    }
  }

  it('fails the load with SANDBOX_IPC_SEND_FAILED when a middle piece is lost, and leaves no pieces of it in the worker', async () => {
    const { code, pieces } = await loadFailing('s-middle', (m, n) => m.type === 'chunk' && n === 3);
    expect(pieces, 'the bundle crossed in pieces').to.be.greaterThan(3);
    expect(code).to.equal('SANDBOX_IPC_SEND_FAILED');
    expect((await proc.probe(5000)).heldChunks, 'pieces the worker still holds').to.equal(0);
  });

  it('does the same when the message carrying the last piece is lost', async () => {
    const { code, pieces } = await loadFailing('s-last', (m) => m.type === 'load' && m.chunked === true);
    expect(pieces).to.be.greaterThan(3);
    expect(code).to.equal('SANDBOX_IPC_SEND_FAILED');
    expect((await proc.probe(5000)).heldChunks, 'pieces the worker still holds').to.equal(0);
  });
});
