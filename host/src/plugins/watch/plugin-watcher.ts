import path from 'node:path';
import { watch } from 'chokidar';
import { describeError } from '../../errors.js';
import { DisposableStore } from '../../lifecycle/disposable-store.js';
import { InFlight } from '../../lifecycle/in-flight.js';
import type { HostLogger } from '../../logging/logger.js';
import type { ManifestSchema } from '../package/manifest-schema.js';
import type { PackageRules } from '../package/package-rules.js';
import type { PluginPackage } from '../package/read-plugin-package.js';
import type { PluginChange } from '../registry/plugin-change.js';
import { isIgnoredEntry, listPluginFolders } from '../registry/plugin-folder-entry.js';
import type { PluginErrorRecord } from '../registry/plugin-state.js';
import { probePackage } from './package-probe.js';
import { DEFAULT_WATCH_TIMINGS, type WatchTimings } from './watch-timings.js';

/** What the watcher drives: the plugin registry (a small fake of it in unit tests). */
export interface PluginFolderSink {
  sync(folder: string, pkg?: PluginPackage | Error): Promise<PluginChange>;
  remove(folder: string): Promise<PluginChange>;
  folderState(folder: string): { readonly hash: string | null; readonly error: PluginErrorRecord | null } | undefined;
  knownFolders(): string[];
}

/** What a PluginWatcher needs. */
export interface PluginWatcherOptions {
  readonly pluginsDir: string;
  readonly sink: PluginFolderSink;
  readonly schema: ManifestSchema;
  /** Size caps and trust policy for every package read; default caps, no signature checks. */
  readonly packageRules?: PackageRules;
  readonly logger: HostLogger;
  readonly timings?: Partial<WatchTimings>;
}

interface FolderWatch {
  timer: NodeJS.Timeout | null;
  running: boolean;
  /** A settle came due while one was running. */
  again: boolean;
  lastEventAt: number;
  missingSince: number | null;
  /** plugin.json itself was written: re-send even identical content (how an admin retries a load). */
  manifestTouched: boolean;
  /** What was last handed to the sink: a content hash, or `error:<message>`; not sent twice in a row. */
  lastSent: string | null;
}

// Plugin code lives a few folders down at most; a bound keeps a stray deep tree from eating watches.
const WATCH_DEPTH = 8;

/**
 * Watches the plugins folder and keeps the registry in step with it. Each direct
 * sub-folder is one package; file events only mark a folder dirty. Once a folder has been quiet for
 * `settleMs` it is read and hashed: new content is handed to the registry, a folder that looks
 * half-written is re-read until it completes, and a vanished folder is unloaded only if it stays
 * gone for `unlinkGraceMs` (so `mv` dances and `rm -rf` + copy are replacements).
 */
export class PluginWatcher {
  private readonly root: string;
  private readonly timings: WatchTimings;
  private readonly state = new Map<string, FolderWatch>();
  /** Settles under way; closing waits for them. */
  private readonly settling = new InFlight();
  /** Released newest first on close: the folder timers, then chokidar, then the wait for settles. */
  private readonly owned = new DisposableStore('the plugin watcher');
  private started = false;

  constructor(private readonly options: PluginWatcherOptions) {
    this.root = path.resolve(options.pluginsDir);
    this.timings = { ...DEFAULT_WATCH_TIMINGS, ...options.timings };
    this.owned.defer(async () => {
      await this.settling.idle();
    });
  }

  private get closed(): boolean {
    return this.owned.isDisposed;
  }

  /**
   * Starts watching; resolves once chokidar's initial scan is done and every folder is re-checked.
   * `loaded` is the registry's initial load, if still under way: the scan runs beside it, and the
   * re-check waits for it (a failed load fails the start).
   */
  async start(loaded: Promise<unknown> = Promise.resolve()): Promise<void> {
    if (this.started || this.closed) return;
    this.started = true;
    const watcher = watch(this.root, {
      ignoreInitial: true,
      // Our own settle/unlink grace replaces chokidar's atomic-write guess (which delays unlinks).
      atomic: false,
      // Plugin folders that are links are refused, not followed (see linkedFolderError).
      followSymlinks: false,
      depth: WATCH_DEPTH,
      ignored: (p, stats) => this.isIgnored(p, stats?.isFile() ?? false),
    });
    this.owned.defer(() => watcher.close());
    this.owned.defer(() => {
      for (const st of this.state.values()) if (st.timer) clearTimeout(st.timer);
      this.state.clear();
    });
    watcher.on('all', (_event, p) => this.onPath(p));
    watcher.on('error', (e) => this.onError(e as NodeJS.ErrnoException));
    await Promise.all([new Promise<void>((resolve) => watcher.once('ready', resolve)), loaded]);
    // What changed between the initial load and `ready` produced no event: look at everything once.
    const onDisk = await listPluginFolders(this.root).catch(() => []);
    const folders = new Set([...this.options.sink.knownFolders(), ...onDisk.map((entry) => entry.folder)]);
    for (const folder of folders) {
      const known = this.options.sink.folderState(folder);
      const st = this.folder(folder);
      st.lastSent = known ? (known.hash ?? (known.error ? `error:${known.error.message}` : null)) : null;
      this.schedule(folder, st, this.timings.settleMs);
    }
  }

