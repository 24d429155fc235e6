import { expect } from 'chai';
import type http from 'node:http';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { startFakePlatform } from '../../support/fake-platform.js';
import { waitFor } from '../../support/wait-for.js';
import { startRig, type EgressRig } from './egress-rig.js';

const MiB = 1024 * 1024;

describe('egress limits, through a real isolate and real HTTP', function () {
  this.timeout(30_000);

  describe('with the default limits', () => {
    let rig: EgressRig;
    before(async () => {
      rig = await startRig({ manifest: (m) => ({ ...m, limits: { timeoutMs: 1500, memoryMb: 64, concurrency: 8 } }) });
    });
    after(() => rig?.close());
    beforeEach(() => {
      rig.platform.clearRequests();
    });

    it('refuses a request body over 1 MiB before sending anything', async () => {
      const { result } = await rig.run('request', { method: 'post', input: 'Test/Echo', bodyRepeat: ['x', MiB + 1] });
      expect(result?.threw).to.include({ code: 'EGRESS_REQUEST_TOO_LARGE', isEgressError: true });
      expect(result?.threw.message).to.contain('1048576');
      expect(rig.platform.requests).to.have.length(0);
    });

    it('cuts off a response that grows past 10 MiB, and the server sees the download aborted', async () => {
      const { result } = await rig.run('request', { input: `Test/Oversized?bytes=${64 * MiB}` });
      expect(result?.threw).to.include({ code: 'EGRESS_RESPONSE_TOO_LARGE' });
      expect(result?.threw.message).to.match(/over the limit of 10485760 bytes \(egress\.maxResponseBytes\)/);
      await waitFor(() => rig.platform.requests[0]?.aborted, { what: 'the server to see the download aborted', timeoutMs: 3000 });
    });

    it('refuses a response that declares more than 10 MiB without reading it', async () => {
      const { result } = await rig.run('request', { input: `Test/Oversized?bytes=${11 * MiB}&declare=1` });
      expect(result?.threw.code).to.equal('EGRESS_RESPONSE_TOO_LARGE');
      expect(result?.threw.message).to.contain(`declares ${11 * MiB} bytes`);
    });

    it('hands the plugin a compressed response decoded, as fetch would, and asked for compression as fetch does', async () => {
      const doc = { Id: 7, Thumbprint: 'AB'.repeat(20), Metadata: { Owner: 'pki-team' } };
      let acceptEncoding: string | undefined;
      const unroute = [
        rig.platform.route('GET', 'Test/Gzip', (req, res: http.ServerResponse) => {
          acceptEncoding = req.headers['accept-encoding'];
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(JSON.stringify(doc)));
        }),
        rig.platform.route('GET', 'Test/Brotli', (_req, res: http.ServerResponse) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'br' }).end(brotliCompressSync(JSON.stringify(doc)));
        }),
      ];
      try {
        const gzip = await rig.run('request', { input: 'Test/Gzip' });
        expect(gzip.result?.value.body).to.deep.equal(doc);
        expect(acceptEncoding).to.equal('gzip, deflate, br');
        const br = await rig.run('request', { input: 'Test/Brotli' });
        expect(br.result?.value.body).to.deep.equal(doc);
      } finally {
        unroute.forEach((u) => u());
      }
    });

    it('applies the 10 MiB limit to the decoded bytes: a small gzip that expands past it is cut off', async () => {
      const bomb = gzipSync(Buffer.alloc(11 * MiB, 0));
      expect(bomb.byteLength).to.be.below(64 * 1024);
      const unroute = rig.platform.route('GET', 'Test/Bomb', (_req, res: http.ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip', 'content-length': bomb.byteLength }).end(bomb);
      });
      try {
        const { result } = await rig.run('request', { input: 'Test/Bomb', read: 'none' });
        expect(result?.threw).to.include({ code: 'EGRESS_RESPONSE_TOO_LARGE' });
        expect(result?.threw.message).to.contain('kept coming and was cut off');
      } finally {
        unroute();
      }
    });

    it('fails a body that is not what its Content-Encoding says with EGRESS_BAD_RESPONSE, naming the coding', async () => {
      const unroute = rig.platform.route('GET', 'Test/NotGzip', (_req, res: http.ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end('{"plain": "json"}');
      });
      try {
        const { result } = await rig.run('request', { input: 'Test/NotGzip' });
        expect(result?.threw).to.include({ code: 'EGRESS_BAD_RESPONSE', isEgressError: true });
        expect(result?.threw.message).to.match(/is not valid gzip \(its Content-Encoding\)/);
      } finally {
        unroute();
      }
    });

    it('reads a response of exactly 10 MiB', async () => {
      const { result } = await rig.run('request', { input: `Test/Oversized?bytes=${10 * MiB}`, read: 'none' });
      expect(result?.value.status).to.equal(200);
    });

    it('ends a handler waiting on a slow server at its deadline (outcome timeout) and aborts the request on the server side', async () => {
      const { outcome, result } = await rig.run('await-forever', 'Test/Slow?ms=10000');
      if (outcome.outcome !== 'timeout') console.log(JSON.stringify({ outcome, result }), rig.logs.lines.filter((l) => l.invocationId === outcome.invocationId));
      expect(outcome.outcome).to.equal('timeout');
      expect(outcome.durationMs).to.be.below(3000);
      const slow = rig.platform.requestsTo('GET', 'Test/Slow')[0];
      await waitFor(() => slow?.aborted, { what: 'the server to see the slow request aborted', timeoutMs: 3000 });
      expect(slow?.completed).to.equal(false);
    });

    it("rejects with ky's TimeoutError when the request's own timeout passes, and aborts it on the server side", async () => {
      const { result } = await rig.run('request', { input: 'Test/Slow?ms=5000', options: { timeout: 100 } });
      expect(result?.threw).to.include({ name: 'TimeoutError', code: 'EGRESS_TIMEOUT', isTimeoutError: true });
      expect(result?.threw.message).to.match(/^Request timed out: GET http:\/\/127\.0\.0\.1:\d+\/KeyfactorAPI\/Test\/Slow\?ms=5000$/);
      await waitFor(() => rig.platform.requests[0]?.aborted, { what: 'the server to see the timed-out request aborted', timeoutMs: 3000 });
    });

    it('aborts the requests an invocation still has in flight when it ends', async () => {
      const { outcome } = await rig.run('fire-and-forget', 'Test/Slow?ms=5000');
      expect(outcome.outcome).to.equal('succeeded');
      const started = Date.now();
      const slow = rig.platform.requestsTo('GET', 'Test/Slow')[0];
      await waitFor(() => slow?.aborted, { what: 'the server to see the request in flight aborted', timeoutMs: 2000 });
      expect(Date.now() - started).to.be.below(2000);
      await waitFor(() => rig.logs.lines.some((l) => l.invocationId === outcome.invocationId && l.code === 'EGRESS_ABORTED'), { what: 'an EGRESS_ABORTED log line for the invocation', timeoutMs: 3000 });
    });
  });

  describe('with admin-set limits', () => {
    let rig: EgressRig;
    let active = 0;
    let peak = 0;
    before(async () => {
      rig = await startRig({ egress: { maxConcurrentPerPlugin: 2, maxQueuedPerPlugin: 2, maxRequestBytes: 100 } });
      rig.platform.route('GET', 'Test/Counted', (_req, res: http.ServerResponse) => {
        active++;
        peak = Math.max(peak, active);
        setTimeout(() => {
          active--;
          res.writeHead(204).end();
        }, 100);
      });
    });
    after(() => rig?.close());

    it('runs at most maxConcurrentPerPlugin requests at once and fails those past the queue at once', async () => {
      const { result } = await rig.run('parallel', { input: 'Test/Counted', count: 6 });
      expect(peak).to.equal(2);
      expect(result?.value.filter((s: unknown) => s === 204)).to.have.length(4);
      expect(result?.value.filter((s: unknown) => s === 'EGRESS_QUEUE_FULL')).to.have.length(2);
    });

    it('applies maxRequestBytes from the host configuration: a body at the limit goes, one byte more does not', async () => {
      const at = await rig.run('request', { method: 'post', input: 'Test/Echo', bodyRepeat: ['y', 100] });
      expect(at.result?.value.body.bodyBytes).to.equal(100);
      const over = await rig.run('request', { method: 'post', input: 'Test/Echo', bodyRepeat: ['y', 101] });
      expect(over.result?.threw.code).to.equal('EGRESS_REQUEST_TOO_LARGE');
      expect(over.result?.threw.message).to.equal('the request body is 101 bytes, over the limit of 100 (egress.maxRequestBytes)');
      expect(rig.platform.requestsTo('POST', 'Test/Echo')).to.have.length(1);
    });
  });

  it('reports a refused connection clearly, naming the origin', async () => {
    const gone = await startFakePlatform();
    const url = gone.url;
    await gone.close();
    const rig = await startRig({ platformUrl: url });
    try {
      const { outcome, result } = await rig.run('request', { input: 'Certificates/1' });
      expect(outcome.outcome).to.equal('succeeded');
      expect(result?.threw).to.include({ code: 'EGRESS_CONNECTION_FAILED', isEgressError: true });
      expect(result?.threw.message).to.equal(`could not reach ${new URL(url).origin}: ECONNREFUSED (check platform.url and that the API is up)`);
    } finally {
      await rig.close();
    }
  });
});
