import type { ErrorInfo, PluginState } from '@jobhook/sdk/contract';
import type { PluginLimits } from '../package/plugin-manifest.js';

/** Lifecycle of a plugin version. */
export type { PluginState };

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
  readonly handlers: ReadonlyArray<{
    readonly name: string;
    /** The job types in force (normalised GUIDs): what routing uses. */
    readonly jobTypes: readonly string[];
    /** `config` when the admin's plugins.<id>.handlers.<name>.jobTypes replaced the manifest's list (absent: the manifest's). */
    readonly jobTypesFrom?: 'config';
    /** The manifest's symbolic job types and the GUIDs (and names) they resolved to. */
    readonly resolved?: ReadonlyArray<{ readonly entry: string; readonly jobTypeId: string; readonly jobType: string }>;
    /** Why the handler is refused (e.g. JOB_TYPE_UNRESOLVED): it routes nothing while the plugin's other handlers serve. */
    readonly error?: ErrorInfo;
  }>;
  readonly limits: PluginLimits | null;
  readonly lastError: PluginErrorRecord | null;
  /** The trusted key that signed the active version (its plugin.sig), or null when it is unsigned. */
  readonly signedBy?: string | null;
}
