// A real `jobhook serve` child process over a temp plugins folder holding hostile fixtures beside the
// well-behaved neighbour, with `sandbox.processes: 1` so that the neighbour shares every attacker's
// sandbox process. Attacks are dispatched over HTTP and judged by the outcomes the store recorded.
import { expect } from 'chai';
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HostConfigInput } from '@jobhook/host';
import { event, tempDir, type TempDir } from '../../support/foundation-plugins.js';
import { request, spawnServe, waitDone, type ServeChild } from '../../support/service-harness.js';
import { fixture, WELL_ID, WELL_JOB_TYPE } from './isolation-harness.js';

/** One recorded outcome, as `GET /v1/job-completions/:id` lists it. */
export interface RecordedOutcome {
  readonly plugin: string;
  readonly outcome: string;
  readonly error?: { readonly code: string; readonly message: string } | null;
  readonly [key: string]: unknown;
}

/** The job type a fixture's one handler `H` listens on (read from its plugin.json). */
export async function jobTypeOf(folder: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const manifest = JSON.parse(await readFile(path.join(fixture(folder), 'plugin.json'), 'utf8')) as { handlers: Array<{ jobTypes: string[] }> };
  return manifest.handlers[0]!.jobTypes[0]!;
}

/** What the rig writes to serve's config file: any subset of each block (resolved by serve). */
export type HostConfigFile = { readonly [K in keyof HostConfigInput]?: unknown };

export class ServeRig {
  private constructor(
    readonly serve: ServeChild,
    private readonly tmp: TempDir,
  ) {}

  /** Starts serve with `fixtures` (and the neighbour) in its plugins folder and `config` in its config file. */
  static async start(fixtures: readonly string[], config: Record<string, unknown> & HostConfigFile, prepare?: (pluginsDir: string) => Promise<void>): Promise<ServeRig> {
    const tmp = await tempDir('jobhook-hostile-serve-');
    const plugins = path.join(tmp.path, 'plugins');
    for (const folder of ['isolation-well-behaved', ...fixtures]) await cp(fixture(folder), path.join(plugins, folder), { recursive: true });
    await prepare?.(plugins);
    const configFile = path.join(tmp.path, 'jobhook.config.json');
    // The neighbour's deadline is generous: the machine running the suite is shared and may be slow;
    // what is judged is that no neighbour outcome is lost or crashed, not its latency.
    const pluginOverrides = { ...(config.plugins as Record<string, unknown> | undefined), [WELL_ID]: { limits: { timeoutMs: 15_000 } } };
    await writeFile(configFile, JSON.stringify({ ...config, plugins: pluginOverrides }));
    try {
      const serve = await spawnServe(['--config', configFile, '--plugins', plugins, '--data-dir', path.join(tmp.path, 'data')]);
      return new ServeRig(serve, tmp);
    } catch (e) {
      await tmp.dispose();
      throw e;
    }
  }

  get url(): string {
    return this.serve.url;
  }

  /** Posts one event of `jobTypeId`; answers its id. */
  async post(jobTypeId: string): Promise<string> {
    const res = await request(`${this.url}/v1/job-completions`, { body: event(jobTypeId, { jobId: crypto.randomUUID() }) });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    return res.body.id as string;
  }

  /** Waits until event `id` is done; answers its recorded outcomes. */
  async outcomes(id: string, timeoutMs = 60_000): Promise<RecordedOutcome[]> {
    return ((await waitDone(this.url, id, timeoutMs)) as { outcomes: RecordedOutcome[] }).outcomes;
  }

  /**
   * Posts the attack's event and, while it runs, the neighbour's back to back (at least 5); waits for
   * all to be done. Answers the attack's one outcome and every neighbour outcome.
   */
  async underAttack(jobTypeId: string, timeoutMs = 60_000): Promise<{ attack: RecordedOutcome; neighbour: RecordedOutcome[] }> {
    const attackId = await this.post(jobTypeId);
    let settled = false;
    const attack = this.outcomes(attackId, timeoutMs).finally(() => (settled = true));
    const neighbour: RecordedOutcome[] = [];
    while ((!settled || neighbour.length < 5) && neighbour.length < 200) {
      const outcomes = await this.outcomes(await this.post(WELL_JOB_TYPE), timeoutMs);
      expect(outcomes, 'one outcome per neighbour event').to.have.length(1);
      neighbour.push(outcomes[0]!);
    }
    const attackOutcomes = await attack;
    expect(attackOutcomes, 'one outcome for the attack').to.have.length(1);
    return { attack: attackOutcomes[0]!, neighbour };
  }

  /** The host answers /healthz, and the neighbour still succeeds. */
  async expectServing(): Promise<void> {
    expect(this.serve.child.exitCode, `serve exited: ${this.serve.stderr()}`).to.equal(null);
    expect((await request(`${this.url}/healthz`)).status).to.equal(200);
    const [outcome] = await this.outcomes(await this.post(WELL_JOB_TYPE));
    expect(outcome, 'the neighbour after the attack').to.include({ outcome: 'succeeded' });
  }

  /** Log lines of serve written for plugin `id`. */
  pluginLines(id: string): Array<Record<string, unknown>> {
    return this.serve.lines.filter((l) => l.plugin === id && l.source === 'plugin');
  }

  async close(): Promise<void> {
    if (this.serve.child.exitCode === null && this.serve.child.signalCode === null) {
      this.serve.child.kill('SIGTERM');
      const timer = setTimeout(() => this.serve.child.kill('SIGKILL'), 10_000);
      await this.serve.exited;
      clearTimeout(timer);
    }
    await this.tmp.dispose();
  }
}
