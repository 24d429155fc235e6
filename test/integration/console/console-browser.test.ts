import { expect } from 'chai';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { event, tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { launchBrowser, type TestBrowser } from '../../support/browser.js';
import { repoRoot, request, spawnServe, startTestService, waitDone, type ServeChild } from '../../support/service-harness.js';
import { startClusterHost, type ClusterHost } from '../../support/cluster-hosts.js';
import { sharedPostgres } from '../../support/postgres-server.js';
import { waitFor } from '../../support/wait-for.js';

const TOKEN = 'console-test-token-5f1e';
const CERT_CHECK = 'd5c1e0a4-7b2f-4c3e-9a81-6f0e2d4b7c95';
const fixture = (name: string) => path.join(repoRoot, 'test/fixtures/plugins', name);
const EXAMPLES = ['example.inventory-audit', 'example.metadata-sync', 'example.owner-notify'];

// The console marks the hash it has finished drawing: waits for the current one.
async function rendered(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const doc = (globalThis as unknown as { document: { getElementById(id: string): { dataset: Record<string, string> } | null }; location: { hash: string } });
    return doc.document.getElementById('main')?.dataset.rendered === (doc.location.hash || '#/');
  }, undefined, { timeout: 20_000 });
}

// Both sizes of the current page, then back to the desktop size the test drives.
async function shoot(browser: TestBrowser, name: string): Promise<void> {
  await browser.screenshot(name, 'phone');
  await browser.screenshot(name, 'desktop');
}

