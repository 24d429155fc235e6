import { expect } from 'chai';
import { structuredClone } from '../../../../../sdk/src/runtime/web/structured-clone.js';

describe('web structuredClone', () => {
  it('copies what Node’s structuredClone copies, keeping cycles and shared references', () => {
    const shared = { n: 1 };
    const source: Record<string, unknown> = {
      date: new Date(5),
      re: /x/g,
      map: new Map<unknown, unknown>([[shared, shared]]),
      set: new Set([shared]),
      view: new Uint16Array([1, 2, 3]).subarray(1),
      error: new RangeError('bad'),
      boxed: Object('s'),
      list: [shared, , 3],
    };
    source.self = source;
    const ours = structuredClone(source);
    const node = globalThis.structuredClone(source);
    expect(ours).to.deep.equal(node);
    expect(ours.self).to.equal(ours);
    const [k, v] = [...(ours.map as Map<unknown, unknown>)][0]!;
    expect(k).to.equal(v);
    expect(k).to.not.equal(shared);
    expect(ours.error).to.be.instanceOf(RangeError);
    expect(Array.from(ours.view as Uint16Array)).to.deep.equal([2, 3]);
  });

  it('refuses functions, symbols and transfer lists with a DataCloneError', () => {
    expect(() => structuredClone({ f() {} })).to.throw().with.property('name', 'DataCloneError');
    expect(() => structuredClone(Symbol('s'))).to.throw().with.property('name', 'DataCloneError');
    expect(() => structuredClone(new WeakMap())).to.throw().with.property('name', 'DataCloneError');
    expect(() => structuredClone(1, { transfer: [new ArrayBuffer(1)] })).to.throw(/transfer is not supported/);
  });
});
