import { type Disposable, toDisposable } from './disposable.js';
import { DisposedError } from './lifecycle-error.js';

/**
 * Owns a set of resources and releases them together, newest first, so that what was built on top
 * of something is gone before it. `add` returns a handle that releases one resource early. Disposing
 * is idempotent; one failing release does not stop the others, and the first failure is rethrown
 * once all have run.
 */
export class DisposableStore implements Disposable {
  private readonly owned = new Set<Disposable>();
  private disposing: Promise<void> | undefined;
  private disposed = false;

  constructor(private readonly what = 'this owner') {}

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Takes ownership; the returned handle disposes the resource now and forgets it. */
  add<T extends Disposable>(resource: T): Disposable {
    if (this.disposed) {
      // The caller already built it: let it go rather than leak it, then refuse.
      void Promise.resolve().then(() => resource.dispose()).catch(() => undefined);
      throw new DisposedError(this.what);
    }
    this.owned.add(resource);
    return toDisposable(() => {
      if (!this.owned.delete(resource)) return;
      return resource.dispose();
    });
  }

  /** Registers a release function, as `add(toDisposable(release))`. */
  defer(release: () => void | Promise<void>): Disposable {
    return this.add(toDisposable(release));
  }

  dispose(): Promise<void> {
    // Marked first, so that a release running now already sees its owner as disposed.
    this.disposed = true;
    this.disposing ??= this.releaseAll();
    return this.disposing;
  }

  private async releaseAll(): Promise<void> {
    let firstFailure: { error: unknown } | undefined;
    for (const resource of [...this.owned].reverse()) {
      this.owned.delete(resource);
      try {
        await resource.dispose();
      } catch (error) {
        firstFailure ??= { error };
      }
    }
    if (firstFailure) throw firstFailure.error;
  }
}
