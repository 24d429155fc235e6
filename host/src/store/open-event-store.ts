import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { ClusterStore } from '../cluster/cluster-store.js';
import type { HostConfig } from '../config.js';
import type { EventStore } from './event-store.js';
import { parsePgConnection } from './postgres/pg-connection.js';
import { PgClusterStore } from './postgres/pg-cluster-store.js';
import { PgEventStore } from './postgres/pg-event-store.js';
import { SqliteClusterStore } from './sqlite/sqlite-cluster-store.js';
import { SqliteEventStore } from './sqlite/sqlite-event-store.js';

/** The stores one host runs on, opened together and closed together. */
export interface OpenedStores {
  readonly events: EventStore;
  readonly cluster: ClusterStore;
  /** This host's id in the cluster. */
  readonly hostId: string;
  /** Where the events are, safe to log (no password). */
  readonly where: string;
  readonly kind: 'sqlite' | 'postgres';
  /** How long a silent host still counts as live. */
  readonly liveMs: number;
  close(): Promise<void>;
}

/** `<hostname>-<pid>-<4 random hex>`: unique per start, readable in `/v1/cluster`. */
export function defaultHostId(): string {
  return `${os.hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 60) || 'host'}-${process.pid}-${randomBytes(2).toString('hex')}`;
}

/**
 * Opens the event store `config.store` names: PostgreSQL when `store.url` is set (several hosts may
 * share it), otherwise SQLite in `config.dataDir`; with it, the cluster state kept in the same place.
 */
export async function openEventStore(config: HostConfig, onError: (message: string) => void): Promise<OpenedStores> {
  const hostId = config.store.hostId ?? defaultHostId();
  // A host renews its leases and heartbeats every third of the lease, so it is live while its claims are.
  const liveMs = config.store.leaseMs;
  if (config.store.url === null) {
    const events = SqliteEventStore.open(config.dataDir);
    let cluster: SqliteClusterStore;
    try {
      cluster = SqliteClusterStore.open(config.dataDir);
    } catch (e) {
      await events.close();
      throw e;
    }
    return { events, cluster, hostId, where: events.file, kind: 'sqlite', liveMs, close: async () => (await cluster.close(), await events.close()) };
  }
  const connection = parsePgConnection(config.store.url, config.store.password, config.store.poolSize);
  const events = await PgEventStore.open({ connection, hostId, leaseMs: config.store.leaseMs, onError });
  const cluster = new PgClusterStore(events.pool, events.notifier, hostId, liveMs, connection.redact);
  return { events, cluster, hostId, where: connection.display, kind: 'postgres', liveMs, close: async () => (await cluster.close(), await events.close()) };
}
