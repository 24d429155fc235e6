import { expect } from 'chai';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { event, tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { expectOnePerRow, pollerStatus, startPollerRig, storedEvents, waitAllDone, type PollerRig } from '../../support/poller-rig.js';
import { waitFor } from '../../support/wait-for.js';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { startFakeJobHistory } from '@jobhook/sdk/testing';
import { repoRoot, request, spawnServe, type ServeChild } from '../../support/service-harness.js';

describe('jobhook serve polling a Command job history', function () {
  this.timeout(120_000);
  let tmp: TempDir;
  let rig: PollerRig;
  const children: ServeChild[] = [];

  const serve = async (name: string, poll: Record<string, unknown> = {}): Promise<ServeChild> => {
    const dir = path.join(tmp.path, name);
    const child = await spawnServe(['--plugins', rig.pluginsDir, '--data-dir', path.join(dir, 'data'), '--config', await rig.config(tmp.path, poll)]);
    children.push(child);
    return child;
  };
  const stop = async (child: ServeChild): Promise<void> => {
    child.child.kill('SIGTERM');
    expect(await child.exited, child.stderr()).to.equal(0);
  };
  const historyRequests = (): number => rig.fake.requests.filter((r) => r.path === 'OrchestratorJobs/JobHistory').length;

  beforeEach(async () => {
    tmp = await tempDir('jobhook-poll-');
    rig = await startPollerRig(tmp.path);
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.child.exitCode === null && c.child.signalCode === null) {
        c.child.kill('SIGKILL');
        await c.exited;
      }
    }
    await rig.fake.close();
    await tmp.dispose();
  });

  it('stores one event per finished attempt when rows finish out of id order, waiting on a row in process without passing it', async () => {
    const { fake } = rig;
    const [r1, r2, r3] = [fake.begin(), fake.begin(), fake.begin()];
    const child = await serve('order');
    fake.complete(r3);
    fake.complete(r1, { result: 'Warning' });
    await waitAllDone(child.url, [r1, r3]);
    // Several polls later the cursor still stops below the row in process.
    const seen = historyRequests();
    await waitFor(() => historyRequests() >= seen + 3, { what: () => `polls: ${historyRequests() - seen}`, timeoutMs: 20_000, intervalMs: 50 });
    let status = await pollerStatus(child.url);
    expect(status.cursor, JSON.stringify(status)).to.equal(r1);
    expect(status.open.waiting).to.equal(1);
    expect(status.open.rows[0]).to.include({ jobHistoryId: r2, kind: 'waiting' });
    // Some Command versions send Status and Result as names.
    fake.enums = 'names';
    fake.complete(r2, { result: 'Failure' });
    const events = await waitAllDone(child.url, [r1, r2, r3]);
    expect(expectOnePerRow(events, [r1, r2, r3])).to.deep.equal([]);
    status = await pollerStatus(child.url);
    expect(status).to.include({ cursor: r3, state: 'polling', healthy: true, eventsStored: 3 });
    const byRow = new Map(events.map((e) => [e.event.jobHistoryId, e.event]));
    expect(byRow.get(r1)).to.include({ jobResult: 3, source: 'poll', agentId: rig.agentId, username: 'KEYFACTOR\\svc-orch', clientMachine: 'orch-01.example.com' });
    expect(byRow.get(r2)).to.include({ jobResult: 4, jobTypeId: rig.inventoryJobType, jobType: 'PEMInventory', operationType: 0, certificateId: null, requestTimestamp: null });
    // Every request carried the headers Keyfactor expects from API clients.
    expect(fake.requests.every((r) => r.headers['x-keyfactor-requested-with'] === 'APIClient' && r.headers['x-keyfactor-api-version'] === '1')).to.equal(true);
    await stop(child);
  });

  it('counts currentRetryCount from earlier attempts of the same job that ended CompletedWillRetry', async () => {
    const { fake } = rig;
    const jobId = '5d0b6a8e-2f0c-4b6e-9a51-3c0e2d7f9a10';
    const a = fake.add({ jobId, status: 'CompletedWillRetry', result: 'Failure' });
    const b = fake.add({ jobId, status: 'CompletedWillRetry', result: 'Failure' });
    const c = fake.add({ jobId, result: 'Success' });
    const child = await serve('retry');
    await waitAllDone(child.url, [a, b, c]);
    await stop(child);
    // A later run that has not seen the earlier attempts asks the platform for them.
    const d = fake.add({ jobId, status: 'CompletedWillRetry', result: 'Failure' });
    const e = fake.add({ jobId, result: 'Failure' });
    const again = await serve('retry');
    const events = await waitAllDone(again.url, [a, b, c, d, e]);
    expect(expectOnePerRow(events, [a, b, c, d, e])).to.deep.equal([]);
    const retries = Object.fromEntries(events.map((ev) => [ev.event.jobHistoryId, ev.event.currentRetryCount]));
    expect(retries).to.deep.equal({ [a]: 0, [b]: 1, [c]: 2, [d]: 0, [e]: 1 });
    await stop(again);
  });

  it('resumes from the stored cursor after a restart between two polls, storing nothing twice', async () => {
    const { fake } = rig;
    const first = fake.addMany(30);
    const child = await serve('restart');
    await waitAllDone(child.url, range(first.first, first.last));
    await stop(child);
    const second = fake.addMany(20);
    const before = fake.requests.length;
    const again = await serve('restart');
    const all = range(first.first, second.last);
    const events = await waitAllDone(again.url, all);
    expect(expectOnePerRow(events, all)).to.deep.equal([]);
    // The second run started after the first run's cursor, not from the start of the history.
    const firstPage = fake.requests.slice(before).find((r) => r.path === 'OrchestratorJobs/JobHistory');
    expect(firstPage?.query['pq.queryString']).to.equal(`JobHistoryId -gt ${first.last}`);
    expect(firstPage?.query['queryString'], 'plain parameter names are sent too').to.equal(`JobHistoryId -gt ${first.last}`);
    await stop(again);
  });

  it('after kill -9 mid-page and a restart, every row has exactly one event and one outcome per matching handler', async () => {
    const { fake } = rig;
    const rows = fake.addMany(1500);
    fake.pageDelayMs = 40;
    const dataDir = path.join(tmp.path, 'kill', 'data');
    const child = await serve('kill', { pageSize: 100 });
    await waitFor(async () => (await pollerStatus(child.url)).eventsStored >= 300, { what: async () => JSON.stringify(await pollerStatus(child.url)), timeoutMs: 20_000, intervalMs: 50 });
    // Killed while a page is being served (each takes 40 ms to answer).
    child.child.kill('SIGKILL');
    await child.exited;
    const left = (await storedEvents(dataDir)).length;
    expect(left, 'the kill lands before the backfill ends').to.be.within(300, 1499);
    fake.pageDelayMs = 0;
    const again = await serve('kill', { pageSize: 100 });
    const all = range(rows.first, rows.last);
    const events = await waitAllDone(again.url, all, 60_000);
    expect(expectOnePerRow(events, all)).to.deep.equal([]);
    await stop(again);
  });

  it('keeps serving while the platform is down, refuses credentials or sends garbage: degraded, each failure logged once, then catches up', async () => {
    const { fake } = rig;
    const early = fake.add();
    const child = await serve('down');
    await waitAllDone(child.url, [early]);
    for (const [mode, code] of [
      ['down', 'POLL_PLATFORM_UNREACHABLE'],
      ['unauthorized', 'POLL_PLATFORM_UNAUTHORIZED'],
      ['malformed', 'POLL_PAGE_MALFORMED'],
    ] as const) {
      fake.fail(mode);
      const seen = fake.requests.length;
      fake.add();
      await waitFor(() => fake.requests.length >= seen + 3, { what: () => `requests while ${mode}: ${fake.requests.length - seen}`, timeoutMs: 20_000, intervalMs: 50 });
      const ready = await request(`${child.url}/readyz`);
      expect(ready.status, JSON.stringify(ready.body)).to.equal(200);
      expect(ready.body.status).to.equal('degraded');
      expect(ready.body.poller.lastError.code).to.equal(code);
      const status = await pollerStatus(child.url);
      expect(status).to.include({ state: 'backing-off', healthy: false });
      expect(status.errors[code]).to.be.at.least(2);
      expect(child.lines.filter((l) => l.code === code), `${code} logged once`).to.have.length(1);
      // Pushed events are still taken while polling fails.
      const pushed = await request(`${child.url}/v1/job-completions?wait=10000`, { body: event(rig.inventoryJobType, { jobId: randomUUID() }) });
      expect(pushed.status, JSON.stringify(pushed.body)).to.equal(200);
      expect(pushed.body.outcomes.map((o: { outcome: string }) => o.outcome), 'the handler sees a pushed event as pushed').to.deep.equal(['succeeded', 'succeeded']);
      fake.fail(null);
      await waitFor(async () => (await pollerStatus(child.url)).healthy === true, { what: async () => JSON.stringify(await pollerStatus(child.url)), timeoutMs: 20_000, intervalMs: 50 });
    }
    const all = [...fake.rows.keys()];
    const events = await waitAllDone(child.url, all);
    expect(expectOnePerRow(events, all)).to.deep.equal([]);
    expect((await request(`${child.url}/readyz`)).body.status).to.equal('ready');
    expect(child.lines.filter((l) => String(l.msg).startsWith('job-history polling recovered'))).to.have.length(3);
    const metrics = (await request(`${child.url}/metrics`)).body as string;
    expect(metrics).to.match(/jobhook_poll_rows_total\{outcome="stored"\} 4/);
    expect(metrics).to.match(/jobhook_poll_duration_seconds_count\{result="failed"\} [1-9]/);
    expect(metrics).to.match(/jobhook_poll_lag_seconds \d/);
    await stop(child);
  });

  it('stores each row once when the platform repeats rows on its pages', async () => {
    const { fake } = rig;
    fake.repeatRows = true;
    const rows = fake.addMany(60);
    const child = await serve('repeat', { pageSize: 10 });
    const all = range(rows.first, rows.last);
    const events = await waitAllDone(child.url, all);
    expect(expectOnePerRow(events, all)).to.deep.equal([]);
    const status = await pollerStatus(child.url);
    expect(status.eventsStored).to.equal(60);
    await stop(child);
  });

  it('holds a finished row it cannot map for a few polls, then skips it with a logged code, and the rows after it flow', async () => {
    const { fake } = rig;
    const unknownAgent = fake.add({ agentMachine: 'orch-gone.example.com' });
    const unknownType = fake.add({ jobType: 'NoSuchTypeInventory' });
    const late = fake.add({ agentMachine: 'orch-late.example.com' });
    const after = fake.add();
    const child = await serve('unmapped', { unmappedAttempts: 4 });
    await waitAllDone(child.url, [after]);
    // The agent registered while its row was held: that row maps on a later try.
    fake.addAgent('orch-late.example.com');
    // Skipped rows are counted when given up on; the cursor passes them with the next commit.
    await waitFor(
      async () => {
        const s = await pollerStatus(child.url);
        return s.rowsSkipped === 2 && s.cursor === after;
      },
      { what: async () => JSON.stringify(await pollerStatus(child.url)), timeoutMs: 20_000, intervalMs: 50 },
    );
    const status = await pollerStatus(child.url);
    expect(status.recentlySkipped.map((s: { jobHistoryId: number; code: string }) => [s.jobHistoryId, s.code]).sort()).to.deep.equal([
      [unknownAgent, 'POLL_AGENT_UNKNOWN'],
      [unknownType, 'POLL_JOB_TYPE_UNKNOWN'],
    ]);
    expect(status.cursor).to.equal(after);
    expect(child.lines.filter((l) => l.code === 'POLL_AGENT_UNKNOWN'), 'held rows are logged once per code').to.have.length(1);
    expect(child.lines.filter((l) => l.code === 'POLL_ROW_SKIPPED')).to.have.length(2);
    const events = await waitAllDone(child.url, [late, after]);
    expect(expectOnePerRow(events, [late, after])).to.deep.equal([]);
    expect((await request(`${child.url}/readyz`)).body.status).to.equal('ready');
    await stop(child);
  });
});

