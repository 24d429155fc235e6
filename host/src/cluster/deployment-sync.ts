import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeError } from '../errors.js';
import type { HostLogger } from '../logging/logger.js';
import { ManifestSchema } from '../plugins/package/manifest-schema.js';
import { readPluginPackage } from '../plugins/package/read-plugin-package.js';
import type { ClusterStore, DeploymentRecord } from './cluster-store.js';
import { readPackageArchive, writePackageFiles } from './plugin-archive.js';

/** What this host installed from deployments, kept in its data folder across restarts. */
type InstalledState = Record<string, { readonly sha256: string; readonly version: string | null }>;

/** File in the data folder naming the deployments installed in this host's plugins folder. */
export const INSTALLED_STATE_FILE = 'deployed-plugins.json';

/** Replaces `target` by `staged` with the shortest gap a watching host could see. */
async function swapFolder(staged: string, target: string): Promise<void> {
  const retired = path.join(path.dirname(target), `.${path.basename(target)}.old-${randomBytes(4).toString('hex')}`);
  let moved = false;
  try {
    await rename(target, retired);
    moved = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await rename(staged, target);
  if (moved) await rm(retired, { recursive: true, force: true });
}

/**
 * Keeps this host's plugins folder in step with the deployments in the store. A package is fetched,
 * its sha256 checked against the deployment's, unpacked into a dot-named staging folder beside its
 * target (hosts ignore dot-names), validated like a dropped folder (manifest, bundle integrity), then
 * renamed into place, so the folder watcher loads it exactly as it loads a hand-dropped plugin.
 * Undeployed plugins are removed the same way. Syncs run one at a time; a change during a sync
 * queues one more.
 */
export class DeploymentSync {
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private readonly unsubscribe: () => void;
  private readonly schema = new ManifestSchema();

  constructor(
    private readonly options: {
      readonly cluster: ClusterStore;
      readonly pluginsDir: string;
      readonly dataDir: string;
      readonly logger: HostLogger;
    },
  ) {
    this.unsubscribe = options.cluster.onDeploymentsChanged(() => this.trigger());
  }

  /** Syncs now (or right after the sync in progress); resolves when that sync is over. */
  trigger(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.syncOnce().catch((e) => this.options.logger.error({ error: describeError(e) }, 'syncing deployed plugins failed; retrying at the next change or poll'));
      } while (this.again && !this.closed);
      this.running = null;
    })();
    return this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    await this.running;
  }

  private get stateFile(): string {
    return path.join(this.options.dataDir, INSTALLED_STATE_FILE);
  }

  private async readState(): Promise<InstalledState> {
    try {
      return JSON.parse(await readFile(this.stateFile, 'utf8')) as InstalledState;
    } catch {
      return {};
    }
  }

  private async syncOnce(): Promise<void> {
    const deployments = await this.options.cluster.deployments();
    const state = await this.readState();
    let changed = false;
    for (const d of deployments) {
      if (this.closed) break;
      const installed = state[d.pluginId];
      const target = path.join(this.options.pluginsDir, d.pluginId);
      if (d.removed) {
        if (!installed) continue;
        await rm(target, { recursive: true, force: true });
        delete state[d.pluginId];
        changed = true;
        this.options.logger.info({ plugin: d.pluginId }, `plugin ${d.pluginId} undeployed: removed from the plugins folder`);
      } else if (installed?.sha256 !== d.sha256) {
        try {
          // Replaced again since the list was read: the next sync (already queued by its notification) takes it.
          if (!(await this.install(d, target))) continue;
        } catch (e) {
          this.options.logger.error({ plugin: d.pluginId, version: d.version, error: describeError(e) }, `installing deployed plugin ${d.pluginId} ${d.version ?? ''} failed; the installed version (if any) keeps serving`);
          continue;
        }
        state[d.pluginId] = { sha256: d.sha256!, version: d.version };
        changed = true;
        this.options.logger.info({ plugin: d.pluginId, version: d.version, sha256: d.sha256 }, `deployed plugin ${d.pluginId} ${d.version} installed into the plugins folder`);
      }
    }
    if (changed) {
      await mkdir(this.options.dataDir, { recursive: true });
      await writeFile(this.stateFile, `${JSON.stringify(state, null, 2)}\n`);
    }
  }

  /** Installs `d`'s package at `target`; false when the deployment changed meanwhile (nothing done). */
  private async install(d: DeploymentRecord, target: string): Promise<boolean> {
    const pkg = await this.options.cluster.deploymentPackage(d.pluginId, d.sha256!);
    if (!pkg) return false;
    const actual = createHash('sha256').update(pkg).digest('hex');
    if (actual !== d.sha256) throw new Error(`the stored package hashes to ${actual}, not to the deployment's sha256 ${d.sha256}`);
    const files = await readPackageArchive(pkg);
    await mkdir(this.options.pluginsDir, { recursive: true });
    const staged = path.join(this.options.pluginsDir, `.${d.pluginId}.deploy-${randomBytes(4).toString('hex')}`);
    try {
      await writePackageFiles(staged, files);
      const checked = await readPluginPackage(staged, this.schema);
      if (checked.manifest.id !== d.pluginId) throw new Error(`the package's plugin.json says id '${checked.manifest.id}', not '${d.pluginId}'`);
      await swapFolder(staged, target);
      return true;
    } finally {
      await rm(staged, { recursive: true, force: true });
    }
  }
}
