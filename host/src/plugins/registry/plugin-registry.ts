import path from 'node:path';
import { JobHookError } from '../../errors.js';
import { InFlight } from '../../lifecycle/in-flight.js';
import type { ManifestSchema } from '../package/manifest-schema.js';
import type { PackageRules } from '../package/package-rules.js';
import { normalizeGuid } from '@jobhook/sdk/contract';
import { readPluginPackage, type PluginPackage } from '../package/read-plugin-package.js';
import type { SandboxDeath } from '../../sandbox/plugin-sandbox.js';
import { FolderQueue } from './folder-queue.js';
import { FolderRecords } from './folder-records.js';
import { LoadGate } from './load-gate.js';
import type { PluginLoaderDeps } from './load-plugin-instance.js';
import type { PluginChange } from './plugin-change.js';
import { DEFAULT_FAULT_POLICY, type FaultPolicy } from './plugin-faults.js';
import { readPluginFolders, warnIfUnsigned } from './plugin-folder-entry.js';
import type { PluginInstance } from './plugin-instance.js';
import type { PluginErrorRecord, PluginStatus } from './plugin-state.js';
import { PluginSlots } from './plugin-slots.js';
import { activateSlot, errorRecord, keepUnchanged, listStatus, refusal, type FolderRecord, type Slot } from './registry-records.js';
import { buildRoutingTable, type Route, type RoutingTable } from './routing-table.js';

export type { PluginChange } from './plugin-change.js';
export type { FaultPolicy } from './plugin-faults.js';

/**
 * The loaded plugins: per id, the active version; the routing table; and the
 * lifecycle — load beside, switch atomically, drain, dispose — serialised per folder, where each id
 * is owned by exactly one folder (so per folder is per id).
 */
export class PluginRegistry {
  private readonly folders = new FolderRecords();
  private readonly slots: PluginSlots;
  private routing: RoutingTable = new Map();
  private readonly queue = new FolderQueue();
  private readonly loads: LoadGate;
  /** Replaced and unloaded versions still draining; `close` waits for them. */
  private readonly retiring = new InFlight();
  /** Ids an admin disabled: loaded as usual, never routed, until `enable`. Outlives a remove/re-add. */
  private readonly disabled = new Set<string>();
  private closed = false;

