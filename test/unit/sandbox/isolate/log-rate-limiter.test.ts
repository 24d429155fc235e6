import { expect } from 'chai';
import { LogRateLimiter } from '../../../../host/dist/sandbox/isolate/log-rate-limiter.js';
import type { PluginLogRecord } from '../../../../host/dist/sandbox/plugin-sandbox.js';

const line = (n: number): PluginLogRecord => ({ level: 'info', message: `line ${n}`, fields: {}, invocationId: 'inv-1' });

describe('LogRateLimiter', () => {
  let now = 0;
  let written: PluginLogRecord[];
  const write = (r: PluginLogRecord): void => void written.push(r);
  beforeEach(() => {
    now = 0;
    written = [];
  });

  it('passes a burst, then drops the excess with one warning', () => {
    const limiter = new LogRateLimiter(10, 5, () => now);
    for (let i = 0; i < 20; i++) limiter.admit(line(i), write);
    expect(written.slice(0, 5).map((r) => r.message)).to.deep.equal(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    expect(written).to.have.length(6);
    expect(written[5]).to.deep.include({ level: 'warn', invocationId: null });
    expect(written[5]!.notice).to.deep.include({ code: 'LOG_RATE_LIMITED', limitPerSecond: 10 });
  });

  it('refills at the rate and reports how many lines were dropped before the next one it admits', () => {
    const limiter = new LogRateLimiter(10, 2, () => now);
    for (let i = 0; i < 7; i++) limiter.admit(line(i), write);
    now += 100; // one token back
    limiter.admit(line(7), write);
    const messages = written.map((r) => r.message);
    expect(messages).to.deep.equal(['line 0', 'line 1', messages[2], '5 plugin log line(s) (30 bytes) were dropped by the rate limit', 'line 7']);
    expect(written[3]!.notice).to.deep.include({ code: 'LOG_RATE_LIMITED', dropped: 5 });
  });

  it('reports a trailing drop run when flushed', () => {
    const limiter = new LogRateLimiter(1, 1, () => now);
    for (let i = 0; i < 4; i++) limiter.admit(line(i), write);
    written = [];
    limiter.flush(write);
    expect(written).to.have.length(1);
    expect(written[0]!.notice).to.deep.include({ dropped: 3 });
    limiter.flush(write);
    expect(written, 'nothing more to report').to.have.length(1);
  });

  it('drops by bytes too: a few huge lines are a flood though few', () => {
    const limiter = new LogRateLimiter(1000, 1000, () => now, { perSecond: 1000, burst: 2000 });
    const big = (n: number): PluginLogRecord => ({ level: 'info', message: 'x'.repeat(900) + n, fields: {}, invocationId: null });
    for (let i = 0; i < 5; i++) limiter.admit(big(i), write, 901);
    expect(written.filter((r) => !r.notice), 'lines within the 2000-byte burst').to.have.length(2);
    expect(written.find((r) => r.notice)?.message).to.match(/more than 1000 bytes\/s/);
    now += 1000;
    limiter.admit(line(9), write, 6);
    expect(written.at(-2)!.notice).to.deep.include({ code: 'LOG_RATE_LIMITED', dropped: 3, droppedBytes: 2703 });
    expect(written.at(-1)!.message).to.equal('line 9');
  });
});
