import path from 'node:path';
import type { PluginInstance } from './plugin-instance.js';
import type { PluginErrorRecord, PluginStatus } from './plugin-state.js';

/** One plugin id: its active version and what happened to it. */
export interface Slot {
  readonly id: string;
  folder: string;
  active: PluginInstance | null;
  /** Version being loaded while no version serves (status `loading`). */
  loading: string | null;
  /** The active version's folder is gone; the folder that took the id over has not loaded yet. */
  orphaned: boolean;
  lastError: PluginErrorRecord | null;
  failedVersion: string | null;
  faults: number[];
  quarantined: boolean;
  restart: NodeJS.Timeout | null;
}

/** What the registry knows of one plugin folder. */
export interface FolderRecord {
  /** The plugin id this folder provides (owns the slot of), once it has claimed one. */
  id: string | null;
  error: PluginErrorRecord | null;
  /** Content hash of the package last read from the folder (loaded or not); null if unreadable. */
  hash: string | null;
  /** Set while the folder is refused because another folder provides this id. */
  duplicateOf: string | null;
}

/** Status of every plugin (by slot) and of every folder that could not be loaded (by folder record). */
export function listStatus(slots: ReadonlyMap<string, Slot>, folders: ReadonlyMap<string, FolderRecord>): PluginStatus[] {
  const out: PluginStatus[] = [];
  for (const slot of slots.values()) {
    const a = slot.active;
    const state = slot.quarantined ? 'failed' : a ? a.state : slot.loading ? 'loading' : 'failed';
    out.push({
      id: slot.id,
      folder: slot.folder,
      state,
      version: a?.version ?? slot.loading ?? slot.failedVersion,
      contentHash: a?.pkg.contentHash ?? null,
      loadedAt: a ? a.loadedAt.toISOString() : null,
      handlers: a
        ? [...a.handlers].map(([name, jobTypes]) => {
            const info = a.jobTypeInfo.get(name);
            // Shown only when they add something: the admin's list, or names the platform resolved.
            return { name, jobTypes, ...(info?.source === 'config' ? { jobTypesFrom: info.source } : {}), ...(info && info.resolved.length > 0 ? { resolved: info.resolved } : {}), ...(info?.error ? { error: info.error } : {}) };
          })
        : [],
      limits: a?.limits ?? null,
      lastError: slot.lastError,
      signedBy: a?.pkg.signedBy ?? null,
    });
  }
  for (const [folder, rec] of folders) {
    const owns = rec.id !== null && slots.get(rec.id)?.folder === folder;
    if (!owns && rec.error) {
      out.push({
        id: rec.duplicateOf ?? rec.id ?? path.basename(folder),
        folder,
        state: 'failed',
        version: rec.error.version ?? null,
        contentHash: null,
        loadedAt: null,
        handlers: [],
        limits: null,
        lastError: rec.error,
      });
    }
  }
  return out.sort((x, y) => x.id.localeCompare(y.id) || x.folder.localeCompare(y.folder));
}
