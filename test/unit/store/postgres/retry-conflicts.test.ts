import { expect } from 'chai';
import { CONFLICT_TRIES, isConflict, retryConflicts } from '../../../../host/src/store/postgres/retry-conflicts.js';

// The shape node-postgres gives a server error: an Error with the SQLSTATE in `code`.
const pgError = (code: string): Error => Object.assign(new Error(`server said ${code}`), { code });

describe('retryConflicts (PostgreSQL statements aborted for a conflict)', () => {
  it('knows a deadlock and a serialization failure from other errors', () => {
    expect(isConflict(pgError('40P01'))).to.equal(true);
    expect(isConflict(pgError('40001'))).to.equal(true);
    expect(isConflict(pgError('23505'))).to.equal(false);
    expect(isConflict(new Error('connection refused'))).to.equal(false);
    expect(isConflict(null)).to.equal(false);
  });

  it('runs a statement again after a conflict, and answers what the try that succeeded answered', async () => {
    let calls = 0;
    const value = await retryConflicts(async () => {
      calls++;
      if (calls < 3) throw pgError('40P01');
      return 'committed';
    });
    expect(value).to.equal('committed');
    expect(calls).to.equal(3);
  });

  it('throws any other error at once, and a conflict that lasts after its last try', async () => {
    let calls = 0;
    const other = await retryConflicts(async () => {
      calls++;
      throw pgError('23505');
    }).catch((e: Error) => e);
    expect((other as { code?: string }).code).to.equal('23505');
    expect(calls).to.equal(1);

    calls = 0;
    const lasting = await retryConflicts(async () => {
      calls++;
      throw pgError('40001');
    }).catch((e: Error) => e);
    expect((lasting as { code?: string }).code).to.equal('40001');
    expect(calls).to.equal(CONFLICT_TRIES);
  });
});
