// Sandbox processes as the host supervises them: a process killed mid-invocation (a V8 catastrophe
// simulated with SIGKILL), one that stops answering, one over its memory total, a V8 catastrophe in
// a shared process, dedicated processes, neighbours sharing a process with a hostile plugin, and a
// process crashing at its kernel memory limit (the sandboxes in it move to the replacement).
import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { sleep, waitFor } from '../../support/wait-for.js';
import { HOSTILE_JOB_TYPE, IsolationHost, SLOW_JOB_TYPE, WELL_ID, workerPids } from './isolation-harness.js';

/** The pid of the worker holding plugin `id`. */
function pidOf(h: IsolationHost, id: string): number {
  const sandbox = h.factory.sandboxes().find((s) => s.pluginId === id && s.pid !== null);
  expect(sandbox, `a loaded sandbox of ${id}`).to.not.equal(undefined);
  return sandbox!.pid!;
}

/** Resolves with the ms it took (from `since`) until a ready pool process other than `oldPid` exists. */
async function replacedWithin(h: IsolationHost, oldPid: number, since: number): Promise<number> {
  for (;;) {
    const ready = h.factory.census().processes.filter((p) => p.role === 'pool' && p.state === 'ready' && p.pid !== oldPid);
    if (ready.length === h.poolSize) return performance.now() - since;
    if (performance.now() - since > 10_000) throw new Error('the pool was not replenished within 10 s');
    await sleep(5);
  }
}

