import { expect } from 'chai';
import { DEFAULT_CONFIG, PlatformEgressGateway, type InvocationScope, type PluginEgress } from '@jobhook/host';
import { captureLogs } from '../../support/log-capture.js';
import { startFakePlatform, type FakePlatform } from '../../support/fake-platform.js';

const manifest = (http: Array<{ url: string; methods: string[] }>) =>
  ({ id: 'acme.unit', name: 'u', version: '1.0.0', engine: '^0.1.0', main: 'p.js', handlers: [], permissions: { http } }) as never;

const scope = (invocationId: string, ms = 5000): InvocationScope => ({ invocationId, handler: 'H', jobId: 'job-1', deadlineAt: Date.now() + ms });

function request(url: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ method: 'GET', url, headers: {}, body: null, timeoutMs: null, ...extra });
}

type Answer = { ok: true; value: { status: number; url: string; body: { data: string } } } | { ok: false; error: { code: string; message: string } };

describe('the platform egress gateway', function () {
  this.timeout(10_000);
  let platform: FakePlatform;
  let gateway: PlatformEgressGateway;
  let egress: PluginEgress;
  const logs = captureLogs();

  beforeEach(async () => {
    platform = await startFakePlatform();
    gateway = new PlatformEgressGateway({ platform: { url: platform.url, auth: { type: 'bearer', token: 'unit-token-xyz' } }, limits: { ...DEFAULT_CONFIG.egress, maxRedirects: 2 } });
    egress = gateway.forPlugin(manifest([{ url: 'Test/**', methods: ['GET', 'POST'] }]), logs.logger);
  });
  afterEach(async () => {
    await gateway.dispose();
    await platform.close();
  });

  const call = async (json: string, s = scope('inv-1')): Promise<Answer> => JSON.parse(await egress.request(json, s)) as Answer;

  it('answers a JSON envelope with the response', async () => {
    const answer = await call(request('Test/Echo'));
    expect(answer.ok).to.equal(true);
    if (answer.ok) expect(JSON.parse(answer.value.body.data)).to.include({ method: 'GET' });
    expect(platform.requests[0]?.headers.authorization).to.equal('Bearer unit-token-xyz');
  });

  it('refuses malformed request descriptions without sending anything', async () => {
    expect(await call('not json')).to.deep.include({ ok: false });
    expect(((await call(request('Test/Echo', { method: 'TRACE' }))) as { error: { code: string } }).error.code).to.equal('EGRESS_BAD_REQUEST');
    const withBody = await call(request('Test/Echo', { body: { encoding: 'utf8', data: 'x' } }));
    expect(withBody).to.deep.include({ ok: false, error: { name: 'EgressError', code: 'EGRESS_BAD_REQUEST', message: 'a GET request cannot have a body' } });
    expect(platform.requests).to.have.length(0);
  });

  it('aborts the requests of an invocation when it ends, and only those', async () => {
    const slow = egress.request(request('Test/Slow?ms=3000'), scope('ending'));
    const other = egress.request(request('Test/Slow?ms=200'), scope('staying'));
    await platform.waitFor((r) => r.route === 'Test/Slow' && r.query.ms === '3000');
    egress.endInvocation('ending');
    expect((JSON.parse(await slow) as { error: { code: string } }).error.code).to.equal('EGRESS_ABORTED');
    expect((JSON.parse(await other) as { ok: boolean }).ok).to.equal(true);
  });

  it('aborts everything on dispose and refuses further requests', async () => {
    const slow = egress.request(request('Test/Slow?ms=3000'), scope('a'));
    await platform.waitFor((r) => r.route === 'Test/Slow');
    egress.dispose();
    expect((JSON.parse(await slow) as { error: { code: string } }).error.code).to.equal('EGRESS_ABORTED');
    const later = (await call(request('Test/Echo'))) as { error: { message: string } };
    expect(later.error.message).to.equal('the plugin version was unloaded');
  });

  it('stops following redirects past egress.maxRedirects', async () => {
    const loop = encodeURIComponent(`${platform.url}Test/Redirect?to=${encodeURIComponent(`${platform.url}Test/Redirect?to=${encodeURIComponent(`${platform.url}Test/Echo`)}`)}`);
    const answer = (await call(request(`Test/Redirect?to=${loop}`))) as { error: { code: string } };
    expect(answer.error.code).to.equal('EGRESS_TOO_MANY_REDIRECTS');
  });

  it('fails a request at once when its invocation has no time left', async () => {
    const started = Date.now();
    const answer = (await call(request('Test/Slow?ms=1000'), scope('late', -1))) as { ok: boolean; error: { code: string; message: string } };
    expect(answer).to.deep.include({ ok: false });
    expect(answer.error.code).to.equal('EGRESS_TIMEOUT');
    expect(answer.error.message).to.match(/^Request timed out: GET .*Test\/Slow\?ms=1000 \(the invocation's deadline passed\)$/);
    expect(Date.now() - started).to.be.below(200);
    expect(platform.requests).to.have.length(0);
  });

  it('refuses a plugin whose rules cannot be honoured, when it is loaded', () => {
    expect(() => gateway.forPlugin(manifest([{ url: 'a/**/b', methods: ['GET'] }]), logs.logger)).to.throw(/permissions.http\[0\]/).with.property('code', 'EGRESS_RULE_INVALID');
  });

  it('never writes the credentials into its log lines', () => {
    const text = logs.lines.map((l) => JSON.stringify(l)).join('\n');
    expect(text).to.contain('platform request');
    expect(text).not.to.contain('unit-token-xyz');
  });
});
