import { expect } from 'chai';
import { PluginFaults } from '../../../../host/dist/plugins/registry/plugin-faults.js';

const crash = { name: 'SandboxCrash', code: 'ISOLATE_MEMORY_LIMIT', message: 'the plugin exceeded its memory limit' };
const policy = { maxFaults: 3, windowMs: 60_000, baseBackoffMs: 100 };

describe('PluginFaults: restarts with backoff, then quarantine', () => {
  it('restarts after a backoff that doubles with each death in the window, recording each death as the last error', () => {
    const faults = new PluginFaults(policy);
    const first = faults.record(crash, '1.0.0', 1_000);
    const second = faults.record(crash, '1.0.0', 2_000);
    expect(first).to.deep.equal({ quarantined: false, backoffMs: 100, error: { code: crash.code, message: crash.message, at: new Date(1_000).toISOString(), version: '1.0.0' } });
    expect(second).to.include({ quarantined: false, backoffMs: 200 });
    expect(faults.quarantined).to.equal(false);
  });

  it('quarantines at maxFaults deaths within the window, saying how many, over what window, and the last death', () => {
    const faults = new PluginFaults(policy);
    faults.record(crash, '1.0.0', 1_000);
    faults.record(crash, '1.0.0', 2_000);
    const verdict = faults.record(crash, '1.0.0', 3_000);
    expect(verdict).to.deep.equal({
      quarantined: true,
      error: {
        code: 'PLUGIN_QUARANTINED',
        message: 'quarantined after 3 faults within 60 s; last: ISOLATE_MEMORY_LIMIT: the plugin exceeded its memory limit. Change its files or re-enable it.',
        at: new Date(3_000).toISOString(),
        version: '1.0.0',
      },
    });
    expect(faults.quarantined).to.equal(true);
  });

  it('forgets deaths older than the window', () => {
    const faults = new PluginFaults(policy);
    faults.record(crash, '1.0.0', 0);
    faults.record(crash, '1.0.0', 1_000);
    const later = faults.record(crash, '1.0.0', 60_500);
    expect(later).to.include({ quarantined: false, backoffMs: 200 });
    expect(faults.count).to.equal(2);
  });

  it('restarts after a collateral death without holding it against the plugin', () => {
    const faults = new PluginFaults(policy);
    faults.record(crash, '1.0.0', 1_000);
    faults.record(crash, '1.0.0', 2_000);
    const collateral = faults.record({ ...crash, code: 'SANDBOX_PROCESS_DIED', collateral: true }, '1.0.0', 3_000);
    expect(collateral).to.include({ quarantined: false, backoffMs: 200 });
    expect(collateral.error.code).to.equal('SANDBOX_PROCESS_DIED');
    expect(faults.count).to.equal(2);
  });

  it('starts over after reset: no quarantine and no deaths counted', () => {
    const faults = new PluginFaults({ ...policy, maxFaults: 1 });
    expect(faults.record(crash, '1.0.0', 1_000).quarantined).to.equal(true);
    faults.reset();
    expect([faults.quarantined, faults.count]).to.deep.equal([false, 0]);
  });

  it('runs a scheduled restart once after its backoff, replaces one scheduled before, and runs none once cancelled', async () => {
    const faults = new PluginFaults(policy);
    const ran: string[] = [];
    faults.scheduleRestart(5, () => ran.push('first'));
    faults.scheduleRestart(10, () => ran.push('second'));
    await new Promise((r) => setTimeout(r, 40));
    expect(ran).to.deep.equal(['second']);
    faults.scheduleRestart(5, () => ran.push('cancelled'));
    faults.cancelRestart();
    await new Promise((r) => setTimeout(r, 20));
    expect(ran).to.deep.equal(['second']);
  });
});
