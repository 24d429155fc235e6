import { expect } from 'chai';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { GUID_A, event, handlerBundle, manifest, tempDir, writePlugin, type TempDir } from '../../support/foundation-plugins.js';
import { request, startTestService, type TestService } from '../../support/service-harness.js';
import { MAX_LIVE_STREAMS } from '../../../host/dist/api/routes/event-stream-routes.js';
import { waitFor } from '../../support/wait-for.js';

const TOKEN = 'stream-test-token';

/** Reads server-sent events from `res` until `enough(messages)`, or throws after the timeout. */
async function readUntil(res: Response, enough: (m: Array<{ event: string; data: any }>) => boolean, timeoutMs = 15_000): Promise<Array<{ event: string; data: any }>> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const messages: Array<{ event: string; data: any }> = [];
  let buffer = '';
  const deadline = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    while (!enough(messages)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended after ${JSON.stringify(messages)}`);
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const type = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (type && data) messages.push({ event: type, data: JSON.parse(data) });
      }
    }
    return messages;
  } finally {
    clearTimeout(deadline);
  }
}

describe('the live feed: GET /v1/events/stream', function () {
  this.timeout(30_000);
  let tmp: TempDir;
  let svc: TestService;

  before(async () => {
    tmp = await tempDir('jobhook-stream-');
    const plugins = path.join(tmp.path, 'plugins');
    await writePlugin(plugins, 'ok', manifest('t.ok'), handlerBundle('return true;'));
    await writePlugin(plugins, 'boom', manifest('t.boom'), handlerBundle("throw new Error('boom');"));
    svc = await startTestService(plugins, path.join(tmp.path, 'data'), { token: TOKEN });
  });
  after(async () => {
    await svc?.close();
    await tmp?.dispose();
  });

  it('refuses a client without the bearer token, like every /v1 route', async () => {
    const res = await fetch(`${svc.url}/v1/events/stream`);
    expect(res.status).to.equal(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).to.equal('AUTH_REQUIRED');
  });

  it('streams the acceptance, each committed outcome and the end of an event, in order', async () => {
    const controller = new AbortController();
    const res = await fetch(`${svc.url}/v1/events/stream`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: controller.signal });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/event-stream/);
    const posted = await request(`${svc.url}/v1/job-completions`, { body: event(GUID_A), headers: { authorization: `Bearer ${TOKEN}` } });
    const id = posted.body.id;
    const messages = await readUntil(res, (m) => m.some((x) => x.event === 'done' && x.data.eventId === id));
    const mine = messages.filter((m) => m.data.eventId === id);
    expect(mine[0]).to.deep.include({ event: 'accepted' });
    expect(mine[0]!.data).to.include({ jobTypeId: GUID_A, jobType: 'PEMInventory' });
    const outcomes = mine.filter((m) => m.event === 'outcome').map((m) => m.data);
    expect(outcomes.map((o) => `${o.plugin}:${o.outcome}:${o.replay}`).sort()).to.deep.equal(['t.boom:error:0', 't.ok:succeeded:0']);
    expect(outcomes.find((o) => o.plugin === 't.boom').error.message).to.equal('boom');
    expect(mine[mine.length - 1]!.event).to.equal('done');
    controller.abort();
  });

  it('refuses a stream beyond the limit of open ones with 503 LIVE_STREAM_LIMIT, and takes one again once a stream closes', async () => {
    const open: AbortController[] = [];
    const headers = { authorization: `Bearer ${TOKEN}` };
    try {
      for (let i = 0; i < MAX_LIVE_STREAMS; i++) {
        const c = new AbortController();
        open.push(c);
        const res = await fetch(`${svc.url}/v1/events/stream`, { headers, signal: c.signal });
        expect(res.status).to.equal(200);
      }
      const refused = await fetch(`${svc.url}/v1/events/stream`, { headers });
      expect(refused.status).to.equal(503);
      expect(((await refused.json()) as { error: { code: string } }).error.code).to.equal('LIVE_STREAM_LIMIT');
      open.pop()!.abort();
      await waitFor(
        async () => {
          const c = new AbortController();
          const res = await fetch(`${svc.url}/v1/events/stream`, { headers, signal: c.signal });
          if (res.status === 200) return open.push(c);
          await res.arrayBuffer();
          return false;
        },
        { what: 'the closed stream to be released (a new one admitted)', timeoutMs: 10_000, intervalMs: 50 },
      );
    } finally {
      for (const c of open) c.abort();
    }
  });

  it('ends open streams when the service closes, so shutdown is not held', async () => {
    const tmp2 = await tempDir('jobhook-stream-close-');
    await mkdir(path.join(tmp2.path, 'plugins'));
    const other = await startTestService(path.join(tmp2.path, 'plugins'), path.join(tmp2.path, 'data'), { token: TOKEN });
    try {
      const res = await fetch(`${other.url}/v1/events/stream`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const reader = res.body!.getReader();
      await reader.read();
      const started = Date.now();
      await other.close();
      expect(Date.now() - started).to.be.below(10_000);
      for (;;) if ((await reader.read()).done) break;
    } finally {
      await tmp2.dispose();
    }
  });
});
