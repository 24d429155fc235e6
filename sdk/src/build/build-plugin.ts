import { build, type Message } from 'esbuild';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RUNTIME_PROVIDED_MODULES } from '../runtime-bundle.js';
import { PluginBuildError } from './build-error.js';
import { compileTypeScript } from './compile-typescript.js';

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
  if (typeof main !== 'string' || main.length === 0 || path.isAbsolute(main) || main.split(/[\\/]/).includes('..')) {
    throw new PluginBuildError('BUILD_BAD_MAIN', pluginDir, `plugin.json "main" must be a relative path inside the package, e.g. "dist/plugin.js"`);
  }
  return main;
}

function formatEsbuildMessage(m: Message): string {
  const where = m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ` : '';
  return `${where}${m.text}`;
}

/**
 * Builds a plugin package: tsc (decorator metadata) compiles `src/index.ts`, then esbuild bundles
 * it into the manifest's `main` as one CommonJS script, leaving the SDK to the in-isolate runtime.
 */
export async function buildPlugin(pluginDir: string): Promise<PluginBuildResult> {
  const dir = path.resolve(pluginDir);
  const main = await readMain(dir);
  const entry = path.join(dir, 'src', 'index.ts');
  try {
    await stat(entry);
  } catch {
    throw new PluginBuildError('BUILD_NO_ENTRY', dir, `no src/index.ts: the plugin's entry must be src/index.ts`);
  }
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'jobhook-build-'));
  try {
    const compiled = compileTypeScript(dir, entry, outDir);
    const outfile = path.join(dir, main);
    try {
      await build({
        entryPoints: [compiled],
        bundle: true,
        format: 'cjs',
        platform: 'neutral',
        mainFields: ['module', 'main'],
        target: 'es2022',
        external: [...RUNTIME_PROVIDED_MODULES],
        outfile,
        legalComments: 'none',
        logLevel: 'silent',
        absWorkingDir: dir,
      });
    } catch (e) {
      const errors = ((e as { errors?: Message[] }).errors ?? []).map(formatEsbuildMessage);
      throw new PluginBuildError('BUILD_BUNDLE_FAILED', dir, `bundling failed (the sandbox has no Node built-ins, fs or network)`, errors, { cause: e });
    }
    return { pluginDir: dir, outfile, bytes: (await stat(outfile)).size };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
