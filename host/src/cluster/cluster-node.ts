import { describeError } from '../errors.js';
import type { HostLogger } from '../logging/logger.js';
import type { PluginStatus } from '../plugins/registry/plugin-state.js';
import type { ClusterStore } from './cluster-store.js';
import { degradedReason, spreadOfPlugins, type ClusterView } from './cluster-view.js';
import { DeploymentSync } from './deployment-sync.js';

/** What a host tells the cluster and how often. */
export interface ClusterNodeOptions {
  readonly cluster: ClusterStore;
  readonly store: 'sqlite' | 'postgres';
  readonly hostId: string;
  /** The JobHook version this host runs. */
  readonly version: string;
  readonly plugins: () => readonly PluginStatus[];
  readonly pluginsDir: string;
  readonly dataDir: string;
  readonly heartbeatMs: number;
  readonly logger: HostLogger;
  /**
   * Admins' plugin switches as the shared store has them, applied at every heartbeat, so that a
   * plugin disabled through one host stops on all of them (and an enable reaches all of them).
   */
  readonly switches?: {
    readonly disabledInStore: () => Promise<string[]>;
    readonly plugins: { list(): readonly PluginStatus[]; isDisabled(id: string): boolean; disable(id: string): void; enable(id: string): Promise<unknown> };
  };
}

/**
 * This host as a member of the cluster: registers and heartbeats with its plugin set, keeps the
 * plugins folder in step with the deployments, and knows whether it is degraded (its plugins differ
 * from another live host's). Owns its timer and the deployment sync; `close` leaves the cluster.
 */
export class ClusterNode {
  readonly sync: DeploymentSync;
  private readonly startedAt = new Date().toISOString();
  private address: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private degraded: string | null = null;
  private beating: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: ClusterNodeOptions) {
    this.sync = new DeploymentSync({ cluster: options.cluster, pluginsDir: options.pluginsDir, dataDir: options.dataDir, logger: options.logger.child({ component: 'deploy' }) });
  }

  get hostId(): string {
    return this.options.hostId;
  }

  /** Installs what is deployed, registers, and starts heartbeating. */
  async start(): Promise<void> {
    await this.sync.trigger();
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.options.heartbeatMs);
    this.timer.unref();
  }

  /** Sets the API address other hosts and admins see (known once the service listens). */
  listening(url: string): void {
    this.address = url;
    void this.beat();
  }

  /** Why this host is degraded, from the last heartbeat; null when it is not. */
  degradedReason(): string | null {
    return this.degraded;
  }

  async view(): Promise<ClusterView> {
    const hosts = await this.options.cluster.hosts();
    const plugins = spreadOfPlugins(hosts);
    return { self: this.options.hostId, store: this.options.store, hosts, plugins, inconsistent: plugins.filter((p) => !p.consistent).map((p) => p.id) };
  }

  /** Stops heartbeating and syncing, and removes this host from the hosts list. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.beating;
    await this.sync.close();
    await this.options.cluster.leave(this.options.hostId).catch(() => undefined);
  }

  private async applySwitches(): Promise<void> {
    const switches = this.options.switches;
    if (!switches) return;
    const disabled = new Set(await switches.disabledInStore());
    for (const id of disabled) {
      if (switches.plugins.isDisabled(id)) continue;
      switches.plugins.disable(id);
      this.options.logger.info({ plugin: id }, `plugin ${id} disabled (by an admin, through another host)`);
    }
    for (const p of switches.plugins.list()) {
      if (!switches.plugins.isDisabled(p.id) || disabled.has(p.id)) continue;
      await switches.plugins.enable(p.id);
      this.options.logger.info({ plugin: p.id }, `plugin ${p.id} enabled (by an admin, through another host)`);
    }
  }

  private beat(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.beating ??= (async () => {
      try {
        const plugins = this.options.plugins().map((p) => ({ id: p.id, version: p.version, contentHash: p.contentHash, state: p.state }));
        await this.options.cluster.heartbeat({ id: this.options.hostId, address: this.address, version: this.options.version, startedAt: this.startedAt, plugins });
        this.degraded = degradedReason(this.options.hostId, spreadOfPlugins(await this.options.cluster.hosts()));
        await this.applySwitches();
      } catch (e) {
        this.options.logger.warn({ error: describeError(e) }, 'the cluster heartbeat failed; other hosts may see this host as gone until it succeeds');
      } finally {
        this.beating = null;
      }
    })();
    return this.beating;
  }
}
