// The in-isolate client carries its own UTF-8, base64 and query-string code (an isolate has no
// TextEncoder, Buffer or URLSearchParams). Each must agree with Node's built-ins byte for byte.
import { expect } from 'chai';
import { base64Decode, base64Encode } from '../../../sdk/dist/runtime/base64.js';
import { serializeSearchParams, withSearchParams } from '../../../sdk/dist/runtime/search-params.js';
import { utf8Decode, utf8Encode } from '../../../sdk/dist/runtime/utf8.js';

// A deterministic generator, so a failure can be reproduced.
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomBytes(next: () => number, length: number): Uint8Array {
  const interesting = [0x00, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f, 0x90, 0x8f];
  return Uint8Array.from({ length }, () => (next() < 0.5 ? interesting[Math.floor(next() * interesting.length)]! : Math.floor(next() * 256)));
}

function randomString(next: () => number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const r = next();
    if (r < 0.4) s += String.fromCharCode(32 + Math.floor(next() * 95));
    else if (r < 0.6) s += String.fromCharCode(0x80 + Math.floor(next() * 0x780));
    else if (r < 0.75) s += String.fromCharCode(0x800 + Math.floor(next() * 0xd000));
    else if (r < 0.9) s += String.fromCodePoint(0x10000 + Math.floor(next() * 0xfffff));
    else s += String.fromCharCode(0xd800 + Math.floor(next() * 0x800)); // lone surrogates
  }
  return s;
}

describe('in-isolate codecs agree with Node', () => {
  it('encodes strings as TextEncoder does, lone surrogates included', () => {
    const next = random(1);
    const encoder = new TextEncoder();
    for (let i = 0; i < 500; i++) {
      const s = randomString(next, Math.floor(next() * 40));
      expect(Buffer.from(utf8Encode(s)).equals(Buffer.from(encoder.encode(s))), JSON.stringify(s)).to.equal(true);
    }
  });

  it('decodes bytes as TextDecoder does, replacing each invalid sequence the same way', () => {
    const next = random(2);
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    for (let i = 0; i < 2000; i++) {
      const bytes = randomBytes(next, Math.floor(next() * 24));
      expect(utf8Decode(bytes), Buffer.from(bytes).toString('hex')).to.equal(decoder.decode(bytes));
    }
    const long = new TextEncoder().encode('é'.repeat(20_000));
    expect(utf8Decode(long)).to.equal('é'.repeat(20_000));
  });

  it('round-trips base64 with Buffer for every length', () => {
    const next = random(3);
    for (let length = 0; length < 300; length++) {
      const bytes = randomBytes(next, length);
      const encoded = base64Encode(bytes);
      expect(encoded).to.equal(Buffer.from(bytes).toString('base64'));
      expect(Buffer.from(base64Decode(encoded)).equals(Buffer.from(bytes))).to.equal(true);
    }
    expect(() => base64Decode('ab$d')).to.throw(/invalid base64/);
  });

  it('serialises searchParams as URLSearchParams does', () => {
    const next = random(4);
    for (let i = 0; i < 300; i++) {
      const record: Record<string, string> = {};
      for (let k = 0; k < 3; k++) record[randomString(next, 4)] = randomString(next, 8);
      expect(serializeSearchParams(record)).to.equal(new URLSearchParams(record).toString());
    }
    expect(serializeSearchParams([['a', '1'], ['a', "x y!'()~*"]])).to.equal(new URLSearchParams([['a', '1'], ['a', "x y!'()~*"]]).toString());
  });

  it('replaces the input query as ky does, and leaves it for empty searchParams', () => {
    expect(withSearchParams('Jobs?old=1#f', { q: 'x' })).to.equal('Jobs?q=x#f');
    expect(withSearchParams('Jobs?old=1', {})).to.equal('Jobs?old=1');
    expect(withSearchParams('Jobs', '?a=b')).to.equal('Jobs?a=b');
    expect(withSearchParams('Jobs', { gone: undefined, n: 5 })).to.equal('Jobs?n=5');
    expect(() => withSearchParams('Jobs', 5)).to.throw(TypeError);
  });
});
