import { expect } from 'chai';
import { loggableUrl, parsePlatformUrl, resolveRequestUrl } from '../../../host/dist/egress/platform-url.js';

describe('platform URL and request URLs', () => {
  it('normalises the platform URL to end with a slash, so relative paths resolve under it', () => {
    const base = parsePlatformUrl('https://kf.example.com/KeyfactorAPI');
    expect(base.href).to.equal('https://kf.example.com/KeyfactorAPI/');
    expect(resolveRequestUrl('Certificates/42', base).href).to.equal('https://kf.example.com/KeyfactorAPI/Certificates/42');
  });

  it('refuses a platform URL that carries credentials, a query or another scheme', () => {
    expect(() => parsePlatformUrl('https://svc:pw@kf.example.com/KeyfactorAPI/')).to.throw(/must not carry credentials.*JOBHOOK_PLATFORM_TOKEN/);
    expect(() => parsePlatformUrl('https://kf.example.com/KeyfactorAPI/?x=1')).to.throw(/query or a fragment/);
    expect(() => parsePlatformUrl('ftp://kf.example.com/')).to.throw(/must be http\(s\)/);
    expect(() => parsePlatformUrl('not a url')).to.throw(/not a valid URL/);
  });

  it('keeps absolute inputs, drops fragments, and refuses inputs starting with a slash', () => {
    const base = parsePlatformUrl('https://kf.example.com/KeyfactorAPI/');
    expect(resolveRequestUrl('https://other.example.com/x#frag', base).href).to.equal('https://other.example.com/x');
    expect(() => resolveRequestUrl('/KeyfactorAPI/Certificates', base)).to.throw(/starts with '\/'/);
    expect(() => resolveRequestUrl('//evil.example.com/x', base)).to.throw(/starts with '\/'/);
  });

  it('logs origin and path with query values hidden', () => {
    const url = new URL('https://kf.example.com/KeyfactorAPI/OrchestratorJobs/JobHistory?pq.queryString=JobID%20-eq%20%22x%22&ReturnLimit=5');
    expect(loggableUrl(url)).to.equal('https://kf.example.com/KeyfactorAPI/OrchestratorJobs/JobHistory?pq.queryString=…&ReturnLimit=…');
  });
});
