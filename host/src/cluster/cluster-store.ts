/** One plugin as a host publishes it to the cluster. */
export interface PublishedPlugin {
  readonly id: string;
  readonly version: string | null;
  readonly contentHash: string | null;
  readonly state: string;
}

/** What a host says about itself at every heartbeat. */
export interface HostHeartbeat {
  readonly id: string;
  /** Its API's URL, or null before it listens. */
  readonly address: string | null;
  /** The JobHook version it runs. */
  readonly version: string;
  readonly startedAt: string;
  readonly plugins: readonly PublishedPlugin[];
}

/** A host as the store last heard of it. */
export interface HostRecord extends HostHeartbeat {
  readonly heartbeatAt: string;
  /** Its last heartbeat is recent (within the store's live window). */
  readonly live: boolean;
}

/** A plugin package deployed to every host, or the record that it was undeployed. */
export interface DeploymentRecord {
  readonly pluginId: string;
  /** Null once undeployed. */
  readonly version: string | null;
  /** Hex sha256 of the package (.tgz) bytes; hosts check it before installing. */
  readonly sha256: string | null;
  readonly sizeBytes: number | null;
  readonly removed: boolean;
  readonly updatedAt: string;
}

/**
 * What hosts share besides the queue: who is alive with which plugins, and the deployed packages.
 * PostgreSQL for a cluster; a local file for the single SQLite host.
 */
export interface ClusterStore {
  /** Registers or refreshes this host. */
  heartbeat(host: HostHeartbeat): Promise<void>;
  /** Removes this host's record (a clean stop). */
  leave(hostId: string): Promise<void>;
  /** Every host heard of recently enough to list (dead ones stay listed a while, `live: false`). */
  hosts(): Promise<HostRecord[]>;
  /** Stores a package for every host to install; replaces the plugin's previous deployment. */
  putDeployment(pluginId: string, version: string, pkg: Buffer): Promise<DeploymentRecord>;
  /** Marks the plugin undeployed (hosts remove it); false when it was not deployed. */
  removeDeployment(pluginId: string): Promise<boolean>;
  deployments(): Promise<DeploymentRecord[]>;
  /** The package bytes of the current deployment, if its hash is still `sha256`. */
  deploymentPackage(pluginId: string, sha256: string): Promise<Buffer | undefined>;
  /** Calls `listener` when any host changed the deployments (and now and then, as a fallback). */
  onDeploymentsChanged(listener: () => void): () => void;
  close(): Promise<void>;
}
