import { expect } from 'chai';
import { AbortController, AbortSignal, setAbortTimers } from '../../../../../sdk/src/runtime/web/abort.js';
import { Event, EventTarget, setListenerErrorReporter } from '../../../../../sdk/src/runtime/web/events.js';

describe('web Event, EventTarget and AbortSignal', () => {
  it('runs listeners in order, honours once, passive and stopImmediatePropagation, and reports a throwing listener', () => {
    const reported: unknown[] = [];
    setListenerErrorReporter((e) => reported.push(e));
    const t = new EventTarget();
    const seen: string[] = [];
    t.addEventListener('x', () => seen.push('once'), { once: true });
    t.addEventListener('x', () => {
      throw new Error('boom');
    });
    t.addEventListener('x', (e) => e.preventDefault(), { passive: true });
    t.addEventListener('x', (e) => {
      seen.push('last');
      e.stopImmediatePropagation();
    });
    t.addEventListener('x', () => seen.push('never'));
    expect(t.dispatchEvent(new Event('x', { cancelable: true }))).to.equal(true);
    t.dispatchEvent(new Event('x'));
    expect(seen).to.deep.equal(['once', 'last', 'last']);
    expect(reported).to.have.length(2);
  });

  it('removes a listener when its signal aborts, and aborts with an AbortError by default', () => {
    const t = new EventTarget();
    const c = new AbortController();
    let calls = 0;
    t.addEventListener('x', () => calls++, { signal: c.signal });
    c.abort();
    t.dispatchEvent(new Event('x'));
    expect(calls).to.equal(0);
    expect((c.signal.reason as Error).name).to.equal('AbortError');
    expect(() => c.signal.throwIfAborted()).to.throw().with.property('name', 'AbortError');
    expect(() => new AbortSignal()).to.throw(TypeError, 'Illegal constructor');
  });

  it('follows the first of several signals with AbortSignal.any, and times out with a TimeoutError', async () => {
    const a = new AbortController();
    const b = new AbortController();
    const any = AbortSignal.any([a.signal, b.signal]);
    b.abort('why');
    expect(any.aborted).to.equal(true);
    expect(any.reason).to.equal('why');
    setAbortTimers((fn, ms) => setTimeout(fn, ms));
    const timed = AbortSignal.timeout(5);
    await new Promise((r) => timed.addEventListener('abort', r));
    expect((timed.reason as Error).name).to.equal('TimeoutError');
  });
});
