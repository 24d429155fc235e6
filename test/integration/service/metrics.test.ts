import { expect } from 'chai';
import path from 'node:path';
import { GUID_A, GUID_C, event, handlerBundle, manifest, tempDir, writePlugin, type TempDir } from '../../support/foundation-plugins.js';
import { request, startTestService, type TestService } from '../../support/service-harness.js';
import { sleep } from '../../support/wait-for.js';

// One sample line of the Prometheus text format: name, optional {labels}, value.
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?)|NaN|\+Inf|-Inf)$/;

/** Parses the exposition text; throws on any line that is neither a comment nor a valid sample. */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    samples.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return samples;
}

describe('GET /metrics', function () {
  this.timeout(30_000);
  let tmp: TempDir;
  let svc: TestService;

  before(async () => {
    tmp = await tempDir('jobhook-metrics-');
    const plugins = path.join(tmp.path, 'plugins');
    await writePlugin(plugins, 'ok', manifest('t.ok'), handlerBundle('return true;'));
    await writePlugin(plugins, 'no', manifest('t.no'), handlerBundle('return false;'));
    await writePlugin(plugins, 'broken', manifest('t.broken'), "throw new Error('bundle exploded');");
    svc = await startTestService(plugins, path.join(tmp.path, 'data'));
  });
  after(async () => {
    await svc?.close();
    await tmp.dispose();
  });

  it('is valid Prometheus text that counts what happened: events, outcomes, durations, plugins, queue', async () => {
    for (let i = 0; i < 4; i++) expect((await request(`${svc.url}/v1/job-completions?wait=5000`, { body: event(GUID_A, { currentRetryCount: i }) })).status).to.equal(200);
    await request(`${svc.url}/v1/job-completions?wait=5000`, { body: event(GUID_C) });
    await request(`${svc.url}/v1/job-completions`, { body: { jobId: 'nope' } });
    await request(`${svc.url}/v1/job-completions`, { body: event(GUID_C), headers: { 'idempotency-key': 'k1' } });
    await request(`${svc.url}/v1/job-completions`, { body: event(GUID_C), headers: { 'idempotency-key': 'k1' } });

    const res = await request<string>(`${svc.url}/metrics`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    const m = parseMetrics(res.body);
    expect(m.get('jobhook_events_received_total{result="accepted"}')).to.equal(6);
    expect(m.get('jobhook_events_received_total{result="duplicate"}')).to.equal(1);
    expect(m.get('jobhook_events_received_total{result="invalid"}')).to.equal(1);
    expect(m.get('jobhook_events_dispatched_total')).to.be.at.least(5);
    expect(m.get('jobhook_handler_outcomes_total{plugin="t.ok",handler="H",outcome="succeeded"}')).to.equal(4);
    expect(m.get('jobhook_handler_outcomes_total{plugin="t.no",handler="H",outcome="failed"}')).to.equal(4);
    expect(m.get('jobhook_handler_duration_seconds_count{plugin="t.ok",handler="H"}')).to.equal(4);
    expect(m.get('jobhook_handler_duration_seconds_bucket{le="+Inf",plugin="t.ok",handler="H"}')).to.equal(4);
    expect(m.get('jobhook_plugins{state="active"}')).to.equal(2);
    expect(m.get('jobhook_plugins{state="failed"}')).to.equal(1);
    expect(m.get('jobhook_plugin_changes_total{plugin="t.ok",kind="added"}')).to.equal(1);
    expect(m.get('jobhook_plugin_changes_total{plugin="t.broken",kind="refused"}')).to.equal(1);
    expect(m.get('jobhook_isolate_heap_bytes{plugin="t.ok"}')).to.be.greaterThan(100_000);
    // The last POST did not wait: once it is dispatched, the queue gauges read empty.
    let depth = m;
    for (let i = 0; i < 100 && (depth.get('jobhook_queue_depth{status="pending"}') !== 0 || depth.get('jobhook_queue_depth{status="dispatching"}') !== 0); i++) {
      await sleep(20);
      depth = parseMetrics((await request<string>(`${svc.url}/metrics`)).body);
    }
    expect(depth.get('jobhook_queue_depth{status="pending"}')).to.equal(0);
    expect(depth.get('jobhook_queue_depth{status="dispatching"}')).to.equal(0);
  });

  it('keeps its figures per service: a second service in the same process starts from zero', async () => {
    const other = await startTestService(path.join(tmp.path, 'plugins'), path.join(tmp.path, 'data-2'));
    try {
      const m = parseMetrics((await request<string>(`${other.url}/metrics`)).body);
      expect(m.get('jobhook_events_received_total{result="accepted"}')).to.equal(0);
      expect(m.has('jobhook_handler_outcomes_total{plugin="t.ok",handler="H",outcome="succeeded"}')).to.equal(false);
    } finally {
      await other.close();
    }
  });
});
