import path from 'node:path';
import { describeError } from '../../errors.js';
import { PluginFaults, type FaultPolicy } from './plugin-faults.js';
import type { PluginChange } from './plugin-change.js';
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
  /** Its sandbox deaths, quarantine and pending restart. */
  readonly faults: PluginFaults;
}

/** A new slot: `folder` claims `id`, nothing loaded yet. */
export function newSlot(id: string, folder: string, policy: FaultPolicy): Slot {
  return { id, folder, active: null, loading: null, orphaned: false, lastError: null, failedVersion: null, faults: new PluginFaults(policy) };
}

/** A failure as it is recorded and shown: its code and message, when, and the version it concerns. */
export function errorRecord(e: unknown, version?: string): PluginErrorRecord {
  const { code, message } = describeError(e);
  return { code, message, at: new Date().toISOString(), ...(version ? { version } : {}) };
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

/**
 * `instance` serves for `slot` from now on. A restart after a death keeps that death as lastError
 * (`keepLastError`), so an admin still sees why it restarted; new files clear it.
 */
export function activateSlot(slot: Slot, instance: PluginInstance, keepLastError: boolean): void {
  // New files supersede a restart still waiting for its backoff.
  slot.faults.cancelRestart();
  slot.active = instance;
  slot.orphaned = false;
  if (!keepLastError) slot.lastError = null;
  slot.failedVersion = null;
}

/** The folder's files are those of the version serving: nothing to load, nothing failed (a quarantine stays). */
export function keepUnchanged(slot: Slot, record: FolderRecord): void {
  slot.orphaned = false;
  record.error = null;
  if (!slot.faults.quarantined) {
    slot.lastError = null;
    slot.failedVersion = null;
  }
}

/**
 * Records that `folder` was refused (`e`, reading or loading `version`), and says so. The plugin the
 * folder provided so far (its `slot`, if any) keeps serving; its status shows the failure.
 */
export function refusal(folder: string, record: FolderRecord, slot: Slot | undefined, id: string | null, e: unknown, version?: string): PluginChange {
  const error = errorRecord(e, version);
  record.error = error;
  if (slot) {
    slot.lastError = error;
    slot.failedVersion = version ?? null;
  }
  return { kind: 'refused', id: id ?? record.id, folder, error, keptVersion: slot?.active?.version ?? null };
}

/** Status of every plugin (by slot) and of every folder that could not be loaded (by folder record). */
export function listStatus(slots: ReadonlyMap<string, Slot>, folders: ReadonlyMap<string, FolderRecord>): PluginStatus[] {
  const out: PluginStatus[] = [];
  for (const slot of slots.values()) {
    const a = slot.active;
    const state = slot.faults.quarantined ? 'failed' : a ? a.state : slot.loading ? 'loading' : 'failed';
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
