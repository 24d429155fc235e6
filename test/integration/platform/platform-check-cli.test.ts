import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { startFakePlatform, type FakePlatform } from '../../support/fake-platform.js';
import { tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { bareEnv, jobhook, type CliRun } from '../../support/cli-runner.js';

/** Runs `jobhook platform check` in an empty folder (no jobhook.config.json) with only `env` set. */
const check = (cwd: string, args: string[], env: Record<string, string>): Promise<CliRun> => jobhook(['platform', 'check', ...args], { cwd, env: bareEnv(env), killAfterMs: 30_000 });

/** A port nothing listens on: bound, then released. */
async function deadPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('jobhook platform check', function () {
  this.timeout(60_000);
  let tmp: TempDir;
  let platform: FakePlatform;

  before(async () => {
    tmp = await tempDir('jobhook-check-');
    platform = await startFakePlatform({ requireAuthorization: 'Bearer right-token-123' });
    platform.route('GET', 'Status/Endpoints', (req, res) => {
      if (req.headers.authorization !== 'Bearer right-token-123') return void res.writeHead(401).end();
      res.writeHead(200, { 'content-type': 'application/json', 'x-keyfactor-product-version': '24.4.0.0' });
      res.end(JSON.stringify(['/KeyfactorAPI/Status/Endpoints']));
    });
  });

  after(async () => {
    await platform?.close();
    await tmp?.dispose();
  });

  it('prints the Command version the platform reports, with the configured credentials', async () => {
    const run = await check(tmp.path, ['--platform-url', platform.url], { JOBHOOK_PLATFORM_TOKEN: 'right-token-123' });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.include('Keyfactor Command 24.4.0.0').and.include('bearer');
    const seen = platform.requestsTo('GET', 'Status/Endpoints').at(-1);
    expect(seen?.headers['x-keyfactor-requested-with']).to.equal('APIClient');
    expect(run.stdout + run.stderr).to.not.include('right-token-123');
  });

  it('says which credentials a 401 refused', async () => {
    const run = await check(tmp.path, ['--platform-url', platform.url], { JOBHOOK_PLATFORM_USER: 'svc', JOBHOOK_PLATFORM_DOMAIN: 'CORP', JOBHOOK_PLATFORM_PASSWORD: 'wrong-password' });
    expect(run.code).to.equal(1);
    expect(run.stderr).to.include('PLATFORM_UNAUTHORIZED').and.include('basic (CORP\\svc)');
    expect(run.stderr).to.not.include('wrong-password');
  });

  it('names the unreachable address when nothing listens', async () => {
    const port = await deadPort();
    const run = await check(tmp.path, ['--platform-url', `http://127.0.0.1:${port}/KeyfactorAPI/`], {});
    expect(run.code).to.equal(1);
    expect(run.stderr).to.include('PLATFORM_UNREACHABLE').and.include(`127.0.0.1:${port}`).and.include('ECONNREFUSED');
  });

  it('names a TLS failure as such: a server certificate nothing trusts', async () => {
    const tls = new URL('../../fixtures/tls/', import.meta.url);
    const server = https.createServer({ key: readFileSync(new URL('self-signed-key.pem', tls)), cert: readFileSync(new URL('self-signed-cert.pem', tls)) }, (_req, res) => res.end('{}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const run = await check(tmp.path, ['--platform-url', `https://127.0.0.1:${port}/KeyfactorAPI/`], { JOBHOOK_PLATFORM_TOKEN: 'right-token-123' });
      expect(run.code).to.equal(1);
      expect(run.stderr).to.include('PLATFORM_TLS_FAILED').and.include('DEPTH_ZERO_SELF_SIGNED_CERT');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('reports a token endpoint that cannot be reached, before calling the platform', async () => {
    const port = await deadPort();
    const before = platform.requests.length;
    const run = await check(tmp.path, ['--platform-url', platform.url], {
      JOBHOOK_PLATFORM_OAUTH_TOKEN_URL: `http://127.0.0.1:${port}/connect/token`,
      JOBHOOK_PLATFORM_OAUTH_CLIENT_ID: 'jobhook',
      JOBHOOK_PLATFORM_OAUTH_CLIENT_SECRET: 'client-secret-xyz',
    });
    expect(run.code).to.equal(1);
    expect(run.stderr).to.include('PLATFORM_TOKEN_FAILED').and.include('token endpoint').and.include('ECONNREFUSED');
    expect(run.stderr).to.not.include('client-secret-xyz');
    expect(platform.requests.length).to.equal(before);
  });
});
