import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ClusterStore, DeploymentRecord, HostHeartbeat, HostRecord } from '../../cluster/cluster-store.js';
import { StoreError } from '../store-error.js';

/** File of the single host's deployments, beside the event store in the data directory. */
export const DEPLOYMENTS_DB_FILE = 'deployments.db';

interface DeploymentRow {
  plugin_id: string;
  version: string | null;
  sha256: string | null;
  size_bytes: number | null;
  removed: number;
  updated_at: number;
}

const toDeployment = (r: DeploymentRow): DeploymentRecord => ({
  pluginId: r.plugin_id,
  version: r.version,
  sha256: r.sha256,
  sizeBytes: r.size_bytes,
  removed: r.removed === 1,
  updatedAt: new Date(r.updated_at).toISOString(),
});

/**
 * The cluster state of a host that runs alone on SQLite: itself as the only host (in memory), and
 * deployments in their own small file, so `jobhook deploy` works the same with one host.
 * Deployments are rare and small: written on this thread, synchronously.
 */
export class SqliteClusterStore implements ClusterStore {
  private self: HostRecord | null = null;
  private readonly listeners = new Set<() => void>();
  private closed = false;

  private constructor(private readonly db: Database.Database) {}

  static open(dataDir: string): SqliteClusterStore {
    const file = path.resolve(dataDir, DEPLOYMENTS_DB_FILE);
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const db = new Database(file, { timeout: 5000 });
      db.pragma('journal_mode = WAL');
      db.exec(`CREATE TABLE IF NOT EXISTS deployments (
        plugin_id TEXT PRIMARY KEY, version TEXT, sha256 TEXT, size_bytes INTEGER, package BLOB,
        removed INTEGER NOT NULL, updated_at INTEGER NOT NULL)`);
      return new SqliteClusterStore(db);
    } catch (e) {
      throw new StoreError('STORE_OPEN_FAILED', `the deployments file '${file}' could not be opened: ${(e as Error).message}`, undefined, { cause: e });
    }
  }

  async heartbeat(host: HostHeartbeat): Promise<void> {
    this.assertOpen();
    this.self = { ...host, heartbeatAt: new Date().toISOString(), live: true };
  }

  async leave(): Promise<void> {
    this.self = null;
  }

  async hosts(): Promise<HostRecord[]> {
    this.assertOpen();
    return this.self ? [this.self] : [];
  }

  async putDeployment(pluginId: string, version: string, pkg: Buffer): Promise<DeploymentRecord> {
    this.assertOpen();
    const sha256 = createHash('sha256').update(pkg).digest('hex');
    this.db
      .prepare(
        `INSERT INTO deployments (plugin_id, version, sha256, size_bytes, package, removed, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?)
         ON CONFLICT (plugin_id) DO UPDATE SET version = excluded.version, sha256 = excluded.sha256, size_bytes = excluded.size_bytes,
           package = excluded.package, removed = 0, updated_at = excluded.updated_at`,
      )
      .run(pluginId, version, sha256, pkg.length, pkg, Date.now());
    this.changed();
    return (await this.deployments()).find((d) => d.pluginId === pluginId)!;
  }

  async removeDeployment(pluginId: string): Promise<boolean> {
    this.assertOpen();
    const { changes } = this.db
      .prepare('UPDATE deployments SET removed = 1, version = NULL, sha256 = NULL, size_bytes = NULL, package = NULL, updated_at = ? WHERE plugin_id = ? AND removed = 0')
      .run(Date.now(), pluginId);
    if (changes > 0) this.changed();
    return changes > 0;
  }

  async deployments(): Promise<DeploymentRecord[]> {
    this.assertOpen();
    return this.db.prepare<[], DeploymentRow>('SELECT plugin_id, version, sha256, size_bytes, removed, updated_at FROM deployments ORDER BY plugin_id').all().map(toDeployment);
  }

  async deploymentPackage(pluginId: string, sha256: string): Promise<Buffer | undefined> {
    this.assertOpen();
    return this.db.prepare<[string, string], { package: Buffer }>('SELECT package FROM deployments WHERE plugin_id = ? AND sha256 = ? AND removed = 0').get(pluginId, sha256)?.package;
  }

  onDeploymentsChanged(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.db.close();
  }

  private changed(): void {
    for (const l of this.listeners) queueMicrotask(l);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('STORE_CLOSED', 'the deployments store is closed');
  }
}
