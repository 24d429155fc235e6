import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { Crypto, RandomPool } from '../../../../../sdk/src/runtime/web/crypto.js';
import { toASCII } from '../../../../../sdk/src/runtime/web/idna.js';
import { domainToASCII } from 'node:url';

describe('web crypto random values and IDNA', () => {
  it('draws random bytes from the source a pool at a time and hands each byte out once', () => {
    const calls: number[] = [];
    const given: Uint8Array[] = [];
    const pool = new RandomPool((n) => {
      calls.push(n);
      const bytes = new Uint8Array(randomBytes(n));
      given.push(bytes.slice());
      return bytes;
    });
    const crypto = new Crypto(pool, () => {
      throw new Error('not used');
    });
    const ids = Array.from({ length: 300 }, () => crypto.randomUUID());
    expect(calls).to.deep.equal([4096, 4096]);
    expect(new Set(ids).size).to.equal(300);
    for (const id of ids) expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const big = crypto.getRandomValues(new Uint32Array(16_384));
    // What was left of the pool first, then one refill for the rest.
    expect(calls).to.deep.equal([4096, 4096, 65_536 - (8192 - 300 * 16)]);
    expect(new Set(big).size).to.be.greaterThan(16_000);
  });

  it('refuses float arrays and requests over 64 KiB, as the Web Crypto API does', () => {
    const crypto = new Crypto(new RandomPool((n) => new Uint8Array(n)), () => {
      throw new Error('not used');
    });
    expect(() => crypto.getRandomValues(new Float64Array(1) as unknown as Uint8Array)).to.throw().with.property('name', 'TypeMismatchError');
    expect(() => crypto.getRandomValues(new Uint8Array(65_537))).to.throw().with.property('name', 'QuotaExceededError');
  });

  it('maps domains to ASCII as Node’s URL does for ordinary international names', () => {
    for (const domain of ['example.com', 'Bücher.Example', 'ＥＸＡＭＰＬＥ．com', 'xn--bcher-kva.example', 'münchen.de', '例え.テスト']) {
      expect(toASCII(domain), domain).to.equal(domainToASCII(domain));
    }
    expect(toASCII('xn--a€.example'), 'an undecodable xn-- label').to.equal(null);
  });
});
