import { expect } from 'chai';
import { packOps, packResults, unpackOps, unpackResults } from '../../../host/dist/store/sqlite/writer-texts.js';
import type { WriteOp, WriteResult } from '../../../host/dist/store/sqlite/sqlite-writes.js';

// Texts with what JSON escapes: quotes, backslashes, control and non-ASCII characters.
const EVENT = JSON.stringify({ jobId: 'j', username: 'KEYFACTOR\\svc "quoted"\n', clientMachine: 'hôte-é-☃' });
const LOGS = JSON.stringify({ lines: [{ msg: 'tab\there' }] });

describe('writer thread texts', () => {
  it('carries the JSON texts of writes beside the batch, unescaped, and restores every write as it was', () => {
    const ops: WriteOp[] = [
      { kind: 'append', id: 'e1', key: null, jobId: 'j', jobTypeId: 't', json: EVENT, at: 1 },
      { kind: 'claim', limit: 5 },
      { kind: 'poll', source: 's', events: [{ id: 'e2', key: 'k', jobId: 'j', jobTypeId: 't', json: EVENT, at: 2 }], cursor: null, at: 2 },
      { kind: 'outcome', eventId: 'e1', plugin: 'p', handler: 'H', version: '1.0.0', outcome: 'succeeded', durationMs: 1, invocationId: 'i', errorCode: null, errorMessage: null, attempt: 1, at: 3, replay: 0, logJson: LOGS },
      { kind: 'outcome', eventId: 'e1', plugin: 'q', handler: 'H', version: '1.0.0', outcome: 'failed', durationMs: 1, invocationId: 'i', errorCode: null, errorMessage: null, attempt: 1, at: 3, replay: 0, logJson: null },
    ];
    const packed = packOps(ops);
    expect(packed.texts).to.deep.equal([EVENT, EVENT, LOGS]);
    expect(packed.json).to.not.contain('KEYFACTOR');
    expect(unpackOps(structuredClone(packed))).to.deep.equal(ops);
  });

  it("carries claimed rows' event texts beside the results, and leaves other results and refusals alone", () => {
    const kinds: Array<WriteOp['kind']> = ['claim', 'claimReplays', 'append', 'claim'];
    const results: WriteResult[] = [
      { ok: true, value: [{ seq: 1, id: 'e1', jobId: 'j', jobTypeId: 't', eventJson: EVENT, attempts: 1, recorded: [] }] },
      { ok: true, value: [{ eventId: 'e1', replay: 1, plugin: 'p', handler: null, attempts: 1, jobId: 'j', jobTypeId: 't', eventJson: EVENT, recorded: [['p', 'H']] }] },
      { ok: true, value: { id: 'e3', created: true } },
      { ok: false, code: 'STORE_CLOSED', message: 'closed' },
    ];
    const packed = packResults(kinds, results);
    expect(packed.texts).to.deep.equal([EVENT, EVENT]);
    expect(packed.json).to.not.contain('KEYFACTOR');
    expect(unpackResults(kinds, structuredClone(packed))).to.deep.equal(results);
  });
});
