import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describeError, JobHookError } from '../errors.js';
import type { ManifestSchema } from '../manifest/manifest-schema.js';
import type { PackageRules } from '../manifest/package-rules.js';
import { normalizeGuid } from '../manifest/plugin-manifest.js';
import { readPluginPackage, type PluginPackage } from '../manifest/read-plugin-package.js';
import type { SandboxDeath } from '../sandbox/plugin-sandbox.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import { FolderQueue } from './folder-queue.js';
import { loadPluginInstance, type LoadOptions, type PluginLoaderDeps } from './load-plugin-instance.js';
import type { PluginChange } from './plugin-change.js';
import type { PluginInstance } from './plugin-instance.js';
import type { PluginErrorRecord, PluginStatus } from './plugin-state.js';
import { isIgnoredEntry, linkedFolderError } from './plugin-folder-entry.js';
import { listStatus, type FolderRecord, type Slot } from './registry-records.js';
import { buildRoutingTable, type Route, type RoutingTable } from './routing-table.js';

export type { PluginChange } from './plugin-change.js';

/** Restart and quarantine policy for versions whose sandbox dies (design §4). */
export interface FaultPolicy {
  readonly maxFaults: number;
  readonly windowMs: number;
  readonly baseBackoffMs: number;
}

function errorRecord(e: unknown, version?: string): PluginErrorRecord {
  const { code, message } = describeError(e);
  return { code, message, at: new Date().toISOString(), ...(version ? { version } : {}) };
}

// Loads in flight at once. Sandbox processes overlap the IPC and compile steps of many loads (a
// 50-plugin start took ~30% less with 64 in flight than with 2, bench/hot-reload); in-process
// isolates are indifferent. The bound keeps a start with hundreds of plugins from spiking memory.
const LOAD_CONCURRENCY = 64;

/**
 * The loaded plugins (design §2 `registry/`): per id, the active version; the routing table; and the
 * lifecycle — load beside, switch atomically, drain, dispose — serialised per folder, where each id
 * is owned by exactly one folder (so per folder is per id).
 */
export class PluginRegistry {
  private readonly slots = new Map<string, Slot>();
  private readonly folders = new Map<string, FolderRecord>();
  private routing: RoutingTable = new Map();
  private readonly queue = new FolderQueue();
  private readonly loads = new ConcurrencyGate(LOAD_CONCURRENCY, Number.POSITIVE_INFINITY);
  private readonly retiring = new Set<Promise<void>>();
  /** Ids an admin disabled: loaded as usual, never routed, until `enable`. Outlives a remove/re-add. */
  private readonly disabled = new Set<string>();
  private closed = false;

  constructor(
    private readonly deps: PluginLoaderDeps & { readonly schema: ManifestSchema; readonly packageRules?: PackageRules },
    private readonly faultPolicy: FaultPolicy = { maxFaults: 3, windowMs: 5 * 60_000, baseBackoffMs: 100 },
    private readonly onChange: (change: PluginChange) => void = () => {},
  ) {}

  /**
   * Routes for a job-type GUID (any case): a snapshot that later swaps do not change. Invoke the
   * routes right away (without awaiting in between): a replaced version is disposed once the
   * invocations it has started are done.
   */
  routes(jobTypeId: string): readonly Route[] {
    return this.routing.get(normalizeGuid(jobTypeId)) ?? [];
  }

