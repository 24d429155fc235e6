// A message the host cannot serialise for its sandbox process (past V8's string limit once escaped)
// used to throw inside the IPC batcher's setImmediate and end the host. Now the host measures it first
// and fails only the request it carried, with a code, without trying; a send that fails anyway fails
// only its own message (test/unit/sandbox/process/ipc-batcher.test.ts).
import { expect } from 'chai';
import { IsolationHost } from './isolation-harness.js';

const MiB = 1024 * 1024;

describe('bridge send failures (one sandbox process, shared with the neighbour)', function () {
  this.timeout(60_000);
  let h: IsolationHost;

  before(async () => {
    // The per-message bound raised out of the way: V8's string limit is what must hold.
    h = await IsolationHost.start({ factory: { processes: 1, limits: { maxBridgeMessageBytes: 2 ** 31 } } });
  });
  after(() => h?.close());

  it('fails a load whose 92 MiB bundle of escapable bytes could never be serialised with SANDBOX_MESSAGE_TOO_LARGE, before trying, and keeps the host and the neighbour', async () => {
    const sandbox = h.factory.create({ log: () => {}, http: () => Promise.resolve('{"ok":false,"error":{"name":"E","code":"X","message":"no"}}') });
    const { result, neighbour } = await h.underAttack(() =>
      sandbox
        .load({
          pluginId: 'hostile.huge-bundle',
          version: '1.0.0',
          // Escaped, each byte becomes six characters: ~550 M, past V8's longest string.
          bundleCode: `"${'\u0001'.repeat(92 * MiB)}"`,
          bundleFilename: 'plugin:hostile.huge-bundle/bundle.js',
          optionsJson: '{}',
          memoryMb: 64,
          loadTimeoutMs: 10_000,
        })
        .then(
          () => null,
          (e: { code?: string; message?: string }) => e,
        ),
    );
    expect(result?.code, result?.message).to.equal('SANDBOX_MESSAGE_TOO_LARGE');
    expect(result?.message).to.match(/'load' message was not sent to the sandbox process: .* past the longest string V8 can build/);
    h.expectNeighbourUnharmed(neighbour);
    expect((await h.dispatchWell()).outcome, 'the host still serves').to.equal('succeeded');
    await h.expectNothingLeftBehind();
  });
});
