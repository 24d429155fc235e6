import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { event, GUID_A, handlerBundle, manifest, tempDir, writePlugin, type TempDir } from '../../support/foundation-plugins.js';
import { startFakeJobHistory, type FakeJobHistory } from '@jobhook/sdk/testing';
import { repoRoot, request, spawnServe, waitDone, type ServeChild } from '../../support/service-harness.js';

interface Panel {
  readonly type: string;
  readonly title: string;
  readonly targets?: ReadonlyArray<{ readonly expr: string }>;
}

/** Every metric name a Prometheus text exposition offers, histogram and summary series included. */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${name}${s}`);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(`${name}${s}`);
  }
  return names;
}

describe('the Grafana dashboard in docs/grafana', function () {
  this.timeout(60_000);
  let tmp: TempDir;
  let serve: ServeChild;
  let fake: FakeJobHistory;
  let panels: Panel[];

  before(async () => {
    panels = (JSON.parse(await readFile(path.join(repoRoot, 'docs/grafana/jobhook-dashboard.json'), 'utf8')) as { panels: Panel[] }).panels.filter((p) => p.type !== 'row');
    tmp = await tempDir('jobhook-grafana-');
    const plugins = path.join(tmp.path, 'plugins');
    await writePlugin(plugins, 'ok', manifest('t.ok'), handlerBundle('return true;'));
    // Polling a fake job history, so the poller's metrics are exposed too.
    fake = await startFakeJobHistory();
    fake.addMany(2);
    serve = await spawnServe(['--plugins', plugins, '--data-dir', path.join(tmp.path, 'data'), '--platform-url', fake.url, '--poll']);
  });
  after(async () => {
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    await fake?.close();
    await tmp?.dispose();
  });

  it('queries only metrics a running jobhook serve exposes on /metrics', async () => {
    const posted = await request(`${serve.url}/v1/job-completions`, { body: event(GUID_A) });
    await waitDone(serve.url, posted.body.id);
    const exposed = exposedNames(String((await request(`${serve.url}/metrics`)).body));
    expect(exposed.size).to.be.greaterThan(5);
    const used = new Set<string>();
    for (const panel of panels) {
      expect(panel.targets ?? [], panel.title).to.have.length.greaterThan(0);
      for (const { expr } of panel.targets ?? []) {
        const names = expr.match(/\bjobhook_[a-z0-9_]+/g) ?? [];
        expect(names, `${panel.title}: ${expr}`).to.have.length.greaterThan(0);
        for (const name of names) {
          expect(exposed.has(name), `${panel.title}: ${name} is not on /metrics`).to.equal(true);
          used.add(name);
        }
      }
    }
    // The views an operator opens it for: events, outcomes by plugin, latency, queue depth, poller lag.
    expect([...used]).to.include.members(['jobhook_events_received_total', 'jobhook_handler_outcomes_total', 'jobhook_handler_duration_seconds_bucket', 'jobhook_queue_depth', 'jobhook_poll_lag_seconds']);
  });

  it('is importable: a datasource input, a unique uid, and panels laid out without overlap', async () => {
    const dash = JSON.parse(await readFile(path.join(repoRoot, 'docs/grafana/jobhook-dashboard.json'), 'utf8'));
    expect(dash.__inputs[0]).to.include({ name: 'DS_PROMETHEUS', pluginId: 'prometheus' });
    expect(dash.uid).to.be.a('string');
    const cells = new Set<string>();
    for (const p of dash.panels as Array<{ gridPos: { x: number; y: number; w: number; h: number }; title: string }>) {
      expect(p.gridPos.x + p.gridPos.w, p.title).to.be.at.most(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).to.equal(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });
});
