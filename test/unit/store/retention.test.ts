import { expect } from 'chai';
import path from 'node:path';
import sinon from 'sinon';
import { normalizeEvent } from '@jobhook/host';
import { event, tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { captureLogs } from '../../support/log-capture.js';
import { parseRetention, RetentionSweeper, DEFAULT_RETENTION_MS } from '../../../host/dist/store/retention.js';
import { SqliteEventStore } from '../../../host/dist/store/sqlite/sqlite-event-store.js';

describe('retention', () => {
  describe('parseRetention', () => {
    it('reads days, hours, minutes and seconds, and a bare number as days', () => {
      expect(parseRetention('30d')).to.equal(DEFAULT_RETENTION_MS);
      expect(parseRetention('30')).to.equal(DEFAULT_RETENTION_MS);
      expect(parseRetention('12h')).to.equal(12 * 3600_000);
      expect(parseRetention('90m')).to.equal(90 * 60_000);
      expect(parseRetention(' 45S ')).to.equal(45_000);
      expect(parseRetention('1.5d')).to.equal(36 * 3600_000);
    });

    it('refuses what is not a duration of at least a second, saying how to write one', () => {
      for (const bad of ['', 'forever', '-1d', '10w', '0s', '500ms']) {
        expect(() => parseRetention(bad), bad).to.throw(/write e\.g\. 30d, 12h, 90m or 45s/).with.property('code', 'CONFIG_RETENTION_INVALID');
      }
    });
  });

  describe('RetentionSweeper', () => {
    let tmp: TempDir;
    let store: SqliteEventStore;
    beforeEach(async () => {
      tmp = await tempDir('jobhook-retention-');
      store = SqliteEventStore.open(path.join(tmp.path, 'data'));
    });
    afterEach(async () => {
      await store.close();
      await tmp.dispose();
    });

    it('prunes done events older than the retention period at start, and logs how many', async () => {
      const clock = sinon.useFakeTimers({ now: Date.now() - 3 * 24 * 3600_000, toFake: ['Date'] });
      let old: string;
      try {
        old = (await store.append(normalizeEvent(event()))).id;
        await store.claim(1);
        await store.complete(old);
      } finally {
        clock.restore();
      }
      const fresh = (await store.append(normalizeEvent(event(undefined, { currentRetryCount: 1 })))).id;
      await store.claim(1);
      await store.complete(fresh);
      const logs = captureLogs('info');
      const pruned: number[] = [];
      const sweeper = new RetentionSweeper(store, 2 * 24 * 3600_000, logs.logger, (n) => pruned.push(n));
      sweeper.start();
      await sweeper.sweep();
      await sweeper.dispose();
      expect(await store.get(old)).to.equal(undefined);
      expect(await store.get(fresh)).to.not.equal(undefined);
      expect(pruned).to.deep.equal([1, 0]);
      expect(logs.lines.some((l) => l.pruned === 1)).to.equal(true);
    });

    it('runs on an interval until disposed, then leaves no timer behind', async () => {
      const clock = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      try {
        const sweeps: number[] = [];
        const sweeper = new RetentionSweeper(store, 1000, captureLogs().logger, (n) => sweeps.push(n), 10);
        sweeper.start();
        expect(clock.countTimers()).to.equal(1);
        clock.tick(25);
        await sweeper.sweep();
        expect(sweeps.length).to.equal(4);
        await sweeper.dispose();
        expect(clock.countTimers()).to.equal(0);
        await sweeper.dispose();
      } finally {
        clock.restore();
      }
    });
  });
});