describe('the web console in a real browser', function () {
  this.timeout(120_000);

  describe('against jobhook serve with a token', () => {
    let tmp: TempDir;
    let serve: ServeChild;
    let browser: TestBrowser;
    let page: Page;
    let pluginsDir: string;
    const auth = { authorization: `Bearer ${TOKEN}` };

    before(async () => {
      tmp = await tempDir('jobhook-console-');
      pluginsDir = path.join(tmp.path, 'plugins');
      for (const p of ['inventory-audit', 'metadata-sync', 'owner-notify']) await cp(path.join(repoRoot, 'plugins', p), path.join(pluginsDir, p), { recursive: true, filter: (s) => !s.includes('node_modules') });
      await cp(fixture('console-cert-check'), path.join(pluginsDir, 'cert-check'), { recursive: true });
      serve = await spawnServe(['--plugins', pluginsDir, '--data-dir', path.join(tmp.path, 'data')], { JOBHOOK_TOKEN: TOKEN });
      browser = await launchBrowser();
      page = browser.page;
    });
    after(async () => {
      await browser?.close();
      if (serve && serve.child.exitCode === null) {
        serve.child.kill('SIGTERM');
        await serve.exited;
      }
      await tmp?.dispose();
    });

    it('asks for the token, and refuses a wrong one', async () => {
      await page.goto(`${serve.url}/`);
      await page.locator('#login').waitFor();
      await shoot(browser, '01-login');
      await page.fill('#token', 'not-the-token');
      await page.click('#login button[type=submit]');
      await page.locator('#login-error:not([hidden])').waitFor({ timeout: 10_000 });
      expect(await page.locator('#login-error').textContent()).to.match(/refused \(AUTH_INVALID\)/);
      expect(await page.locator('#nav').isHidden()).to.equal(true);
      await shoot(browser, '02-login-refused');
      expect(page.url()).to.not.include('not-the-token');
    });

    it('signs in and shows the example plugins with the latest events on its first page', async () => {
      await page.fill('#token', TOKEN);
      await page.click('#login button[type=submit]');
      await page.locator('tr[data-plugin="console.cert-check"]').waitFor({ timeout: 15_000 });
      await rendered(page);
      for (const id of EXAMPLES) expect(await page.locator(`tr[data-plugin="${id}"]`).count(), id).to.equal(1);
      expect(await page.locator('#latest-events').isVisible()).to.equal(true);
      await waitFor(async () => (await page.locator('#live').getAttribute('data-state')) === 'live', { what: 'the live feed', timeoutMs: 20_000, intervalMs: 100 });
      expect(page.url()).to.not.include(TOKEN);
      expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('jobhook.token'))).to.equal(TOKEN);
    });

    let eventId: string;
    const jobId = '4c0f3a9e-1b2d-4e5f-8a7b-6c5d4e3f2a1b';

    it('shows a failing event arrive live, finds it by filter, and reads its error and plugin log', async () => {
      await page.evaluate(() => ((globalThis as unknown as { __sameDocument: boolean }).__sameDocument = true));
      const posted = await request(`${serve.url}/v1/job-completions`, { body: event(CERT_CHECK, { jobType: 'CertCheck', jobId, clientMachine: 'pem-07.corp.example.com' }), headers: auth });
      expect(posted.status).to.equal(202);
      eventId = posted.body.id;
      await waitDone(serve.url, eventId, 15_000, auth);
      // Without a reload: the live feed adds it to "New failures" and the counters.
      await page.locator('#live-failures li.live-failure').first().waitFor({ timeout: 15_000 });
      expect(await page.locator('#live-failures').textContent()).to.include('console.cert-check');
      await waitFor(async () => (await page.locator(`#latest-events tr[data-event="${eventId}"]`).count()) === 1, { what: 'the latest events to list it', timeoutMs: 20_000, intervalMs: 100 });
      await shoot(browser, '03-overview');

      await page.click('#nav a[data-page="events"]');
      await rendered(page);
      await page.selectOption('#filters select[name=outcome]', 'error');
      await page.selectOption('#filters select[name=plugin]', 'console.cert-check');
      await page.fill('#filters input[name=jobId]', jobId);
      await page.click('#filters button[type=submit]');
      await waitFor(async () => page.url().includes('outcome=error'), { what: 'the filtered list', timeoutMs: 20_000, intervalMs: 100 });
      await rendered(page);
      expect(await page.locator('#results tr[data-event]').count()).to.equal(1);
      expect(await page.locator(`#results tr[data-event="${eventId}"]`).count()).to.equal(1);
      await shoot(browser, '04-events-filtered');

      await page.click(`#results tr[data-event="${eventId}"] a.mono`);
      await rendered(page);
      const row = page.locator('.outcome-row[data-replay="0"]');
      await row.waitFor();
      expect(await row.getAttribute('data-outcome')).to.equal('error');
      const text = (await row.textContent()) ?? '';
      expect(text).to.include('certificate store unreachable on pem-07.corp.example.com');
      expect(text).to.include('console.cert-check');
      expect(await row.locator('.code').textContent()).to.match(/^[A-Z_]+$/);
      const logs = (await row.locator('details.logs pre').textContent()) ?? '';
      expect(logs).to.include('checking certificate store');
      expect(logs).to.include('store answered 503, giving up');
      await shoot(browser, '05-event');
    });

    it('replays the event after the plugin is fixed by hot-drop, and the new outcome arrives live', async () => {
      await cp(path.join(fixture('console-cert-check-fixed'), 'bundle.js'), path.join(pluginsDir, 'cert-check', 'bundle.js'));
      await cp(path.join(fixture('console-cert-check-fixed'), 'plugin.json'), path.join(pluginsDir, 'cert-check', 'plugin.json'));
      await waitFor(async () => {
        const res = await request(`${serve.url}/v1/plugins/console.cert-check`, { headers: auth });
        return res.body.version === '1.1.0' && res.body.state === 'active';
      }, { what: 'version 1.1.0 to be active', timeoutMs: 20_000, intervalMs: 100 });
      await page.click('.outcome-row[data-replay="0"] button.replay');
      await page.locator('#replay-notice:not([hidden])').waitFor();
      expect(await page.locator('#replay-notice').textContent()).to.include('#1');
      const replayed = page.locator('.outcome-row[data-replay="1"]');
      await replayed.waitFor({ timeout: 20_000 });
      expect(await replayed.getAttribute('data-outcome')).to.equal('succeeded');
      expect(await replayed.textContent()).to.include('v1.1.0');
      // The first outcome is kept beside the replay, and the page was never reloaded.
      expect(await page.locator('.outcome-row[data-replay="0"]').getAttribute('data-outcome')).to.equal('error');
      expect(await page.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument)).to.equal(true);
      await shoot(browser, '06-event-replayed');

      const stored = await request(`${serve.url}/v1/job-completions/${eventId}`, { headers: auth });
      expect(stored.body.outcomes.map((o: { replay: number; outcome: string }) => `${o.replay}:${o.outcome}`)).to.deep.equal(['0:error', '1:succeeded']);
      expect(stored.body.replays).to.have.length(1);
    });

    it('shows the plugins page with counters, and the bulk replay form', async () => {
      await page.click('#nav a[data-page="plugins"]');
      await rendered(page);
      const row = page.locator('tr[data-plugin="console.cert-check"]');
      await row.waitFor();
      const text = (await row.textContent()) ?? '';
      expect(text).to.include('1.1.0');
      expect(text).to.match(/1 succeeded/);
      expect(text).to.match(/1 error/);
      // The last failed run is shown with its code and message next to the counters.
      expect(await row.locator('.last-failure .code').textContent()).to.match(/^[A-Z_]+$/);
      expect(await row.locator('.last-failure').textContent()).to.include('certificate store unreachable on pem-07.corp.example.com');
      await shoot(browser, '07-plugins');

      const notify = page.locator('tr[data-plugin="example.owner-notify"]');
      await notify.locator('button', { hasText: 'Disable' }).click();
      await notify.locator('.badge.b-disabled').waitFor();
      expect((await request(`${serve.url}/v1/plugins/example.owner-notify`, { headers: auth })).body.disabled).to.equal(true);
      await notify.locator('button', { hasText: 'Enable' }).click();
      await waitFor(async () => (await notify.locator('.badge.b-disabled').count()) === 0 && (await notify.locator('button', { hasText: 'Disable' }).count()) === 1, { what: 'the plugin to be enabled again', timeoutMs: 20_000, intervalMs: 100 });
      expect((await request(`${serve.url}/v1/plugins/example.owner-notify`, { headers: auth })).body.disabled).to.equal(false);

      await row.locator('a', { hasText: 'Replay…' }).click();
      await rendered(page);
      expect(await page.locator('#replay-form select[name=plugin]').inputValue()).to.equal('console.cert-check');
      await page.click('#replay-form button[type=submit]');
      // Its only failure already succeeded on replay: nothing is left to run again.
      await waitFor(async () => ((await page.locator('#replay-result').textContent()) ?? '').includes('0 replays queued'), { what: 'the bulk answer', timeoutMs: 20_000, intervalMs: 100 });
      await shoot(browser, '08-replay');
    });

    it('signs out, and the API stays closed to the browser without the token', async () => {
      await page.click('#signout');
      await page.locator('#login').waitFor();
      const status = await page.evaluate(async () => (await fetch('/v1/plugins')).status);
      expect(status).to.equal(401);
    });
  });

  describe('against a host without a token (the loopback default)', () => {
    it('opens without a login, with the plugins and the latest events on its first page', async () => {
      const tmp = await tempDir('jobhook-console-open-');
      const pluginsDir = path.join(tmp.path, 'plugins');
      await cp(fixture('console-cert-check-fixed'), path.join(pluginsDir, 'cert-check'), { recursive: true });
      const svc = await startTestService(pluginsDir, path.join(tmp.path, 'data'), { token: null });
      let browser: TestBrowser | undefined;
      try {
        // Launched inside the try: a browser that cannot start must not leave the service running.
        browser = await launchBrowser();
        const posted = await request(`${svc.url}/v1/job-completions`, { body: event(CERT_CHECK, { jobType: 'CertCheck' }) });
        await waitDone(svc.url, posted.body.id);
        await browser.page.goto(`${svc.url}/`);
        await browser.page.locator('tr[data-plugin="console.cert-check"]').waitFor({ timeout: 15_000 });
        expect(await browser.page.locator(`#latest-events tr[data-event="${posted.body.id}"]`).count()).to.equal(1);
        expect(await browser.page.locator('#login').count()).to.equal(0);
        expect(await browser.page.locator('#signout').isHidden()).to.equal(true);
      } finally {
        await browser?.close();
        await svc.close();
        await tmp.dispose();
      }
    });
  });

  describe('against two hosts sharing a PostgreSQL store', () => {
    it('shows in the Hosts column which live host runs which version, and flags the difference', async () => {
      const tmp = await tempDir('jobhook-console-cluster-');
      const server = await sharedPostgres();
      const url = await server.freshDatabase('console');
      const hosts: ClusterHost[] = [];
      let browser: TestBrowser | undefined;
      try {
        hosts.push(await startClusterHost(tmp.path, 'host-a', url, server, { plugins: [fixture('console-cert-check')] }));
        hosts.push(await startClusterHost(tmp.path, 'host-b', url, server, { plugins: [fixture('console-cert-check-fixed')] }));
        const a = hosts[0]!.serve.url;
        await waitFor(async () => {
          const view = (await request(`${a}/v1/cluster`)).body;
          return view.plugins?.[0]?.versions?.length === 2 && view.hosts.filter((x: { live: boolean }) => x.live).length === 2;
        }, { what: 'both hosts to be live with their plugin', timeoutMs: 20_000, intervalMs: 100 });
        browser = await launchBrowser();
        await browser.page.goto(`${a}/#/plugins`);
        const row = browser.page.locator('tr[data-plugin="console.cert-check"]');
        await row.waitFor({ timeout: 15_000 });
        expect(await browser.page.locator('th', { hasText: 'Hosts' }).count()).to.equal(1);
        const cell = ((await row.locator('.hosts').textContent()) ?? '').replace(/\s+/g, ' ');
        expect(cell).to.include('inconsistent');
        expect(cell).to.include('v1.0.0 on host-a');
        expect(cell).to.include('v1.1.0 on host-b');
      } finally {
        await browser?.close();
        for (const h of hosts) {
          if (h.serve.child.exitCode === null) {
            h.serve.child.kill('SIGTERM');
            await h.serve.exited;
          }
        }
        await tmp.dispose();
      }
    });
  });
});