  constructor(
    private readonly deps: PluginLoaderDeps & { readonly schema: ManifestSchema; readonly packageRules?: PackageRules },
    faultPolicy: FaultPolicy = DEFAULT_FAULT_POLICY,
    private readonly onChange: (change: PluginChange) => void = () => {},
  ) {
    this.slots = new PluginSlots(this.folders, faultPolicy);
    this.loads = new LoadGate(deps);
  }

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
    const read = await readPluginFolders(pluginsDir, this.deps.schema, this.deps.packageRules);
    // Requests start in call order and claim their id before their first await, so of two folders
    // with the same id the first in name order wins, every time; the loads then run in parallel.
    return Promise.all(read.map(({ folder, pkg }) => this.sync(folder, pkg)));
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
    return [...this.folders.all.keys()];
  }

  private async request(folder: string, what: string, enqueue: (folder: string) => Promise<PluginChange>): Promise<PluginChange> {
    if (this.closed) throw new JobHookError('REGISTRY_CLOSED', `the plugin registry is closed; cannot ${what} '${folder}'`);
    const change = await enqueue(folder);
    this.emit(change);
    return change;
  }

  // Used by fault restarts and `enable`: ordered with the folder's other work, never merged.
  private serialise<T extends PluginChange | undefined>(folder: string, work: (folder: string) => Promise<T>): Promise<T> {
    return this.queue.run(folder, () => work(folder)).then((change) => {
      if (change) this.emit(change);
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
    const record = this.folders.ensure(folder);
    let pkg: PluginPackage;
    try {
      if (given instanceof Error) throw given;
      pkg = given ?? (await readPluginPackage(folder, this.deps.schema, this.deps.packageRules));
      record.hash = pkg.contentHash;
      warnIfUnsigned(pkg, folder, this.deps.packageRules, this.deps.logger);
    } catch (e) {
      record.hash = null;
      return this.refuse(folder, record, (e as JobHookError).pluginId ?? record.id, e);
    }
    const { id, version } = pkg.manifest;
    // Claimed before any await, so no other folder can take the id meanwhile.
    const claim = this.slots.claim(folder, record, id);
    if ('refused' in claim) return this.refuse(folder, record, id, claim.refused, version);
    const { slot, formerId } = claim;
    if (formerId !== null) this.release(folder, formerId);
    if (!force && slot.active && slot.active.pkg.contentHash === pkg.contentHash) {
      // The same files again (a touch, or a failed edit reverted): nothing to load, nothing failed.
      keepUnchanged(slot, record);
      return { kind: 'unchanged', id, version, folder };
    }
    slot.faults.reset();
    if (!slot.active) slot.loading = version;
    let instance: PluginInstance;
    try {
      instance = await this.loads.load(pkg);
    } catch (e) {
      // The serving version's own folder is gone: with its successor broken, nothing may serve.
      if (slot.orphaned && this.slots.drop(folder, id)) this.unloaded(slot);
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

  private activate(slot: Slot, instance: PluginInstance, keepLastError = false): void {
    activateSlot(slot, instance, keepLastError);
    instance.onDeath((death) => this.onDeath(slot, instance, death));
    this.rebuildRouting();
  }

  private refuse(folder: string, record: FolderRecord, id: string | null, e: unknown, version?: string): PluginChange {
    return refusal(folder, record, this.slots.ownedBy(folder, record.id), id, e, version);
  }

  private async removeNow(folder: string): Promise<PluginChange> {
    const record = this.folders.delete(folder);
    const id = record?.id ?? null;
    if (id === null) return { kind: 'removed', id: record?.duplicateOf ?? path.basename(folder), version: null, folder };
    const version = this.slots.ownedBy(folder, id)?.active?.version ?? null;
    const heir = this.release(folder, id);
    return heir ? { kind: 'moved', id, version, folder, to: heir } : { kind: 'removed', id, version, folder };
  }

  /**
   * `folder` no longer provides `id`. If another folder was refused as a duplicate of it, that folder
   * takes the id over (the current version serves until it is loaded, so events keep flowing);
   * otherwise the plugin is unloaded. Returns the heir folder, if any.
   */
  private release(folder: string, id: string): string | null {
    const released = this.slots.release(folder, id);
    if (released.kind === 'unloaded') this.unloaded(released.slot);
    if (released.kind !== 'moved') return null;
    const { heir } = released;
    if (!this.closed) this.sync(heir).catch((e: unknown) => this.deps.logger.warn({ err: e, folder: heir, plugin: id }, 'taking over a plugin id failed'));
    return heir;
  }

  // Routing drops the plugin at once; its last version drains and is disposed in the background
  // (close() waits for that), so the folder's next request need not wait for the drain.
  private unloaded(slot: Slot): void {
    slot.faults.cancelRestart();
    const old = slot.active;
    if (old) {
      slot.active = null;
      this.rebuildRouting();
      void this.retire(old);
    }
  }

  private retire(instance: PluginInstance): Promise<void> {
    return this.retiring.track(instance.drain().then(() => instance.dispose()));
  }

  private rebuildRouting(): void {
    this.routing = buildRoutingTable(this.slots.routable(this.disabled));
  }

  // A dead sandbox is replaced with backoff; too many deaths in the window quarantine the plugin.
  private onDeath(slot: Slot, instance: PluginInstance, death: SandboxDeath): void {
    if (this.closed || slot.active !== instance) return;
    // A sandbox that survived (it moved out of a dead sandbox process) keeps serving: its death is
    // recorded and counted, and only a quarantine stops it.
    if (!death.survived) instance.markFailed();
    const verdict = slot.faults.record(death, instance.version);
    slot.lastError = verdict.error;
    if (verdict.quarantined) {
      this.rebuildRouting();
      if (death.survived) {
        instance.markFailed();
        void this.retire(instance);
      }
      this.emit({ kind: 'refused', id: slot.id, folder: slot.folder, error: verdict.error, keptVersion: null });
      return;
    }
    if (death.survived) return;
    slot.faults.scheduleRestart(verdict.backoffMs, () => this.restart(slot, instance));
  }

  private restart(slot: Slot, instance: PluginInstance): void {
    void this.serialise(slot.folder, async (): Promise<PluginChange | undefined> => {
      if (this.closed || slot.active !== instance) return undefined;
      try {
        // Through the load gate: when a shared process dies, all its plugins restart at once.
        // The same files: the job types they resolved to serve again, even with the platform down.
        const fresh = await this.loads.load(instance.pkg, { cachedJobTypes: true });
        this.activate(slot, fresh, true);
        void this.retire(instance);
        return { kind: 'replaced', id: slot.id, from: instance.version, to: fresh.version, folder: slot.folder };
      } catch (e) {
        // A failed restart is one more fault: retried with a longer backoff, or quarantined.
        const { code, message } = errorRecord(e, instance.version);
        this.onDeath(slot, instance, { name: 'PluginLoadError', code, message });
        return undefined;
      }
    });
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
    return slot && !slot.faults.quarantined ? (slot.active ?? undefined) : undefined;
  }

  /** Status of every plugin and of every folder that could not be loaded. */
  list(): PluginStatus[] {
    return listStatus(this.slots.all, this.folders.all);
  }

  /** Refuses new work, waits for loads under way, then drains and disposes every version. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.idle();
    const all: Promise<void>[] = [];
    for (const slot of this.slots.clear()) {
      slot.faults.cancelRestart();
      if (slot.active) all.push(this.retire(slot.active));
      slot.active = null;
    }
    this.routing = new Map();
    await Promise.allSettled(all);
    await this.retiring.idle();
  }
}
