import { JobHookError } from '../../errors.js';
import type { FolderRecords } from './folder-records.js';
import type { FaultPolicy } from './plugin-faults.js';
import type { PluginInstance } from './plugin-instance.js';
import { newSlot, type FolderRecord, type Slot } from './registry-records.js';

/** What letting an id go did: nothing (the folder did not provide it), unloaded it, or passed it to an heir. */
export type SlotRelease = { readonly kind: 'none' } | { readonly kind: 'unloaded'; readonly slot: Slot } | { readonly kind: 'moved'; readonly slot: Slot; readonly heir: string };

/**
 * Which folder provides each plugin id. The first folder to claim an id provides it; another folder
 * with the same id is refused and waits as an heir; when the provider lets the id go, the first heir
 * by name takes it over, and the version already loaded serves until the heir's own is.
 */
export class PluginSlots {
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly folders: FolderRecords,
    private readonly faultPolicy: FaultPolicy,
  ) {}

  /** Every slot, by plugin id. */
  get all(): ReadonlyMap<string, Slot> {
    return this.slots;
  }

  get(id: string): Slot | undefined {
    return this.slots.get(id);
  }

  /** The slot of `id`, when `folder` is the one that provides it. */
  ownedBy(folder: string, id: string | null): Slot | undefined {
    const slot = id === null ? undefined : this.slots.get(id);
    return slot?.folder === folder ? slot : undefined;
  }

  /**
   * `folder` provides `id` from now on, unless another folder does: then `folder` is refused
   * (PLUGIN_DUPLICATE_ID) and becomes an heir. Synchronous, so that no other folder can take the id
   * between check and claim. `formerId` is the id the folder provided until now, for the caller to release.
   */
  claim(folder: string, record: FolderRecord, id: string): { readonly slot: Slot; readonly formerId: string | null } | { readonly refused: JobHookError } {
    const owner = this.slots.get(id);
    if (owner && owner.folder !== folder) {
      record.duplicateOf = id;
      const message = `plugin id '${id}' in folder '${folder}' is already provided by folder '${owner.folder}'; each plugin id may be deployed once — remove one of the two folders`;
      return { refused: new JobHookError('PLUGIN_DUPLICATE_ID', message, id) };
    }
    record.duplicateOf = null;
    const formerId = record.id !== id ? record.id : null;
    record.id = id;
    const slot = owner ?? newSlot(id, folder, this.faultPolicy);
    this.slots.set(id, slot);
    return { slot, formerId };
  }

  /** `folder` no longer provides `id`: an heir takes it over, or the slot is dropped. */
  release(folder: string, id: string): SlotRelease {
    const slot = this.ownedBy(folder, id);
    if (!slot) return { kind: 'none' };
    const heir = this.folders.takeHeir(id, folder);
    if (heir === null) {
      this.slots.delete(id);
      return { kind: 'unloaded', slot };
    }
    slot.folder = heir;
    slot.orphaned = slot.active !== null;
    return { kind: 'moved', slot, heir };
  }

  /** Drops the slot of `id` if `folder` provides it, heirs or not, and returns it. */
  drop(folder: string, id: string): Slot | undefined {
    const slot = this.ownedBy(folder, id);
    if (slot) this.slots.delete(id);
    return slot;
  }

  /** The versions events may be routed to: active, not quarantined, not disabled by an admin. */
  routable(disabled: ReadonlySet<string>): PluginInstance[] {
    const out: PluginInstance[] = [];
    for (const slot of this.slots.values()) if (slot.active && !slot.faults.quarantined && !disabled.has(slot.id)) out.push(slot.active);
    return out;
  }

  /** Empties the table and returns what it held. */
  clear(): Slot[] {
    const all = [...this.slots.values()];
    this.slots.clear();
    return all;
  }
}
