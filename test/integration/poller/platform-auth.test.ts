import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeJobHistory, type FakeJobHistory } from '@jobhook/sdk/testing';
import { resolveConfig, type HostConfig } from '../../../host/dist/config.js';
import { platformCredentials } from '../../../host/dist/egress/platform-credentials.js';
import { createPoller } from '../../../host/dist/sources/poller/create-poller.js';
import type { JobHistoryPoller } from '../../../host/dist/sources/poller/job-history-poller.js';
import { MemoryEventStore } from '../../../host/dist/store/memory/memory-event-store.js';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from '../../support/foundation-plugins.js';
import { captureLogs } from '../../support/log-capture.js';
import { startTestService } from '../../support/service-harness.js';
import { sleep, waitFor } from '../../support/wait-for.js';

/** An OAuth 2 token endpoint on 127.0.0.1 issuing fresh tokens; `hang` makes it never answer. */
async function startTokenEndpoint(): Promise<{ url: string; issued: string[]; hang: boolean; close(): Promise<void> }> {
  const idp = {
    url: '',
    issued: [] as string[],
    hang: false,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (idp.hang) return;
      const token = `tok-${randomBytes(12).toString('hex')}`;
      idp.issued.push(token);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  idp.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/connect/token`;
  return idp;
}

describe('the job-history poller: the host platform credentials', function () {
  this.timeout(60_000);
  let fake: FakeJobHistory;
  let idp: Awaited<ReturnType<typeof startTokenEndpoint>>;
  let store: MemoryEventStore;
  let config: HostConfig;
  let poller: JobHistoryPoller | null;

  beforeEach(async () => {
    fake = await startFakeJobHistory();
    fake.addAgent('orch-01.example.com');
    fake.addStoreType('PEM');
    idp = await startTokenEndpoint();
    store = new MemoryEventStore();
    const auth = { type: 'oauth', tokenUrl: idp.url, clientId: 'jobhook-host', clientSecret: `secret-${randomBytes(8).toString('hex')}` };
    config = resolveConfig({ platform: { url: fake.url, auth, poll: { enabled: true, intervalMs: 40, since: 0, requestTimeoutMs: 30_000 } } } as never);
    poller = null;
  });
  afterEach(async () => {
    await poller?.dispose();
    await store.close();
    await fake.close();
    await idp.close();
  });

  const storedRows = async (): Promise<number[]> => (await store.list({ limit: 1000 })).map((e) => e.event.jobHistoryId!).sort((a, b) => a - b);
  const bearerOf = (i: number): string => String(fake.requests[i]!.headers.authorization ?? '').replace(/^Bearer /, '');

  it("polls with the host's OAuth token and, when the platform refuses it, fetches one new token and retries at once", async () => {
    const credentials = platformCredentials(config.platform.auth);
    // The host's egress fetched the token already: the poller uses it rather than fetching its own.
    await credentials.authorize();
    expect(idp.issued).to.have.length(1);
    const { first, last } = fake.addMany(3);
    // The token was rotated on the platform: the first request is refused.
    fake.fail('unauthorized', { path: /JobHistory/ });
    poller = createPoller({ config, store, logger: captureLogs('info').logger, onStored: () => {}, credentials })!;
    poller.start();
    await waitFor(async () => (await storedRows()).length === 3, { what: () => JSON.stringify(poller!.status()), timeoutMs: 20_000, intervalMs: 50 });
    expect(await storedRows()).to.deep.equal([first, first + 1, last]);
    expect(fake.requests[0]!.status).to.equal(401);
    expect(bearerOf(0)).to.equal(idp.issued[0]);
    expect(idp.issued).to.have.length(2);
    expect(bearerOf(1)).to.equal(idp.issued[1]);
    // The retry made the refusal invisible: no poll failed.
    expect(poller.status().errors).to.deep.equal({});
  });

  it("the service's poller uses the platform credentials it is given (the host's), fetching no token of its own", async () => {
    const tmp = await tempDir('jobhook-poll-auth-');
    const credentials = platformCredentials(config.platform.auth);
    await credentials.authorize();
    const id = fake.add();
    await mkdir(path.join(tmp.path, 'plugins'));
    const hostConfig = { platform: { url: fake.url, auth: config.platform.auth, poll: { enabled: true, intervalMs: 40, since: 0 } } };
    const service = await startTestService(path.join(tmp.path, 'plugins'), path.join(tmp.path, 'data'), { hostConfig: hostConfig as never, platformCredentials: credentials });
    try {
      await waitFor(async () => (await service.store.list({ limit: 10 })).length === 1, { what: () => JSON.stringify(fake.requests.map((r) => r.status)), timeoutMs: 20_000, intervalMs: 50 });
      expect((await service.store.list({ limit: 10 }))[0]!.event.jobHistoryId).to.equal(id);
      expect(idp.issued).to.have.length(1);
      expect(fake.requests.every((_, i) => bearerOf(i) === idp.issued[0])).to.equal(true);
    } finally {
      await service.close();
      await tmp.dispose();
    }
  });

  it('stops at once when disposed while its token is still being fetched', async () => {
    idp.hang = true;
    poller = createPoller({ config, store, logger: captureLogs('info').logger, onStored: () => {} })!;
    poller.start();
    await sleep(200);
    const started = Date.now();
    await poller.dispose();
    expect(Date.now() - started, 'dispose waited for the token endpoint').to.be.below(5000);
    expect(fake.requests).to.have.length(0);
  });
});
