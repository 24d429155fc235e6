import type { FolderRecord } from './registry-records.js';

/**
 * What the registry knows of each plugin folder, by resolved path, including the folders refused
 * because another folder provides their plugin id: those wait to inherit the id when it is freed.
 */
export class FolderRecords {
  private readonly records = new Map<string, FolderRecord>();

  /** Every record, by folder. */
  get all(): ReadonlyMap<string, FolderRecord> {
    return this.records;
  }

  get(folder: string): FolderRecord | undefined {
    return this.records.get(folder);
  }

  /** The record of `folder`, an empty one made and kept if there was none. */
  ensure(folder: string): FolderRecord {
    let record = this.records.get(folder);
    if (!record) this.records.set(folder, (record = { id: null, error: null, hash: null, duplicateOf: null }));
    return record;
  }

  /** Forgets `folder` (its files are gone) and returns what was known of it. */
  delete(folder: string): FolderRecord | undefined {
    const record = this.records.get(folder);
    this.records.delete(folder);
    return record;
  }

  /**
   * The folder, first by name and other than `from`, that was refused as a duplicate of `id`; it is
   * no longer refused, so that it can take the id over. Null when no folder waits for `id`.
   */
  takeHeir(id: string, from: string): string | null {
    const heir = [...this.records.entries()]
      .filter(([f, rec]) => f !== from && rec.duplicateOf === id)
      .map(([f]) => f)
      .sort()[0];
    if (heir === undefined) return null;
    const record = this.records.get(heir)!;
    record.duplicateOf = null;
    record.error = null;
    return heir;
  }
}
