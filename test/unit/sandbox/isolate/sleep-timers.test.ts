import { expect } from 'chai';
import { SleepTimers } from '../../../../host/dist/sandbox/isolate/sleep-timers.js';

const settledWithin = (p: Promise<unknown>, ms: number): Promise<string> =>
  Promise.race([p.then(() => 'resolved', () => 'rejected'), new Promise<string>((r) => setTimeout(() => r('pending'), ms))]);

describe('SleepTimers (the host side of an isolate timers)', () => {
  it('resolves a sleep after its delay', async () => {
    const timers = new SleepTimers(10);
    expect(await settledWithin(timers.sleep(5), 200)).to.equal('resolved');
    timers.dispose();
  });

  it('rejects past the pending limit with TIMER_LIMIT, without throwing', async () => {
    const timers = new SleepTimers(2);
    void timers.sleep(1000);
    void timers.sleep(1000);
    const third = timers.sleep(1);
    const error = await third.then(() => null, (e: { code?: string }) => e);
    expect(error?.code).to.equal('TIMER_LIMIT');
    timers.dispose();
  });

  it('clears pending waits on dispose and never settles a sleep asked for afterwards (no unhandled rejection for a dead isolate)', async () => {
    const timers = new SleepTimers(10);
    const before = timers.sleep(20);
    timers.dispose();
    expect(timers.size).to.equal(0);
    const after = timers.sleep(1);
    expect(await settledWithin(before, 60)).to.equal('pending');
    expect(await settledWithin(after, 60)).to.equal('pending');
  });
});
