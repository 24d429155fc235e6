import { expect } from 'chai';
import { pathTrick } from '../../../host/dist/egress/path-tricks.js';
import { SecretSet } from '../../../host/dist/egress/redact-secrets.js';

const pathOf = (input: string): string => new URL(input, 'https://kf.example.com/KeyfactorAPI/').pathname;

describe('paths a lenient server would misread', () => {
  const tricks: Array<[string, string]> = [
    ['..;/ (Tomcat/IIS path parameters)', 'Certificates/..;/Admin'],
    ['double percent-encoding', 'Certificates/%252e%252e/Admin'],
    ['%u escapes', 'Certificates/%u002e%u002e/Admin'],
    ['overlong UTF-8 dots', 'Certificates/%c0%ae%c0%ae/Admin'],
    ['full-width dots', 'Certificates/．．/Admin'],
    ['a full-width slash', 'Certificates/a／b'],
    ['..%00', 'Certificates/..%00/Admin'],
    ['a raw NUL', 'Certificates/a\0b'],
  ];
  for (const [what, input] of tricks) {
    it(`refuses ${what}`, () => expect(pathTrick(pathOf(input)), pathOf(input)).to.be.a('string'));
  }
  it('lets ordinary paths through, encoded spaces and non-ASCII names included', () => {
    for (const input of ['Certificates/42', 'Certificates/a%20b', 'CertificateStores/Caf%C3%A9', 'Certificates/...', 'Certificates/a.b', 'Certificates/%25']) {
      expect(pathTrick(pathOf(input)), input).to.equal(null);
    }
  });
});

describe('the encoded forms of a secret', () => {
  const secret = 'tok+en/Value=42&<x>';
  const set = new SecretSet([secret]);
  const forms: Array<[string, string]> = [
    ['raw', secret],
    ['upper-cased', secret.toUpperCase()],
    ['percent-encoded', encodeURIComponent(secret)],
    ['percent-encoded in lower-case hex', encodeURIComponent(secret).toLowerCase()],
    ['form-encoded', new URLSearchParams({ a: secret }).toString().slice(2)],
    ['JSON-escaped as System.Text.Json does', 'tok\\u002Ben\\/Value=42\\u0026\\u003Cx\\u003E'],
    ['as decimal, hex and named HTML entities', 'tok&#43;en&#x2F;Value&#61;42&amp;&lt;x&gt;'],
    ['base64 at offset 0', Buffer.from(secret).toString('base64')],
    ['base64 at offset 1', Buffer.from(`a${secret}`).toString('base64')],
    ['base64 at offset 2, URL-safe', Buffer.from(`ab${secret}`).toString('base64url')],
  ];
  for (const [what, text] of forms) {
    it(`redacts it ${what}`, () => {
      const { body, occurrences } = set.redactBody(Buffer.from(`before ${text} after`));
      expect(occurrences, body.toString()).to.be.at.least(1);
      expect(body.toString()).to.include('[redacted]');
    });
  }
  it('redacts it as UTF-16 in either byte order', () => {
    for (const bytes of [Buffer.from(secret, 'utf16le'), Buffer.from(secret, 'utf16le').swap16()]) {
      expect(set.redactBody(Buffer.concat([Buffer.from('x'), bytes])).occurrences).to.equal(1);
    }
  });
  it('spots a large piece of it in a header value, and leaves unrelated text alone', () => {
    expect(set.carriesPiece(secret.slice(0, 10))).to.equal(true);
    expect(set.carriesPiece('application/json; charset=utf-8')).to.equal(false);
    expect(set.redactBody(Buffer.from('nothing to see')).occurrences).to.equal(0);
  });
});
