/** Anything that holds a resource and lets it go; calling `dispose` twice is harmless. */
export interface Disposable {
  dispose(): void | Promise<void>;
}

/** Wraps a release function so that it runs at most once. */
export function toDisposable(release: () => void | Promise<void>): Disposable {
  let released = false;
  return {
    dispose() {
      if (released) return;
      released = true;
      return release();
    },
  };
}
