import { expect } from 'chai';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { DispatchResult } from '@jobhook/host';
import { startHotHost, type HotHost } from '../../support/hot-host.js';
import { dropByCopy, dropByRename, replaceBySwap, writePackage, type HotPluginSpec } from '../../support/plugin-folders.js';
import { waitFor } from '../../support/wait-for.js';

interface Sent {
  readonly at: number;
  readonly result: Promise<{ ok: true; value: DispatchResult } | { ok: false; error: unknown }>;
}

/** Dispatches events at `perSecond` (open loop: not waiting for answers) until stopped. */
function dispatchAtRate(hot: HotHost, perSecond: number): { count(): number; stop(): Sent[] } {
  const sent: Sent[] = [];
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    const due = Math.floor(((performance.now() - start) / 1000) * perSecond);
    while (sent.length < due) {
      sent.push({
        at: performance.now(),
        result: hot.dispatch().then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
      });
    }
    timer = setTimeout(tick, 2);
  };
  tick();
  return {
    count: () => sent.length,
    stop: () => {
      clearTimeout(timer);
      return sent;
    },
  };
}

const semverOf = (n: number): string => `${n}.0.0`;

describe('hot drop under load', function () {
  this.timeout(120_000);

  it('gives every event exactly one outcome per matching handler, from exactly one version, while one plugin is replaced 20 times and another removed and re-added', async () => {
    const hot = await startHotHost(async (plugins) => {
      await writePackage(path.join(plugins, 'swap'), { id: 't.swap', version: semverOf(1) });
      await writePackage(path.join(plugins, 'flip'), { id: 't.flip' });
    });
    let results: Array<{ at: number; value: DispatchResult }> = [];
    let flipRemovedAt = 0;
    let flipBackAt = 0;
    let duration = 0;
    try {
      const started = performance.now();
      const load = dispatchAtRate(hot, 250);
      for (let n = 2; n <= 21; n++) {
        const spec: HotPluginSpec = { id: 't.swap', version: semverOf(n) };
        const from = hot.changes.all.length;
        // Every way an admin replaces a plugin, in turn: edit in place, swap folders, cp -r over it.
        if (n % 3 === 0) await writePackage(path.join(hot.plugins, 'swap'), spec);
        else if (n % 3 === 1) await replaceBySwap(hot.plugins, 'swap', spec);
        else await dropByCopy(hot.plugins, 'swap', spec, hot.staging);
        await hot.changes.next((c) => c.kind === 'replaced' && c.id === 't.swap' && c.to === semverOf(n), from, 10_000);
        // Routing switched before the change was reported: let some events meet this version.
        const seen = load.count();
        await waitFor(() => load.count() >= seen + 5, { what: 'events for the new version' });
        if (n === 6) {
          flipRemovedAt = performance.now();
          await rm(path.join(hot.plugins, 'flip'), { recursive: true, force: true });
        }
        if (n === 12) {
          const mark = hot.changes.all.length;
          await dropByRename(hot.plugins, 'flip', { id: 't.flip' });
          await hot.changes.next((c) => c.kind === 'added' && c.id === 't.flip', mark, 10_000);
          flipBackAt = performance.now();
        }
      }
      const sent = load.stop();
      duration = (performance.now() - started) / 1000;
      const settled = await Promise.all(sent.map(async (s) => ({ at: s.at, r: await s.result })));
      const failed = settled.filter((s) => !s.r.ok);
      expect(failed, 'dispatches that threw').to.deep.equal([]);
      results = settled.map((s) => ({ at: s.at, value: (s.r as { ok: true; value: DispatchResult }).value }));
    } finally {
      await hot.dispose();
    }

    expect(results.length / duration, 'events per second').to.be.at.least(200);
    const swapVersions: string[] = [];
    for (const { at, value } of results) {
      const swap = value.outcomes.filter((o) => o.plugin === 't.swap');
      const flip = value.outcomes.filter((o) => o.plugin === 't.flip');
      // One outcome each, and it is a real run: the handler answers false to an event it saw before.
      expect(swap.map((o) => o.outcome), `t.swap outcomes of ${value.event.jobId}`).to.deep.equal(['succeeded']);
      expect(flip.length, `t.flip outcomes of ${value.event.jobId}`).to.be.at.most(1);
      expect(flip.every((o) => o.outcome === 'succeeded')).to.equal(true);
      if (at < flipRemovedAt || at > flipBackAt) expect(flip.length, 't.flip while present').to.equal(1);
      swapVersions.push(swap[0]!.version);
    }
    // Events were routed in the order they were dispatched: the version never goes back.
    const order = swapVersions.map((v) => Number.parseInt(v, 10));
    expect(order.every((v, i) => i === 0 || v >= order[i - 1]!), 'versions in dispatch order never decrease').to.equal(true);
    expect(new Set(swapVersions).size, 'every version served some events').to.equal(21);
    expect(hot.changes.all.filter((c) => c.kind === 'replaced')).to.have.length(20);
    expect(hot.changes.kinds('t.flip')).to.deep.equal(['added', 'removed', 'added']);
    // 2 at start, 20 replacements, 1 re-add: nothing loaded twice, nothing left alive.
    expect(hot.factory.census()).to.deep.equal({ live: 0, created: 23, spare: 0 });
  });
});
