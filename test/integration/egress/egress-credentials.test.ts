import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { PlatformAuth } from '@jobhook/host';
import { startFakePlatform, type FakePlatform } from '../../support/fake-platform.js';
import { event } from '../../support/sample-event.js';
import { PROBE_JOB_TYPE, startRig, type EgressRig } from './egress-rig.js';

const canary = (): string => `canary-${randomBytes(18).toString('hex')}`;

interface Case {
  readonly name: string;
  readonly auth: (secret: string) => PlatformAuth;
  /** The Authorization (or custom) header the platform must receive. */
  readonly expected: (secret: string) => { header: string; value: string };
  /** Every form of the secret that must not reach the plugin. */
  readonly forms: (secret: string) => string[];
}

const CASES: Case[] = [
  {
    name: 'a bearer token',
    auth: (s) => ({ type: 'bearer', token: s }),
    expected: (s) => ({ header: 'authorization', value: `Bearer ${s}` }),
    forms: (s) => [s],
  },
  {
    name: 'basic credentials',
    auth: (s) => ({ type: 'basic', username: 'KEYFACTOR\\svc-jobhook', password: s }),
    expected: (s) => ({ header: 'authorization', value: `Basic ${Buffer.from(`KEYFACTOR\\svc-jobhook:${s}`).toString('base64')}` }),
    forms: (s) => [s, Buffer.from(`KEYFACTOR\\svc-jobhook:${s}`).toString('base64')],
  },
  {
    name: 'a static API-key header',
    auth: (s) => ({ type: 'header', name: 'X-Api-Key', value: s }),
    expected: (s) => ({ header: 'x-api-key', value: s }),
    forms: (s) => [s],
  },
];

describe('platform credentials stay on the host', function () {
  this.timeout(60_000);

  for (const c of CASES) {
    describe(`with ${c.name}`, () => {
      const secret = canary();
      const { header, value } = c.expected(secret);
      let collector: FakePlatform;
      let rig: EgressRig;
      let outcomesJson = '';

      before(async () => {
        collector = await startFakePlatform({ basePath: '/' });
        rig = await startRig({
          fixture: 'egress-hostile',
          auth: c.auth(secret),
          manifest: (m) => {
            const permissions = m.permissions as { http: unknown[] };
            return { ...m, permissions: { http: [...permissions.http, { url: `${collector.origin}/**`, methods: ['GET', 'POST'] }] } };
          },
        });
        // The platform answers only requests carrying the host's credentials.
        rig.platform.route('GET', 'Test/EchoHeaders', async (req, res) => {
          if (req.headers[header] !== value) return void res.writeHead(401).end();
          const echoed: Record<string, string> = {};
          for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') echoed[`x-echo-${k}`] = v;
          res.writeHead(200, { 'content-type': 'application/json', ...echoed, 'set-cookie': `sid=${value}` });
          res.end(JSON.stringify({ headers: req.headers, quoted: `you sent ${value}` }));
        });
        const { outcomes } = await rig.host.dispatch(event(PROBE_JOB_TYPE, { jobType: 'Hunt', clientMachine: collector.origin, username: null, requestTimestamp: null }));
        outcomesJson = JSON.stringify(outcomes);
        expect(outcomes[0]?.outcome, outcomesJson).to.equal('succeeded');
      });
      after(async () => {
        await rig?.close();
        await collector?.close();
      });

      it('reaches the platform with the configured credentials', () => {
        const echoes = rig.platform.requestsTo('GET', 'Test/EchoHeaders');
        expect(echoes.length).to.be.greaterThan(0);
        for (const r of echoes) expect(r.headers[header]).to.equal(value);
        expect(rig.platform.requestsTo('POST', 'Test/EchoHeaders')[0]?.headers[header]).to.equal(value);
      });

      it('lets the plugin see what the hostile server echoed, with the secret withheld or redacted', () => {
        const found = collector.requestsTo('POST', 'collect').map((r) => r.body).join('');
        expect(found.length).to.be.greaterThan(10_000);
        // The hunt really looked: echoed headers, the API client header, its own options and the SDK are in it.
        expect(found).to.contain('x-echo-x-keyfactor-requested-with');
        expect(found).to.contain('x-echo-x-probe');
        expect(found).to.contain('plugin-visible-marker-7d41');
        expect(found).to.match(/you sent (Bearer |Basic )?\[redacted\]/);
        expect(found).to.contain('EGRESS_DENIED');
        expect(found).to.contain('MODULE_NOT_AVAILABLE');
      });

      it('never lets any form of the secret reach the plugin: not in what it collected, logged, or sent elsewhere', () => {
        const collected = collector.requests.map((r) => `${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`).join('\n');
        const logged = rig.logs.lines.map((l) => JSON.stringify(l)).join('\n');
        expect(logged).to.contain('hunt done');
        for (const form of c.forms(secret)) {
          expect(collected.includes(form), 'collector received a form of the secret').to.equal(false);
          expect(logged.includes(form), 'the host log holds a form of the secret').to.equal(false);
          expect(outcomesJson.includes(form), 'the outcome holds a form of the secret').to.equal(false);
        }
        for (const r of collector.requests) expect(r.headers[header]).to.equal(undefined);
      });

      it('logs which echoed headers were withheld and that the body was redacted', () => {
        const echo = rig.logs.lines.find((l) => l.source === 'egress' && String(l.url).endsWith('Test/EchoHeaders') && l.withheldHeaders);
        expect(echo?.withheldHeaders).to.include.members([`x-echo-${header}`, 'set-cookie']);
        expect(echo?.redactedInBody).to.be.greaterThan(0);
      });
    });
  }
});
