import { expect } from 'chai';
import { TextDecoder, TextEncoder, atob, btoa } from '../../../../../sdk/src/runtime/web/encoding.js';

const SAMPLES = ['', 'ascii', 'añ€😀', '\uFEFFbom', 'lone \uD800 surrogate', 'x'.repeat(20_000) + '€'];

describe('web encoding (TextEncoder, TextDecoder, atob, btoa)', () => {
  it('encodes and decodes UTF-8 exactly as Node does', () => {
    for (const text of SAMPLES) {
      const ours = new TextEncoder().encode(text);
      expect(Buffer.from(ours).equals(Buffer.from(new globalThis.TextEncoder().encode(text))), JSON.stringify(text.slice(0, 20))).to.equal(true);
      expect(new TextDecoder().decode(ours)).to.equal(new globalThis.TextDecoder().decode(ours));
    }
  });

  it('decodes a stream split at every byte the same as in one piece', () => {
    const bytes = new TextEncoder().encode('añ€😀 and more');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new TextDecoder();
      const text = d.decode(bytes.subarray(0, cut), { stream: true }) + d.decode(bytes.subarray(cut));
      expect(text, `cut at ${cut}`).to.equal('añ€😀 and more');
    }
  });

  it('replaces invalid sequences, or throws with fatal', () => {
    const bad = new Uint8Array([0x61, 0xf0, 0x9f, 0x62, 0xff]);
    expect(new TextDecoder().decode(bad)).to.equal(new globalThis.TextDecoder().decode(bad));
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bad)).to.throw(TypeError);
  });

  it('refuses encodings other than UTF-8 with a RangeError that says so', () => {
    expect(() => new TextDecoder('latin1')).to.throw(RangeError, /UTF-8 only/);
    expect(new TextDecoder(' UTF8 ').encoding).to.equal('utf-8');
  });

  it('never splits a character in encodeInto', () => {
    const into = new Uint8Array(4);
    expect(new TextEncoder().encodeInto('a😀', into)).to.deep.equal({ read: 1, written: 1 });
    expect(new TextEncoder().encodeInto('😀', into)).to.deep.equal({ read: 2, written: 4 });
  });

  it('matches Node’s atob and btoa, forgiving whitespace and refusing what they refuse', () => {
    for (const text of ['', 'a', 'ab', 'abc', 'Hello, \xff!']) {
      expect(btoa(text)).to.equal(globalThis.btoa(text));
      expect(atob(btoa(text))).to.equal(text);
    }
    expect(atob(' SGVs\nbG8 ')).to.equal('Hello');
    expect(atob('SGVsbG8')).to.equal('Hello');
    expect(() => atob('abcde')).to.throw(/not correctly encoded/);
    expect(() => atob('ab*c')).to.throw(/not correctly encoded/);
    expect(() => btoa('€')).to.throw(/code point 0-255/);
  });
});
