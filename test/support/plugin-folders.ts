// Real plugin folders for hot-drop tests and the hot-reload bench: generated packages, and the ways
// an admin (or a deploy tool) puts them into, changes them in, and takes them out of a plugins folder.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { PluginChange } from '@jobhook/host';
import { GUID_A } from './foundation-plugins.js';
import { sleep, waitFor as waitForCondition } from './wait-for.js';

const run = promisify(execFile);

/** A generated plugin: one handler on `jobTypes` that returns true (false for an event it saw before). */
export interface HotPluginSpec {
  readonly id: string;
  readonly version?: string;
  readonly jobTypes?: readonly string[];
  readonly handler?: string;
  /** JS statements run before the handler answers; `ctx` is the context. */
  readonly body?: string;
  /** Write `integrity` (sha256 of the bundle) into plugin.json. */
  readonly integrity?: boolean;
  /** Replace the bundle with this source (e.g. a broken one). */
  readonly bundle?: string;
  /** Pad the bundle with a comment of this many bytes, to make writes slow enough to catch half-way. */
  readonly padBytes?: number;
}

/** The two files of a generated plugin package. */
export interface HotPluginFiles {
  readonly manifest: string;
  readonly bundle: string;
}

/** plugin.json and dist/plugin.js for `spec`. */
export function hotPluginFiles(spec: HotPluginSpec): HotPluginFiles {
  const jobTypes = spec.jobTypes ?? [GUID_A];
  const handler = spec.handler ?? 'H';
  const bundle =
    spec.bundle ??
    `'use strict';
const sdk = require('@jobhook/sdk');
// Every event has its own jobId: one seen twice by this version means it ran twice.
const seen = new Set();
class Handler {
  constructor() { this.jobTypes = ${JSON.stringify(jobTypes.join(','))}; }
  async runHandler(ctx) {
    if (seen.has(ctx.jobId)) return false;
    seen.add(ctx.jobId);
    ${spec.body ?? ''}
    return true;
  }
}
sdk.jobCompleteHandler(${JSON.stringify(handler)})(Handler);
${spec.padBytes ? `/*${'x'.repeat(spec.padBytes)}*/\n` : ''}`;
  const manifest = {
    id: spec.id,
    name: `Hot-drop test plugin ${spec.id}`,
    version: spec.version ?? '1.0.0',
    engine: '^0.1.0',
    main: 'dist/plugin.js',
    handlers: [{ name: handler, jobTypes }],
    limits: { timeoutMs: 2000, memoryMb: 32, concurrency: 16 },
    ...(spec.integrity ? { integrity: `sha256-${createHash('sha256').update(bundle).digest('base64')}` } : {}),
  };
  return { manifest: `${JSON.stringify(manifest, null, 2)}\n`, bundle };
}

/** Writes a package into `dir` (created if needed), plugin.json first. */
export async function writePackage(dir: string, spec: HotPluginSpec): Promise<void> {
  const files = hotPluginFiles(spec);
  await mkdir(path.join(dir, 'dist'), { recursive: true });
  await writeFile(path.join(dir, 'plugin.json'), files.manifest);
  await writeFile(path.join(dir, 'dist', 'plugin.js'), files.bundle);
}

/** The recommended deploy: build beside under an ignored name, then one atomic rename. */
export async function dropByRename(pluginsDir: string, folder: string, spec: HotPluginSpec): Promise<void> {
  const staging = path.join(pluginsDir, `.${folder}.incoming`);
  await rm(staging, { recursive: true, force: true });
  await writePackage(staging, spec);
  await rename(staging, path.join(pluginsDir, folder));
}

/** `cp -r` of a finished package from elsewhere straight into the plugins folder. */
export async function dropByCopy(pluginsDir: string, folder: string, spec: HotPluginSpec, stagingRoot: string): Promise<void> {
  const source = path.join(stagingRoot, `${folder}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  await writePackage(source, spec);
  await run('cp', ['-r', `${source}/.`, path.join(pluginsDir, folder)]);
  await rm(source, { recursive: true, force: true });
}

/** A tarball of the package (entries under `folder/`) extracted in place by `tar`. */
export async function dropByTar(pluginsDir: string, folder: string, spec: HotPluginSpec, stagingRoot: string): Promise<void> {
  const build = path.join(stagingRoot, `tar-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  await writePackage(path.join(build, folder), spec);
  const tarball = `${build}.tgz`;
  await run('tar', ['-czf', tarball, '-C', build, folder]);
  await run('tar', ['-xzf', tarball, '-C', pluginsDir]);
  await rm(build, { recursive: true, force: true });
  await rm(tarball, { force: true });
}

/** Replace by swapping folders: `mv x .x.old && mv .x.new x && rm -rf .x.old`. */
export async function replaceBySwap(pluginsDir: string, folder: string, spec: HotPluginSpec): Promise<void> {
  const incoming = path.join(pluginsDir, `.${folder}.new`);
  const old = path.join(pluginsDir, `.${folder}.old`);
  await writePackage(incoming, spec);
  await rename(path.join(pluginsDir, folder), old);
  await rename(incoming, path.join(pluginsDir, folder));
  await rm(old, { recursive: true, force: true });
}

/** Writes `text` to `file` in `chunks` pieces with `pauseMs` between them (a slow copy). */
export async function writeSlowly(file: string, text: string, chunks: number, pauseMs: number): Promise<void> {
  const handle = await open(file, 'w');
  try {
    const size = Math.ceil(text.length / chunks);
    for (let i = 0; i < text.length; i += size) {
      await handle.write(text.slice(i, i + size));
      if (i + size < text.length) await sleep(pauseMs);
    }
  } finally {
    await handle.close();
  }
}

/** The older `(what, check, timeoutMs)` form of `waitFor` in wait-for.ts, for callers not yet moved over. */
export function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  return waitForCondition(check, { what, timeoutMs });
}

/** Records the host's plugin changes, so tests can wait for one and assert what was never reported. */
export class ChangeLog {
  readonly all: PluginChange[] = [];
  readonly listener = (change: PluginChange): void => {
    this.all.push(change);
  };

  /** Waits for a change matching `match` recorded at index `from` or later. */
  next(match: (c: PluginChange) => boolean, from = 0, timeoutMs = 5000): Promise<PluginChange> {
    return waitForCondition(() => this.all.slice(from).find(match), { what: 'a plugin change', timeoutMs });
  }

  /** Kinds recorded for plugin id or folder name `who`, in order. */
  kinds(who: string): string[] {
    return this.all.filter((c) => c.id === who || path.basename(c.folder) === who).map((c) => c.kind);
  }
}
