import { expect } from 'chai';
import { createHash, createHmac } from 'node:crypto';
import { buildPlugin } from '@jobhook/sdk/build';
import { v5 as uuidv5 } from 'uuid';
import { startWebRig, WEB_FIXTURE, type WebRig } from './web-rig.js';
import { waitFor } from '../../support/wait-for.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

for (const mode of ['in-process', 'process'] as const) {
  describe(`the web-standard runtime in every isolate (${mode} sandboxes)`, function () {
    this.timeout(60_000);
    let rig: WebRig;

    before(async () => {
      // A real package built the way authors build theirs: tsc for decorator metadata, then esbuild
      // bundling the real `uuid` from node_modules.
      await buildPlugin(WEB_FIXTURE);
      rig = await startWebRig(mode);
    });
    after(() => rig?.close());

    it('runs a bundled uuid, URL, TextEncoder, crypto.subtle.digest and fetch, while fetch to a denied origin fails with EGRESS_DENIED and reaches nothing', async () => {
      const denied = `${rig.denied.origin}/anything`;
      const { outcome, value } = await rig.run('together', { base: rig.thirdParty.origin, denied });
      expect(outcome.outcome).to.equal('succeeded');
      expect(value.idValid).to.equal(true);
      expect(value.status).to.equal(200);
      const sent = rig.thirdParty.requests.find((r) => r.route === 'Test/Echo' && r.query.from === 'plugin');
      expect(sent, 'the allowed origin got the request').to.not.equal(undefined);
      expect(sent!.method).to.equal('POST');
      expect(sent!.query).to.include({ from: 'plugin', id: value.id });
      expect(JSON.parse(sent!.body)).to.deep.equal({ id: value.id });
      expect(sent!.headers['x-digest']).to.equal(createHash('sha256').update(sent!.body).digest('hex'));
      expect(value.digest).to.equal(sent!.headers['x-digest']);
      expect(value.denied).to.include({ code: 'EGRESS_DENIED', name: 'TypeError', isTypeError: true });
      expect(rig.denied.requests, 'requests that reached the denied origin').to.have.length(0);
    });

    it('writes one egress log line per fetch, naming the invocation, sends no platform credentials to a third party and reports the dropped header', async () => {
      const { outcome, value } = await rig.run('fetch', { url: `${rig.thirdParty.origin}/allowed/Test/EchoHeaders`, init: { headers: { authorization: 'Bearer mine' } } });
      expect(outcome.outcome).to.equal('succeeded');
      expect(value.headers, 'the plugin is told which header was not sent').to.deep.include(['x-jobhook-dropped-headers', 'authorization']);
      const lines = rig.logs.lines.filter((l) => l.source === 'egress' && l.invocationId === outcome.invocationId);
      expect(lines).to.have.length(1);
      const request = rig.thirdParty.requests.find((r) => r.route === 'Test/EchoHeaders');
      expect(request!.headers.authorization).to.equal(undefined);
      expect(JSON.stringify(request!.headers)).to.not.include('platform-token');
    });

    it('answers a fetch Response with status, headers, url, clone and a JSON body', async () => {
      const { value } = await rig.run('fetch', { url: `${rig.thirdParty.origin}/allowed/Test/Echo?x=1#frag`, request: true, init: { method: 'POST', headers: { 'content-type': 'text/plain' } }, bytes: 'héllo' });
      expect(value).to.include({ status: 200, ok: true, redirected: false, type: 'basic' });
      expect(value.url).to.equal(`${rig.thirdParty.origin}/allowed/Test/Echo?x=1`);
      expect(value.json).to.include({ method: 'POST', body: 'héllo', contentType: 'text/plain' });
      expect(JSON.parse(value.text)).to.deep.equal(value.json);
      expect(value.headers.map(([k]: [string]) => k)).to.include('content-type');
    });

    it('sends URLSearchParams as a form body', async () => {
      const { value } = await rig.run('fetch', { url: `${rig.thirdParty.origin}/allowed/Test/Echo`, init: { method: 'POST' }, form: { a: '1 2', b: 'x&y' } });
      expect(value.json).to.include({ body: 'a=1+2&b=x%26y', contentType: 'application/x-www-form-urlencoded;charset=UTF-8' });
    });

    it('rejects a fetch aborted by its AbortSignal with the AbortError, and the host drops the request at once', async () => {
      let ended = false;
      const running = rig.run('fetch-abort', { url: `${rig.thirdParty.origin}/allowed/Test/Slow?ms=4000`, afterMs: 100, holdMs: 1500 }).finally(() => (ended = true));
      const slow = await rig.thirdParty.waitFor((r) => r.route === 'Test/Slow', 5000);
      await waitFor(() => slow.aborted || slow.completed, { what: 'the slow request to end', timeoutMs: 3000 });
      expect(slow.aborted, 'the host aborted the request').to.equal(true);
      expect(ended, 'while the invocation still ran').to.equal(false);
      const { outcome, value } = await running;
      expect(outcome.outcome).to.equal('succeeded');
      expect(value).to.include({ name: 'AbortError', isDOMException: true, signalAborted: true });
      expect(value.waitedMs).to.be.below(2500);
      const lines = rig.logs.lines.filter((l) => l.source === 'egress' && l.invocationId === outcome.invocationId);
      expect(lines, 'one egress log line for the request').to.have.length(1);
      expect(JSON.stringify(lines[0])).to.include('EGRESS_ABORTED');
    });

    it('times a fetch out with AbortSignal.timeout', async () => {
      const { value } = await rig.run('fetch-timeout-signal', { url: `${rig.thirdParty.origin}/allowed/Test/Slow?ms=3000`, ms: 50 });
      expect(value).to.include({ name: 'TimeoutError', isDOMException: true });
    });

    it('refuses relative URLs, methods outside the rule and non-http schemes with clear errors', async () => {
      const relative = await rig.run('fetch-error', { url: 'Certificates/1' });
      expect(relative.value).to.include({ name: 'TypeError' });
      expect(relative.value.message).to.include('not an absolute URL');
      const method = await rig.run('fetch-error', { url: `${rig.thirdParty.origin}/allowed/Test/Echo`, init: { method: 'DELETE' } });
      expect(method.value).to.include({ code: 'EGRESS_DENIED' });
      const scheme = await rig.run('fetch-error', { url: 'file:///etc/passwd' });
      expect(scheme.value.message).to.include('only http: and https:');
      expect(rig.thirdParty.requests.filter((r) => r.method === 'DELETE')).to.have.length(0);
    });

    it('makes v4 UUIDs from the host CSPRNG, in uuid and crypto.randomUUID alike', async () => {
      const { value } = await rig.run('uuid');
      expect(value.v4).to.match(UUID_V4);
      expect(value.native).to.match(UUID_V4);
      expect(value.v4Unique).to.equal(2000);
      expect(value.nativeUnique).to.equal(2000);
      expect(value.allValid).to.equal(true);
      // uuid v5 is SHA-1 based: a fixed answer for a fixed name.
      expect(value.v5).to.equal(uuidv5('jobhook.example', uuidv5.DNS));
      expect(value.distinctBytes).to.equal(256);
      expect(value.tooMany).to.include({ name: 'QuotaExceededError' });
    });

    it('computes SHA digests and HMAC as node:crypto does', async () => {
      const text = 'The quick brown fox jumps over the lazy dog ✓';
      const key = 'k3y';
      const expectedHmac = createHmac('sha256', key).update(text).digest('hex');
      const { value } = await rig.run('digest', { text, key, expectedHmac });
      for (const [name, node] of [['SHA-1', 'sha1'], ['SHA-256', 'sha256'], ['SHA-384', 'sha384'], ['SHA-512', 'sha512']] as const) {
        expect(value.digests[name], name).to.equal(createHash(node).update(text).digest('hex'));
      }
      expect(value.hmac).to.equal(expectedHmac);
      expect(value).to.include({ good: true, bad: false, verifiesGiven: true });
      expect(value.md5).to.include({ name: 'NotSupportedError' });
    });

    it('encodes and decodes UTF-8 and base64 as the web platform does', async () => {
      const text = 'añ€😀';
      const { value } = await rig.run('encoding', { text });
      expect(value.bytes).to.deep.equal([...Buffer.from(text, 'utf8')]);
      expect(value.roundTrip).to.equal(text);
      expect(value.streamed).to.equal(text);
      // 'a' and 'ñ' fit in 5 bytes; '€' (3 bytes) does not, and is not split.
      expect(value.partial).to.deep.equal({ read: 2, written: 3 });
      expect(value.replaced).to.equal('a\uFFFDb');
      expect(value.bomStripped).to.equal('hi');
      expect(value.fatal).to.include({ name: 'TypeError' });
      expect(value.btoa).to.equal(Buffer.from('Hello, \xff!', 'latin1').toString('base64'));
      expect(value.atob).to.equal('Hello');
    });

    it('parses URLs as the WHATWG URL standard does', async () => {
      const cases: Array<[string, string | undefined]> = [
        ['https://user:pw@Example.COM:443/a/./b/../c?q=1 2#h', undefined],
        ['../x?y', 'http://h.test/a/b/c'],
        ['http://[::1]:8080/', undefined],
        ['http://0x7f.1/', undefined],
        ['https://bücher.example/', undefined],
        ['not a url', undefined],
      ];
      const { value } = await rig.run('url', { cases });
      const node = cases.map(([input, base]) => {
        try {
          const u = new URL(input, base);
          return { href: u.href, origin: u.origin, host: u.host, pathname: u.pathname, search: u.search, hash: u.hash, params: [...u.searchParams] };
        } catch {
          return { error: 'TypeError' };
        }
      });
      for (let i = 0; i < cases.length; i++) {
        if ('error' in node[i]!) expect(value[i].error, cases[i]![0]).to.include({ name: 'TypeError' });
        else expect(value[i], cases[i]![0]).to.deep.equal(node[i]);
      }
      const params = await rig.run('searchParams');
      expect(params.value).to.deep.equal({ all: ['1', '3'], b: 'two words', text: 'a=1&a=3&b=two+words&c=x%26y%3Dz', has: true, size: 4 });
    });

    it('clones structured data, cycles included, and refuses functions', async () => {
      const { value } = await rig.run('clone');
      expect(value).to.include({ distinct: true, cyclic: true, date: true, re: true, map: true, set: true });
      expect(value.bytes).to.deep.equal([1, 2, 3]);
      expect(value.list).to.deep.equal([1, 'two']);
      expect(value.fn).to.include({ name: 'DataCloneError' });
    });

    it('dispatches events, aborts signals, runs microtasks and keeps Headers and Response web-shaped', async () => {
      const { value } = await rig.run('events');
      // The duplicate listener is added once; `once` runs once; the removed listener not at all.
      expect(value.seen).to.deep.equal(['a:ping:true', 'once', 'object', 'object']);
      expect(value.firstNotCanceled).to.equal(false);
      expect(value).to.include({ reason: 'stop', abortedAny: true, performance: true });
      expect(value.micro).to.deep.equal(['microtask']);
      expect(value.headers).to.deep.equal([
        ['content-type', 'text/plain'],
        ['x-one', '1, 2'],
      ]);
      expect(value.response).to.deep.equal({ a: 1 });
    });
  });
}
