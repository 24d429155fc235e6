import { expect } from 'chai';
import { Headers, freezeHeaders } from '../../../../../sdk/src/runtime/web/headers.js';

describe('web Headers', () => {
  it('compares names case-insensitively, joins repeated values and iterates sorted, as Node’s Headers', () => {
    const init: Array<[string, string]> = [
      ['X-B', ' two '],
      ['x-a', '1'],
      ['X-A', '2'],
      ['Set-Cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ];
    const ours = new Headers(init);
    const node = new globalThis.Headers(init);
    expect([...ours]).to.deep.equal([...node]);
    expect(ours.get('X-a')).to.equal('1, 2');
    expect(ours.getSetCookie()).to.deep.equal(['a=1', 'b=2']);
    ours.delete('x-a');
    expect(ours.has('X-A')).to.equal(false);
  });

  it('copies another Headers and a record', () => {
    const a = new Headers({ Accept: 'application/json' });
    const b = new Headers(a);
    b.set('accept', 'text/plain');
    expect(a.get('accept')).to.equal('application/json');
    expect(b.get('accept')).to.equal('text/plain');
  });

  it('refuses invalid names and values carrying CR, LF or NUL', () => {
    expect(() => new Headers({ 'bad name': 'x' })).to.throw(TypeError, /not a valid HTTP header name/);
    expect(() => new Headers({ ok: 'a\r\nInjected: 1' })).to.throw(TypeError, /NUL, CR or LF/);
  });

  it('is read-only once frozen (a response’s headers)', () => {
    const h = freezeHeaders(new Headers({ a: '1' }));
    expect(() => h.set('a', '2')).to.throw(TypeError, /immutable/);
    expect(h.get('a')).to.equal('1');
  });
});
