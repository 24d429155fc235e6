// A message the host cannot serialise for its sandbox process (past V8's string limit once escaped)
// used to throw inside the IPC batcher's setImmediate and end the host. Now the host measures it first
// and fails only the request it carried, with a code, without trying; a send that fails anyway fails
// only its own message (test/unit/sandbox/process/ipc-batcher.test.ts).
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { normalizeEvent } from '../../../host/dist/sources/normalize-event.js';
import { event } from '../../support/foundation-plugins.js';
import { fixture, IsolationHost, WELL_JOB_TYPE } from './isolation-harness.js';

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

  it('carries a 3 MiB bundle of escapable bytes to its process in pieces, and runs it', async () => {
    const wellBehaved = readFileSync(path.join(fixture('isolation-well-behaved'), 'bundle.js'), 'utf8');
    const sandbox = h.factory.create({ log: () => {}, http: () => Promise.resolve('{"ok":false,"error":{"name":"E","code":"X","message":"no"}}') });
    const { result: loaded, neighbour } = await h.underAttack(() =>
      sandbox.load({
        pluginId: 'hostile.padded-bundle',
        version: '1.0.0',
        bundleCode: `const padding = "${'\u0001'.repeat(3 * MiB)}";\n${wellBehaved}`,
        bundleFilename: 'plugin:hostile.padded-bundle/bundle.js',
        optionsJson: '{}',
        memoryMb: 64,
        loadTimeoutMs: 10_000,
      }),
    );
    expect(loaded.handlers.map((x) => x.name)).to.deep.equal(['H']);
    const result = await sandbox.invoke({ invocationId: 'i-1', handler: 'H', eventJson: JSON.stringify(normalizeEvent(event(WELL_JOB_TYPE))), timeoutMs: 5000 });
    h.expectNeighbourUnharmed(neighbour);
    await sandbox.dispose();
    expect(result.outcome, JSON.stringify(result)).to.equal('succeeded');
    await h.expectNothingLeftBehind();
  });
});
