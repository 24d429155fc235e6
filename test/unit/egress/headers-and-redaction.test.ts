import { expect } from 'chai';
import { filterRequestHeaders } from '../../../host/dist/egress/request-headers.js';
import { redactBody, redactHeaders, SecretSet } from '../../../host/dist/egress/redact-secrets.js';
import { PlatformCredentials } from '../../../host/dist/egress/platform-credentials.js';

describe('request headers a plugin sets', () => {
  it('drops credentials, Host, Proxy-* and framing headers, and reports their names', () => {
    const { headers, dropped } = filterRequestHeaders(
      { Authorization: 'x', cookie: 'y', 'Proxy-Authorization': 'z', host: 'h', 'Content-Length': '9', connection: 'close', 'X-Keyfactor-Requested-With': 'me', accept: 'application/json' },
      null,
    );
    expect(headers).to.deep.equal({ accept: 'application/json' });
    expect(dropped).to.have.members(['authorization', 'cookie', 'proxy-authorization', 'host', 'content-length', 'connection', 'x-keyfactor-requested-with']);
  });

  it('drops the custom auth header the host is configured with', () => {
    expect(filterRequestHeaders({ 'X-Api-Key': 'forged', 'x-other': '1' }, 'x-api-key')).to.deep.equal({ headers: { 'x-other': '1' }, dropped: ['x-api-key'] });
  });

  it('refuses header names and values HTTP does not allow, with a clear code', () => {
    expect(() => filterRequestHeaders({ 'bad name': 'x' }, null)).to.throw(/not a valid HTTP header name/).with.property('code', 'EGRESS_BAD_REQUEST');
    expect(() => filterRequestHeaders({ 'x-a': 'one\r\nInjected: yes' }, null)).to.throw(/CR, LF or NUL/);
    expect(() => filterRequestHeaders({ 'x-owner': 'Zoë ✓' }, null)).to.throw(/beyond Latin-1/);
  });
});

describe('credentials and what comes back', () => {
  it('builds the Authorization header for each kind of platform.auth and lists every secret form', () => {
    const basic = new PlatformCredentials({ type: 'basic', username: 'svc', password: 'hunter2-long' });
    const encoded = Buffer.from('svc:hunter2-long').toString('base64');
    expect(basic.headers).to.deep.equal([['authorization', `Basic ${encoded}`]]);
    expect(basic.secrets).to.have.members([encoded, 'hunter2-long']);
    expect(new PlatformCredentials({ type: 'bearer', token: 'tok-123456' }).headers).to.deep.equal([['authorization', 'Bearer tok-123456']]);
    const header = new PlatformCredentials({ type: 'header', name: 'X-Api-Key', value: 'key-abcdef' });
    expect(header.headers).to.deep.equal([['x-api-key', 'key-abcdef']]);
    expect(header.customHeader).to.equal('x-api-key');
    expect(new PlatformCredentials({ type: 'none' }).headers).to.deep.equal([]);
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

  it('adds credentials only to requests for the platform origin', async () => {
    const hook = new PlatformCredentials({ type: 'bearer', token: 'tok-123456' }).hook('https://kf.example.com');
    const platform = new Request('https://kf.example.com/KeyfactorAPI/Certificates/1');
    const other = new Request('https://kf.example.com.evil.net/KeyfactorAPI/Certificates/1');
    await hook(platform as never, {} as never, { retryCount: 0 });
    await hook(other as never, {} as never, { retryCount: 0 });
    expect(platform.headers.get('authorization')).to.equal('Bearer tok-123456');
    expect(platform.headers.get('x-keyfactor-requested-with')).to.equal('APIClient');
    expect(other.headers.get('authorization')).to.equal(null);
  });
});
