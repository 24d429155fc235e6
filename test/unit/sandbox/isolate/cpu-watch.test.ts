import { expect } from 'chai';
import sinon from 'sinon';
import { CpuWatch } from '../../../../host/dist/sandbox/isolate/cpu-watch.js';

const MS = 1_000_000n;

describe('CpuWatch', () => {
  let clock: sinon.SinonFakeTimers;
  let cpuNs: bigint;
  let events: string[];
  let watch: CpuWatch;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    cpuNs = 0n;
    events = [];
    watch = new CpuWatch(() => cpuNs, 25, {
      invocationExceeded: (id, used) => events.push(`invocation ${id} ${used}`),
      backgroundExceeded: (used, windowMs) => events.push(`background ${used}/${windowMs}`),
    });
    watch.start();
  });
  afterEach(() => {
    watch.stop();
    clock.restore();
  });

  // Advances time by `ms` while the isolate burns `busy` of each 100 ms sample.
  const run = (ms: number, busyPer100: number): void => {
    for (let t = 0; t < ms; t += 100) {
      cpuNs += BigInt(busyPer100) * MS;
      clock.tick(100);
    }
  };

  it('reports an invocation that burns past its CPU budget once, with the CPU it had used, before it has used twice the budget', () => {
    watch.begin('a', 300);
    let burnt = 0;
    while (events.length === 0 && burnt < 3000) {
      run(100, 100);
      burnt += 100;
    }
    expect(events, 'reported while it still runs').to.have.length(1);
    const used = Number(/^invocation a (\d+)$/.exec(events[0]!)?.[1]);
    expect(used, 'the CPU it had used when reported').to.equal(burnt);
    expect(used, 'not while within its budget').to.be.above(300);
    expect(used, 'before twice its budget').to.be.at.most(600);
    run(1000, 100);
    expect(events, 'reported once').to.have.length(1);
  });

  it('never reports an invocation that ends within its CPU budget, however its CPU is spread across samples', () => {
    watch.begin('a', 300);
    run(200, 100);
    run(300, 30);
    cpuNs += 10n * MS;
    watch.end('a');
    run(500, 0);
    expect(events).to.deep.equal([]);
  });

  it('charges every invocation in flight, and counts without bounding when there is no budget', () => {
    watch.begin('bounded', 300);
    watch.begin('unbounded', null);
    run(600, 100);
    expect(events).to.deep.equal(['invocation bounded 600']);
  });

  it('reports CPU spent with nothing in flight past its share of a second', () => {
    run(1000, 10);
    expect(events, '10% of a core is allowed').to.deep.equal([]);
    run(1000, 60);
    expect(events).to.have.length(1);
    expect(events[0]).to.match(/^background 600\/1000$/);
  });

  it('does not count an invocation\'s CPU as background work', () => {
    watch.begin('a', null);
    run(2000, 100);
    watch.end('a');
    run(1000, 0);
    expect(events).to.deep.equal([]);
  });
});
