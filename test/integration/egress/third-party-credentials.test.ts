import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { startFakePlatform, type FakePlatform } from '../../support/fake-platform.js';
import { startRig, type EgressRig } from './egress-rig.js';

const canary = (): string => `canary-${randomBytes(18).toString('hex')}`;
const ENV = 'JOBHOOK_TEST_RELAY_TOKEN';

/** A route that answers with every request header, in the body and echoed as response headers. */
function echo(fake: FakePlatform, route: string): void {
  fake.route('GET', route, (req, res) => {
    const echoed: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') echoed[`x-echo-${k}`] = v;
    res.writeHead(200, { 'content-type': 'application/json', ...echoed });
    res.end(JSON.stringify({ headers: req.headers }));
  });
}

describe('per-plugin credentials for third-party origins', function () {
  this.timeout(60_000);
  const secret = canary();
  let relay: FakePlatform;
  let other: FakePlatform;
  let rig: EgressRig;

  before(async () => {
    process.env[ENV] = secret;
    relay = await startFakePlatform({ basePath: '/' });
    other = await startFakePlatform({ basePath: '/' });
    echo(relay, 'echo');
    echo(other, 'echo');
    rig = await startRig({
      pluginConfig: {
        credentials: [{ origin: relay.origin, bearer: `env:${ENV}` }],
        // The manifest names neither origin: the admin grants them, without touching the package.
        permissions: {
          grant: [
            { url: `${relay.origin}/**`, methods: ['GET'] },
            { url: `${other.origin}/**`, methods: ['GET'] },
          ],
          revoke: [{ url: 'Certificates/*' }],
        },
      },
    });
  });

  after(async () => {
    delete process.env[ENV];
    await rig?.close();
    await relay?.close();
    await other?.close();
  });

  it('adds the bearer to requests for its origin only, and the isolate never sees it', async () => {
    const toRelay = await rig.run('request', JSON.stringify({ input: `${relay.origin}/echo` }));
    expect(toRelay.result?.value?.status, JSON.stringify(toRelay.result)).to.equal(200);
    expect(relay.requestsTo('GET', 'echo')[0]?.headers.authorization).to.equal(`Bearer ${secret}`);
    // The platform credentials did not go to the relay either.
    expect(relay.requestsTo('GET', 'echo')[0]?.headers.authorization).to.not.include('test-token-0123456789');

    const toOther = await rig.run('request', JSON.stringify({ input: `${other.origin}/echo` }));
    expect(toOther.result?.value?.status).to.equal(200);
    expect(other.requestsTo('GET', 'echo')[0]?.headers.authorization).to.equal(undefined);

    const toPlatform = await rig.run('request', JSON.stringify({ input: 'Test/EchoHeaders' }));
    const platformAuth = rig.platform.requests.find((r) => r.route === 'Test/EchoHeaders')?.headers.authorization;
    expect(platformAuth).to.equal('Bearer test-token-0123456789');
    for (const run of [toRelay, toOther, toPlatform]) expect(JSON.stringify(run.result)).to.not.include(secret);
    expect(JSON.stringify(rig.logs.lines)).to.not.include(secret);
  });

  it("logs other origins as 'third-party request' with the origin, and the platform as 'platform request'", async () => {
    const run = await rig.run('request', JSON.stringify({ input: `${relay.origin}/echo` }));
    const [line] = rig.egressLines(run.outcome.invocationId);
    expect(line?.msg).to.equal('third-party request');
    expect(line?.origin).to.equal(relay.origin);
    const platformRun = await rig.run('request', JSON.stringify({ input: 'Test/EchoHeaders' }));
    const [platformLine] = rig.egressLines(platformRun.outcome.invocationId);
    expect(platformLine?.msg).to.equal('platform request');
    expect(platformLine).to.not.have.property('origin');
  });

  it('tells the plugin which of its headers were dropped, in x-jobhook-dropped-headers', async () => {
    const run = await rig.run('request', JSON.stringify({ input: `${other.origin}/echo`, options: { headers: { Authorization: 'Bearer mine', Cookie: 'a=b', 'X-Kept': '1' } } }));
    const headers = new Map<string, string>(run.result?.value?.headers);
    expect(headers.get('x-jobhook-dropped-headers')).to.equal('authorization, cookie');
    const received = other.requests.at(-1)!.headers;
    expect(received.authorization).to.equal(undefined);
    expect(received['x-kept']).to.equal('1');
  });

  it('lets no server fake or hide that report', async () => {
    other.route('GET', 'forged', (_req, res) => void res.writeHead(200, { 'x-jobhook-dropped-headers': 'nothing-dropped' }).end());
    const clean = await rig.run('request', JSON.stringify({ input: `${other.origin}/forged` }));
    expect(new Map<string, string>(clean.result?.value?.headers).has('x-jobhook-dropped-headers')).to.equal(false);
    const dropped = await rig.run('request', JSON.stringify({ input: `${other.origin}/forged`, options: { headers: { Cookie: 'a=b' } } }));
    expect(new Map<string, string>(dropped.result?.value?.headers).get('x-jobhook-dropped-headers')).to.equal('cookie');
  });

  it('applies the admin’s revoke: a manifest rule removed in host configuration denies, with no request made', async () => {
    const before = rig.platform.requests.length;
    const run = await rig.run('request', JSON.stringify({ input: 'Certificates/42' }));
    expect(run.result?.threw?.code).to.equal('EGRESS_DENIED');
    expect(rig.platform.requests.length).to.equal(before);
  });

  it('refuses the plugin when a revoke names no manifest rule (a typo must not keep a permission)', async () => {
    let refused: EgressRig | undefined;
    try {
      refused = await startRig({ pluginConfig: { permissions: { revoke: [{ url: 'Certificate/*' }] } } });
      const status = refused.host.plugins()[0];
      expect(status?.state).to.equal('failed');
      expect(status?.lastError?.code).to.equal('PERMISSION_REVOKE_UNMATCHED');
      expect(status?.lastError?.message).to.include("'Certificate/*'");
    } finally {
      await refused?.close();
    }
  });

  it('refuses the plugin, naming the setting, when its credential secret cannot be read', async () => {
    let refused: EgressRig | undefined;
    try {
      refused = await startRig({ pluginConfig: { credentials: [{ origin: relay.origin, bearer: 'env:JOBHOOK_TEST_UNSET_VARIABLE' }] } });
      const status = refused.host.plugins()[0];
      expect(status?.lastError?.code).to.equal('CONFIG_SECRET_MISSING');
      expect(status?.lastError?.message).to.include('plugins.test.egress-probe.credentials[0].bearer');
    } finally {
      await refused?.close();
    }
  });
});
