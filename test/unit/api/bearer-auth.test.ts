import { expect } from 'chai';
import { BearerAuth } from '../../../host/dist/api/bearer-auth.js';

describe('BearerAuth', () => {
  const auth = new BearerAuth('tok-123');

  it('accepts the token in a Bearer header, scheme in any case', () => {
    expect(auth.check('Bearer tok-123')).to.equal('ok');
    expect(auth.check('bearer  tok-123 ')).to.equal('ok');
  });

  it('tells a wrong token from missing credentials', () => {
    expect(auth.check('Bearer tok-124')).to.equal('invalid');
    expect(auth.check('Bearer tok-1234')).to.equal('invalid');
    expect(auth.check('Bearer ')).to.equal('missing');
    expect(auth.check('Basic dG9rLTEyMw==')).to.equal('missing');
    expect(auth.check('tok-123')).to.equal('missing');
    expect(auth.check(undefined)).to.equal('missing');
  });
});