describe('sandbox process supervision', function () {
  this.timeout(30_000);

  describe('in a pool of two', () => {
    let h: IsolationHost;
    beforeEach(async () => {
      h = await IsolationHost.start();
      expect((await h.load('isolation-slow')).kind).to.equal('added');
    });
    afterEach(async () => {
      await h?.close();
    });

    it('costs a SIGKILL only its process: in-flight invocations crash, the process is replaced within 1 s, others keep serving', async () => {
      const victim = pidOf(h, 'isolation.slow');
      expect(pidOf(h, WELL_ID), 'the two plugins are placed in different processes').to.not.equal(victim);
      const inFlight = [h.dispatchOne(SLOW_JOB_TYPE), h.dispatchOne(SLOW_JOB_TYPE), h.dispatchOne(SLOW_JOB_TYPE)];
      await sleep(300);
      const killedAt = performance.now();
      process.kill(victim, 'SIGKILL');
      const replaced = replacedWithin(h, victim, killedAt);
      const served = [];
      for (let i = 0; i < 10; i++) served.push(await h.dispatchWell());
      // The death is recorded against it (it was running something); it reloads in the replacement.
      await waitFor(() => {
        expect(h.status('isolation.slow')?.lastError?.code).to.equal('SANDBOX_PROCESS_EXITED');
        return true;
      }, { what: 'isolation.slow to report SANDBOX_PROCESS_EXITED', timeoutMs: 1000, intervalMs: 5 });
      const outcomes = await Promise.all(inFlight);
      for (const o of outcomes) {
        expect(o.outcome).to.equal('crashed');
        expect(o.error?.code).to.equal('SANDBOX_PROCESS_EXITED');
        expect(o.error?.message).to.match(new RegExp(`pid ${victim}\\) was killed by SIGKILL`));
        expect(o.durationMs, 'the crash is reported at once, not at the deadline').to.be.below(1500);
      }
      h.expectNeighbourUnharmed(served);
      const replacedMs = await replaced;
      if (process.env.JOBHOOK_ISOLATION_REPORT) console.log(`      SIGKILL → ready replacement: ${replacedMs.toFixed(0)} ms`);
      expect(replacedMs, 'ms from SIGKILL to a ready replacement').to.be.below(1000);
      // The plugin is reloaded in the replacement and serves again.
      await waitFor(() => {
        expect(h.status('isolation.slow')).to.include({ state: 'active' });
        return true;
      }, { what: 'isolation.slow active again', timeoutMs: 5000 });
      expect(pidOf(h, 'isolation.slow')).to.not.equal(victim);
      expect((await h.dispatchOne(SLOW_JOB_TYPE)).outcome).to.equal('succeeded');
      expect(workerPids()).to.not.include(victim);
      await h.expectNothingLeftBehind(2);
    });

    it('kills and replaces a process that stops answering heartbeats', async () => {
      const victim = pidOf(h, 'isolation.slow');
      const pending = h.dispatchOne(SLOW_JOB_TYPE);
      await sleep(100);
      const stoppedAt = performance.now();
      process.kill(victim, 'SIGSTOP');
      const served = [];
      for (let i = 0; i < 10; i++) served.push(await h.dispatchWell());
      const outcome = await pending;
      expect(outcome.outcome).to.equal('crashed');
      expect(outcome.error?.message).to.match(/was killed by SIGKILL/);
      // Heartbeats every 200 ms, silence tolerated 1500 ms; then replaced within 1 s.
      expect(await replacedWithin(h, victim, stoppedAt)).to.be.below(1500 + 200 + 1000);
      h.expectNeighbourUnharmed(served);
      expect(h.logs.lines.some((l) => l.msg === 'sandbox process stopped answering heartbeats; killing it' && l.pid === victim)).to.equal(true);
      await waitFor(() => {
        expect(h.status('isolation.slow')).to.include({ state: 'active' });
        return true;
      }, { what: 'isolation.slow active again', timeoutMs: 5000 });
      await h.expectNothingLeftBehind(2);
    });

    it('runs a plugin the admin isolated in a dedicated process, ended when the plugin is unloaded', async () => {
      await h.close();
      h = await IsolationHost.start({ factory: { dedicated: ['isolation.slow'] } });
      expect((await h.load('isolation-slow')).kind).to.equal('added');
      const dedicated = h.factory.census().processes.filter((p) => p.role === 'dedicated');
      expect(dedicated).to.have.length(1);
      expect(dedicated[0]).to.include({ sandboxes: 1, pid: pidOf(h, 'isolation.slow') });
      expect((await h.dispatchOne(SLOW_JOB_TYPE)).outcome).to.equal('succeeded');
      await h.unload('isolation-slow');
      await waitFor(() => {
        expect(workerPids()).to.not.include(dedicated[0]!.pid);
        return true;
      }, { what: 'the dedicated process to be gone', timeoutMs: 3000 });
      await h.expectNothingLeftBehind(1);
    });
  });

  describe('in a pool of one (every plugin shares the process)', () => {
    let h: IsolationHost;
    before(async () => {
      h = await IsolationHost.start({ factory: { processes: 1, processMemoryMb: 200 }, config: { limits: { max: { memoryMb: 512, timeoutMs: 300_000, concurrency: 64 } } } });
    });
    after(async () => {
      await h?.close();
    });

    for (const folder of ['hostile-sync-loop', 'hostile-loop-after-await', 'hostile-heap-arrays']) {
      it(`keeps a neighbour in the same process serving while ${folder} attacks`, async () => {
        expect((await h.load(folder)).kind).to.equal('added');
        expect(pidOf(h, WELL_ID)).to.equal(pidOf(h, `hostile.${folder.slice('hostile-'.length)}`));
        const { result, neighbour } = await h.underAttack(() => h.dispatchHostile());
        expect(['timeout', 'crashed']).to.include(result.outcome);
        h.expectNeighbourUnharmed(neighbour);
        await h.unload(folder);
        await h.expectNothingLeftBehind();
      });
    }

    it('sheds the isolate holding the most memory when its process passes its memory total', async () => {
      expect((await h.load('hostile-memory-hog')).kind).to.equal('added');
      const { result, neighbour } = await h.underAttack(() => h.dispatchHostile());
      expect(result.outcome).to.equal('succeeded');
      await waitFor(() => {
        expect(h.status('hostile.memory-hog')?.lastError?.code).to.equal('SANDBOX_PROCESS_MEMORY');
        return true;
      }, { what: 'hostile.memory-hog to report SANDBOX_PROCESS_MEMORY', timeoutMs: 5000 });
      expect(h.status(WELL_ID)).to.include({ state: 'active', lastError: null });
      h.expectNeighbourUnharmed(neighbour);
      expect((await h.dispatchWell()).outcome).to.equal('succeeded');
      await h.unload('hostile-memory-hog');
      await h.expectNothingLeftBehind();
    });

    it('moves the neighbours of a V8 catastrophe to a fresh process without losing an invocation', async () => {
      const poisoned = pidOf(h, WELL_ID);
      expect((await h.load('hostile-heap-maps')).kind).to.equal('added');
      expect(pidOf(h, 'hostile.heap-maps')).to.equal(poisoned);
      const { result, neighbour } = await h.underAttack(async () => {
        const outcome = await h.dispatchHostile();
        // Keep the neighbour busy while it moves.
        await waitFor(() => {
          expect(pidOf(h, WELL_ID)).to.not.equal(poisoned);
          return true;
        }, { what: 'the well-behaved plugin to move off the poisoned process', timeoutMs: 5000 });
        return outcome;
      });
      expect(result).to.include({ outcome: 'crashed' });
      expect(result.error?.code).to.equal('ISOLATE_CATASTROPHIC');
      for (const o of neighbour) expect(o.outcome).to.equal('succeeded');
      expect(h.status(WELL_ID), 'the neighbour moved without a death').to.include({ state: 'active', lastError: null });
      await waitFor(() => {
        expect(workerPids()).to.not.include(poisoned);
        return true;
      }, { what: 'the poisoned process to be gone', timeoutMs: 5000 });
      await h.unload('hostile-heap-maps');
      await h.expectNothingLeftBehind();
    });
  });
});

