// A host with the web-runtime fixture (built with jobhook-sdk build), the fake platform, a fake
// third-party origin the plugin is allowed to reach, and one it is not, all on 127.0.0.1.
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHost, resolveConfig, type HandlerOutcome, type Host, type HostConfigInput } from '@jobhook/host';
import { countedEgress } from '../../../host/dist/composition/counted-egress.js';
import type { ServiceMetrics } from '../../../host/dist/api/metrics/service-metrics.js';
import { captureLogs, type LogCapture } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { event, tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { startFakePlatform, type FakePlatform } from '../../support/fake-platform.js';

export const WEB_FIXTURE = fileURLToPath(new URL('../../fixtures/plugins/web-runtime', import.meta.url));
const JOB_TYPE = '6c1f0f5e-2d7b-4b7e-9a55-0e3c1d2b4a01';

export interface WebRig {
  readonly host: Host;
  readonly platform: FakePlatform;
  /** Allowed by the plugin's `permissions.http` (`<origin>/allowed/**`, GET and POST). */
  readonly thirdParty: FakePlatform;
  /** Reachable on 127.0.0.1, but in no rule of the plugin. */
  readonly denied: FakePlatform;
  readonly logs: LogCapture;
  /** Runs one scenario of the probe; answers what it logged as its result. */
  run(scenario: string, args?: unknown): Promise<{ outcome: HandlerOutcome; value?: any; threw?: any }>;
  close(): Promise<void>;
}

export interface WebRigOptions {
  /** Counts the plugin's egress requests here, as `serve` does. */
  readonly metrics?: ServiceMetrics;
}

/** Starts the rig; the fixture must have been built (`buildPlugin(WEB_FIXTURE)`). */
export async function startWebRig(mode: 'process' | 'in-process', options: WebRigOptions = {}): Promise<WebRig> {
  const tmp: TempDir = await tempDir('jobhook-web-');
  const platform = await startFakePlatform();
  const thirdParty = await startFakePlatform({ basePath: '/allowed/' });
  const denied = await startFakePlatform({ basePath: '/' });
  let host: Host | undefined;
  try {
    const dir = path.join(tmp.path, 'plugins', 'web-runtime');
    await mkdir(path.dirname(dir), { recursive: true });
    await cp(WEB_FIXTURE, dir, { recursive: true });
    const manifestFile = path.join(dir, 'plugin.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { permissions: { http: Array<{ url: string }> } };
    manifest.permissions.http[0]!.url = `${thirdParty.origin}/allowed/**`;
    await writeFile(manifestFile, JSON.stringify(manifest, null, 2));
    const logs = captureLogs('debug');
    const config = {
      pluginsDir: path.dirname(dir),
      platform: { url: platform.url, auth: { type: 'bearer', token: 'platform-token-0123456789' } },
      sandbox: { mode },
    } as HostConfigInput;
    const egress = options.metrics ? countedEgress(resolveConfig(config), options.metrics) : undefined;
    host = await createHost({ config, logger: logs.logger, ...(egress ? { egress } : {}) });
    const h = host;
    return {
      host: h,
      platform,
      thirdParty,
      denied,
      logs,
      async run(scenario, args) {
        const clientMachine = args === undefined ? null : JSON.stringify(args);
        const { outcomes } = await h.dispatch(event(JOB_TYPE, { jobType: scenario, clientMachine }));
        const outcome = outcomes[0];
        if (!outcome) throw new Error('the probe did not run');
        const find = (): Record<string, any> | undefined => logs.lines.find((l) => l.invocationId === outcome.invocationId && l.msg === 'probe result');
        // Plugin log lines cross the bridge fire-and-forget: the line may land just after the outcome.
        // A missing result fails loudly, naming the scenario.
        const line = await waitFor(find, { what: `scenario '${scenario}' (invocation ${outcome.invocationId}, outcome ${outcome.outcome}) to log its 'probe result'`, timeoutMs: 3000 });
        // A plugin's log fields arrive under `data`, never beside the host's own fields.
        const result = line.data?.result as { value?: unknown; threw?: unknown } | undefined;
        if (!result || (!('value' in result) && !('threw' in result))) throw new Error(`scenario '${scenario}' (invocation ${outcome.invocationId}) logged a 'probe result' with neither value nor threw`);
        return { outcome, ...result };
      },
      async close() {
        await h.close();
        await Promise.all([platform.close(), thirdParty.close(), denied.close()]);
        await tmp.dispose();
      },
    };
  } catch (e) {
    await host?.close();
    await Promise.all([platform.close(), thirdParty.close(), denied.close()]);
    await tmp.dispose();
    throw e;
  }
}