  /** Stops watching, cancels every timer and waits for reloads it started. Idempotent. */
  close(): Promise<void> {
    return this.owned.dispose();
  }

  private onError(e: NodeJS.ErrnoException): void {
    const advice =
      e.code === 'ENOSPC'
        ? 'the system limit on file watches is reached: changes may go unnoticed until it is raised (sysctl fs.inotify.max_user_watches)'
        : `watching the plugins folder reported an error: ${e.message}`;
    this.options.logger.error({ code: e.code, err: e.message, pluginsDir: this.root }, advice);
  }

  private isIgnored(p: string, isFile: boolean): boolean {
    const rel = path.relative(this.root, p);
    if (rel === '' || rel.startsWith('..')) return false;
    const parts = rel.split(path.sep);
    // A loose file beside the plugin folders (a tarball being downloaded) is not a package.
    if (parts.length === 1 && isFile) return true;
    return parts.some(isIgnoredEntry);
  }

  private onPath(p: string): void {
    const rel = path.relative(this.root, p);
    if (rel === '' || rel.startsWith('..')) return;
    const parts = rel.split(path.sep);
    const folder = path.join(this.root, parts[0]!);
    const st = this.folder(folder);
    st.lastEventAt = Date.now();
    if (parts.length === 2 && parts[1] === 'plugin.json') st.manifestTouched = true;
    this.schedule(folder, st, this.timings.settleMs);
  }

  private folder(folder: string): FolderWatch {
    let st = this.state.get(folder);
    if (!st) {
      st = { timer: null, running: false, again: false, lastEventAt: Date.now(), missingSince: null, manifestTouched: false, lastSent: null };
      this.state.set(folder, st);
    }
    return st;
  }

  private schedule(folder: string, st: FolderWatch, delayMs: number): void {
    if (this.closed) return;
    if (st.timer) clearTimeout(st.timer);
    st.timer = setTimeout(() => {
      st.timer = null;
      this.run(folder, st);
    }, delayMs);
  }

  private run(folder: string, st: FolderWatch): void {
    if (this.closed) return;
    if (st.running) {
      st.again = true;
      return;
    }
    st.running = true;
    const leave = this.settling.enter();
    void this.settle(folder, st)
      .catch((e: unknown) => {
        const { code, message } = describeError(e);
        if (!this.closed) this.options.logger.warn({ folder, code, err: message }, `reloading plugin folder ${folder} failed: ${message}`);
      })
      .finally(() => {
        leave();
        st.running = false;
        if (st.again && !this.closed && this.state.get(folder) === st) {
          st.again = false;
          this.schedule(folder, st, 0);
        }
      });
  }

  private async settle(folder: string, st: FolderWatch): Promise<void> {
    const probe = await probePackage(folder, this.options.schema, this.options.packageRules);
    if (this.closed) return;
    const now = Date.now();
    const { sink, logger } = this.options;
    if (probe.kind === 'missing') {
      if (st.lastSent === null && sink.folderState(folder) === undefined) {
        this.state.delete(folder);
        return;
      }
      st.missingSince ??= now;
      const left = st.missingSince + this.timings.unlinkGraceMs - now;
      if (left > 0) return this.schedule(folder, st, left);
      this.state.delete(folder);
      await sink.remove(folder);
      return;
    }
    st.missingSince = null;
    if (probe.kind === 'incomplete') {
      const quietFor = now - st.lastEventAt;
      if (quietFor < this.timings.incompleteGraceMs) {
        logger.debug({ folder, reason: probe.reason }, `plugin folder ${path.basename(folder)} looks half-written (${probe.reason}); waiting for it to complete`);
        return this.schedule(folder, st, Math.min(this.timings.recheckMs, this.timings.incompleteGraceMs - quietFor));
      }
    }
    const key = probe.kind === 'ready' ? probe.pkg.contentHash : `error:${describeError(probe.error).message}`;
    if (key === st.lastSent && !st.manifestTouched) return;
    st.lastSent = key;
    st.manifestTouched = false;
    await sink.sync(folder, probe.kind === 'ready' ? probe.pkg : probe.error);
  }
}
