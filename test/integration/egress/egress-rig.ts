// A host with one egress fixture plugin, a fake platform API and captured logs, for the egress
// integration tests. The fixture is copied into a temp plugins folder so a test can adjust its
// manifest (permissions, limits) — the part under test.
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHost, type EgressLimits, type HandlerOutcome, type Host, type HostConfigInput, type PlatformAuth } from '@jobhook/host';
import { captureLogs, type LogCapture } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { event, tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { startFakePlatform, type FakePlatform, type FakePlatformOptions } from '../../support/fake-platform.js';

/** The probe fixture's only job type. */
export const PROBE_JOB_TYPE = '6c1f0f5e-2d7b-4b7e-9a55-0e3c1d2b4a01';

export interface RigOptions {
  readonly fixture?: string;
  readonly auth?: PlatformAuth;
  readonly egress?: Partial<EgressLimits>;
  /** Changes the copied plugin.json before the host loads it. */
  readonly manifest?: (m: Record<string, unknown>) => Record<string, unknown>;
  /** Overrides platform.url (e.g. a closed port); defaults to the fake platform's. */
  readonly platformUrl?: string;
  readonly platformOptions?: FakePlatformOptions;
  /** Admin overrides for the probe (`plugins.<id>`: credentials, permissions, handlers…). */
  readonly pluginConfig?: Record<string, unknown>;
}

/** What the probe observed in one invocation. */
export interface ProbeRun {
  readonly outcome: HandlerOutcome;
  readonly result: { value?: any; threw?: any } | undefined;
}

export interface EgressRig {
  readonly host: Host;
  readonly platform: FakePlatform;
  readonly logs: LogCapture;
  /** Dispatches one event to the probe: `scenario` is its jobType, `arg` its clientMachine. */
  run(scenario: string, arg?: unknown, overrides?: Record<string, unknown>): Promise<ProbeRun>;
  /** Log lines the host wrote for the egress requests of one invocation. */
  egressLines(invocationId: string): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

const fixtures = fileURLToPath(new URL('../../fixtures/plugins/', import.meta.url));

export async function startRig(options: RigOptions = {}): Promise<EgressRig> {
  const fixture = options.fixture ?? 'egress-probe';
  const tmp: TempDir = await tempDir('jobhook-egress-');
  const platform = await startFakePlatform(options.platformOptions);
  let host: Host | undefined;
  try {
    const dir = path.join(tmp.path, 'plugins', fixture);
    await mkdir(path.dirname(dir), { recursive: true });
    await cp(path.join(fixtures, fixture), dir, { recursive: true });
    const manifestFile = path.join(dir, 'plugin.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as Record<string, unknown>;
    await writeFile(manifestFile, JSON.stringify(options.manifest ? options.manifest(manifest) : manifest, null, 2));
    const logs = captureLogs('debug');
    const config: HostConfigInput = {
      pluginsDir: path.dirname(dir),
      platform: { url: options.platformUrl ?? platform.url, auth: options.auth ?? { type: 'bearer', token: 'test-token-0123456789' } },
      ...(options.egress ? { egress: options.egress } : {}),
      ...(options.pluginConfig ? { plugins: { [String(manifest.id)]: options.pluginConfig } } : {}),
    } as HostConfigInput;
    host = await createHost({ config, logger: logs.logger });
    const h = host;
    return {
      host: h,
      platform,
      logs,
      async run(scenario, arg, overrides = {}) {
        const clientMachine = arg === undefined ? null : typeof arg === 'string' ? arg : JSON.stringify(arg);
        const { outcomes } = await h.dispatch(event(PROBE_JOB_TYPE, { jobType: scenario, clientMachine, ...overrides }));
        const outcome = outcomes[0];
        if (!outcome) throw new Error('the probe did not run');
        // Plugin log lines cross the bridge fire-and-forget: the line may land just after the outcome.
        const find = (): Record<string, unknown> | undefined => logs.lines.find((l) => l.invocationId === outcome.invocationId && l.msg === 'probe result');
        // A handler that never finished (a timeout) writes none: its result is then undefined.
        const line = await waitFor(find, { what: 'its probe result', timeoutMs: 2000 }).catch(() => undefined);
        // The plugin's own fields are under `data` on its log line.
        return { outcome, result: (line?.data as Record<string, unknown> | undefined)?.result as ProbeRun['result'] };
      },
      egressLines: (invocationId) => logs.lines.filter((l) => l.source === 'egress' && l.invocationId === invocationId),
      async close() {
        await h.close();
        await platform.close();
        await tmp.dispose();
      },
    };
  } catch (e) {
    await host?.close();
    await platform.close();
    await tmp.dispose();
    throw e;
  }
}
