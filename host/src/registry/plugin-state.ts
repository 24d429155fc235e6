import type { PluginLimits } from '../manifest/plugin-manifest.js';

/** Lifecycle of a plugin version (design §5). */
export type PluginState = 'loading' | 'active' | 'draining' | 'failed' | 'disposed';

/** A recorded failure, shown to admins as is. */
export interface PluginErrorRecord {
  readonly code: string;
  readonly message: string;
  readonly at: string;
  /** Version that failed, when the manifest could be read. */
  readonly version?: string;
}

/** What the registry tells about one plugin (by id, or by folder when no id could be read). */
export interface PluginStatus {
  readonly id: string;
  readonly folder: string;
  readonly state: PluginState;
  readonly version: string | null;
  readonly contentHash: string | null;
  readonly loadedAt: string | null;
  readonly handlers: ReadonlyArray<{ readonly name: string; readonly jobTypes: readonly string[] }>;
  readonly limits: PluginLimits | null;
  readonly lastError: PluginErrorRecord | null;
  /** The trusted key that signed the active version (its plugin.sig), or null when it is unsigned. */
  readonly signedBy?: string | null;
}
