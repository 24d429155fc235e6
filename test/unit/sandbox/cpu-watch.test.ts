import { expect } from 'chai';
import sinon from 'sinon';
import { CpuWatch } from '../../../host/dist/sandbox/cpu-watch.js';

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

  it('reports an invocation past its CPU budget (with two samples of slack), once', () => {
    watch.begin('a', 300);
    run(400, 100);
    expect(events).to.deep.equal([]);
    run(200, 100);
    expect(events).to.deep.equal(['invocation a 600']);
    run(300, 100);
    expect(events, 'reported once').to.have.length(1);
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
