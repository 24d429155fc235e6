import { expect } from 'chai';
import { normalizeEvent } from '@jobhook/host';
import { IsolateSandbox } from '../../../../host/dist/sandbox/isolate/isolate-sandbox.js';
import { RuntimeScript } from '../../../../host/dist/sandbox/isolate/runtime-script.js';
import { sandboxLimits } from '../../../../host/dist/sandbox/sandbox-limits.js';
import type { PluginLogRecord, SandboxInvokeResult } from '../../../../host/dist/sandbox/plugin-sandbox.js';
import { GUID_A, event } from '../../../support/foundation-plugins.js';

// The event's `jobType` picks what the test handler does, so one batch can mix behaviours.
const eventJson = (jobType: string): string => JSON.stringify({ ...normalizeEvent(event(GUID_A)), jobType });

describe('IsolateSandbox batches (invocations of one turn go into the isolate with one call)', function () {
  this.timeout(20_000);
  const runtime = new RuntimeScript();
  let sandbox: IsolateSandbox | undefined;
  let lines: PluginLogRecord[] = [];
  after(() => runtime.dispose());
  afterEach(async () => {
    await sandbox?.dispose();
    sandbox = undefined;
    lines = [];
  });

  // A handler `H` taking the invocation's Logger as `this.log`; `body` is its runHandler(ctx).
  const bundle = (body: string, preamble: string): string => `'use strict';
const sdk = require('@jobhook/sdk');
${preamble}
class Handler {
  constructor(log) { this.jobTypes = ${JSON.stringify(GUID_A)}; this.log = log; }
  runHandler(ctx) { ${body} }
}
Reflect.defineMetadata('design:paramtypes', [sdk.Logger], Handler);
sdk.injectable()(Handler);
sdk.jobCompleteHandler('H')(Handler);
`;

  async function load(body: string, preamble = ''): Promise<IsolateSandbox> {
    sandbox = new IsolateSandbox(runtime, { log: (r) => lines.push(r), http: async () => '{"ok":false}' }, sandboxLimits({}));
    await sandbox.load({
      pluginId: 't.batch',
      version: '1.0.0',
      bundleCode: bundle(body, preamble),
      bundleFilename: 'plugin:t.batch/bundle.js',
      optionsJson: '{}',
      memoryMb: 32,
      loadTimeoutMs: 5000,
    });
    return sandbox;
  }

  const invoke = (s: IsolateSandbox, jobType: string, i: number, timeoutMs = 2000): Promise<SandboxInvokeResult> =>
    s.invoke({ invocationId: `inv-${i}`, handler: 'H', eventJson: eventJson(jobType), timeoutMs });

  it('starts the invocations dispatched in one turn within one synchronous run of the isolate', async () => {
    // `started` is reset by a microtask: it counts past 1 only while no microtask ran in between,
    // that is, only when the starts share one call into the isolate.
    const s = await load(
      `const seen = ++globalThis.started; Promise.resolve().then(() => { globalThis.started = 0; }); this.log.info('seen ' + seen); return true;`,
      `globalThis.started = 0;`,
    );
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => invoke(s, 'fast', i)));
    expect(results.map((r) => r.outcome)).to.deep.equal(Array(8).fill('succeeded'));
    const seenLines = lines.filter((l) => l.message.startsWith('seen '));
    const seen = seenLines.map((l) => Number(l.message.slice(5)));
    expect(Math.max(...seen), `starts seen in one run: ${seen}`).to.equal(8);
    // Every line still carries its own invocation.
    expect(seenLines.map((l) => l.invocationId).sort()).to.deep.equal(Array.from({ length: 8 }, (_, i) => `inv-${i}`).sort());
  });

  it('answers each invocation of a batch as it ends: a slow one holds no other back', async () => {
    const s = await load(`if (ctx.jobType === 'slow') return new Promise((r) => setTimeout(() => r(true), 400)); return ctx.jobType === 'fast';`);
    const started = performance.now();
    const ended: Array<[string, number, string]> = [];
    const kinds = ['slow', 'fast', 'failing', 'fast', 'slow', 'fast'];
    await Promise.all(kinds.map((kind, i) => invoke(s, kind, i).then((r) => ended.push([kind, performance.now() - started, r.outcome]))));
    for (const [kind, ms, outcome] of ended) {
      expect(outcome, kind).to.equal(kind === 'failing' ? 'failed' : 'succeeded');
      if (kind === 'slow') expect(ms, 'a slow one waits for its timer').to.be.at.least(390);
      else expect(ms, `${kind} answered before the slow ones`).to.be.below(300);
    }
  });

  it('stops the invocation that ran synchronously past its deadline, and still runs the ones queued after it', async () => {
    const s = await load(`if (ctx.jobType === 'loop') { while (true) {} } return true;`);
    const [looped, ...after] = await Promise.all([invoke(s, 'loop', 0, 300), invoke(s, 'fast', 1), invoke(s, 'fast', 2)]);
    expect(looped.outcome).to.equal('timeout');
    expect(looped.outcome === 'timeout' && looped.error.code).to.equal('SANDBOX_TIMEOUT');
    expect(after.map((r) => r.outcome)).to.deep.equal(['succeeded', 'succeeded']);
    expect((await invoke(s, 'fast', 3)).outcome, 'the isolate still serves').to.equal('succeeded');
  });

  it('ends every invocation of a batch crashed when the sandbox is disposed while they run', async () => {
    const s = await load(`return new Promise(() => {});`);
    const running = Promise.all(Array.from({ length: 4 }, (_, i) => invoke(s, 'never', i)));
    await new Promise((r) => setTimeout(r, 50));
    await s.dispose();
    const results = await running;
    expect(results.map((r) => (r.outcome === 'crashed' ? r.error.code : r.outcome))).to.deep.equal(Array(4).fill('SANDBOX_DISPOSED'));
  });
});
