import { randomUUID } from 'node:crypto';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { event, tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { startFakePlatform, type FakePlatform } from '../../support/fake-platform.js';
import { sleep, waitFor } from '../../support/wait-for.js';
import { sharedPostgres, type PostgresServer } from '../../support/postgres-server.js';
import { jobhook as runJobhook, type CliRun } from '../../support/cli-runner.js';
import { request, spawnServe, type ServeChild } from '../../support/service-harness.js';
import { RECORDER_FIXTURE, RECORDER_JOB_TYPE, pgQuery, postWithFailover, startClusterHost, type ClusterHost } from '../../support/cluster-hosts.js';
import { packPluginFolder } from '../../../host/dist/cluster/plugin-archive.js';

const PLUGIN = 'test.cluster-recorder';

/** Runs the `jobhook` CLI with `env` added to this process's environment. */
const jobhook = (args: string[], env: Record<string, string> = {}): Promise<CliRun> => runJobhook(args, { env: { ...process.env, ...env } });

/** A copy of the recorder fixture at `version` (manifest and the version its runs report). */
async function recorderVersion(root: string, version: string): Promise<string> {
  const dir = path.join(root, `recorder-${version}`);
  await cp(RECORDER_FIXTURE, dir, { recursive: true });
  const manifest = JSON.parse(await readFile(path.join(dir, 'plugin.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(path.join(dir, 'plugin.json'), JSON.stringify({ ...manifest, version }));
  const bundle = await readFile(path.join(dir, 'bundle.js'), 'utf8');
  await writeFile(path.join(dir, 'bundle.js'), bundle.replace("const VERSION = '1.0.0';", `const VERSION = '${version}';`));
  return dir;
}

const activeVersion = async (url: string): Promise<string | null> => {
  const res = await request(`${url}/v1/plugins`);
  return (res.body.plugins as Array<{ id: string; state: string; version: string }>).find((p) => p.id === PLUGIN && p.state === 'active')?.version ?? null;
};

describe('deploying plugins to every host', function () {
  this.timeout(120_000);
  let tmp: TempDir;
  let platform: FakePlatform;

  before(async () => {
    tmp = await tempDir('jobhook-deploy-');
    platform = await startFakePlatform();
    platform.route('POST', 'Test/runs', (_req, res) => {
      res.writeHead(204);
      res.end();
    });
  });
  after(async () => {
    await platform?.close();
    await tmp?.dispose();
  });

  describe('on PostgreSQL', () => {
    let server: PostgresServer;
    let url: string;
    let hosts: ClusterHost[] = [];

    before(async () => {
      server = await sharedPostgres();
      url = await server.freshDatabase('deploy');
      hosts = await Promise.all(['d1', 'd2'].map((name) => startClusterHost(tmp.path, name, url, server, { platformUrl: platform.url })));
    });
    after(async () => {
      for (const h of hosts) h.serve.child.kill('SIGTERM');
      await Promise.all(hosts.map((h) => h.serve.exited));
    });

    it('installs a deployed version on every live host, and events keep flowing across an upgrade', async () => {
      const [a, b] = [hosts[0]!.serve.url, hosts[1]!.serve.url];
      const v1 = await recorderVersion(tmp.path, '1.0.0');
      const first = await jobhook(['deploy', v1, '--url', a]);
      expect(first.code, first.stderr).to.equal(0);
      expect(first.stdout).to.match(/deployed test\.cluster-recorder 1\.0\.0/);
      // The other host learns of it through NOTIFY (seconds at most; bounded generously for a busy machine).
      await waitFor(async () => (await activeVersion(a)) === '1.0.0' && (await activeVersion(b)) === '1.0.0', { what: '1.0.0 active on both hosts', timeoutMs: 15_000 });

      // Events posted to both hosts the whole time while 1.1.0 (as a .tgz) replaces 1.0.0.
      const accepted: string[] = [];
      let flowing = true;
      const stream = (async () => {
        for (let i = 0; flowing; i++) {
          const jobId = randomUUID();
          const id = await postWithFailover(() => [a, b], i, event(RECORDER_JOB_TYPE, { jobId }), jobId);
          if (id) accepted.push(id);
          await sleep(5);
        }
      })();
      await waitFor(() => accepted.length >= 50, { what: 'events flowing', timeoutMs: 20_000 });
      const v2 = await packPluginFolder(await recorderVersion(tmp.path, '1.1.0'));
      const tgz = path.join(tmp.path, 'recorder-1.1.0.tgz');
      await writeFile(tgz, v2.tgz);
      const second = await jobhook(['deploy', tgz, '--url', b]);
      expect(second.code, second.stderr).to.equal(0);
      await waitFor(async () => (await activeVersion(a)) === '1.1.0' && (await activeVersion(b)) === '1.1.0', { what: '1.1.0 active on both hosts', timeoutMs: 15_000 });
      const atSwap = accepted.length;
      await waitFor(() => accepted.length >= atSwap + 50, { what: 'events flowing after the swap', timeoutMs: 20_000 });
      flowing = false;
      await stream;

      await waitFor(async () => Number((await pgQuery<{ n: string }>(url, server, `SELECT count(*) AS n FROM events WHERE status <> 'done'`))[0]!.n) === 0, { what: 'every event done', timeoutMs: 30_000 });
      const outcomes = await pgQuery<{ event_id: string; version: string; outcome: string }>(url, server, 'SELECT event_id, version, outcome FROM outcomes');
      expect(outcomes.length).to.equal(accepted.length * 2);
      expect(outcomes.every((o) => o.outcome === 'succeeded')).to.equal(true);
      expect(new Set(outcomes.map((o) => o.version))).to.deep.equal(new Set(['1.0.0', '1.1.0']));

      const cluster = (await request(`${a}/v1/cluster`)).body;
      expect(cluster.store).to.equal('postgres');
      expect(cluster.hosts.map((h: { id: string; live: boolean }) => [h.id, h.live])).to.deep.equal([
        ['d1', true],
        ['d2', true],
      ]);
      await waitFor(async () => (await request(`${a}/v1/cluster`)).body.inconsistent.length === 0, { what: 'both hosts publish 1.1.0', timeoutMs: 15_000 });
      // Each host judges itself at its own heartbeat, a moment after the shared view changes.
      await waitFor(async () => (await request(`${a}/readyz`)).body.status === 'ready' && (await request(`${b}/readyz`)).body.status === 'ready', { what: 'both hosts ready, not degraded', timeoutMs: 15_000 });
    });

    it('applies a plugin switch made through one host on every host', async () => {
      const [a, b] = [hosts[0]!.serve.url, hosts[1]!.serve.url];
      const disabled = async (url: string): Promise<boolean> => (await request(`${url}/v1/plugins/${PLUGIN}`)).body.disabled === true;
      expect((await request(`${a}/v1/plugins/${PLUGIN}/disable`, { method: 'POST' })).status).to.equal(200);
      await waitFor(() => disabled(b), { what: 'disabled on d2 too', timeoutMs: 15_000 });
      expect((await request(`${b}/v1/plugins/${PLUGIN}/enable`, { method: 'POST' })).status).to.equal(200);
      await waitFor(async () => !(await disabled(a)), { what: 'enabled on d1 too', timeoutMs: 15_000 });
      await waitFor(async () => (await activeVersion(a)) === '1.1.0', { what: 'active again on d1', timeoutMs: 15_000 });
    });

    it('flags a plugin that differs between live hosts, and the host without it leaves its events to the other', async () => {
      const [a, b] = [hosts[0]!, hosts[1]!];
      const undeploy = await jobhook(['undeploy', PLUGIN, '--url', a.serve.url]);
      expect(undeploy.code, undeploy.stderr).to.equal(0);
      await waitFor(async () => (await activeVersion(a.serve.url)) === null && (await activeVersion(b.serve.url)) === null, { what: 'removed from both hosts', timeoutMs: 15_000 });
      expect((await jobhook(['undeploy', PLUGIN, '--url', a.serve.url])).stderr).to.match(/DEPLOYMENT_NOT_FOUND/);

      // Dropped by hand on one host only.
      await cp(await recorderVersion(tmp.path, '2.0.0'), path.join(a.pluginsDir, 'recorder'), { recursive: true });
      await waitFor(async () => (await activeVersion(a.serve.url)) === '2.0.0', { what: '2.0.0 active on d1', timeoutMs: 15_000 });
      // Published at d1's next heartbeat, then judged at d2's.
      await waitFor(async () => {
        const view = (await request(`${a.serve.url}/v1/cluster`)).body;
        return view.inconsistent.includes(PLUGIN) && view.plugins.find((p: { id: string }) => p.id === PLUGIN)?.versions[0]?.version === '2.0.0';
      }, { what: 'd1 publishes 2.0.0', timeoutMs: 15_000 });
      const ready = await waitFor(async () => {
        const r = (await request(`${b.serve.url}/readyz`)).body;
        return r.status === 'degraded' && /2\.0\.0 on d1; missing on d2/.test(r.reason) ? r : undefined;
      }, { what: 'd2 degraded by 2.0.0', timeoutMs: 15_000 });
      expect(ready.reason).to.match(/test\.cluster-recorder \(2\.0\.0 on d1; missing on d2\)/);
      expect((await request(`${a.serve.url}/v1/cluster`)).body.inconsistent).to.deep.equal([PLUGIN]);

      // Posted to the host without the plugin: d1 runs it; d2 records nothing for it.
      const posted = await request(`${b.serve.url}/v1/job-completions`, { body: event(RECORDER_JOB_TYPE, { jobId: randomUUID() }) });
      expect(posted.status).to.equal(202);
      const done = await waitFor(async () => {
        const r = await request(`${b.serve.url}/v1/job-completions/${posted.body.id}`);
        return r.body.status === 'done' ? r.body : undefined;
      }, { what: 'the event done', timeoutMs: 20_000 });
      expect(done.outcomes.map((o: { version: string; outcome: string }) => `${o.version}:${o.outcome}`)).to.deep.equal(['2.0.0:succeeded', '2.0.0:succeeded']);
    });
  });

  describe('on the SQLite store (one host)', () => {
    let serve: ServeChild;
    let pluginsDir: string;

    before(async () => {
      pluginsDir = path.join(tmp.path, 'single', 'plugins');
      await mkdir(pluginsDir, { recursive: true });
      serve = await spawnServe(['--plugins', pluginsDir, '--data-dir', path.join(tmp.path, 'single', 'data'), '--platform-url', platform.url], { JOBHOOK_SANDBOX_MODE: 'in-process', JOBHOOK_TOKEN: 'deploy-secret' });
    });
    after(async () => {
      serve?.child.kill('SIGTERM');
      await serve?.exited;
    });

    it('deploys and undeploys through the API with the host token, refusing unsafe or foreign packages', async () => {
      const v1 = await recorderVersion(tmp.path, '1.0.0');
      expect((await jobhook(['deploy', v1, '--url', serve.url])).stderr).to.match(/AUTH_REQUIRED/);
      const tokenFile = path.join(tmp.path, 'token');
      await writeFile(tokenFile, 'deploy-secret\n');
      const ok = await jobhook(['deploy', v1, '--url', serve.url, '--token-file', tokenFile]);
      expect(ok.code, ok.stderr).to.equal(0);
      const auth = { authorization: 'Bearer deploy-secret' };
      await waitFor(async () => ((await request(`${serve.url}/v1/plugins`, { headers: auth })).body.plugins as Array<{ state: string }>).some((p) => p.state === 'active'), { what: 'active', timeoutMs: 15_000 });
      const cluster = (await request(`${serve.url}/v1/cluster`, { headers: auth })).body;
      expect(cluster.store).to.equal('sqlite');
      expect(cluster.hosts).to.have.length(1);

      const { tgz } = await packPluginFolder(v1);
      const put = (id: string, body: Buffer) => fetch(`${serve.url}/v1/plugins/${id}`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/gzip' }, body });
      const wrongId = await put('someone.else', tgz);
      expect(wrongId.status).to.equal(400);
      expect(((await wrongId.json()) as { error: { code: string } }).error.code).to.equal('DEPLOY_ID_MISMATCH');
      const garbage = await put(PLUGIN, Buffer.from('not a tarball'));
      expect(((await garbage.json()) as { error: { code: string } }).error.code).to.equal('DEPLOY_PACKAGE_INVALID');

      const gone = await jobhook(['undeploy', PLUGIN, '--url', serve.url, '--token-file', tokenFile]);
      expect(gone.code, gone.stderr).to.equal(0);
      await waitFor(async () => ((await request(`${serve.url}/v1/plugins`, { headers: auth })).body.plugins as unknown[]).length === 0, { what: 'removed', timeoutMs: 15_000 });
    });
  });
});
