import { expect } from 'chai';
import { fieldsToJson } from '../../../../sdk/dist/runtime/plugin-logger.js';
import { handlerErrorInfo, RuntimeError } from '../../../../sdk/dist/runtime/error-info.js';
import { EgressError } from '../../../../sdk/dist/http-errors.js';

describe('plugin log fields in the runtime', () => {
  it('cuts nesting past the bound without overflowing the stack', () => {
    let deep: unknown = { leaf: true };
    for (let i = 0; i < 100_000; i++) deep = { deep };
    const json = fieldsToJson({ deep }, JSON.stringify, 3);
    expect(JSON.parse(json)).to.deep.equal({ deep: { deep: { deep: '[nested too deep]' } } });
  });

  it('keeps shallow fields whole, arrays included', () => {
    expect(JSON.parse(fieldsToJson({ a: [1, { b: 2 }], c: 'x' }, JSON.stringify, 16))).to.deep.equal({ a: [1, { b: 2 }], c: 'x' });
  });

  it('turns a cyclic value into a note', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(JSON.parse(fieldsToJson(cyclic, JSON.stringify, 16))).to.have.property('fieldsError');
  });
});

describe('codes of what a handler threw', () => {
  it("moves a plugin's own code into the plugin: namespace", () => {
    expect(handlerErrorInfo(Object.assign(new Error('x'), { code: 'ISOLATE_CATASTROPHIC' })).code).to.equal('plugin:ISOLATE_CATASTROPHIC');
    expect(handlerErrorInfo(Object.assign(new Error('x'), { code: 'a b\n"c' })).code).to.equal('plugin:a_b__c');
  });

  it('keeps the codes of errors the SDK raises, and HANDLER_THREW for an error without a code', () => {
    expect(handlerErrorInfo(new RuntimeError('TIMER_LIMIT', 'x')).code).to.equal('TIMER_LIMIT');
    expect(handlerErrorInfo(new EgressError('EGRESS_DENIED', 'x', { method: 'GET', url: 'u', headers: {} as never })).code).to.equal('EGRESS_DENIED');
    expect(handlerErrorInfo(new Error('x')).code).to.equal('HANDLER_THREW');
  });
});
