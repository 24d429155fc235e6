// The intake's defences against clients that hold a connection open or send ambiguous requests,
// through a real `jobhook serve`.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { event, GUID_A } from '../../support/foundation-plugins.js';
import { startHostileServe, type HostileServe } from '../../support/hostile-serve.js';

/** Sends raw bytes and collects the answer until the server closes the connection. */
function rawExchange(url: string, head: string, body: string): Promise<{ answer: string; closedAfterMs: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let answer = '';
    const socket = net.connect(Number(port), hostname, () => socket.write(`${head}\r\n\r\n${body}`));
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve({ answer, closedAfterMs: Date.now() - started }));
  });
}

describe('intake limits of a running serve', function () {
  this.timeout(60_000);
  let h: HostileServe;

  before(async () => {
    h = await startHostileServe({ config: { api: { requestTimeoutMs: 1000 } } });
    await h.active('well.neighbour');
  });
  after(() => h?.close());

  it('answers 408 and closes a request whose body never ends, within api.requestTimeoutMs', async () => {
    const body = JSON.stringify(event(GUID_A, { jobId: randomUUID() }));
    const head = `POST /v1/job-completions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length + 100}`;
    const { answer, closedAfterMs } = await rawExchange(h.url, head, body);
    expect(answer.split('\r\n')[0]).to.equal('HTTP/1.1 408 Request Timeout');
    expect(closedAfterMs).to.be.below(10_000);
    await h.expectServing();
  });

  it('refuses two Idempotency-Key headers with 400 IDEMPOTENCY_KEY_REPEATED instead of joining them', async () => {
    const body = JSON.stringify(event(GUID_A, { jobId: randomUUID() }));
    const head = `POST /v1/job-completions HTTP/1.1\r\nHost: x\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nidempotency-key: a\r\nidempotency-key: b`;
    const count = async (): Promise<number> => ((await (await fetch(`${h.url}/v1/job-completions?limit=1000`)).json()) as { events: unknown[] }).events.length;
    const before = await count();
    const { answer } = await rawExchange(h.url, head, body);
    expect(answer.split('\r\n')[0]).to.equal('HTTP/1.1 400 Bad Request');
    expect(answer).to.include('"code":"IDEMPOTENCY_KEY_REPEATED"');
    // No event was stored under the key 'a, b' that joining would have made.
    expect(await count()).to.equal(before);
    await h.expectServing();
  });
});