describe('restart and quarantine', function () {
  this.timeout(30_000);
  let h: IsolationHost;
  before(async () => {
    h = await IsolationHost.start();
  });
  after(async () => {
    await h?.close();
  });

  it('restarts a plugin whose isolate died with growing backoff, quarantines it at the third fault in the window, and lets the admin re-enable it', async () => {
    const id = 'hostile.heap-arrays';
    expect((await h.load('hostile-heap-arrays')).kind).to.equal('added');
    const backoffs: number[] = [];
    for (let fault = 1; fault <= 2; fault++) {
      const outcome = await h.dispatchHostile();
      expect(outcome).to.include({ outcome: 'crashed' });
      expect(h.status(id)).to.include({ state: 'failed' });
      expect(h.status(id)?.lastError?.code).to.equal('ISOLATE_MEMORY_LIMIT');
      // The host's own clock: the death is recorded before the outcome reaches this test, so a
      // stopwatch started here would miss part of the backoff.
      const diedAt = Date.parse(h.status(id)!.lastError!.at);
      await waitFor(() => {
        expect(h.status(id)).to.include({ state: 'active' });
        return true;
      }, { what: `${id} active again`, timeoutMs: 5000, intervalMs: 5 });
      backoffs.push(Date.parse(h.status(id)!.loadedAt!) - diedAt);
    }
    // 100 ms, then 200 ms, before each reload starts.
    expect(backoffs[0]).to.be.at.least(100);
    expect(backoffs[1]).to.be.at.least(200);
    expect((await h.dispatchHostile()).outcome).to.equal('crashed');
    await waitFor(() => {
      expect(h.status(id)).to.include({ state: 'failed' });
      return true;
    }, { what: `${id} to be failed`, timeoutMs: 3000 });
    expect(h.status(id)?.lastError?.code).to.equal('PLUGIN_QUARANTINED');
    expect(h.status(id)?.lastError?.message).to.match(/quarantined after 3 faults within 300 s; last: ISOLATE_MEMORY_LIMIT/);
    expect((await h.host.dispatch({ ...(await import('../../support/foundation-plugins.js')).event(HOSTILE_JOB_TYPE) })).outcomes, 'no dispatch to a quarantined plugin').to.have.length(0);
    await sleep(500);
    expect(h.status(id), 'no restart while quarantined').to.include({ state: 'failed' });
    expect((await h.host.registry.enable(id)).kind).to.equal('replaced');
    expect(h.status(id)).to.include({ state: 'active' });
    expect((await h.dispatchHostile()).error?.code, 'routed again').to.equal('ISOLATE_MEMORY_LIMIT');
    await h.unload('hostile-heap-arrays');
    await h.expectNothingLeftBehind();
  });

  it('does not hold the death of a shared process against plugins that were idle in it', async () => {
    await h.close();
    h = await IsolationHost.start({ factory: { processes: 1 } });
    for (let kill = 1; kill <= 3; kill++) {
      const pid = pidOf(h, WELL_ID);
      const before = h.status(WELL_ID)?.lastError?.at;
      process.kill(pid, 'SIGKILL');
      // The death is recorded, and stays as lastError after the restart so an admin sees why.
      await waitFor(() => {
        expect(h.status(WELL_ID)?.lastError?.code).to.equal('SANDBOX_PROCESS_EXITED');
        expect(h.status(WELL_ID)?.lastError?.at).to.not.equal(before);
        return true;
      }, { what: 'the kill recorded as SANDBOX_PROCESS_EXITED', timeoutMs: 1000, intervalMs: 5 });
      await waitFor(() => {
        expect(h.status(WELL_ID)).to.include({ state: 'active' });
        expect(pidOf(h, WELL_ID)).to.not.equal(pid);
        return true;
      }, { what: 'the well-behaved plugin active on a new process', timeoutMs: 5000 });
    }
    expect((await h.dispatchWell()).outcome, 'still routed after three process deaths').to.equal('succeeded');
    await h.expectNothingLeftBehind();
  });

  it('quarantines a plugin running something at three process deaths in the window, though it moved each time', async () => {
    expect((await h.load('isolation-slow')).kind).to.equal('added');
    for (let kill = 1; kill <= 3; kill++) {
      const pid = pidOf(h, 'isolation.slow');
      const inFlight = h.dispatchOne(SLOW_JOB_TYPE);
      await sleep(300);
      process.kill(pid, 'SIGKILL');
      expect(await inFlight).to.include({ outcome: 'crashed' });
      if (kill < 3) {
        // It moved and serves on, with the death recorded against it.
        await waitFor(() => {
          expect(pidOf(h, 'isolation.slow')).to.not.equal(pid);
          return true;
        }, { what: 'isolation.slow to move to another process', timeoutMs: 5000 });
        expect(h.status('isolation.slow')).to.include({ state: 'active' });
        expect(h.status('isolation.slow')?.lastError?.code).to.equal('SANDBOX_PROCESS_EXITED');
      }
    }
    await waitFor(() => {
          expect(h.status('isolation.slow')).to.include({ state: 'failed' });
          return true;
        }, { what: 'isolation.slow to be failed', timeoutMs: 5000 });
    expect(h.status('isolation.slow')?.lastError?.code).to.equal('PLUGIN_QUARANTINED');
    expect(h.status('isolation.slow')?.lastError?.message).to.match(/^quarantined after 3 faults within 300 s; last: SANDBOX_PROCESS_EXITED/);
    expect((await h.host.dispatch({ ...(await import('../../support/foundation-plugins.js')).event(SLOW_JOB_TYPE) })).outcomes, 'no dispatch to a quarantined plugin').to.have.length(0);
    expect((await h.dispatchWell()).outcome).to.equal('succeeded');
    // The quarantined version's isolate, moved into the live process, is let go.
    await h.expectNothingLeftBehind();
  });
});

