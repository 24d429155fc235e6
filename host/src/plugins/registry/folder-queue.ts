const noop = (): void => {};

interface Waiting {
  readonly key: string;
  arg: unknown;
  promise: Promise<unknown>;
}

/**
 * Runs work for one plugin folder at a time, in arrival order, and merges a request into an equal one
 * that is still waiting (so a burst of file events costs one reload, not one per event). Folders
 * proceed independently of each other.
 */
export class FolderQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly waiting = new Map<string, Waiting>();

  /** Runs `work` after everything already queued for `folder`; never merged. */
  run<T>(folder: string, work: () => Promise<T>): Promise<T> {
    // Whatever waits now runs before this, so a later request must not join it and jump this one.
    this.waiting.delete(folder);
    const previous = this.tails.get(folder) ?? Promise.resolve();
    const result = previous.then(work);
    const tail = result.then(noop, noop);
    this.tails.set(folder, tail);
    void tail.then(() => {
      if (this.tails.get(folder) === tail) this.tails.delete(folder);
    });
    return result;
  }

  /**
   * Like `run`, but if the last request queued for `folder` has the same `key` and has not started,
   * this joins it: both callers get its result, and its work receives the newest `arg`.
   */
  merge<T, A>(folder: string, key: string, arg: A, work: (arg: A) => Promise<T>): Promise<T> {
    const last = this.waiting.get(folder);
    if (last && last.key === key) {
      last.arg = arg;
      return last.promise as Promise<T>;
    }
    const entry: Waiting = { key, arg, promise: Promise.resolve() };
    entry.promise = this.run(folder, () => {
      if (this.waiting.get(folder) === entry) this.waiting.delete(folder);
      return work(entry.arg as A);
    });
    this.waiting.set(folder, entry);
    return entry.promise as Promise<T>;
  }

  /** Settles once everything queued so far (for every folder) has finished. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.allSettled([...this.tails.values()]);
  }
}
