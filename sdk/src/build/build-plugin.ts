import { build, type Message } from 'esbuild';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isSafeMainPath } from '../contract/main-path.js';
import { RUNTIME_PROVIDED_MODULES } from '../runtime-bundle.js';
import { PluginBuildError } from './build-error.js';
import { compileTypeScript } from './compile-typescript.js';
import { findRefusedImports, formatRefusedImport, SANDBOX_RESOLUTION, sandboxImportsPlugin, sourcePaths } from './sandbox-imports.js';

/** What a successful build wrote. */
export interface PluginBuildResult {
  readonly pluginDir: string;
  readonly outfile: string;
  readonly bytes: number;
}

async function readMain(pluginDir: string): Promise<string> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(path.join(pluginDir, 'plugin.json'), 'utf8'));
  } catch (e) {
    throw new PluginBuildError('BUILD_NO_MANIFEST', pluginDir, `plugin.json could not be read: ${(e as Error).message}`, [], { cause: e });
  }
  const main = (manifest as { main?: unknown }).main;
  if (typeof main !== 'string' || main.length === 0 || !isSafeMainPath(main)) {
    throw new PluginBuildError('BUILD_BAD_MAIN', pluginDir, `plugin.json "main" must be a relative path inside the package, e.g. "dist/plugin.js"`);
  }
  return main;
}

function formatEsbuildMessage(m: Message, display: (file: string) => string, cwd: string): string {
  const where = m.location ? `${display(path.resolve(cwd, m.location.file))}:${m.location.line}:${m.location.column + 1}: ` : '';
  return `${where}${m.text}`;
}

/**
 * Builds a plugin package: tsc (decorator metadata) compiles `src/index.ts`, then esbuild bundles
 * it into the manifest's `main` as one CommonJS script, leaving the SDK to the in-isolate runtime.
 * Imports the sandbox cannot satisfy (Node built-ins, native addons) are refused with their chain.
 */
export async function buildPlugin(pluginDir: string): Promise<PluginBuildResult> {
  const dir = path.resolve(pluginDir);
  const main = await readMain(dir);
  const srcDir = path.join(dir, 'src');
  const entry = path.join(srcDir, 'index.ts');
  try {
    await stat(entry);
  } catch {
    throw new PluginBuildError('BUILD_NO_ENTRY', dir, `no src/index.ts: the plugin's entry must be src/index.ts`);
  }
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'jobhook-build-'));
  try {
    const compiled = compileTypeScript(dir, entry, outDir);
    const paths = sourcePaths(dir, srcDir, outDir);
    let bundled;
    try {
      bundled = await build({
        entryPoints: [compiled],
        bundle: true,
        format: 'cjs',
        platform: SANDBOX_RESOLUTION.platform,
        mainFields: [...SANDBOX_RESOLUTION.mainFields],
        conditions: [...SANDBOX_RESOLUTION.conditions],
        target: 'es2022',
        external: [...RUNTIME_PROVIDED_MODULES],
        plugins: [sandboxImportsPlugin(paths)],
        metafile: true,
        write: false,
        outfile: path.join(dir, main),
        legalComments: 'none',
        logLevel: 'silent',
        absWorkingDir: dir,
      });
    } catch (e) {
      const errors = ((e as { errors?: Message[] }).errors ?? []).map((m) => formatEsbuildMessage(m, paths.display, dir));
      throw new PluginBuildError('BUILD_BUNDLE_FAILED', dir, `bundling failed`, errors, { cause: e });
    }
    const refused = findRefusedImports(bundled.metafile, dir, compiled, paths);
    if (refused.length > 0) {
      throw new PluginBuildError(
        'BUILD_SANDBOX_IMPORT',
        dir,
        `the plugin imports ${refused.length === 1 ? 'a module' : `${refused.length} modules`} the JobHook sandbox cannot provide ` +
          `(plugins run in a V8 isolate with the web-standard globals — fetch, URL, TextEncoder, crypto… — but without Node APIs, ` +
          `file system or sockets; use the injected HttpClient or fetch for HTTP, and packages whose browser or worker build needs only those globals)`,
        refused.map(formatRefusedImport),
      );
    }
    const out = bundled.outputFiles[0];
    if (out === undefined) throw new PluginBuildError('BUILD_BUNDLE_FAILED', dir, 'esbuild produced no output');
    await mkdir(path.dirname(out.path), { recursive: true });
    await writeFile(out.path, out.contents);
    return { pluginDir: dir, outfile: out.path, bytes: out.contents.byteLength };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
