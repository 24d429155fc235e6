import { expect } from 'chai';
import { ManifestEgressPolicy } from '../../../host/dist/egress/egress-policy.js';

const PLATFORM = new URL('https://kf.example.com/KeyfactorAPI/');

function policy(rules: Array<{ url: string; methods: string[] }>): ManifestEgressPolicy {
  return new ManifestEgressPolicy('acme.sync', rules, PLATFORM);
}

function decision(p: ManifestEgressPolicy, method: string, url: string): string {
  try {
    p.check(method, new URL(url, PLATFORM));
    return 'allowed';
  } catch (e) {
    expect((e as { code: string }).code).to.equal('EGRESS_DENIED');
    return (e as Error).message;
  }
}

describe('egress policy (permissions.http)', () => {
  it('denies everything when the manifest has no rule', () => {
    expect(decision(policy([]), 'GET', 'Certificates/1')).to.match(/default-deny rule: no permissions.http rule covers the platform API/);
  });

  it('allows an exact path only for its methods', () => {
    const p = policy([{ url: 'Certificates/Metadata', methods: ['PUT'] }]);
    expect(decision(p, 'PUT', 'Certificates/Metadata')).to.equal('allowed');
    expect(decision(p, 'GET', 'Certificates/Metadata')).to.equal(
      "plugin 'acme.sync' may not GET https://kf.example.com/KeyfactorAPI/Certificates/Metadata: permissions.http[0] ('Certificates/Metadata') allows only PUT",
    );
    expect(decision(p, 'PUT', 'Certificates/Metadata/1')).to.match(/no permissions.http rule matches this path/);
  });

  it("lets '*' match exactly one non-empty segment", () => {
    const p = policy([{ url: 'Workflow/Instances/*/Signals', methods: ['POST'] }]);
    expect(decision(p, 'POST', 'Workflow/Instances/3d5c0f0e-0000-4000-8000-000000000001/Signals')).to.equal('allowed');
    expect(decision(p, 'POST', 'Workflow/Instances/a/b/Signals')).to.not.equal('allowed');
    expect(decision(p, 'POST', 'Workflow/Instances//Signals')).to.not.equal('allowed');
    expect(decision(p, 'POST', 'Workflow/Instances/Signals')).to.not.equal('allowed');
  });

  it("lets a final '**' match any suffix, including none", () => {
    const p = policy([{ url: 'OrchestratorJobs/**', methods: ['GET'] }]);
    for (const path of ['OrchestratorJobs', 'OrchestratorJobs/', 'OrchestratorJobs/JobHistory', 'OrchestratorJobs/JobStatus/Data']) {
      expect(decision(p, 'GET', path), path).to.equal('allowed');
    }
    expect(decision(p, 'GET', 'OrchestratorJobsX/JobHistory')).to.not.equal('allowed');
  });

  it('ignores the query and one trailing slash, and compares paths case-sensitively', () => {
    const p = policy([{ url: 'OrchestratorJobs/JobHistory', methods: ['GET'] }]);
    expect(decision(p, 'GET', 'OrchestratorJobs/JobHistory?pq.queryString=JobID%20-eq%20%22x%22')).to.equal('allowed');
    expect(decision(p, 'GET', 'OrchestratorJobs/JobHistory/')).to.equal('allowed');
    expect(decision(p, 'GET', 'orchestratorjobs/jobhistory')).to.not.equal('allowed');
  });

  it("resolves '..' before matching, so a path cannot climb out of a rule", () => {
    const p = policy([{ url: 'Certificates/*', methods: ['GET'] }]);
    expect(decision(p, 'GET', 'Certificates/../Security/Identities')).to.not.equal('allowed');
    expect(decision(p, 'GET', 'Certificates/%2e%2e/Security')).to.not.equal('allowed');
  });

  it("denies an encoded '/' or '\\' that a server could decode into another path", () => {
    const p = policy([{ url: 'Certificates/*', methods: ['GET'] }]);
    expect(decision(p, 'GET', 'Certificates/..%2F..%2FSecurity')).to.match(/encoded '\/' or '\\'/);
    expect(decision(p, 'GET', 'Certificates/a%5cb')).to.match(/encoded/);
  });

  it('keeps relative rules under the platform path: other paths of the same origin are denied', () => {
    const p = policy([{ url: '**', methods: ['GET'] }]);
    expect(decision(p, 'GET', 'https://kf.example.com/KeyfactorAPI/Anything/At/All')).to.equal('allowed');
    expect(decision(p, 'GET', 'https://kf.example.com/KeyfactorPortal/')).to.match(/no permissions.http rule matches this path/);
  });

  it('allows an absolute origin a rule names, only there', () => {
    const p = policy([{ url: 'https://hooks.example.net/pki/**', methods: ['POST'] }]);
    expect(decision(p, 'POST', 'https://hooks.example.net/pki/alerts')).to.equal('allowed');
    expect(decision(p, 'POST', 'https://hooks.example.net/other')).to.match(/no permissions.http rule matches this path/);
    expect(decision(p, 'POST', 'http://hooks.example.net/pki/alerts')).to.match(/http:\/\/hooks.example.net is not the platform API \(https:\/\/kf.example.com\)/);
    expect(decision(p, 'POST', 'https://hooks.example.net:8443/pki/alerts')).to.match(/default-deny/);
  });

  it('denies other schemes and URLs carrying credentials', () => {
    const p = policy([{ url: '**', methods: ['GET'] }]);
    expect(decision(p, 'GET', 'file:///etc/passwd')).to.match(/only http and https/);
    expect(decision(p, 'GET', 'https://user:pw@kf.example.com/KeyfactorAPI/Certificates')).to.match(/user:password@/);
  });

  it('names every rule that matched the path when the method is wrong', () => {
    const p = policy([
      { url: 'Certificates/*', methods: ['GET'] },
      { url: 'Certificates/**', methods: ['HEAD'] },
    ]);
    expect(decision(p, 'DELETE', 'Certificates/7')).to.contain(
      "permissions.http[0] ('Certificates/*') allows only GET; permissions.http[1] ('Certificates/**') allows only HEAD",
    );
  });

  it('refuses rules it cannot honour, naming the rule', () => {
    const refuse = (url: string): string => {
      try {
        policy([{ url, methods: ['GET'] }]);
        return 'accepted';
      } catch (e) {
        expect((e as { code: string }).code).to.equal('EGRESS_RULE_INVALID');
        return (e as Error).message;
      }
    };
    expect(refuse('Certificates/**/Metadata')).to.equal(
      "plugin 'acme.sync': permissions.http[0] ('Certificates/**/Metadata') uses '**' before the last segment; '**' matches any suffix and must come last",
    );
    expect(refuse('Certificates/Cert*')).to.match(/'\*' must be a whole segment/);
    expect(refuse('Certificates?x=1')).to.match(/rules match paths only/);
    expect(refuse('Certificates/*')).to.equal('accepted');
  });
});
