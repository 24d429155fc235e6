// The two attacks that need a platform: reading the host's credentials, and requests to origins and
// methods the plugin was not granted. The host talks to a fake platform on 127.0.0.1.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakePlatform, type FakePlatform } from '../../support/fake-platform.js';
import { IsolationHost, workerPids } from './isolation-harness.js';

const TOKEN = 'jh-test-secret-token';
const PASSWORD = 'jh-test-secret-password';

describe('hostile plugins and the platform API', function () {
  this.timeout(30_000);
  let platform: FakePlatform;
  let elsewhere: http.Server;
  let elsewhereHits = 0;
  let h: IsolationHost;
  const savedEnv = process.env.JOBHOOK_PLATFORM_PASSWORD;

  before(async () => {
    platform = await startFakePlatform();
    elsewhere = http.createServer((_req, res) => {
      elsewhereHits++;
      res.end('stolen');
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    const elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/steal`;
    // A secret in the host's environment: sandbox processes must not inherit it.
    process.env.JOBHOOK_PLATFORM_PASSWORD = PASSWORD;
    h = await IsolationHost.start({
      config: {
        platform: { url: platform.url, auth: { type: 'bearer', token: TOKEN } },
        plugins: { 'hostile.egress-denied': { options: { deniedUrl: elsewhereUrl } } },
      },
    });
  });
  after(async () => {
    if (savedEnv === undefined) delete process.env.JOBHOOK_PLATFORM_PASSWORD;
    else process.env.JOBHOOK_PLATFORM_PASSWORD = savedEnv;
    await h?.close();
    await platform?.close();
    await new Promise((r) => elsewhere?.close(r));
  });

  it('finds no credentials anywhere a plugin can read, while the host authenticates its request', async () => {
    expect((await h.load('hostile-read-credentials')).kind).to.equal('added');
    const { result, neighbour } = await h.underAttack(() => h.dispatchHostile());
    expect(result.outcome, JSON.stringify(result.error)).to.equal('error');
    expect(result.error?.code).to.equal('plugin:CREDENTIALS_NOT_FOUND');
    const [request] = platform.requestsTo('GET', 'Certificates/1');
    expect(request?.headers.authorization, 'the host replaced the plugin\'s Authorization header').to.equal(`Bearer ${TOKEN}`);
    const logText = JSON.stringify(h.logs.lines);
    expect(logText).not.to.include(TOKEN);
    expect(logText).not.to.include(PASSWORD);
    h.expectNeighbourUnharmed(neighbour);
    await h.unload('hostile-read-credentials');
    await h.expectNothingLeftBehind();
  });

  it("starts sandbox processes without the host's secrets in their environment", () => {
    const pids = workerPids();
    expect(pids).to.have.length(2);
    for (const pid of pids) {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      expect(environ).not.to.include(PASSWORD);
      expect(environ).not.to.include('JOBHOOK_');
    }
  });

  it('denies requests to another origin and with a method it was not granted, before any I/O', async () => {
    expect((await h.load('hostile-egress-denied')).kind).to.equal('added');
    const { result, neighbour } = await h.underAttack(() => h.dispatchHostile());
    expect(result.outcome, JSON.stringify(result.error)).to.equal('error');
    expect(result.error?.code).to.equal('plugin:EGRESS_DENIED');
    expect(elsewhereHits, 'requests that reached the other origin').to.equal(0);
    expect(platform.requestsTo('POST', 'Certificates/1'), 'denied POSTs that reached the platform').to.have.length(0);
    h.expectNeighbourUnharmed(neighbour);
    await h.unload('hostile-egress-denied');
    await h.expectNothingLeftBehind();
  });
});
