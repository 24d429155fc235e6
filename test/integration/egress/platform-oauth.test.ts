import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRig, type EgressRig } from './egress-rig.js';
import { sleep } from '../../support/wait-for.js';

/** An OAuth 2 token endpoint on 127.0.0.1 that issues fresh random tokens and counts its requests. */
async function startTokenEndpoint(lifetimeS: number): Promise<{ url: string; issued: string[]; forms: URLSearchParams[]; close(): Promise<void> }> {
  const issued: string[] = [];
  const forms: URLSearchParams[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      forms.push(new URLSearchParams(body));
      const token = `tok-${randomBytes(16).toString('hex')}`;
      issued.push(token);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: lifetimeS }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/connect/token`,
    issued,
    forms,
    close: () => new Promise((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}

describe('OAuth 2 client credentials for the platform API', function () {
  this.timeout(60_000);
  const clientSecret = `secret-${randomBytes(12).toString('hex')}`;
  // A fresh token endpoint and host per test: what each counts does not depend on the tests before it.
  let idp: Awaited<ReturnType<typeof startTokenEndpoint>>;
  let rig: EgressRig;
  // Tokens the platform accepts: every token issued, until a test revokes them.
  let revoked: Set<string>;
  // Answers of `Test/EchoLater` held until the test releases them.
  let held: Array<() => void>;

  beforeEach(async () => {
    revoked = new Set();
    held = [];
    idp = await startTokenEndpoint(3);
    rig = await startRig({ auth: { type: 'oauth', tokenUrl: idp.url, clientId: 'jobhook-host', clientSecret, audience: 'keyfactor-command' } });
    rig.platform.route('GET', 'Test/Authenticated', (req, res) => {
      const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      const ok = idp.issued.includes(token) && !revoked.has(token);
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok, echo: req.headers.authorization }));
    });
    // Echoes the Authorization header it was sent, once the test says so.
    rig.platform.route('GET', 'Test/EchoLater', (req, res) => {
      held.push(() => {
        res.writeHead(200, { 'content-type': 'application/json', 'x-echo': String(req.headers.authorization ?? '') });
        res.end(JSON.stringify({ echo: req.headers.authorization }));
      });
    });
  });

  afterEach(async () => {
    for (const release of held) release();
    await rig?.close();
    await idp?.close();
  });

  it('asks the token endpoint once for many requests, with the client credentials, scope openid and the audience', async () => {
    const first = await rig.run('parallel', JSON.stringify({ count: 8, input: 'Test/Authenticated' }));
    const second = await rig.run('parallel', JSON.stringify({ count: 4, input: 'Test/Authenticated' }));
    expect(first.result?.value).to.deep.equal(Array(8).fill(200));
    expect(second.result?.value).to.deep.equal(Array(4).fill(200));
    expect(idp.issued).to.have.length(1);
    const form = idp.forms[0]!;
    expect(Object.fromEntries(form)).to.deep.equal({ grant_type: 'client_credentials', scope: 'openid', audience: 'keyfactor-command', client_id: 'jobhook-host', client_secret: clientSecret });
  });

  it('fetches a new token once the cached one is about to expire', async () => {
    expect((await rig.run('parallel', JSON.stringify({ count: 2, input: 'Test/Authenticated' }))).result?.value).to.deep.equal([200, 200]);
    expect(idp.issued).to.have.length(1);
    // The token lives 3 s and is renewed shortly (a tenth of its life) before.
    await sleep(3000);
    const run = await rig.run('parallel', JSON.stringify({ count: 4, input: 'Test/Authenticated' }));
    expect(run.result?.value).to.deep.equal(Array(4).fill(200));
    expect(idp.issued).to.have.length(2);
  });

  it('fetches a new token once when the platform answers 401, and the request succeeds', async () => {
    expect((await rig.run('request', JSON.stringify({ input: 'Test/Authenticated' }))).result?.value?.status).to.equal(200);
    for (const t of idp.issued) revoked.add(t);
    const run = await rig.run('request', JSON.stringify({ input: 'Test/Authenticated' }));
    expect(run.result?.value?.status, JSON.stringify(run.result)).to.equal(200);
    expect(idp.issued).to.have.length(2);
    const [line] = rig.egressLines(run.outcome.invocationId);
    expect(line?.reauthenticated).to.equal(true);
  });

  it('never lets a token or the client secret reach the plugin or the log', async () => {
    const run = await rig.run('request', JSON.stringify({ input: 'Test/Authenticated' }));
    const seen = JSON.stringify(run.result);
    expect(seen).to.include('[redacted]');
    expect(idp.issued).to.have.length(1);
    for (const value of [...idp.issued, clientSecret]) {
      expect(seen).to.not.include(value);
      expect(JSON.stringify(rig.logs.lines)).to.not.include(value);
    }
  });

  it('redacts the token a request was sent with even after another request replaced it', async () => {
    const slow = rig.run('request', JSON.stringify({ input: 'Test/EchoLater' }));
    await rig.platform.waitFor((r) => r.route === 'Test/EchoLater', 10_000);
    const [first] = idp.issued;
    // The platform revokes the first token; the next request is refused, renews it, and succeeds.
    revoked.add(first!);
    const renewed = await rig.run('request', JSON.stringify({ input: 'Test/Authenticated' }));
    expect(renewed.result?.value?.status).to.equal(200);
    expect(idp.issued).to.have.length(2);
    for (const release of held.splice(0)) release();
    const run = await slow;
    const seen = JSON.stringify(run.result);
    expect(run.result?.value?.status, seen).to.equal(200);
    expect(seen).to.include('[redacted]');
    expect(seen, 'the replaced token reached the plugin').to.not.include(first!);
    expect(JSON.stringify(rig.logs.lines)).to.not.include(first!);
  });
});