describe('jobhook serve --poll', function () {
  this.timeout(60_000);

  it('polls the platform named by --platform-url with no config file, and refuses --poll without a platform URL', async () => {
    const tmp = await tempDir('jobhook-poll-flag-');
    const fake = await startFakeJobHistory();
    let child: ServeChild | undefined;
    try {
      const before = fake.addMany(3);
      await mkdir(path.join(tmp.path, 'none'));
      child = await spawnServe(['--plugins', path.join(tmp.path, 'none'), '--data-dir', path.join(tmp.path, 'data'), '--platform-url', fake.url, '--poll']);
      // The cursor moves when a page commits, the state once the whole poll has finished: wait for both.
      await waitFor(async () => {
        const s = await pollerStatus(child!.url);
        return s.cursor === before.last && s.state === 'polling';
      }, { what: async () => JSON.stringify(await pollerStatus(child!.url)), timeoutMs: 20_000, intervalMs: 50 });
      expect(await pollerStatus(child.url)).to.include({ state: 'polling', intervalMs: 10_000 });
      child.child.kill('SIGTERM');
      expect(await child.exited).to.equal(0);
      const refused = spawn(process.execPath, ['--no-node-snapshot', path.join(repoRoot, 'host/dist/main.js'), 'serve', '--poll', '--listen', '127.0.0.1:0', '--data-dir', path.join(tmp.path, 'data2')], { cwd: tmp.path, env: { ...process.env, JOBHOOK_PLATFORM_URL: '' } });
      let stderr = '';
      refused.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => refused.on('exit', resolve));
      expect(code, stderr).to.equal(2);
      expect(stderr).to.match(/--poll reads the job history.*platform\.url/);
    } finally {
      if (child && child.child.exitCode === null) child.child.kill('SIGKILL');
      await fake.close();
      await tmp.dispose();
    }
  });
});

function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}
