import { expect } from 'chai';
import { isInvokeResult, isWorkerMessage } from '../../../host/dist/sandbox/process/worker-protocol.js';

describe('worker protocol checks', () => {
  it('accepts the messages a worker sends', () => {
    expect(isWorkerMessage({ type: 'ready' })).to.equal(true);
    expect(isWorkerMessage({ type: 'reply', id: 1, ok: true, value: null })).to.equal(true);
    expect(isWorkerMessage({ type: 'reply', id: 1, ok: false, error: { name: 'E', code: 'C', message: 'm' } })).to.equal(true);
    expect(isWorkerMessage({ type: 'log', sid: 's1', record: { level: 'info', message: 'hi', fields: {}, invocationId: null } })).to.equal(true);
    expect(isWorkerMessage({ type: 'http', sid: 's1', callId: 3, requestJson: '{}', invocationId: 'i' })).to.equal(true);
    expect(isWorkerMessage({ type: 'death', sid: 's1', death: { name: 'SandboxCrash', code: 'X', message: 'm' } })).to.equal(true);
  });

  it('refuses anything else, field by field', () => {
    for (const bad of [
      null,
      'ready',
      { type: 'exec', command: 'rm -rf /' },
      { type: 'reply', id: '1', ok: true },
      { type: 'reply', id: 1, ok: false, error: 'boom' },
      { type: 'log', sid: 's1', record: { level: 'info', message: 1, fields: {} } },
      // A level that is another logger method (or none) must not reach the host's logger.
      { type: 'log', sid: 's1', record: { level: 'child', message: 'm', fields: {}, invocationId: null } },
      { type: 'log', sid: 's1', record: { level: 'fatal', message: 'm', fields: {}, invocationId: null } },
      { type: 'log', sid: 's1', record: { level: 'info', message: 'm', fields: {}, invocationId: 7 } },
      { type: 'http', sid: 's1', callId: 3, requestJson: {}, invocationId: 'i' },
      { type: 'death', sid: 's1', death: { code: 'X' } },
    ]) {
      expect(isWorkerMessage(bad), JSON.stringify(bad)).to.equal(false);
    }
  });

  it('accepts only outcomes a sandbox may report, with an error where one is due', () => {
    expect(isInvokeResult({ outcome: 'succeeded' })).to.equal(true);
    expect(isInvokeResult({ outcome: 'timeout', error: { name: 'E', code: 'SANDBOX_TIMEOUT', message: 'm' } })).to.equal(true);
    expect(isInvokeResult({ outcome: 'error' }), 'error without its description').to.equal(false);
    expect(isInvokeResult({ outcome: 'rejected', error: { name: 'E', code: 'C', message: 'm' } }), 'rejected is the host\'s to decide').to.equal(false);
  });
});
