import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describeError, JobHookError } from '../errors.js';
import type { ManifestSchema } from '../manifest/manifest-schema.js';
import { normalizeGuid } from '../manifest/plugin-manifest.js';
import { readPluginPackage, type PluginPackage } from '../manifest/read-plugin-package.js';
import type { SandboxDeath } from '../sandbox/plugin-sandbox.js';
import { loadPluginInstance, type PluginLoaderDeps } from './load-plugin-instance.js';
import type { PluginInstance } from './plugin-instance.js';
import type { PluginErrorRecord, PluginStatus } from './plugin-state.js';
import { buildRoutingTable, type Route, type RoutingTable } from './routing-table.js';

/** What a change to a plugin folder did; `serve` logs one line per change. */
export type PluginChange =
  | { readonly kind: 'added'; readonly id: string; readonly version: string; readonly folder: string }
  | { readonly kind: 'replaced'; readonly id: string; readonly from: string; readonly to: string; readonly folder: string }
  | { readonly kind: 'unchanged'; readonly id: string; readonly version: string; readonly folder: string }
  | { readonly kind: 'removed'; readonly id: string; readonly version: string | null; readonly folder: string }
  | { readonly kind: 'refused'; readonly id: string | null; readonly folder: string; readonly error: PluginErrorRecord; readonly keptVersion: string | null };

/** Restart and quarantine policy for versions whose sandbox dies (design §4). */
export interface FaultPolicy {
  readonly maxFaults: number;
  readonly windowMs: number;
  readonly baseBackoffMs: number;
}

interface Slot {
  readonly id: string;
  folder: string;
  active: PluginInstance | null;
  lastError: PluginErrorRecord | null;
  failedVersion: string | null;
  faults: number[];
  quarantined: boolean;
  restart: NodeJS.Timeout | null;
}

interface FolderRecord {
  id: string | null;
  error: PluginErrorRecord | null;
}

function errorRecord(e: unknown, version?: string): PluginErrorRecord {
  const { code, message } = describeError(e);
  return { code, message, at: new Date().toISOString(), ...(version ? { version } : {}) };
}

/** Folder names under the plugins directory that are never plugin packages. */
export function isIgnoredEntry(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules' || name.endsWith('~') || /\.(swp|tmp|partial)$/.test(name);
}

/**
 * The loaded plugins (design §2 `registry/`): per id, the active version; the routing table; and the
 * lifecycle — load beside, switch atomically, drain, dispose — serialised per folder.
 */
