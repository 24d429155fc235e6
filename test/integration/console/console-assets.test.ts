import { expect } from 'chai';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { OUTCOMES, PLUGIN_STATES, REPLAYABLE_OUTCOMES } from '@jobhook/sdk/contract';
import { tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { repoRoot, request, startTestService, type TestService } from '../../support/service-harness.js';

const ASSETS = path.join(repoRoot, 'host/src/api/console/assets');

describe('the console page and its assets', function () {
  this.timeout(30_000);
  let tmp: TempDir;
  let svc: TestService;

  before(async () => {
    tmp = await tempDir('jobhook-console-assets-');
    await mkdir(path.join(tmp.path, 'plugins'));
    svc = await startTestService(path.join(tmp.path, 'plugins'), path.join(tmp.path, 'data'), { token: 'assets-test-token' });
  });
  after(async () => {
    await svc?.close();
    await tmp?.dispose();
  });

  it('serves the page at / without the token, with a same-origin-only Content-Security-Policy', async () => {
    const res = await request(`${svc.url}/`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).to.include("default-src 'none'");
    expect(csp).to.include("script-src 'self'");
    expect(csp).to.include("connect-src 'self'");
    expect(csp).to.include("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
  });

  it('loads nothing from another origin: every file it references, and every module import, is served here', async () => {
    const files = await readdir(ASSETS);
    const referenced = new Set<string>();
    for (const file of files) {
      const text = await readFile(path.join(ASSETS, file), 'utf8');
      expect(text, file).to.not.match(/(?:src|href)="(?:https?:)?\/\//);
      expect(text, file).to.not.match(/\bfrom ['"](?:https?:)?\/\//);
      for (const m of text.matchAll(/(?:src|href)="(\/console\/[^"]+)"/g)) referenced.add(m[1]!);
      for (const m of text.matchAll(/\bfrom '\.\/([^']+)'/g)) referenced.add(`/console/${m[1]}`);
    }
    expect([...referenced]).to.include.members(['/console/app.js', '/console/console.css', '/console/api.js', '/console/live.js']);
    for (const asset of referenced) {
      const res = await fetch(`${svc.url}${asset}`);
      const body = await res.text();
      expect(res.status, asset).to.equal(200);
      expect(res.headers.get('content-type'), asset).to.match(asset.endsWith('.css') ? /^text\/css/ : /javascript/);
      expect(body.length, asset).to.be.greaterThan(0);
    }
  });

  it('serves the outcome and state lists the pages use from the one contract', async () => {
    const res = await fetch(`${svc.url}/console/contract.js`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/javascript/);
    const text = await res.text();
    const module = (await import(`data:text/javascript,${encodeURIComponent(text)}`)) as Record<string, unknown>;
    expect(module.OUTCOMES).to.deep.equal([...OUTCOMES]);
    expect(module.REPLAYABLE_OUTCOMES).to.deep.equal([...REPLAYABLE_OUTCOMES]);
    expect(module.PLUGIN_STATES).to.deep.equal([...PLUGIN_STATES]);
    for (const file of await readdir(ASSETS)) {
      const source = await readFile(path.join(ASSETS, file), 'utf8');
      expect(source, `${file} declares its own outcome list`).to.not.match(/\[\s*'(?:succeeded|failed)',\s*'(?:failed|error)'/);
    }
  });

  it('answers an unknown asset with the API error shape, not a directory listing', async () => {
    const res = await request(`${svc.url}/console/nope.js`);
    expect(res.status).to.equal(404);
    expect(res.body.error.code).to.equal('ROUTE_NOT_FOUND');
    expect((await request(`${svc.url}/console/`)).status).to.equal(404);
  });
});
