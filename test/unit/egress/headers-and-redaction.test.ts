import { expect } from 'chai';
import { filterRequestHeaders } from '../../../host/dist/egress/request-headers.js';
import { redactBody, redactHeaders, SecretSet } from '../../../host/dist/egress/redact-secrets.js';
import { platformCredentials } from '../../../host/dist/egress/platform-credentials.js';
import { OriginCredentials } from '../../../host/dist/egress/credentials/origin-credentials.js';

describe('request headers a plugin sets', () => {
  it('drops credentials, Host, Proxy-* and framing headers, and reports their names', () => {
    const { headers, dropped } = filterRequestHeaders(
      { Authorization: 'x', cookie: 'y', 'Proxy-Authorization': 'z', host: 'h', 'Content-Length': '9', connection: 'close', 'X-Keyfactor-Requested-With': 'me', accept: 'application/json' },
    );
    expect(headers).to.deep.equal({ accept: 'application/json' });
    expect(dropped).to.have.members(['authorization', 'cookie', 'proxy-authorization', 'host', 'content-length', 'connection', 'x-keyfactor-requested-with']);
  });

  it('drops the headers the plugin\'s credentials set', () => {
    expect(filterRequestHeaders({ 'X-Api-Key': 'forged', 'x-other': '1' }, new Set(['x-api-key']))).to.deep.equal({ headers: { 'x-other': '1' }, dropped: ['x-api-key'] });
  });

  it('refuses header names and values HTTP does not allow, with a clear code', () => {
    expect(() => filterRequestHeaders({ 'bad name': 'x' })).to.throw(/not a valid HTTP header name/).with.property('code', 'EGRESS_BAD_REQUEST');
    expect(() => filterRequestHeaders({ 'x-a': 'one\r\nInjected: yes' })).to.throw(/CR, LF or NUL/);
    expect(() => filterRequestHeaders({ 'x-owner': 'Zoë ✓' })).to.throw(/beyond Latin-1/);
  });
});

describe('credentials and what comes back', () => {
  it('builds the Authorization header for each kind of platform.auth and lists every secret form', async () => {
    const headersOf = async (auth: Parameters<typeof platformCredentials>[0]) => (await platformCredentials(auth).authorize()).headers;
    const basic = platformCredentials({ type: 'basic', username: 'svc', password: 'hunter2-long' });
    const encoded = Buffer.from('svc:hunter2-long').toString('base64');
    expect((await basic.authorize()).headers).to.deep.equal([['authorization', `Basic ${encoded}`]]);
    expect(basic.secrets()).to.have.members([encoded, 'hunter2-long']);
    expect(await headersOf({ type: 'bearer', token: 'tok-123456' })).to.deep.equal([['authorization', 'Bearer tok-123456']]);
    const header = platformCredentials({ type: 'header', name: 'X-Api-Key', value: 'key-abcdef' });
    expect((await header.authorize()).headers).to.deep.equal([['x-api-key', 'key-abcdef']]);
    expect(header.headerNames).to.deep.equal(['x-api-key']);
    expect(await headersOf({ type: 'none' })).to.deep.equal([]);
  });

  it('joins a Basic domain and user as DOMAIN\\user, as Active Directory accounts are written', async () => {
    const { headers } = await platformCredentials({ type: 'basic', domain: 'CORP', username: 'svc-jobhook', password: 'hunter2-long' }).authorize();
    expect(headers).to.deep.equal([['authorization', `Basic ${Buffer.from('CORP\\svc-jobhook:hunter2-long').toString('base64')}`]]);
  });

  it('withholds response headers that carry a secret, and cookies', () => {
    const { headers, withheld } = redactHeaders(
      [
        ['content-type', 'application/json'],
        ['x-echo-authorization', 'Bearer tok-123456'],
        ['set-cookie', 'sid=1'],
      ],
      new SecretSet(['tok-123456']),
    );
    expect(headers).to.deep.equal([['content-type', 'application/json']]);
    expect(withheld).to.deep.equal(['x-echo-authorization', 'set-cookie']);
  });

  it('replaces every occurrence of a secret in a body', () => {
    const { body, occurrences } = redactBody(Buffer.from('a tok-123456 b tok-123456'), new SecretSet(['tok-123456']));
    expect(body.toString()).to.equal('a [redacted] b [redacted]');
    expect(occurrences).to.equal(2);
    const untouched = Buffer.from('nothing here');
    expect(redactBody(untouched, new SecretSet(['tok-123456'])).body).to.equal(untouched);
  });

  it('gives the platform credentials to the platform origin only', () => {
    const platform = platformCredentials({ type: 'bearer', token: 'tok-123456' });
    const byOrigin = new OriginCredentials('https://kf.example.com', platform);
    expect(byOrigin.for(new URL('https://kf.example.com/KeyfactorAPI/Certificates/1'))).to.deep.equal({ provider: platform, platform: true });
    expect(byOrigin.for(new URL('https://kf.example.com.evil.net/KeyfactorAPI/Certificates/1'))).to.deep.equal({ provider: undefined, platform: false });
  });
});