export class PluginRegistry {
  private readonly slots = new Map<string, Slot>();
  private readonly folders = new Map<string, FolderRecord>();
  private routing: RoutingTable = new Map();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly retiring = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly deps: PluginLoaderDeps & { readonly schema: ManifestSchema },
    private readonly faultPolicy: FaultPolicy = { maxFaults: 3, windowMs: 5 * 60_000, baseBackoffMs: 100 },
    private readonly onChange: (change: PluginChange) => void = () => {},
  ) {}

  /** Routes for a job-type GUID (any case); a snapshot that later swaps do not change. */
  routes(jobTypeId: string): readonly Route[] {
    return this.routing.get(normalizeGuid(jobTypeId)) ?? [];
  }

  /** Loads every plugin folder under `pluginsDir` (failures are recorded, not thrown). */
  async loadAll(pluginsDir: string): Promise<PluginChange[]> {
    let names: string[];
    try {
      names = (await readdir(pluginsDir, { withFileTypes: true })).filter((d) => d.isDirectory() && !isIgnoredEntry(d.name)).map((d) => d.name);
    } catch (e) {
      throw new JobHookError('PLUGINS_DIR_UNREADABLE', `the plugins folder '${pluginsDir}' cannot be read: ${(e as Error).message}`, undefined, { cause: e });
    }
    // Sorted, so that of two folders with the same id the first in name order wins, every time.
    return Promise.all(names.sort().map((name) => this.sync(path.resolve(pluginsDir, name))));
  }

  /** Brings the plugin in `folder` up to date with the files: add, replace, keep, or refuse. */
  sync(folder: string): Promise<PluginChange> {
    return this.serialise(path.resolve(folder), (f) => this.syncNow(f));
  }

  /** Unloads the plugin that `folder` provided (its files are gone). */
  remove(folder: string): Promise<PluginChange> {
    return this.serialise(path.resolve(folder), (f) => this.removeNow(f));
  }

  private serialise<T>(folder: string, work: (folder: string) => Promise<T>): Promise<T> {
    const previous = this.queues.get(folder) ?? Promise.resolve();
    const next = previous.then(
      () => work(folder),
      () => work(folder),
    );
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(folder, settled);
    void settled.then(() => {
      if (this.queues.get(folder) === settled) this.queues.delete(folder);
    });
    return next.then((change) => {
      if (change && typeof change === 'object' && 'kind' in change) this.onChange(change as unknown as PluginChange);
      return change;
    });
  }

  private async syncNow(folder: string, force = false): Promise<PluginChange> {
    if (this.closed) throw new JobHookError('REGISTRY_CLOSED', 'the plugin registry is closed');
    const record: FolderRecord = this.folders.get(folder) ?? { id: null, error: null };
    this.folders.set(folder, record);
    let pkg: PluginPackage;
    try {
      pkg = await readPluginPackage(folder, this.deps.schema);
    } catch (e) {
      return this.refuse(folder, record, (e as JobHookError).pluginId ?? record.id, e);
    }
    const { id, version } = pkg.manifest;
    const owner = this.slots.get(id);
    if (owner && owner.folder !== folder) {
      const error = new JobHookError('PLUGIN_DUPLICATE_ID', `plugin id '${id}' in folder '${folder}' is already provided by folder '${owner.folder}'; each plugin id may be deployed once`, id);
      return this.refuse(folder, record, id, error);
    }
    if (record.id !== null && record.id !== id) await this.unload(folder, record.id);
    record.id = id;
    const slot: Slot = owner ?? { id, folder, active: null, lastError: null, failedVersion: null, faults: [], quarantined: false, restart: null };
    this.slots.set(id, slot);
    if (!force && slot.active && slot.active.pkg.contentHash === pkg.contentHash) {
      return { kind: 'unchanged', id, version, folder };
    }
    if (force || (slot.active?.pkg.contentHash ?? null) !== pkg.contentHash) {
      slot.quarantined = false;
      slot.faults = [];
    }
    let instance: PluginInstance;
    try {
      instance = await loadPluginInstance(pkg, this.deps);
    } catch (e) {
      return this.refuse(folder, record, id, e, version);
    }
    if (this.closed) {
      await instance.dispose();
      throw new JobHookError('REGISTRY_CLOSED', 'the plugin registry closed during a load');
    }
    const previous = slot.active;
    this.activate(slot, instance);
    record.error = null;
    if (previous) {
      this.retire(previous);
      return { kind: 'replaced', id, from: previous.version, to: version, folder };
    }
    return { kind: 'added', id, version, folder };
  }

  private activate(slot: Slot, instance: PluginInstance): void {
    slot.active = instance;
    slot.lastError = null;
    slot.failedVersion = null;
    instance.onDeath((death) => this.onDeath(slot, instance, death));
    this.rebuildRouting();
  }

  private refuse(folder: string, record: FolderRecord, id: string | null, e: unknown, version?: string): PluginChange {
    const error = errorRecord(e, version);
    record.error = error;
    const slot = id === null ? undefined : this.slots.get(id);
    if (slot && slot.folder === folder) {
      slot.lastError = error;
      slot.failedVersion = version ?? null;
    }
    return { kind: 'refused', id, folder, error, keptVersion: slot?.folder === folder ? (slot.active?.version ?? null) : null };
  }

  private async removeNow(folder: string): Promise<PluginChange> {
    const record = this.folders.get(folder);
    this.folders.delete(folder);
    const id = record?.id ?? null;
    const version = id === null ? null : (this.slots.get(id)?.active?.version ?? null);
    if (id !== null) await this.unload(folder, id);
    // A folder refused as a duplicate of this id may now take its place.
    if (id !== null) {
      for (const [other, rec] of this.folders) {
        if (rec.id === null && rec.error?.code === 'PLUGIN_DUPLICATE_ID' && rec.error.message.includes(`'${id}'`)) void this.sync(other);
      }
    }
    return { kind: 'removed', id: id ?? path.basename(folder), version, folder };
  }

  private async unload(folder: string, id: string): Promise<void> {
    const slot = this.slots.get(id);
    if (!slot || slot.folder !== folder) return;
    this.slots.delete(id);
    if (slot.restart) clearTimeout(slot.restart);
    if (slot.active) {
      const old = slot.active;
      slot.active = null;
      this.rebuildRouting();
      await this.retire(old);
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
    for (const slot of this.slots.values()) if (slot.active && !slot.quarantined) active.push(slot.active);
    this.routing = buildRoutingTable(active);
  }

  // A dead sandbox is replaced with backoff; too many deaths in the window quarantine the plugin.
  private onDeath(slot: Slot, instance: PluginInstance, death: SandboxDeath): void {
    if (this.closed || slot.active !== instance) return;
    instance.markFailed();
    const now = Date.now();
    slot.faults = [...slot.faults.filter((t) => now - t < this.faultPolicy.windowMs), now];
    slot.lastError = { code: death.code, message: death.message, at: new Date(now).toISOString(), version: instance.version };
    if (slot.faults.length >= this.faultPolicy.maxFaults) {
      slot.quarantined = true;
      slot.lastError = {
        ...slot.lastError,
        code: 'PLUGIN_QUARANTINED',
        message: `quarantined after ${slot.faults.length} faults within ${this.faultPolicy.windowMs / 1000} s; last: ${death.code}: ${death.message}. Change its files or re-enable it.`,
      };
      this.rebuildRouting();
      this.onChange({ kind: 'refused', id: slot.id, folder: slot.folder, error: slot.lastError, keptVersion: null });
      return;
    }
    const delay = this.faultPolicy.baseBackoffMs * 2 ** (slot.faults.length - 1);
    slot.restart = setTimeout(() => {
      slot.restart = null;
      void this.serialise(slot.folder, async () => {
        if (this.closed || slot.active !== instance) return undefined;
        try {
          const fresh = await loadPluginInstance(instance.pkg, this.deps);
          this.activate(slot, fresh);
          void this.retire(instance);
          return { kind: 'replaced', id: slot.id, from: instance.version, to: fresh.version, folder: slot.folder } as PluginChange;
        } catch (e) {
          slot.lastError = errorRecord(e, instance.version);
          return undefined;
        }
      });
    }, delay);
  }

  /** Lifts a quarantine and reloads the plugin from its folder. */
  async enable(id: string): Promise<PluginChange> {
    const slot = this.slots.get(id);
    if (!slot) throw new JobHookError('PLUGIN_NOT_FOUND', `no plugin with id '${id}'`, id);
    return this.serialise(slot.folder, (f) => this.syncNow(f, true));
  }

  /** The active version of a plugin, if any. */
  instance(id: string): PluginInstance | undefined {
    const slot = this.slots.get(id);
    return slot && !slot.quarantined ? (slot.active ?? undefined) : undefined;
  }

  /** Status of every plugin and of every folder that could not be loaded. */
  list(): PluginStatus[] {
    const out: PluginStatus[] = [];
    for (const slot of this.slots.values()) {
      const a = slot.active;
      const state = slot.quarantined ? 'failed' : a ? a.state : 'failed';
      out.push({
        id: slot.id,
        folder: slot.folder,
        state,
        version: a?.version ?? slot.failedVersion,
        contentHash: a?.pkg.contentHash ?? null,
        loadedAt: a ? a.loadedAt.toISOString() : null,
        handlers: a ? [...a.handlers].map(([name, jobTypes]) => ({ name, jobTypes })) : [],
        limits: a?.limits ?? null,
        lastError: slot.lastError,
      });
    }
    for (const [folder, rec] of this.folders) {
      const owns = rec.id !== null && this.slots.get(rec.id)?.folder === folder;
      if (!owns && rec.error) {
        out.push({
          id: rec.id ?? path.basename(folder),
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

  /** Waits for pending loads, then drains and disposes every version. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.allSettled([...this.queues.values()]);
    this.closed = true;
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
