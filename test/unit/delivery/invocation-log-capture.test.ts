import { expect } from 'chai';
import { InvocationLogCapture } from '../../../host/dist/delivery/invocation-log-capture.js';

const record = (invocationId: string | null, message: string, fields: Record<string, unknown> = {}) => ({ level: 'info' as const, message, fields, invocationId });

describe('InvocationLogCapture', () => {
  it('keeps the lines of an open invocation, in order, with their fields', () => {
    const capture = new InvocationLogCapture();
    capture.begin('i1');
    capture.add(record('i1', 'first', { n: 1 }));
    capture.add(record('i2', 'another invocation'));
    capture.add(record(null, 'outside any invocation'));
    capture.add(record('i1', 'second'));
    const logs = capture.end('i1');
    expect(logs.truncated).to.equal(false);
    expect(logs.lines.map((l) => l.message)).to.deep.equal(['first', 'second']);
    expect(logs.lines[0]!.fields).to.deep.equal({ n: 1 });
    expect(logs.lines[1]).to.not.have.property('fields');
    expect(capture.end('i1').lines, 'ended: nothing is kept any more').to.deep.equal([]);
  });

  it('keeps the first lines up to its line and byte bounds, and says it truncated', () => {
    const byLines = new InvocationLogCapture({ maxLines: 3, maxBytes: 1 << 20 });
    byLines.begin('i');
    for (let n = 0; n < 10; n++) byLines.add(record('i', `line ${n}`));
    expect(byLines.end('i')).to.deep.include({ truncated: true }).and.satisfy((l: { lines: unknown[] }) => l.lines.length === 3);
    const byBytes = new InvocationLogCapture({ maxLines: 50, maxBytes: 1024 });
    byBytes.begin('i');
    for (let n = 0; n < 10; n++) byBytes.add(record('i', 'x'.repeat(300)));
    const logs = byBytes.end('i');
    expect(logs.truncated).to.equal(true);
    expect(logs.lines.length).to.equal(2);
    expect(Buffer.byteLength(JSON.stringify(logs.lines))).to.be.below(1024);
  });
});
