import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TrustStore } from '../../../../host/dist/plugins/trust/trust-store.js';
import { canonicalJson } from '@jobhook/sdk/sign';
import { tempDir } from '../../../support/foundation-plugins.js';

describe('the trust store', () => {
  it('reads keys as PEM text or files, and tells revoked from unknown ids', async () => {
    const tmp = await tempDir();
    try {
      const a = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const b = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
      await writeFile(path.join(tmp.path, 'b.pub'), b);
      const store = new TrustStore({ keys: { a, b: path.join(tmp.path, 'b.pub') }, revoked: ['b'], unsigned: 'warn' });
      expect(store.key('a')).to.not.be.a('string');
      expect(store.key('b')).to.equal('revoked');
      expect(store.key('c')).to.equal('unknown');
      expect(store.trustedIds()).to.deep.equal(['a']);
    } finally {
      await tmp.dispose();
    }
  });

  it('fails the start naming a key that is not an ed25519 public key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => new TrustStore({ keys: { old: rsa }, revoked: [], unsigned: 'warn' })).to.throw(/trust\.keys\.old is a rsa key/);
    expect(() => new TrustStore({ keys: { nope: '/does/not/exist.pub' }, revoked: [], unsigned: 'warn' })).to.throw(/trust\.keys\.nope/);
  });

  it('signs plugin.json in a canonical form that ignores key order and whitespace', () => {
    expect(canonicalJson({ b: [1, { d: 'x', c: null }], a: true })).to.equal('{"a":true,"b":[1,{"c":null,"d":"x"}]}');
  });
});
