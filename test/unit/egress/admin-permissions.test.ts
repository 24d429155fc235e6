import { expect } from 'chai';
import { rulesInForce } from '../../../host/dist/egress/admin-permissions.js';

const manifestRules = [
  { url: 'Certificates/*', methods: ['GET', 'PUT'] },
  { url: 'Workflow/**', methods: ['GET', 'POST'] },
];

describe("an admin's permission changes", () => {
  it('keeps the manifest rules, removes revoked methods or whole rules, and adds granted rules labelled by their setting', () => {
    const rules = rulesInForce('acme.x', manifestRules, {
      revoke: [{ url: 'Certificates/*', methods: ['PUT'] }, { url: 'Workflow/**' }],
      grant: [{ url: 'https://relay.example.com/v1/**', methods: ['POST'] }],
    });
    expect(rules).to.deep.equal([
      { url: 'Certificates/*', methods: ['GET'], label: "permissions.http[0] ('Certificates/*')" },
      { url: 'https://relay.example.com/v1/**', methods: ['POST'], label: "plugins.acme.x.permissions.grant[0] ('https://relay.example.com/v1/**')" },
    ]);
  });

  it('refuses a revoke that names no manifest rule, listing the rules there are', () => {
    expect(() => rulesInForce('acme.x', manifestRules, { revoke: [{ url: 'Certificate/*' }] }))
      .to.throw(/plugins\.acme\.x\.permissions\.revoke\[0\] names 'Certificate\/\*'.*'Certificates\/\*', 'Workflow\/\*\*'/)
      .with.property('code', 'PERMISSION_REVOKE_UNMATCHED');
  });
});
