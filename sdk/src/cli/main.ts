// `jobhook-sdk`: the plugin author's command line — init, build, build-all, pack. Started by
// bin/jobhook-sdk.js; each command is one entry of COMMANDS.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { PluginBuildError } from '../build/build-error.js';
import { initPlugin, PluginInitError } from '../init/init-plugin.js';
import { sdkVersion } from '../pack/sdk-version.js';
import { SIGN_COMMANDS } from '../sign/sign-commands.js';
import { command, runProgram, type Program } from './command-line.js';

// Loaded per command: TypeScript and esbuild take a while to import and `init` needs neither.
const loadBuild = () => import('../build/build-plugin.js');
const loadPack = () => import('../pack/pack-plugin.js');

/** A path as the user would type it: relative below the current folder, absolute elsewhere. */
function rel(p: string): string {
  const r = path.relative(process.cwd(), p);
  return r === '' ? '.' : r.startsWith('..') || path.isAbsolute(r) ? path.resolve(p) : r;
}

function report(e: unknown): number {
  if (e instanceof PluginBuildError) {
    process.stderr.write(`${rel(e.pluginDir)}: ${e.code}: ${e.message}\n`);
    return 1;
  }
  if (e instanceof PluginInitError) {
    process.stderr.write(`init: ${e.code}: ${e.message}\n`);
    return 1;
  }
  throw e;
}

async function isPluginSource(dir: string): Promise<boolean> {
  try {
    await stat(path.join(dir, 'plugin.json'));
    await stat(path.join(dir, 'src', 'index.ts'));
    return true;
  } catch {
    return false;
  }
}

async function buildOne(dir: string): Promise<boolean> {
  try {
    const { buildPlugin } = await loadBuild();
    const r = await buildPlugin(dir);
    process.stderr.write(`built ${rel(r.outfile)} (${r.bytes} bytes)\n`);
    return true;
  } catch (e) {
    return report(e) === 0;
  }
}

async function init(positionals: string[], values: Record<string, unknown>): Promise<number> {
  const dir = positionals[0]!;
  try {
    const r = await initPlugin(dir, {
      ...(typeof values.name === 'string' ? { name: values.name } : {}),
      ...(typeof values.id === 'string' ? { id: values.id } : {}),
      ...(typeof values['job-types'] === 'string' ? { jobTypes: values['job-types'].split(',') } : {}),
    });
    const lines = [`created plugin '${r.id}' in ${rel(r.dir)}:`, ...r.files.map((f) => `  ${f}`)];
    if (r.defaultJobTypes) {
      lines.push(
        'note: the handler runs for PEM inventory (a809ce1f-1eea-4738-a38e-15708c89c981) until you set your job types',
        '      (GET /KeyfactorAPI/CertificateStoreTypes/Name/{shortName} → InventoryJobType, ManagementJobType, …)',
      );
    }
    lines.push('next:', `  cd ${rel(r.dir)}`, '  npm install', '  npm test', '  npm run pack');
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (e) {
    return report(e);
  }
}

async function pack(positionals: string[], values: Record<string, unknown>): Promise<number> {
  try {
    const { packPlugin } = await loadPack();
    const r = await packPlugin(positionals[0] ?? '.', {
      ...(typeof values.out === 'string' ? { outDir: values.out } : {}),
      tgz: values['no-tgz'] !== true,
    });
    for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
    const lines = [`packed '${r.id}' ${r.version} (${r.bundleBytes} bytes, integrity ${r.integrity})`, `  folder  ${rel(r.folder)}`];
    if (r.tarball) lines.push(`  archive ${rel(r.tarball)}`);
    lines.push('deploy: unpack beside the host\'s plugins folder, then move the folder in (the host loads it live):');
    lines.push(r.tarball ? `  tar -xzf ${rel(r.tarball)} -C <staging> && mv <staging>/${r.id} <plugins>/` : `  cp -r ${rel(r.folder)} <staging>/ && mv <staging>/${r.id} <plugins>/`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (e) {
    return report(e);
  }
}

const COMMANDS = [
  command({
    name: 'init',
    summary: 'scaffold a plugin package with a passing test',
    args: '<dir>',
    description: `Scaffolds a plugin package in <dir> (new or empty): plugin.json, src/index.ts (a handler using DI,
options, the logger and the platform client), test/ with a passing test on the sandbox harness,
package.json (scripts build, test, pack), tsconfig.json, .mocharc.json. Then: npm install && npm test.`,
    flags: {
      name: { type: 'string', value: '"<name>"', description: 'human-readable name (default: the folder name)' },
      id: { type: 'string', value: '<id>', description: 'plugin id, e.g. acme.metadata-sync (default: derived from the name)' },
      'job-types': {
        type: 'string',
        value: '<guid>,…',
        description: 'comma-separated job-type GUIDs (default: PEM inventory, a809ce1f-…); find yours with\nGET /KeyfactorAPI/CertificateStoreTypes/Name/{shortName}',
      },
    },
    positionals: { min: 1, max: 1 },
    run: ({ positionals, values }) => init(positionals, values),
  }),
  command({
    name: 'build',
    summary: 'compile and bundle src/index.ts into plugin.json "main"',
    args: '[plugin-dir]',
    description: `Compiles src/index.ts with TypeScript (decorator metadata, which tsyringe needs) and bundles it with
esbuild into plugin.json's "main". Refuses imports the sandbox cannot run (Node built-ins, native
addons), listing each with its import chain. Default plugin-dir: the current folder.`,
    positionals: { max: 1 },
    run: async ({ positionals }) => ((await buildOne(positionals[0] ?? '.')) ? 0 : 1),
  }),
  command({
    name: 'build-all',
    summary: 'build every plugin package under <dir>',
    args: '<dir>',
    description: 'Builds every plugin package (a folder with plugin.json and src/index.ts) directly under <dir>.',
    positionals: { min: 1, max: 1 },
    run: ({ positionals }) => buildAll(positionals[0]!),
  }),
  command({
    name: 'pack',
    summary: 'validate, build, set "integrity", write folder + .tgz',
    args: '[plugin-dir]',
    description: `Validates plugin.json against the manifest schema, builds, writes the bundle's sha256 into
"integrity", and writes a drop-ready folder <out>/<id>/ plus <out>/<id>-<version>.tgz
(default out: <plugin-dir>/out). Deploy by unpacking beside the host's plugins folder and then
moving the folder in: tar -xzf <id>-<version>.tgz -C /srv/jobhook/incoming &&
mv /srv/jobhook/incoming/<id> /srv/jobhook/plugins/`,
    flags: {
      out: { type: 'string', value: '<dir>', description: 'output folder (default: <plugin-dir>/out)' },
      'no-tgz': { type: 'boolean', description: 'write the folder only' },
    },
    positionals: { max: 1 },
    run: ({ positionals, values }) => pack(positionals, values),
  }),
  ...SIGN_COMMANDS,
];

async function buildAll(target: string): Promise<number> {
  let ok = true;
  for (const name of (await readdir(target)).sort()) {
    const dir = path.join(target, name);
    if (await isPluginSource(dir)) ok = (await buildOne(dir)) && ok;
  }
  return ok ? 0 : 1;
}

/** The plugin author's command line, as a table others extend with one entry per command. */
export const SDK_PROGRAM: Program = {
  name: 'jobhook-sdk',
  version: sdkVersion(),
  summary: 'Scaffold, build, test and pack JobHook plugins.',
  commands: COMMANDS,
};

process.exitCode = await runProgram(SDK_PROGRAM, process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