describe('a sandbox process that crashes at its kernel memory limit', function () {
  this.timeout(60_000);
  const HOLDER_JOB_TYPE = 'a1000001-0000-4000-8000-0000000000a1';
  let h: IsolationHost;
  let dir: TempDir;
  let holder: string;

  before(async function () {
    h = await IsolationHost.start({ factory: { processes: 1, processHardMemoryMb: 512 }, config: { limits: { max: { memoryMb: 512, timeoutMs: 300_000, concurrency: 64 } } } });
    if (h.factory.memoryEnforcement.kernel !== 'rlimit-data') this.skip();
    dir = await tempDir('jobhook-memory-holder-');
    holder = path.join(dir.path, 'memory-holder');
    await mkdir(holder);
    // Holds 360 MiB of touched array buffer across invocations: with the worker's own ~140 MiB, the
    // process sits in the last eighth of its 512 MiB data limit, where a malloc outside V8 fails.
    await writeFile(
      path.join(holder, 'plugin.json'),
      JSON.stringify({ id: 'isolation.memory-holder', name: 'Memory holder', version: '1.0.0', engine: '^0.1.0', main: 'bundle.js', handlers: [{ name: 'H', jobTypes: [HOLDER_JOB_TYPE] }], limits: { memoryMb: 450 } }),
    );
    await writeFile(
      path.join(holder, 'bundle.js'),
      `'use strict';\nconst sdk = require('@jobhook/sdk');\nconst held = [];\nclass H { constructor() { this.jobTypes = '${HOLDER_JOB_TYPE}'; } runHandler() { held.push(new Uint8Array(360 * 1024 * 1024).fill(1)); return true; } }\nsdk.jobCompleteHandler('H')(H);\n`,
    );
    expect((await h.host.registry.sync(holder)).kind).to.equal('added');
    expect((await h.load('isolation-slow')).kind).to.equal('added');
  });
  after(async () => {
    await h?.close();
    await dir?.dispose();
  });

  it('names a SIGSEGV there a memory death, and the neighbours serve on from the replacement at once', async () => {
    expect((await h.dispatchOne(HOLDER_JOB_TYPE)).outcome).to.equal('succeeded');
    const pid = pidOf(h, WELL_ID);
    // Two heartbeats after the memory is committed, so the last sample saw it.
    await waitFor(() => {
          expect(h.factory.census().processes[0]?.rssBytes ?? 0).to.be.above(360 * 1024 * 1024);
          return true;
        }, { what: 'the sandbox process to hold more than 360 MiB', timeoutMs: 5000 });
    await sleep(500);
    const inFlight = h.dispatchOne(SLOW_JOB_TYPE);
    await sleep(300);
    // What ICU's failed malloc does under RLIMIT_DATA: no V8 report, just the signal.
    process.kill(pid, 'SIGSEGV');
    const crashed = await inFlight;
    expect(crashed.outcome).to.equal('crashed');
    expect(crashed.error?.code).to.equal('SANDBOX_PROCESS_MEMORY');
    expect(crashed.error?.message).to.match(new RegExp(`pid ${pid}\\) was killed by SIGSEGV: \\d+ MiB committed \\d+ ms before.*of its hard total of 512 MiB`));
    // Dispatched after the death: each waits for its sandbox to reload in the replacement, none is
    // refused as unavailable.
    for (let i = 0; i < 5; i++) expect(await h.dispatchWell(), 'the idle neighbour, after the death').to.include({ outcome: 'succeeded' });
    expect((await h.dispatchOne(SLOW_JOB_TYPE)).outcome, 'the neighbour that was in flight').to.equal('succeeded');
    expect(pidOf(h, WELL_ID)).to.not.equal(pid);
    expect(h.status(WELL_ID)).to.include({ state: 'active' });
    expect(h.status(WELL_ID)?.lastError?.code, 'the death is recorded').to.equal('SANDBOX_PROCESS_MEMORY');
    expect(h.status('isolation.slow')).to.include({ state: 'active' });
    await h.expectNothingLeftBehind(3);
  });

  it('names a SIGSEGV far below the limit what it was, SANDBOX_PROCESS_EXITED', async () => {
    // The holder moved with its process; its memory did not.
    const pid = pidOf(h, WELL_ID);
    await sleep(500);
    const inFlight = h.dispatchOne(SLOW_JOB_TYPE);
    await sleep(300);
    process.kill(pid, 'SIGSEGV');
    const crashed = await inFlight;
    expect(crashed).to.include({ outcome: 'crashed' });
    expect(crashed.error?.code).to.equal('SANDBOX_PROCESS_EXITED');
    expect((await h.dispatchWell()).outcome).to.equal('succeeded');
    await h.expectNothingLeftBehind(3);
  });
});
