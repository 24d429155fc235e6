import { expect } from 'chai';
import { DEFAULT_CONFIG, PlatformEgressGateway, type InvocationScope, type PluginEgress } from '@jobhook/host';
import { captureLogs } from '../../support/log-capture.js';
import { startFakePlatform, type FakePlatform } from '../../support/fake-platform.js';

const manifest = { id: 'acme.slots', name: 's', version: '1.0.0', engine: '^0.1.0', main: 'p.js', handlers: [], permissions: { http: [{ url: 'Test/**', methods: ['GET'] }] } } as never;
const scope = (invocationId: string): InvocationScope => ({ invocationId, handler: 'H', jobId: 'job-1', deadlineAt: Date.now() + 5000 });
const get = (route: string): string => JSON.stringify({ method: 'GET', url: route, headers: {}, body: null, timeoutMs: null });

type Answer = { ok: true; value: { status: number } } | { ok: false; error: { name: string; code: string; message: string } };

describe("a plugin's egress channel: request slots", function () {
  this.timeout(10_000);
  let platform: FakePlatform;
  let gateway: PlatformEgressGateway;
  let egress: PluginEgress;
  const logs = captureLogs();

  beforeEach(async () => {
    platform = await startFakePlatform();
    gateway = new PlatformEgressGateway({
      platform: { url: platform.url, auth: { type: 'bearer', token: 'unit-token' } },
      limits: { ...DEFAULT_CONFIG.egress, maxConcurrentPerPlugin: 1, maxQueuedPerPlugin: 1 },
    });
    egress = gateway.forPlugin(manifest, logs.logger);
  });
  afterEach(async () => {
    await gateway.dispose();
    await platform.close();
  });

  const send = async (route: string, invocation: string): Promise<Answer> => JSON.parse(await egress.request(get(route), scope(invocation))) as Answer;

  it('sends one request at a time, lets the next wait its turn and answers one past the queue with EGRESS_QUEUE_FULL', async () => {
    const first = send('Test/Slow?ms=300', 'a');
    await platform.waitFor((r) => r.route === 'Test/Slow');
    const second = send('Test/Slow?ms=10', 'b');
    const third = await send('Test/Echo', 'c');
    expect(third).to.deep.equal({
      ok: false,
      error: {
        name: 'EgressLimitError',
        code: 'EGRESS_QUEUE_FULL',
        message: 'the plugin already has 1 requests in flight and 1 waiting (egress.maxConcurrentPerPlugin / maxQueuedPerPlugin)',
      },
    });
    expect(platform.requests, 'the waiting request is not sent yet').to.have.length(1);
    expect((await first).ok).to.equal(true);
    expect((await second).ok).to.equal(true);
    const [slow, next] = platform.requestsTo('GET', 'Test/Slow');
    expect(next!.receivedAt, 'the second is sent once the first has answered').to.be.at.least(slow!.receivedAt + 250);
    expect(platform.requestsTo('GET', 'Test/Echo')).to.have.length(0);
  });

  it('takes a waiting request out of the queue when its invocation ends, so another may wait', async () => {
    const first = send('Test/Slow?ms=300', 'a');
    await platform.waitFor((r) => r.route === 'Test/Slow');
    const waiting = send('Test/Echo', 'ending');
    egress.endInvocation('ending');
    const ended = await waiting;
    expect(ended.ok).to.equal(false);
    if (!ended.ok) expect(ended.error.code).to.equal('EGRESS_ABORTED');
    const later = send('Test/Echo', 'later');
    expect((await first).ok).to.equal(true);
    expect((await later).ok).to.equal(true);
    expect(platform.requestsTo('GET', 'Test/Echo')).to.have.length(1);
  });

  it('aborts the requests of every channel when the gateway is disposed, and hands out no channel after', async () => {
    const other = gateway.forPlugin({ ...(manifest as object), id: 'acme.other' } as never, logs.logger);
    const mine = send('Test/Slow?ms=3000', 'a');
    const theirs = other.request(get('Test/Slow?ms=3000'), scope('b'));
    await platform.waitFor((r) => r.route === 'Test/Slow' && platform.requestsTo('GET', 'Test/Slow').length === 2);
    await gateway.dispose();
    const answers = [await mine, JSON.parse(await theirs) as Answer];
    expect(answers.map((a) => (a.ok ? 'ok' : a.error.code))).to.deep.equal(['EGRESS_ABORTED', 'EGRESS_ABORTED']);
    expect(() => gateway.forPlugin(manifest, logs.logger)).to.throw('the egress gateway is disposed');
  });
});
