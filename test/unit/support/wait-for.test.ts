import { expect } from 'chai';
import { waitFor } from '../../support/wait-for.js';

describe('waitFor (test support)', () => {
  it('resolves with the first value that is not undefined, null or false, counting a throw as "not yet"', async () => {
    let tries = 0;
    const value = await waitFor(
      () => {
        tries++;
        if (tries === 1) throw new Error('not ready');
        return tries === 2 ? false : tries === 3 ? null : { tries };
      },
      { what: 'the fourth try', intervalMs: 1 },
    );
    expect(value).to.deep.equal({ tries: 4 });
  });

  it('fails naming what it waited for and why the last try failed', async () => {
    const failure = await waitFor(
      () => {
        throw new Error('expected 1 to equal 2');
      },
      { what: () => 'the answer to be 2', timeoutMs: 30, intervalMs: 5 },
    ).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string; cause?: unknown },
    );
    expect(failure?.code).to.equal('WAIT_TIMEOUT');
    expect(failure?.message).to.equal('timed out after 30 ms waiting for the answer to be 2; last try: expected 1 to equal 2');
    expect((failure?.cause as Error).message).to.equal('expected 1 to equal 2');
  });
});
