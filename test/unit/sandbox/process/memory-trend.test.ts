import { expect } from 'chai';
import { MemoryTrend } from '../../../../host/dist/sandbox/process/memory-trend.js';

const MiB = 1024 * 1024;
const health = (dataMb: number | null, rssMb = 50): { rssBytes: number; dataBytes: number | null; isolates: number; heldChunks: number } => ({
  rssBytes: rssMb * MiB,
  dataBytes: dataMb === null ? null : dataMb * MiB,
  isolates: 1,
  heldChunks: 0,
});

describe('MemoryTrend', () => {
  it('names a SIGSEGV or SIGABRT with the last sample in the last eighth of the hard total', () => {
    const trend = new MemoryTrend(384 * MiB, 200);
    trend.record(health(370), 1000);
    expect(trend.judge('SIGSEGV', 1100)).to.match(/^370 MiB committed 100 ms before, of its hard total of 384 MiB: an allocation failed at the kernel's limit$/);
    expect(trend.judge('SIGABRT', 1100)).to.not.equal(null);
  });

  it('names no other death, and none far below the total', () => {
    const trend = new MemoryTrend(384 * MiB, 200);
    trend.record(health(370), 1000);
    expect(trend.judge('SIGKILL', 1100)).to.equal(null);
    expect(trend.judge(null, 1100)).to.equal(null);
    const low = new MemoryTrend(384 * MiB, 200);
    low.record(health(140), 1000);
    low.record(health(141), 1200);
    expect(low.judge('SIGSEGV', 1300)).to.equal(null);
  });

  it('carries memory growing fast on to the death, by at most two intervals', () => {
    const trend = new MemoryTrend(384 * MiB, 200);
    trend.record(health(200), 1000);
    trend.record(health(300), 1200);
    // 300 MiB sampled, growing 0.5 MiB/ms: ~350 MiB 100 ms later, under the last eighth (336 MiB).
    expect(trend.judge('SIGSEGV', 1300)).to.match(/^300 MiB committed 100 ms before, ~350 MiB at its growth rate by the time it died/);
    // Long after the last sample, the rate is not trusted past two intervals (400 ms: 500 MiB, capped at the total).
    expect(trend.judge('SIGSEGV', 5000)).to.match(/~384 MiB/);
    const slow = new MemoryTrend(384 * MiB, 200);
    slow.record(health(200), 1000);
    slow.record(health(250), 1200);
    // 0.25 MiB/ms for at most 400 ms: 350 MiB, not the 1000 MiB 4 s would project.
    expect(slow.judge('SIGSEGV', 5200)).to.match(/~350 MiB/);
  });

  it('uses the resident size where committed data is not reported, and never judges without a kernel limit', () => {
    const rss = new MemoryTrend(384 * MiB, 200);
    rss.record(health(null, 380), 1000);
    expect(rss.judge('SIGSEGV', 1000)).to.match(/^380 MiB committed/);
    const none = new MemoryTrend(0, 200);
    none.record(health(4000), 1000);
    expect(none.judge('SIGSEGV', 1000)).to.equal(null);
    expect(new MemoryTrend(384 * MiB, 200).judge('SIGSEGV', 1000), 'no sample yet').to.equal(null);
  });
});
