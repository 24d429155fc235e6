import { expect } from 'chai';
import { IpcBatcher } from '../../../../host/dist/sandbox/process/ipc-batcher.js';
import { jsonStringBytes } from '../../../../host/dist/sandbox/process/json-size.js';
import { tick } from '../../../support/wait-for.js';


describe('IpcBatcher', () => {
  it('writes the messages of one turn as one batch', async () => {
    const writes: number[][] = [];
    const batcher = new IpcBatcher<number>((batch) => void writes.push(batch));
    batcher.send(1);
    batcher.send(2);
    await tick();
    expect(writes).to.deep.equal([[1, 2]]);
  });

  it('writes a batch as soon as it is full, so the other side can start on it, and the rest at the end of the turn', async () => {
    const writes: number[][] = [];
    const batcher = new IpcBatcher<number>((batch) => void writes.push(batch), undefined, 3);
    for (let i = 1; i <= 7; i++) batcher.send(i);
    expect(writes).to.deep.equal([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    await tick();
    expect(writes).to.deep.equal([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('fails only the message that cannot be serialised, and sends the rest of its batch', async () => {
    const written: unknown[] = [];
    const lost: Array<[unknown, string]> = [];
    // What child.send does: serialise the batch, which throws on a value nested too deep for the stack.
    const write = (batch: unknown[]): void => void written.push(...(JSON.parse(JSON.stringify(batch)) as unknown[]));
    const batcher = new IpcBatcher<unknown>(write, (m, e) => lost.push([m, (e as Error).message]));
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { deep };
    batcher.send({ id: 1 });
    batcher.send({ id: 2, deep });
    batcher.send({ id: 3 });
    await tick();
    expect(written).to.deep.equal([{ id: 1 }, { id: 3 }]);
    expect(lost).to.have.length(1);
    expect((lost[0]![0] as { id: number }).id).to.equal(2);
    expect(lost[0]![1]).to.match(/call stack/);
  });

  it('survives a write that always throws (a closed channel) and a handler that throws too', async () => {
    const batcher = new IpcBatcher<number>(
      () => {
        throw new Error('channel closed');
      },
      () => {
        throw new Error('the handler failed as well');
      },
    );
    batcher.send(1);
    batcher.send(2);
    await tick();
    batcher.flush();
  });
});

describe('jsonStringBytes', () => {
  it('measures a string as JSON would escape it, without building it', () => {
    for (const s of ['', 'plain', 'quote " and \\ backslash', '\n\t\r', '\u0001\u001f', 'é €', '\u2028']) {
      expect(jsonStringBytes(s), JSON.stringify(s)).to.equal(JSON.stringify(s).length);
    }
  });

  it('answers over the bound for a string that passes it once escaped, and stops scanning there', () => {
    expect(jsonStringBytes('\u0001'.repeat(100), 10)).to.equal(100);
    expect(jsonStringBytes('\u0001'.repeat(100), 300)).to.be.above(300);
  });

  it('skips the scan of a string that cannot pass the bound even at its worst growth', () => {
    expect(jsonStringBytes('a"b', 1000)).to.equal(5);
    expect(jsonStringBytes('"'.repeat(100), 250, 2)).to.equal(102);
  });
});
