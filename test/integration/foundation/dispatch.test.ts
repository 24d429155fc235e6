import { expect } from 'chai';
import path from 'node:path';
import { createHost, EventValidationError, type Host, type HandlerOutcome } from '@jobhook/host';
import { captureLogs } from '../../support/log-capture.js';
import { GUID_A, GUID_B, GUID_C, event, handlerBundle, manifest, tempDir, writePlugin, type TempDir } from '../../support/foundation-plugins.js';

const byPlugin = (outcomes: readonly HandlerOutcome[]): Record<string, HandlerOutcome> => Object.fromEntries(outcomes.map((o) => [o.plugin, o]));

describe('dispatching job-completion events', function () {
  this.timeout(30_000);
  let tmp: TempDir;
  let host: Host;

  before(async () => {
    tmp = await tempDir();
    const root = path.join(tmp.path, 'plugins');
    await writePlugin(root, 'sync-true', manifest('t.sync-true'), handlerBundle('return true;'));
    await writePlugin(root, 'async-false', manifest('t.async-false'), handlerBundle('return new Promise((r) => setTimeout(() => r(false), 20));'));
    await writePlugin(root, 'thrower', manifest('t.thrower'), handlerBundle("throw new Error('certificate store unreachable: ' + ctx.clientMachine);"));
    await writePlugin(root, 'non-boolean', manifest('t.non-boolean'), handlerBundle("return 'yes';"));
    await writePlugin(root, 'never', manifest('t.never', { limits: { timeoutMs: 300 } }), handlerBundle('return new Promise(() => {});'));
    await writePlugin(root, 'other-type', manifest('t.other-type', {}, [GUID_C]), handlerBundle('return true;', GUID_C));
    await writePlugin(root, 'upper', manifest('t.upper', {}, [GUID_B.toUpperCase()]), handlerBundle('return ctx.jobTypeId === ' + JSON.stringify(GUID_B) + ';', GUID_B.toUpperCase()));
    await writePlugin(root, 'broken-load', manifest('t.broken-load'), "throw new Error('bundle exploded at load');");
    await writePlugin(
      root,
      'mismatch',
      manifest('t.mismatch', {}, [GUID_A]),
      handlerBundle('return true;', GUID_C),
    );
    host = await createHost({ config: { pluginsDir: root }, logger: captureLogs().logger });
  });
  after(async () => {
    await host.close();
    await tmp.dispose();
  });

  it('runs every handler of the matching job type, each with its own outcome', async () => {
    const { outcomes } = await host.dispatch(event(GUID_A));
    const o = byPlugin(outcomes);
    expect(Object.keys(o).sort()).to.deep.equal(['t.async-false', 't.never', 't.non-boolean', 't.sync-true', 't.thrower']);
    expect(o['t.sync-true']).to.include({ outcome: 'succeeded', version: '1.0.0', handler: 'H' });
    expect(o['t.async-false']!.outcome).to.equal('failed');
    expect(o['t.thrower']!.outcome).to.equal('error');
    expect(o['t.thrower']!.error?.message).to.equal('certificate store unreachable: orch-01.example.com');
    expect(o['t.non-boolean']!.outcome).to.equal('error');
    expect(o['t.non-boolean']!.error).to.include({ code: 'HANDLER_BAD_RESULT' });
    expect(o['t.non-boolean']!.error?.message).to.match(/returned string; it must return a boolean/);
    expect(o['t.never']!.outcome).to.equal('timeout');
    expect(o['t.never']!.error?.code).to.equal('SANDBOX_TIMEOUT');
    expect(o['t.never']!.durationMs).to.be.within(290, 2000);
  });

  it('does not let a slow or failing plugin hold up another: the fast one answers in its own time', async () => {
    const { outcomes } = await host.dispatch(event(GUID_A));
    expect(byPlugin(outcomes)['t.sync-true']!.durationMs).to.be.below(250);
  });

  it('matches job-type GUIDs case-insensitively, in the event and in the manifest', async () => {
    const { outcomes } = await host.dispatch(event(GUID_B.toUpperCase()));
    expect(outcomes.map((o) => [o.plugin, o.outcome])).to.deep.equal([['t.upper', 'succeeded']]);
  });

  it('runs no handler of other job types', async () => {
    const { outcomes } = await host.dispatch(event(GUID_C));
    expect(outcomes.map((o) => o.plugin)).to.deep.equal(['t.other-type']);
  });

  it('answers an event no handler matches with no outcomes', async () => {
    const { outcomes } = await host.dispatch(event('00000000-0000-0000-0000-0000000000ff'));
    expect(outcomes).to.deep.equal([]);
  });

  it('records a plugin whose bundle throws at load as failed, with its error, without stopping the others', () => {
    const status = host.plugins().find((p) => p.id === 't.broken-load');
    expect(status?.state).to.equal('failed');
    expect(status?.lastError?.code).to.equal('PLUGIN_BUNDLE_THREW');
    expect(status?.lastError?.message).to.match(/Loading plugin 't\.broken-load' 1\.0\.0 failed: .*bundle exploded at load/);
    expect(host.plugins().filter((p) => p.state === 'active')).to.have.length(7);
  });

  it("refuses a plugin whose code's jobTypes disagree with plugin.json, naming both lists", () => {
    const status = host.plugins().find((p) => p.id === 't.mismatch');
    expect(status?.state).to.equal('failed');
    expect(status?.lastError?.code).to.equal('PLUGIN_HANDLERS_MISMATCH');
    expect(status?.lastError?.message).to.contain(`plugin.json lists job types [${GUID_A}] but the code's jobTypes is [${GUID_C}]`);
  });

  it('keeps serving after a handler timed out', async () => {
    const { outcomes } = await host.dispatch(event(GUID_A));
    expect(byPlugin(outcomes)['t.sync-true']!.outcome).to.equal('succeeded');
    expect(host.plugins().find((p) => p.id === 't.never')?.state).to.equal('active');
  });

  it('rejects a malformed event with field-level problems and runs nothing', async () => {
    try {
      await host.dispatch({ ...event(GUID_A), jobTypeId: 'nope', jobResult: 'Exploded' });
      expect.fail('should reject');
    } catch (e) {
      expect(e).to.be.instanceOf(EventValidationError);
      expect((e as EventValidationError).problems.map((p) => p.pointer)).to.have.members(['/jobTypeId', '/jobResult']);
    }
  });
});
