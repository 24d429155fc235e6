// A platform that reflects the credential the host sent, in the encodings web frameworks apply, and
// requests a lenient server (IIS, ASP.NET) would route elsewhere than the allow-list checked. Each
// case runs through a real `jobhook serve` with one sandbox process shared with a neighbour, against
// a fake platform on 127.0.0.1.
import { expect } from 'chai';
import { startFakePlatform, type FakePlatform } from '../../support/fake-platform.js';
import { copyFixture } from '../../support/copy-fixture.js';
import { startHostileServe, type HostileServe } from '../../support/hostile-serve.js';

// Characters every encoder changes: '+', '/', '=', '&', '<', '>'.
const TOKEN = 'jh+Reflect/Secret=42&<x>tail';
const HOSTILE = 'e1a7c3d2-5b4f-4a69-9c8e-7d6f5a4b3c21';

const htmlEntities = (s: string): string => s.replace(/[^A-Za-z0-9]/g, (c) => `&#${c.charCodeAt(0)};`);
const jsonEscaped = (s: string): string => s.replace(/[+&<>]/g, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`).replace(/\//g, '\\/');

interface Seen {
  status: number;
  statusText: string;
  url: string;
  headers: Array<[string, string]>;
  body: string;
}

describe('a platform that reflects credentials, and requests lenient servers misroute', function () {
  this.timeout(60_000);
  let platform: FakePlatform;
  let h: HostileServe;

  before(async () => {
    platform = await startFakePlatform();
    platform.addCertificate({ Id: 1 });
    platform.route('GET', /^Reflect\//, (req, res) => {
      const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      const form = req.route!.slice('Reflect/'.length);
      const send = (body: string | Buffer, type = 'text/plain'): void => void res.writeHead(200, { 'content-type': type }).end(body);
      switch (form) {
        case 'json':
          return send(`{"echo":"${jsonEscaped(token)}"}`, 'application/json');
        case 'percent':
          return send(`echo=${encodeURIComponent(token)}`);
        case 'base64':
          return send(Buffer.from(`prefix:${token}:suffix`).toString('base64'));
        case 'html':
          return send(`<p>${htmlEntities(token)}</p>`, 'text/html');
        case 'utf16':
          return send(Buffer.from(token, 'utf16le'), 'application/octet-stream');
        case 'reason':
          return void res.writeHead(200, `OK ${token}`, { 'content-type': 'text/plain' }).end('fine');
        case 'upper-header':
          return void res.writeHead(200, { 'x-echo': `BEARER ${token.toUpperCase()}` }).end('fine');
        case 'split-header':
          return void res.writeHead(200, { 'x-part-1': token.slice(0, 14), 'x-part-2': token.slice(14) }).end('fine');
        case 'redirect':
          return void res.writeHead(302, { location: `${platform.url}Certificates/1?token=${encodeURIComponent(token)}` }).end();
        default:
          return void res.writeHead(404).end();
      }
    });
    h = await startHostileServe({
      config: { platform: { url: platform.url, auth: { type: 'bearer', token: TOKEN } } },
      prepare: async (plugins) => void (await copyFixture('hostile-egress-reflection', plugins)),
    });
    await h.active('hostile.egress-reflection');
  });
  after(async () => {
    await h?.close();
    await platform?.close();
  });

  /** Runs the attack named `attack`; returns what the plugin saw, or the refusal it got. */
  async function attack(name: string): Promise<{ seen?: Seen; refused?: { code: string; message: string } }> {
    const outcomes = await h.dispatch(HOSTILE, { clientMachine: name });
    const mine = outcomes.find((o) => o.plugin === 'hostile.egress-reflection')!;
    expect(mine.outcome, JSON.stringify(mine)).to.equal('error');
    const message = mine.error!.message;
    if (message.includes('SEEN ')) return { seen: JSON.parse(message.slice(message.indexOf('SEEN ') + 5)) as Seen };
    if (message.includes('REFUSED ')) return { refused: JSON.parse(message.slice(message.indexOf('REFUSED ') + 8)) as { code: string; message: string } };
    throw new Error(`unexpected outcome: ${message}`);
  }

  const lower = (s: string): string => s.toLowerCase();
  const reflections: Array<[string, string, (seen: Seen) => boolean]> = [
    ['JSON-escaped (\\u002B, \\/)', 'json', (s) => s.body.includes(jsonEscaped(TOKEN)) || s.body.includes(TOKEN)],
    ['percent-encoded', 'percent', (s) => lower(s.body).includes(lower(encodeURIComponent(TOKEN)))],
    ['base64 inside a longer base64 text', 'base64', (s) => Buffer.from(s.body, 'base64').includes(TOKEN) || s.body.includes(Buffer.from(`prefix:${TOKEN}:suffix`).toString('base64'))],
    ['as HTML entities', 'html', (s) => s.body.includes(htmlEntities(TOKEN))],
    ['as UTF-16', 'utf16', (s) => Buffer.from(s.body, 'utf8').includes(Buffer.from(TOKEN, 'utf16le').subarray(0, 20))],
    ['in the reason phrase', 'reason', (s) => s.statusText.includes(TOKEN) || s.statusText.includes('Reflect')],
    ['upper-cased in a header', 'upper-header', (s) => JSON.stringify(s.headers).toLowerCase().includes(lower(TOKEN).slice(0, 10))],
    ['split across two headers', 'split-header', (s) => s.headers.some(([n]) => n.startsWith('x-part'))],
  ];
  for (const [what, form, reveals] of reflections) {
    it(`hands the plugin nothing of a credential reflected ${what}`, async () => {
      const { seen } = await attack(`reflect:${form}`);
      expect(seen, 'the response reached the plugin').to.not.equal(undefined);
      expect(seen!.status).to.equal(200);
      expect(reveals(seen!), JSON.stringify(seen)).to.equal(false);
      await h.expectServing();
    });
  }

  it('refuses to follow a redirect whose Location carries the credential, and quotes no query', async () => {
    const before = platform.requestsTo('GET', 'Certificates/1').length;
    const { refused } = await attack('reflect:redirect');
    expect(refused!.code).to.equal('EGRESS_REDIRECT_REFUSED');
    expect(refused!.message).not.to.include('token=');
    expect(platform.requestsTo('GET', 'Certificates/1').length, 'the redirect was not followed').to.equal(before);
    expect(h.logText()).not.to.include(encodeURIComponent(TOKEN));
    expect(h.logText()).not.to.include(TOKEN);
    await h.expectServing();
  });

  it('refuses Range requests, whose windows could piece a credential together', async () => {
    const { refused } = await attack('header:range=bytes=0-4');
    expect(refused!.code).to.equal('EGRESS_HEADER_REFUSED');
    await h.expectServing();
  });

  it('refuses method-override, URL-rewrite and X-Forwarded-* headers before any I/O', async () => {
    const before = platform.requests.length;
    for (const header of ['x-http-method-override=DELETE', 'x-original-url=/KeyfactorAPI/Admin', 'x-rewrite-url=/KeyfactorAPI/Admin', 'x-forwarded-host=evil.example']) {
      const { refused } = await attack(`header:${header}`);
      expect(refused?.code, header).to.equal('EGRESS_HEADER_REFUSED');
    }
    expect(platform.requests.length, 'requests that reached the platform').to.equal(before);
    await h.expectServing();
  });

  it('refuses traversal and encoding tricks in paths before any I/O', async () => {
    const before = platform.requests.length;
    const tricks = ['Certificates/..;/Admin', 'Certificates/%252e%252e/Admin', 'Certificates/%u002e%u002e/Admin', 'Certificates/%c0%ae%c0%ae/Admin', 'Certificates/．．/Admin', 'Certificates/..%00/Admin'];
    for (const trick of tricks) {
      const { refused } = await attack(`path:${trick}`);
      expect(refused?.code, trick).to.equal('EGRESS_PATH_REFUSED');
    }
    expect(platform.requests.length, 'requests that reached the platform').to.equal(before);
    // An ordinary path under the same rule still goes through.
    const { seen } = await attack('path:Certificates/1');
    expect(seen!.status).to.equal(200);
    await h.expectServing();
  });

  it('never wrote the credential, in any of these forms, into the host log', () => {
    const log = h.logText();
    for (const form of [TOKEN, encodeURIComponent(TOKEN), jsonEscaped(TOKEN), htmlEntities(TOKEN)]) expect(log).not.to.include(form);
  });
});
