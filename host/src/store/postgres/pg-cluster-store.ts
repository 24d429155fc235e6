import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { ClusterStore, DeploymentRecord, HostHeartbeat, HostRecord, PublishedPlugin } from '../../cluster/cluster-store.js';
import { StoreError } from '../store-error.js';
import { CHANNELS, type PgNotifier } from './pg-notifier.js';

interface HostRow {
  id: string;
  address: string | null;
  version: string;
  started_at: Date;
  heartbeat_at: Date;
  plugins: PublishedPlugin[];
  live: boolean;
}

interface DeploymentRow {
  plugin_id: string;
  version: string | null;
  sha256: string | null;
  size_bytes: number | null;
  removed: boolean;
  updated_at: Date;
}

function toDeployment(r: DeploymentRow): DeploymentRecord {
  return { pluginId: r.plugin_id, version: r.version, sha256: r.sha256, sizeBytes: r.size_bytes, removed: r.removed, updatedAt: r.updated_at.toISOString() };
}

/**
 * The cluster's shared state in the PostgreSQL store: the hosts table (heartbeats on the server's
 * clock, so hosts with skewed clocks agree on who is live) and the deployments table. A change of
 * deployments NOTIFYs every host in the same commit.
 */
export class PgClusterStore implements ClusterStore {
  constructor(
    private readonly pool: Pool,
    private readonly notifier: PgNotifier,
    private readonly hostId: string,
    /** A host whose last heartbeat is older than this is not live. */
    private readonly liveMs: number,
    private readonly redact: (text: string) => string,
  ) {}

  async heartbeat(host: HostHeartbeat): Promise<void> {
    await this.run(
      `INSERT INTO hosts (id, address, version, started_at, heartbeat_at, plugins) VALUES ($1, $2, $3, $4, now(), $5)
       ON CONFLICT (id) DO UPDATE SET address = excluded.address, version = excluded.version, heartbeat_at = now(), plugins = excluded.plugins`,
      [host.id, host.address, host.version, host.startedAt, JSON.stringify(host.plugins)],
    );
  }

  async leave(hostId: string): Promise<void> {
    await this.run('DELETE FROM hosts WHERE id = $1', [hostId]);
  }

  async hosts(): Promise<HostRecord[]> {
    // Dead hosts stay listed for an hour (an admin wants to see who died), then drop off the list.
    const rows = await this.run<HostRow>(
      `SELECT *, heartbeat_at > now() - $1 * interval '1 millisecond' AS live FROM hosts
       WHERE heartbeat_at > now() - interval '1 hour' ORDER BY id`,
      [this.liveMs],
    );
    return rows.map((r) => ({
      id: r.id,
      address: r.address,
      version: r.version,
      startedAt: r.started_at.toISOString(),
      heartbeatAt: r.heartbeat_at.toISOString(),
      plugins: r.plugins,
      live: r.live,
    }));
  }

  async putDeployment(pluginId: string, version: string, pkg: Buffer): Promise<DeploymentRecord> {
    const sha256 = createHash('sha256').update(pkg).digest('hex');
    const [row] = await this.run<DeploymentRow>(
      `WITH d AS (
         INSERT INTO deployments (plugin_id, version, sha256, size_bytes, package, removed, updated_at) VALUES ($1, $2, $3, $4, $5, false, now())
         ON CONFLICT (plugin_id) DO UPDATE SET version = excluded.version, sha256 = excluded.sha256, size_bytes = excluded.size_bytes,
           package = excluded.package, removed = false, updated_at = now()
         RETURNING plugin_id, version, sha256, size_bytes, removed, updated_at),
       n AS (SELECT pg_notify('${CHANNELS.deployments}', $6))
       SELECT d.* FROM d LEFT JOIN n ON true`,
      [pluginId, version, sha256, pkg.length, pkg, this.hostId],
    );
    return toDeployment(row!);
  }

  async removeDeployment(pluginId: string): Promise<boolean> {
    const rows = await this.run<{ plugin_id: string }>(
      `WITH d AS (
         UPDATE deployments SET removed = true, version = NULL, sha256 = NULL, size_bytes = NULL, package = NULL, updated_at = now()
         WHERE plugin_id = $1 AND NOT removed RETURNING plugin_id),
       n AS (SELECT pg_notify('${CHANNELS.deployments}', $2))
       SELECT d.plugin_id FROM d LEFT JOIN n ON true`,
      [pluginId, this.hostId],
    );
    return rows.length > 0;
  }

  async deployments(): Promise<DeploymentRecord[]> {
    return (await this.run<DeploymentRow>('SELECT plugin_id, version, sha256, size_bytes, removed, updated_at FROM deployments ORDER BY plugin_id', [])).map(toDeployment);
  }

  async deploymentPackage(pluginId: string, sha256: string): Promise<Buffer | undefined> {
    const [row] = await this.run<{ package: Buffer }>('SELECT package FROM deployments WHERE plugin_id = $1 AND sha256 = $2 AND NOT removed', [pluginId, sha256]);
    return row?.package;
  }

  onDeploymentsChanged(listener: () => void): () => void {
    return this.notifier.on('deployments', listener);
  }

  // The pool and notifier belong to the event store of the same host, which closes them.
  async close(): Promise<void> {}

  private async run<T>(sql: string, params: unknown[]): Promise<T[]> {
    try {
      return (await this.pool.query(sql, params)).rows as T[];
    } catch (e) {
      throw new StoreError('STORE_UNAVAILABLE', `the cluster tables could not be used: ${this.redact((e as Error).message)}`, undefined, { cause: e });
    }
  }
}
