import { expect } from 'chai';
import { InFlight } from '../../../host/dist/lifecycle/index.js';

describe('InFlight: wait for running work to end', () => {
  it('is idle at once when nothing runs', async () => {
    expect(await new InFlight().idle(0)).to.equal(true);
  });

  it('wakes its waiters when the last piece of work ends, and counts each leave once', async () => {
    const work = new InFlight();
    const leaveA = work.enter();
    const leaveB = work.enter();
    let woke = false;
    const idle = work.idle().then((v) => (woke = v));
    leaveA();
    leaveA();
    await new Promise((r) => setImmediate(r));
    expect([woke, work.size]).to.deep.equal([false, 1]);
    leaveB();
    await idle;
    expect(woke).to.equal(true);
  });

  it('answers false when the work outlasts the timeout, and still tracks it', async () => {
    const work = new InFlight();
    let finish!: () => void;
    const tracked = work.track(new Promise<void>((r) => (finish = r)));
    expect(await work.idle(20)).to.equal(false);
    finish();
    await tracked;
    expect(await work.idle(20)).to.equal(true);
  });
});
