/** How long the watcher waits at each step (ms). */
export interface WatchTimings {
  /**
   * Quiet time after a folder's last file event before it is read. chokidar reports a burst of
   * writes to one file within 50 ms as one event, so this must stay well above 50.
   */
  readonly settleMs: number;
  /**
   * How long a vanished folder must stay gone before its plugin is unloaded: a folder moved away
   * and another moved in its place (`mv x x.old && mv x.new x`) is a replacement, not a removal.
   */
  readonly unlinkGraceMs: number;
  /** While a folder looks half-written, it is read again this often even without file events. */
  readonly recheckMs: number;
  /**
   * A folder that still looks half-written this long after its last file event is handed to the
   * registry, which refuses it and reports why (an empty folder, a plugin.json that never came).
   */
  readonly incompleteGraceMs: number;
}

/**
 * Defaults tuned with bench/hot-reload.ts: a drop is live in about 170 ms (goal ≤ 300 ms), and a
 * copy that pauses up to ~100 ms between writes is not loaded half-written (at 100 ms it sometimes
 * was, on a busy machine; `integrity` in plugin.json rules it out whatever the pauses).
 */
export const DEFAULT_WATCH_TIMINGS: WatchTimings = {
  settleMs: 150,
  unlinkGraceMs: 300,
  recheckMs: 250,
  incompleteGraceMs: 3000,
};
