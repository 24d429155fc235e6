// Decides, at build time, which imports can work inside the JobHook sandbox and explains the ones that
// cannot with the chain of files that led to them — an author who imports a package that deep down
// needs `http` should learn it from `jobhook-sdk build`, not from a load error on the server.
import type { Metafile, Plugin } from 'esbuild';
import { existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { RUNTIME_PROVIDED_MODULES } from '../runtime-bundle.js';

const BUILTINS = new Set(builtinModules);
const PROVIDED = new Set(RUNTIME_PROVIDED_MODULES);
const NESTED_RESOLVE = 'jobhook-nested-resolve';

/**
 * How packages are resolved for the sandbox, which has the web-standard globals (fetch, URL,
 * TextEncoder, crypto.getRandomValues…) and no Node APIs: a package's worker or browser build is
 * chosen over its Node build (the `browser` field's file map included, which esbuild applies for the
 * browser platform only), as edge runtimes do, so e.g. `uuid` takes its `crypto.getRandomValues` path
 * instead of importing `crypto`.
 */
export const SANDBOX_RESOLUTION = { platform: 'browser', mainFields: ['browser', 'module', 'main'], conditions: ['worker', 'browser'] } as const;

/** Why an import cannot be bundled for the sandbox, or null when it can. */
export function refusalReason(specifier: string): string | null {
  if (PROVIDED.has(specifier)) return null;
  if (specifier.startsWith('node:')) return 'a Node built-in; the sandbox has no Node APIs';
  const bare = specifier.split('/')[0] ?? specifier;
  if (BUILTINS.has(specifier) || BUILTINS.has(bare)) return 'a Node built-in; the sandbox has no Node APIs';
  if (/\.node$/.test(specifier)) return 'a native addon; the sandbox runs JavaScript only';
  for (const provided of PROVIDED) {
    if (specifier.startsWith(`${provided}/`)) {
      return specifier.startsWith('@jobhook/sdk/')
        ? `not in the sandbox, which provides '@jobhook/sdk' itself only; subpaths such as '@jobhook/sdk/testing' are for tests and tools`
        : `a subpath of '${provided}', which the sandbox provides only as a whole`;
    }
  }
  return null;
}

/** Maps files of the temporary tsc output back to the author's `src/*.ts` for messages. */
export interface SourcePaths {
  /** Absolute path → what to print (relative to the plugin folder, compiled files as their source). */
  display(file: string): string;
  /** For a compiled file, the source folder it came from (for assets tsc does not copy). */
  sourceDirOf(compiledDir: string): string | null;
}

export function sourcePaths(pluginDir: string, srcDir: string, outDir: string): SourcePaths {
  const inside = (parent: string, child: string): string | null => {
    const rel = path.relative(parent, child);
    return rel.startsWith('..') || path.isAbsolute(rel) ? null : rel;
  };
  return {
    display(file) {
      const rel = inside(outDir, file);
      if (rel !== null) {
        const base = path.join(srcDir, rel).replace(/\.js$/, '');
        const source = ['.ts', '.tsx', '.mts', '.js'].map((ext) => base + ext).find((f) => existsSync(f)) ?? `${base}.ts`;
        return path.relative(pluginDir, source);
      }
      return path.relative(pluginDir, file) || file;
    },
    sourceDirOf(compiledDir) {
      const rel = inside(outDir, compiledDir);
      return rel === null ? null : path.join(srcDir, rel);
    },
  };
}

/**
 * esbuild plugin: leaves the runtime's modules external, sends relative assets tsc did not copy back
 * to `src/`, and marks imports the sandbox cannot satisfy as refused (they are reported from the
 * metafile afterwards, so that every one is listed at once with its import chain).
 */
export function sandboxImportsPlugin(paths: SourcePaths): Plugin {
  return {
    name: 'jobhook-sandbox-imports',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === NESTED_RESOLVE || args.kind === 'entry-point') return undefined;
        const specifier = args.path;
        if (PROVIDED.has(specifier)) return { path: specifier, external: true };
        // Files tsc emitted live in a temp folder; resolve their imports from where the author's source
        // lives, so packages and assets are found exactly as tsc (and Node) found them.
        const srcDir = paths.sourceDirOf(args.resolveDir);
        const fromSource = (): ReturnType<typeof build.resolve> =>
          build.resolve(specifier, { kind: args.kind, importer: args.importer, resolveDir: srcDir ?? args.resolveDir, pluginData: NESTED_RESOLVE });
        if (specifier.startsWith('.')) {
          const emitted = existsSync(path.resolve(args.resolveDir, specifier)) || existsSync(path.resolve(args.resolveDir, `${specifier}.js`));
          // A JSON or other asset next to the sources: tsc does not copy it into the temp output.
          return srcDir !== null && !emitted ? fromSource() : undefined;
        }
        const reason = refusalReason(specifier);
        if (reason === null) return srcDir !== null ? fromSource() : undefined;
        if (!specifier.startsWith('node:') && reason.startsWith('a Node built-in')) {
          // A polyfill package installed under a built-in's name (e.g. npm 'buffer', 'events') is fine.
          const polyfill = await fromSource();
          if (polyfill.errors.length === 0 && polyfill.path.includes(`${path.sep}node_modules${path.sep}`)) return polyfill;
        }
        return { path: specifier, external: true };
      });
    },
  };
}

/** One import the sandbox cannot satisfy, with the files that led to it. */
export interface RefusedImport {
  readonly specifier: string;
  readonly reason: string;
  /** Entry first, the file with the import last. */
  readonly chain: readonly string[];
}

/** Lists every refused import in a metafile with its shortest import chain from the entry. */
export function findRefusedImports(metafile: Metafile, absWorkingDir: string, entry: string, paths: SourcePaths): RefusedImport[] {
  const abs = (p: string): string => path.resolve(absWorkingDir, p);
  const inputs = new Map(Object.entries(metafile.inputs).map(([k, v]) => [abs(k), v]));
  const parent = new Map<string, string | null>([[entry, null]]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    for (const imp of inputs.get(file)?.imports ?? []) {
      if (imp.external) continue;
      const child = abs(imp.path);
      if (!parent.has(child)) {
        parent.set(child, file);
        queue.push(child);
      }
    }
  }
  const refused: RefusedImport[] = [];
  const seen = new Set<string>();
  for (const [file, input] of inputs) {
    for (const imp of input.imports) {
      const specifier = imp.original ?? imp.path;
      const reason = imp.external ? refusalReason(specifier) : null;
      if (reason === null || seen.has(`${file}\0${specifier}`)) continue;
      seen.add(`${file}\0${specifier}`);
      const chain: string[] = [];
      for (let at: string | null | undefined = file; at != null; at = parent.get(at)) chain.unshift(paths.display(at));
      refused.push({ specifier, reason, chain });
    }
  }
  return refused;
}

/** `src/index.ts → node_modules/x/http.js → 'http' (a Node built-in; …)` */
export function formatRefusedImport(r: RefusedImport): string {
  return `${[...r.chain, `'${r.specifier}'`].join(' → ')}  (${r.reason})`;
}
