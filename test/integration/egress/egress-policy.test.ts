import { expect } from 'chai';
import { startFakePlatform, type FakePlatform } from '../../support/fake-platform.js';
import { startRig, type EgressRig } from './egress-rig.js';

describe('egress policy, through a real isolate and real HTTP', function () {
  this.timeout(30_000);
  let rig: EgressRig;
  let other: FakePlatform;

  before(async () => {
    other = await startFakePlatform({ basePath: '/' });
    rig = await startRig({
      manifest: (m) => {
        const permissions = m.permissions as { http: unknown[] };
        return { ...m, permissions: { http: [...permissions.http, { url: `${other.origin}/allowed/**`, methods: ['GET', 'POST'] }] } };
      },
    });
    rig.platform.addCertificate({ Id: 42 });
  });
  after(async () => {
    await rig?.close();
    await other?.close();
  });
  beforeEach(() => {
    rig.platform.clearRequests();
    other.clearRequests();
  });

  it('performs an allowed request with the host credentials and the API client header', async () => {
    const { result } = await rig.run('request', { input: 'Certificates/42' });
    expect(result?.value).to.include({ status: 200, ok: true, url: `${rig.platform.url}Certificates/42`, redirected: false });
    expect(result?.value.body).to.include({ Id: 42 });
    const [seen] = rig.platform.requests;
    expect(seen?.headers.authorization).to.equal('Bearer test-token-0123456789');
    expect(seen?.headers['x-keyfactor-requested-with']).to.equal('APIClient');
  });

  it('denies a path no rule names, before any I/O, naming the default-deny rule', async () => {
    const { result } = await rig.run('request', { input: 'Workflow/Instances' });
    expect(result?.threw).to.include({ code: 'EGRESS_DENIED', isEgressDenied: true, isEgressError: true });
    expect(result?.threw.message).to.match(/may not GET .*\/KeyfactorAPI\/Workflow\/Instances: denied by the default-deny rule: no permissions.http rule matches this path/);
    expect(result?.threw.message).to.contain('{ "url": "Workflow/Instances", "methods": ["GET"] }');
    expect(rig.platform.requests).to.have.length(0);
  });

  it("denies a path that climbs out of a rule with '..'", async () => {
    const { result } = await rig.run('request', { input: 'Certificates/../Workflow/Instances' });
    expect(result?.threw.code).to.equal('EGRESS_DENIED');
    expect(rig.platform.requests).to.have.length(0);
  });

  it('denies a method the matching rule does not list, naming that rule', async () => {
    const { result } = await rig.run('request', { method: 'delete', input: 'Certificates/42' });
    expect(result?.threw.code).to.equal('EGRESS_DENIED');
    expect(result?.threw.message).to.contain("permissions.http[0] ('Certificates/*') allows only GET");
    expect(rig.platform.requests).to.have.length(0);
  });

  it('denies an origin no rule names, and never contacts it', async () => {
    const stranger = await startFakePlatform({ basePath: '/' });
    try {
      const { result } = await rig.run('request', { input: `${stranger.origin}/anything` });
      expect(result?.threw.code).to.equal('EGRESS_DENIED');
      expect(result?.threw.message).to.contain(`${stranger.origin} is not the platform API (${rig.platform.origin}) and no permissions.http rule names that origin`);
      expect(stranger.requests).to.have.length(0);
    } finally {
      await stranger.close();
    }
  });

  it('reaches another origin a rule names, without the platform credentials', async () => {
    const { result } = await rig.run('request', { input: `${other.origin}/allowed/ping`, options: { throwHttpErrors: false } });
    expect(result?.value.status).to.equal(404); // no such route there: what matters is who received what
    expect(other.requests).to.have.length(1);
    expect(other.requests[0]!.headers.authorization).to.equal(undefined);
    expect(other.requests[0]!.headers['x-keyfactor-requested-with']).to.equal(undefined);
  });

  it('follows a redirect that stays allowed', async () => {
    const to = encodeURIComponent(`${rig.platform.url}Certificates/42`);
    const { result } = await rig.run('request', { input: `Test/Redirect?to=${to}` });
    expect(result?.value).to.include({ status: 200, redirected: true, url: `${rig.platform.url}Certificates/42` });
    expect(rig.platform.requests.map((r) => r.route)).to.deep.equal(['Test/Redirect', 'Certificates/42']);
  });

  it('denies a redirect to an origin no rule names, and never contacts it', async () => {
    const stranger = await startFakePlatform({ basePath: '/' });
    try {
      const to = encodeURIComponent(`${stranger.origin}/steal`);
      const { result } = await rig.run('request', { input: `Test/Redirect?to=${to}&status=307` });
      expect(result?.threw.code).to.equal('EGRESS_DENIED');
      expect(result?.threw.message).to.match(/Test\/Redirect.* redirected \(307\) to http:\/\/127\.0\.0\.1:\d+\/steal, which is refused: .*default-deny/);
      expect(stranger.requests).to.have.length(0);
    } finally {
      await stranger.close();
    }
  });

  it('denies a redirect to a platform path the plugin may not use', async () => {
    const to = encodeURIComponent(`${rig.platform.url}Workflow/Instances`);
    const { result } = await rig.run('request', { input: `Test/Redirect?to=${to}` });
    expect(result?.threw.code).to.equal('EGRESS_DENIED');
    expect(rig.platform.requests.map((r) => r.route)).to.deep.equal(['Test/Redirect']);
  });

  it('drops Authorization, Cookie, Proxy-* and Host set by the plugin and says so in the request log', async () => {
    const { outcome, result } = await rig.run('request', {
      input: 'Test/Echo',
      options: { headers: { Authorization: 'Bearer plugin-forged', Cookie: 'sid=1', 'Proxy-Authorization': 'x', Host: 'evil.example', 'X-Keyfactor-Api-Version': '1' } },
    });
    expect(result?.value.status).to.equal(200);
    const seen = rig.platform.requests[0]!;
    expect(seen.headers.authorization).to.equal('Bearer test-token-0123456789');
    expect(seen.headers.cookie).to.equal(undefined);
    expect(seen.headers['proxy-authorization']).to.equal(undefined);
    expect(seen.headers.host).to.equal(new URL(rig.platform.origin).host);
    expect(seen.headers['x-keyfactor-api-version']).to.equal('1');
    const [line] = rig.egressLines(outcome.invocationId);
    expect(line?.droppedHeaders).to.have.members(['authorization', 'cookie', 'proxy-authorization', 'host']);
  });

  it('refuses an input starting with a slash, as ky does with a prefixUrl', async () => {
    const { result } = await rig.run('request', { input: '/KeyfactorAPI/Certificates/42' });
    expect(result?.threw.message).to.match(/must not begin with a slash/);
    expect(rig.platform.requests).to.have.length(0);
  });

  it('writes one log line per request with plugin, handler, jobId, method, status, bytes and duration, and no query values', async () => {
    rig.platform.addJobHistory({ JobID: 'a1b2c3d4-0000-0000-0000-000000000001' });
    const { outcome } = await rig.run('request', {
      input: 'OrchestratorJobs/JobHistory',
      options: { searchParams: { 'pq.queryString': 'JobID -eq "a1b2c3d4-0000-0000-0000-000000000001"' } },
    });
    const lines = rig.egressLines(outcome.invocationId);
    expect(lines).to.have.length(1);
    const line = lines[0]!;
    expect(line).to.include({ plugin: 'test.egress-probe', handler: 'Probe', jobId: '0b6c3e2a-9f41-4d7e-b1a5-c3d2e1f0a9b8', method: 'GET', status: 200, msg: 'platform request' });
    expect(line.url).to.equal(`${rig.platform.url}OrchestratorJobs/JobHistory?pq.queryString=…`);
    expect(line.bytesIn).to.be.greaterThan(100);
    expect(line.durationMs).to.be.a('number');
    expect(JSON.stringify(line)).not.to.contain('a1b2c3d4');
  });
});
