// Helpers for the authors' kit tests: run the real `jobhook-sdk` CLI and npm as child processes
// against plugin packages scaffolded into temp folders.
import { execFile } from 'node:child_process';
import { readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jobhookSdk, type CliRun } from '../../support/cli-runner.js';
import { tempDir } from '../../support/temp-dir.js';

export { explain } from '../../support/cli-runner.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A custom job-type GUID, written upper-case the way Keyfactor's examples do. */
export const STORE_INVENTORY_GUID = '5B2E7C61-0D1A-4F9E-9C3B-7E0F4A2D8B11';

/** How a command ended (null: a signal ended it), and what it wrote. */
export type ProcessResult = Pick<CliRun, 'code' | 'stdout' | 'stderr'>;

/** Child environment without the test runner's NODE_OPTIONS, so packages prove their own flags. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  return { ...env, NO_COLOR: '1', npm_config_update_notifier: 'false' };
}

/** Runs a command to completion (never rejects on a non-zero exit). */
export function run(command: string, args: readonly string[], cwd: string, timeoutMs = 120_000, env: NodeJS.ProcessEnv = cleanEnv()): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      if (error !== null && code === -1) reject(Object.assign(error, { stdout, stderr }));
      else resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** `jobhook-sdk <args>` in `cwd`, as an author would type it. */
export function sdkCli(args: readonly string[], cwd: string): Promise<CliRun> {
  return jobhookSdk(args, { cwd, env: cleanEnv(), killAfterMs: 120_000 });
}

// Where each of a scaffold's devDependencies comes from in the workspace. A scaffold that gains a
// dependency fails the install below until it is mapped here.
const WORKSPACE_SOURCES: Record<string, string> = {
  '@jobhook/sdk': 'sdk',
  '@jobhook/host': 'host',
  '@types/mocha': 'node_modules/@types/mocha',
  '@types/node': 'node_modules/@types/node',
  mocha: 'node_modules/mocha',
  tsx: 'node_modules/tsx',
  typescript: 'node_modules/typescript',
};

/**
 * A real `npm install` of a scaffolded package that needs neither the registry nor anything an npm
 * cache or an earlier install left behind: every devDependency points at its folder in the
 * workspace (npm links those), `--offline`, and a new, empty npm cache of its own.
 */
export async function installFromWorkspace(pluginDir: string): Promise<ProcessResult> {
  const pkg = JSON.parse(await readFile(path.join(pluginDir, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string>; dependencies?: Record<string, string> };
  const wanted = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
  const unmapped = wanted.filter((name) => !(name in WORKSPACE_SOURCES));
  if (unmapped.length > 0) throw new Error(`the scaffold depends on ${unmapped.join(', ')}, which installFromWorkspace does not map to a workspace folder`);
  const set = await run('npm', ['pkg', 'set', ...wanted.map((name) => `devDependencies.${name}=file:${path.join(REPO, WORKSPACE_SOURCES[name]!)}`)], pluginDir);
  if (set.code !== 0) return set;
  const cache = await tempDir('jobhook-empty-npm-cache-');
  try {
    return await run('npm', ['install', '--offline', '--no-audit', '--no-fund'], pluginDir, 120_000, { ...cleanEnv(), npm_config_cache: cache.path });
  } finally {
    await cache.dispose();
  }
}

/** Gives a package the workspace's installed modules (the SDK, host, mocha, tsx) without npm. */
export async function linkWorkspaceModules(pluginDir: string): Promise<void> {
  await symlink(path.join(REPO, 'node_modules'), path.join(pluginDir, 'node_modules'), 'dir');
}
