import { expect } from 'chai';
import { createHost, type Host, type HostConfigInput } from '@jobhook/host';
import { event, GUID_A, GUID_B, manifest, tempDir, writePlugin, type TempDir } from '../../support/foundation-plugins.js';
import { captureLogs } from '../../support/log-capture.js';
import { startFakePlatform, type FakePlatform } from '../../support/fake-platform.js';

const WINCERT_INVENTORY = '1c0dd4a5-94b7-4d2c-8a3e-6f1b2c3d4e5f';
const ROTATE_JOB = '5e8f7a6b-1c2d-4e3f-9a8b-7c6d5e4f3a2b';

// A handler that writes no jobTypes: it takes the job types in force (JobTypes) and reports them.
const injectedBundle = `'use strict';
const sdk = require('@jobhook/sdk');
class H {
  constructor(types) { this.types = types; }
  runHandler(ctx) { return this.types.has(ctx.jobTypeId) && this.types.ids.length > 0; }
}
sdk.inject(sdk.JobTypes)(H, undefined, 0);
sdk.jobCompleteHandler('H')(H);
`;

describe('job types in force', function () {
  this.timeout(60_000);
  let tmp: TempDir;
  let platform: FakePlatform;
  const hosts: Host[] = [];

  async function start(m: Record<string, unknown>, plugins: Record<string, unknown> = {}, bundle = injectedBundle): Promise<Host> {
    const dir = `${tmp.path}/${hosts.length}`;
    await writePlugin(dir, 'p', m, bundle);
    const host = await createHost({ config: { pluginsDir: dir, platform: { url: platform.url, auth: { type: 'bearer', token: 'tok-0123456789' } }, plugins } as HostConfigInput, logger: captureLogs().logger });
    hosts.push(host);
    return host;
  }

  beforeEach(async () => {
    tmp = await tempDir('jobhook-jobtypes-');
    platform = await startFakePlatform();
    // Later routes are tried first: the catch-all 404 goes in before WinCert.
    platform.route('GET', /^CertificateStoreTypes\/Name\/.+$/, (_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ErrorCode: '0xA0110002', Message: 'Certificate store type was not found' }));
    });
    platform.route('GET', 'CertificateStoreTypes/Name/WinCert', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ StoreType: 104, Name: 'Windows Certificate', ShortName: 'WinCert', InventoryJobType: WINCERT_INVENTORY.toUpperCase(), ManagementJobType: GUID_B, EnrollmentJobType: null, DiscoveryJobType: null }));
    });
    platform.route('GET', 'JobTypes/Custom', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ Id: ROTATE_JOB, JobTypeName: 'RotateKeys', Description: 'x' }]));
    });
  });

  afterEach(async () => {
    for (const h of hosts.splice(0)) await h.close();
    await platform.close();
    await tmp.dispose();
  });

  it('routes the job types the admin set, and no longer the manifest’s, and shows them in the status', async () => {
    const host = await start(manifest('acme.admin-set', {}, [GUID_A]), { 'acme.admin-set': { handlers: { H: { jobTypes: [GUID_B.toUpperCase()] } } } });
    const byAdmin = await host.dispatch(event(GUID_B));
    expect(byAdmin.outcomes.map((o) => o.outcome)).to.deep.equal(['succeeded']);
    expect((await host.dispatch(event(GUID_A))).outcomes).to.deep.equal([]);
    const [status] = host.plugins();
    expect(status?.handlers).to.deep.equal([{ name: 'H', jobTypes: [GUID_B], jobTypesFrom: 'config' }]);
  });

  it('resolves a symbolic store-type job type and a custom one against the platform, routes them and shows what they resolved to', async () => {
    const host = await start(manifest('acme.symbolic', {}, ['WinCert:Inventory', 'custom:RotateKeys']));
    const [status] = host.plugins();
    expect(status?.state, JSON.stringify(status?.lastError)).to.equal('active');
    expect(status?.handlers[0]?.jobTypes).to.deep.equal([WINCERT_INVENTORY, ROTATE_JOB]);
    expect(status?.handlers[0]?.resolved).to.deep.equal([
      { entry: 'WinCert:Inventory', jobTypeId: WINCERT_INVENTORY, jobType: 'WinCertInventory' },
      { entry: 'custom:RotateKeys', jobTypeId: ROTATE_JOB, jobType: 'RotateKeys' },
    ]);
    expect((await host.dispatch(event(WINCERT_INVENTORY, { jobType: 'WinCertInventory' }))).outcomes.map((o) => o.outcome)).to.deep.equal(['succeeded']);
    expect((await host.dispatch(event(ROTATE_JOB))).outcomes.map((o) => o.outcome)).to.deep.equal(['succeeded']);
    expect(platform.requestsTo('GET', 'CertificateStoreTypes/Name/WinCert')[0]?.headers['x-keyfactor-requested-with']).to.equal('APIClient');
  });

  it('resolves the names again when the plugin reloads, and routes by the new answer', async () => {
    const host = await start(manifest('acme.reload', {}, ['Moving:Inventory']));
    let current = WINCERT_INVENTORY;
    platform.route('GET', 'CertificateStoreTypes/Name/Moving', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ShortName: 'Moving', InventoryJobType: current }));
    });
    await host.registry.enable('acme.reload');
    expect(host.plugins()[0]?.handlers[0]?.jobTypes).to.deep.equal([WINCERT_INVENTORY]);
    current = ROTATE_JOB;
    await host.registry.enable('acme.reload');
    expect(host.plugins()[0]?.handlers[0]?.jobTypes).to.deep.equal([ROTATE_JOB]);
    expect((await host.dispatch(event(ROTATE_JOB))).outcomes.map((o) => o.outcome)).to.deep.equal(['succeeded']);
    expect((await host.dispatch(event(WINCERT_INVENTORY))).outcomes).to.deep.equal([]);
  });

  it('refuses the handler with JOB_TYPE_UNRESOLVED naming plugin, handler and name when the store type was renamed', async () => {
    const host = await start(manifest('acme.renamed', {}, ['WinCertOld:Inventory']));
    const [status] = host.plugins();
    const handler = status?.handlers[0];
    expect(handler?.jobTypes).to.deep.equal([]);
    expect(handler?.error?.code).to.equal('JOB_TYPE_UNRESOLVED');
    expect(handler?.error?.message).to.include("'acme.renamed'").and.include("handler 'H'").and.include("'WinCertOld:Inventory'").and.include('renamed');
  });

  it("keeps the plugin's other handlers serving when one handler is refused", async () => {
    const bundle = `'use strict';
const sdk = require('@jobhook/sdk');
class A { runHandler() { return true; } }
class B { runHandler() { return true; } }
sdk.jobCompleteHandler('Good')(A);
sdk.jobCompleteHandler('Renamed')(B);
`;
    const host = await start(manifest('acme.mixed', { handlers: [{ name: 'Good', jobTypes: ['WinCert:Management'] }, { name: 'Renamed', jobTypes: ['Gone:Inventory'] }] }), {}, bundle);
    const [status] = host.plugins();
    expect(status?.state).to.equal('active');
    expect(status?.handlers.map((h) => [h.name, h.error?.code ?? null])).to.deep.equal([['Good', null], ['Renamed', 'JOB_TYPE_UNRESOLVED']]);
    expect((await host.dispatch(event(GUID_B))).outcomes.map((o) => [o.handler, o.outcome])).to.deep.equal([['Good', 'succeeded']]);
  });

  it('refuses a job kind the store type has none of, and a custom name the platform does not list', async () => {
    const discovery = (await start(manifest('acme.nodiscovery', {}, ['WinCert:Discovery']))).plugins()[0]?.handlers[0];
    expect(discovery?.error?.code).to.equal('JOB_TYPE_UNRESOLVED');
    expect(discovery?.error?.message).to.include('has no Discovery job type');
    const custom = (await start(manifest('acme.nocustom', {}, ['custom:Nope']))).plugins()[0]?.handlers[0];
    expect(custom?.error?.code).to.equal('JOB_TYPE_UNRESOLVED');
    expect(custom?.error?.message).to.include("'RotateKeys'");
  });

  it('refuses with JOB_TYPE_LOOKUP_FAILED, not a wrong answer, when the platform cannot be asked', async () => {
    platform.route('GET', 'CertificateStoreTypes/Name/Locked', (_req, res) => void res.writeHead(401).end());
    const handler = (await start(manifest('acme.locked', {}, ['Locked:Inventory']))).plugins()[0]?.handlers[0];
    expect(handler?.error?.code).to.equal('JOB_TYPE_LOOKUP_FAILED');
    expect(handler?.error?.message).to.include('answered 401').and.include('bearer');
  });

  it('refuses code whose hard-coded jobTypes disagree with the admin’s list, saying where the list comes from', async () => {
    const bundle = `'use strict';
const sdk = require('@jobhook/sdk');
class H { constructor() { this.jobTypes = '${GUID_A}'; } runHandler() { return true; } }
sdk.jobCompleteHandler('H')(H);
`;
    const host = await start(manifest('acme.hardcoded', {}, [GUID_A]), { 'acme.hardcoded': { handlers: { H: { jobTypes: [GUID_B] } } } }, bundle);
    const [status] = host.plugins();
    expect(status?.lastError?.code).to.equal('PLUGIN_HANDLERS_MISMATCH');
    expect(status?.lastError?.message).to.include('plugins.acme.hardcoded.handlers.H.jobTypes');
  });

  it('refuses an admin list for a handler the manifest does not have', async () => {
    const host = await start(manifest('acme.typo', {}, [GUID_A]), { 'acme.typo': { handlers: { Hx: { jobTypes: [GUID_B] } } } });
    expect(host.plugins()[0]?.lastError?.code).to.equal('PLUGIN_CONFIG_UNKNOWN_HANDLER');
  });
});

describe('job types in force over the HTTP API', function () {
  this.timeout(60_000);

  it('GET /v1/plugins shows the admin’s list and where it came from, and events route by it', async () => {
    const { startTestService, request } = await import('../../support/service-harness.js');
    const tmp = await tempDir('jobhook-jobtypes-api-');
    await writePlugin(`${tmp.path}/plugins`, 'p', manifest('acme.api', {}, [GUID_A]), injectedBundle);
    const svc = await startTestService(`${tmp.path}/plugins`, `${tmp.path}/data`, { hostConfig: { plugins: { 'acme.api': { handlers: { H: { jobTypes: [GUID_B] } } } } } as HostConfigInput });
    try {
      const { body } = await request(`${svc.url}/v1/plugins`);
      const plugin = (body.plugins ?? body).find((p: { id: string }) => p.id === 'acme.api');
      expect(plugin.jobTypes).to.deep.equal([GUID_B]);
      expect(plugin.handlers).to.deep.equal([{ name: 'H', jobTypes: [GUID_B], jobTypesFrom: 'config' }]);
    } finally {
      await svc.close();
      await tmp.dispose();
    }
  });
});