  /** Loads every plugin folder under `pluginsDir` (failures are recorded, not thrown). */
  async loadAll(pluginsDir: string): Promise<PluginChange[]> {
    let entries: Dirent[];
    try {
      entries = (await readdir(pluginsDir, { withFileTypes: true })).filter((d) => (d.isDirectory() || d.isSymbolicLink()) && !isIgnoredEntry(d.name));
    } catch (e) {
      throw new JobHookError('PLUGINS_DIR_UNREADABLE', `the plugins folder '${pluginsDir}' cannot be read: ${(e as Error).message}`, undefined, { cause: e });
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const folders = entries.map((d) => path.resolve(pluginsDir, d.name));
    const read = await Promise.all(
      entries.map((d, i) =>
        d.isSymbolicLink() ? linkedFolderError(folders[i]!) : readPluginPackage(folders[i]!, this.deps.schema, this.deps.packageRules).catch((e: unknown) => e as Error),
      ),
    );
    // Requests start in call order and claim their id before their first await, so of two folders
    // with the same id the first in name order wins, every time; the loads then run in parallel.
    return Promise.all(folders.map((f, i) => this.sync(f, read[i])));
  }

  /**
   * Brings the plugin in `folder` up to date with its files: add, replace, keep, or refuse. `pkg` is
   * the package as just read (by the watcher), or the error reading it gave; without it, the folder
   * is read when the request runs. Requests for a folder run in order; a waiting one absorbs the next.
   */
  sync(folder: string, pkg?: PluginPackage | Error): Promise<PluginChange> {
    return this.request(path.resolve(folder), 'sync', (f) => this.queue.merge(f, 'sync', pkg, (given) => this.syncNow(f, given)));
  }

  /** Unloads the plugin that `folder` provided (its files are gone). */
  remove(folder: string): Promise<PluginChange> {
    return this.request(path.resolve(folder), 'remove', (f) => this.queue.merge(f, 'remove', undefined, () => this.removeNow(f)));
  }

  /** What the registry last made of `folder`: the content hash it read (loaded or refused) and the error, if any. */
  folderState(folder: string): { readonly hash: string | null; readonly error: PluginErrorRecord | null } | undefined {
    const rec = this.folders.get(path.resolve(folder));
    return rec ? { hash: rec.hash, error: rec.error } : undefined;
  }

  /** Every folder the registry has a record of. */
  knownFolders(): string[] {
    return [...this.folders.keys()];
  }

  private async request(folder: string, what: string, enqueue: (folder: string) => Promise<PluginChange>): Promise<PluginChange> {
    if (this.closed) throw new JobHookError('REGISTRY_CLOSED', `the plugin registry is closed; cannot ${what} '${folder}'`);
    const change = await enqueue(folder);
    this.emit(change);
    return change;
  }

  // Used by fault restarts and `enable`: ordered with the folder's other work, never merged.
  private serialise<T>(folder: string, work: (folder: string) => Promise<T>): Promise<T> {
    return this.queue.run(folder, () => work(folder)).then((change) => {
      if (change && typeof change === 'object' && 'kind' in change) this.emit(change as unknown as PluginChange);
      return change;
    });
  }

  private emit(change: PluginChange): void {
    try {
      this.onChange(change);
    } catch (e) {
      this.deps.logger.error({ err: e, change: change.kind }, 'a plugin-change listener threw');
    }
  }

  private async syncNow(folder: string, given?: PluginPackage | Error, force = false): Promise<PluginChange> {
    if (this.closed) throw new JobHookError('REGISTRY_CLOSED', 'the plugin registry is closed');
    const record: FolderRecord = this.folders.get(folder) ?? { id: null, error: null, hash: null, duplicateOf: null };
    this.folders.set(folder, record);
    let pkg: PluginPackage;
    try {
      if (given instanceof Error) throw given;
      pkg = given ?? (await readPluginPackage(folder, this.deps.schema, this.deps.packageRules));
      record.hash = pkg.contentHash;
      if (pkg.signedBy === null && this.deps.packageRules?.trust?.unsigned === 'warn') {
        this.deps.logger.warn(
          { pluginId: pkg.manifest.id, folder, code: 'PACKAGE_UNSIGNED' },
          `plugin '${pkg.manifest.id}' is not signed (trust.unsigned: warn); sign it with 'jobhook-sdk sign', or set trust.unsigned to 'allow' or 'refuse'`,
        );
      }
    } catch (e) {
      record.hash = null;
      return this.refuse(folder, record, (e as JobHookError).pluginId ?? record.id, e);
    }
    const { id, version } = pkg.manifest;
    const owner = this.slots.get(id);
    if (owner && owner.folder !== folder) {
      record.duplicateOf = id;
      const error = new JobHookError(
        'PLUGIN_DUPLICATE_ID',
        `plugin id '${id}' in folder '${folder}' is already provided by folder '${owner.folder}'; each plugin id may be deployed once — remove one of the two folders`,
        id,
      );
      return this.refuse(folder, record, id, error, version);
    }
    record.duplicateOf = null;
    // Claim the id before any await, so no other folder can take it meanwhile.
    const formerId = record.id !== id ? record.id : null;
    record.id = id;
    const slot: Slot = owner ?? { id, folder, active: null, loading: null, orphaned: false, lastError: null, failedVersion: null, faults: [], quarantined: false, restart: null };
    this.slots.set(id, slot);
    if (formerId !== null) this.release(folder, formerId);
    if (!force && slot.active && slot.active.pkg.contentHash === pkg.contentHash) {
      // The same files again (a touch, or a failed edit reverted): nothing to load, nothing failed.
      slot.orphaned = false;
      record.error = null;
      if (!slot.quarantined) {
        slot.lastError = null;
        slot.failedVersion = null;
      }
      return { kind: 'unchanged', id, version, folder };
    }
    slot.quarantined = false;
    slot.faults = [];
    if (!slot.active) slot.loading = version;
    let instance: PluginInstance;
    try {
      instance = await this.load(pkg);
    } catch (e) {
      // The serving version's own folder is gone: with its successor broken, nothing may serve.
      if (slot.orphaned) this.unload(folder, id);
      return this.refuse(folder, record, id, e, version);
    } finally {
      slot.loading = null;
    }
    if (this.closed) {
      await instance.dispose();
      throw new JobHookError('REGISTRY_CLOSED', 'the plugin registry closed during a load');
    }
    const previous = slot.active;
    this.activate(slot, instance);
    record.error = null;
    if (previous) {
      void this.retire(previous);
      return { kind: 'replaced', id, from: previous.version, to: version, folder };
    }
    return { kind: 'added', id, version, folder };
  }

  private async load(pkg: PluginPackage, options: LoadOptions = {}): Promise<PluginInstance> {
    await this.loads.acquire();
    try {
      return await loadPluginInstance(pkg, this.deps, options);
    } finally {
      this.loads.release();
    }
  }

  // A restart after a death keeps that death as lastError, so an admin still sees why it restarted;
  // new files clear it.
  private activate(slot: Slot, instance: PluginInstance, keepLastError = false): void {
    // New files supersede a restart still waiting for its backoff.
    if (slot.restart) clearTimeout(slot.restart);
    slot.restart = null;
    slot.active = instance;
    slot.orphaned = false;
    if (!keepLastError) slot.lastError = null;
    slot.failedVersion = null;
    instance.onDeath((death) => this.onDeath(slot, instance, death));
    this.rebuildRouting();
  }

  private refuse(folder: string, record: FolderRecord, id: string | null, e: unknown, version?: string): PluginChange {
    const error = errorRecord(e, version);
    record.error = error;
    // The plugin this folder provided so far (if any) keeps serving; its status shows the failure.
    const own = record.id === null ? undefined : this.slots.get(record.id);
    const slot = own?.folder === folder ? own : undefined;
    if (slot) {
      slot.lastError = error;
      slot.failedVersion = version ?? null;
    }
    return { kind: 'refused', id: id ?? record.id, folder, error, keptVersion: slot?.active?.version ?? null };
  }

  private async removeNow(folder: string): Promise<PluginChange> {
    const record = this.folders.get(folder);
    this.folders.delete(folder);
    const id = record?.id ?? null;
    if (id === null) return { kind: 'removed', id: record?.duplicateOf ?? path.basename(folder), version: null, folder };
    const slot = this.slots.get(id);
    const version = slot?.folder === folder ? (slot.active?.version ?? null) : null;
    const heir = this.release(folder, id);
    return heir ? { kind: 'moved', id, version, folder, to: heir } : { kind: 'removed', id, version, folder };
  }

  /**
   * `folder` no longer provides `id`. If another folder was refused as a duplicate of it, that folder
   * takes the id over (the current version serves until it is loaded, so events keep flowing);
   * otherwise the plugin is unloaded. Returns the heir folder, if any.
   */
  private release(folder: string, id: string): string | null {
    const slot = this.slots.get(id);
    if (!slot || slot.folder !== folder) return null;
    const heir = [...this.folders.entries()]
      .filter(([f, rec]) => f !== folder && rec.duplicateOf === id)
      .map(([f]) => f)
      .sort()[0];
    if (heir === undefined) {
      this.unload(folder, id);
      return null;
    }
    const heirRecord = this.folders.get(heir)!;
    heirRecord.duplicateOf = null;
    heirRecord.error = null;
    slot.folder = heir;
    slot.orphaned = slot.active !== null;
    if (!this.closed) this.sync(heir).catch((e: unknown) => this.deps.logger.warn({ err: e, folder: heir, plugin: id }, 'taking over a plugin id failed'));
    return heir;
  }

  // Routing drops the plugin at once; its last version drains and is disposed in the background
  // (close() waits for that), so the folder's next request need not wait for the drain.
  private unload(folder: string, id: string): void {
    const slot = this.slots.get(id);
    if (!slot || slot.folder !== folder) return;
    this.slots.delete(id);
    if (slot.restart) clearTimeout(slot.restart);
    if (slot.active) {
      const old = slot.active;
      slot.active = null;
      this.rebuildRouting();
      void this.retire(old);
    }
  }

  private retire(instance: PluginInstance): Promise<void> {
    const done = instance
      .drain()
      .then(() => instance.dispose())
      .finally(() => this.retiring.delete(done));
    this.retiring.add(done);
    return done;
  }

  private rebuildRouting(): void {
    const active: PluginInstance[] = [];
    for (const slot of this.slots.values()) if (slot.active && !slot.quarantined && !this.disabled.has(slot.id)) active.push(slot.active);
    this.routing = buildRoutingTable(active);
  }

  // A dead sandbox is replaced with backoff; too many deaths in the window quarantine the plugin.
  private onDeath(slot: Slot, instance: PluginInstance, death: SandboxDeath): void {
    if (this.closed || slot.active !== instance) return;
    // A sandbox that survived (it moved out of a dead sandbox process) keeps serving: its death is
    // recorded and counted, and only a quarantine stops it.
    if (!death.survived) instance.markFailed();
    const now = Date.now();
    // A collateral death (the shared sandbox process died while this plugin ran nothing) restarts
    // the plugin but is not held against it: a neighbour's crash must not quarantine it.
    slot.faults = slot.faults.filter((t) => now - t < this.faultPolicy.windowMs);
    if (!death.collateral) slot.faults.push(now);
    slot.lastError = { code: death.code, message: death.message, at: new Date(now).toISOString(), version: instance.version };
    if (!death.collateral && slot.faults.length >= this.faultPolicy.maxFaults) {
      slot.quarantined = true;
      slot.lastError = {
        ...slot.lastError,
        code: 'PLUGIN_QUARANTINED',
        message: `quarantined after ${slot.faults.length} faults within ${this.faultPolicy.windowMs / 1000} s; last: ${death.code}: ${death.message}. Change its files or re-enable it.`,
      };
      this.rebuildRouting();
      if (death.survived) {
        instance.markFailed();
        void this.retire(instance);
      }
      this.emit({ kind: 'refused', id: slot.id, folder: slot.folder, error: slot.lastError, keptVersion: null });
      return;
    }
    if (death.survived) return;
    const delay = this.faultPolicy.baseBackoffMs * 2 ** Math.max(0, slot.faults.length - 1);
    slot.restart = setTimeout(() => {
      slot.restart = null;
      void this.serialise(slot.folder, async () => {
        if (this.closed || slot.active !== instance) return undefined;
        try {
          // Through the load gate: when a shared process dies, all its plugins restart at once.
          // The same files: the job types they resolved to serve again, even with the platform down.
          const fresh = await this.load(instance.pkg, { cachedJobTypes: true });
          this.activate(slot, fresh, true);
          void this.retire(instance);
          return { kind: 'replaced', id: slot.id, from: instance.version, to: fresh.version, folder: slot.folder } as PluginChange;
        } catch (e) {
          // A failed restart is one more fault: retried with a longer backoff, or quarantined.
          const { code, message } = errorRecord(e, instance.version);
          this.onDeath(slot, instance, { name: 'PluginLoadError', code, message });
          return undefined;
        }
      });
    }, delay);
  }

  /** Lifts a quarantine or an admin's disable and reloads the plugin from its folder. */
  async enable(id: string): Promise<PluginChange> {
    const slot = this.slots.get(id);
    if (!slot) throw new JobHookError('PLUGIN_NOT_FOUND', `no plugin with id '${id}'`, id);
    this.disabled.delete(id);
    return this.serialise(slot.folder, (f) => this.syncNow(f, undefined, true));
  }

  /** Stops routing events to plugin `id` (loaded or not, now or later) until `enable(id)`. */
  disable(id: string): void {
    this.disabled.add(id);
    this.rebuildRouting();
  }

  /** Whether an admin disabled plugin `id`. */
  isDisabled(id: string): boolean {
    return this.disabled.has(id);
  }

  /** The active version of a plugin, if any. */
  instance(id: string): PluginInstance | undefined {
    const slot = this.slots.get(id);
    return slot && !slot.quarantined ? (slot.active ?? undefined) : undefined;
  }

  /** Status of every plugin and of every folder that could not be loaded. */
  list(): PluginStatus[] {
    return listStatus(this.slots, this.folders);
  }

  /** Refuses new work, waits for loads under way, then drains and disposes every version. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.idle();
    const all: Promise<void>[] = [];
    for (const slot of this.slots.values()) {
      if (slot.restart) clearTimeout(slot.restart);
      if (slot.active) all.push(this.retire(slot.active));
      slot.active = null;
    }
    this.slots.clear();
    this.routing = new Map();
    await Promise.allSettled([...all, ...this.retiring]);
  }
}
