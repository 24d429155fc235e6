#!/usr/bin/env node
// `jobhook-sdk`: the plugin author's command line — init, build, build-all, pack, keygen, sign.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PluginBuildError } from '../build/build-error.js';
import { initPlugin, PluginInitError } from '../init/init-plugin.js';
import { keygenCommand, SIGN_HELP, signCommand } from '../sign/sign-commands.js';

// Loaded per command: TypeScript and esbuild take a while to import and `init` needs neither.
const loadBuild = () => import('../build/build-plugin.js');
const loadPack = () => import('../pack/pack-plugin.js');

const HELP: Record<string, string> = {
  init: `jobhook-sdk init <dir> [--name "<name>"] [--id <id>] [--job-types <guid>,<guid>…]
    Scaffolds a plugin package in <dir> (new or empty): plugin.json, src/index.ts (a handler using DI,
    options, the logger and the platform client), test/ with a passing test on the sandbox harness,
    package.json (scripts build, test, pack), tsconfig.json, .mocharc.json. Then: npm install && npm test.
    --name        human-readable name (default: the folder name)
    --id          plugin id, e.g. acme.metadata-sync (default: derived from the name)
    --job-types   comma-separated job-type GUIDs (default: PEM inventory, a809ce1f-…); find yours with
                  GET /KeyfactorAPI/CertificateStoreTypes/Name/{shortName}`,
  build: `jobhook-sdk build [plugin-dir]
    Compiles src/index.ts with TypeScript (decorator metadata, which tsyringe needs) and bundles it with
    esbuild into plugin.json's "main". Refuses imports the sandbox cannot run (Node built-ins, native
    addons), listing each with its import chain. Default plugin-dir: the current folder.`,
  'build-all': `jobhook-sdk build-all <dir>
    Builds every plugin package (a folder with plugin.json and src/index.ts) directly under <dir>.`,
  pack: `jobhook-sdk pack [plugin-dir] [--out <dir>] [--no-tgz]
    Validates plugin.json against the manifest schema, builds, writes the bundle's sha256 into
    "integrity", and writes a drop-ready folder <out>/<id>/ plus <out>/<id>-<version>.tgz
    (default out: <plugin-dir>/out). Deploy by unpacking beside the host's plugins folder and then
    moving the folder in: tar -xzf <id>-<version>.tgz -C /srv/jobhook/incoming &&
    mv /srv/jobhook/incoming/<id> /srv/jobhook/plugins/
    --out      output folder
    --no-tgz   write the folder only`,
  ...SIGN_HELP,
};

const SUMMARY = `usage: jobhook-sdk <command> [options]
  init <dir> [--name …] [--id …] [--job-types …]  scaffold a plugin package with a passing test
  build [plugin-dir]                               compile and bundle src/index.ts into plugin.json "main"
  build-all <dir>                                  build every plugin package under <dir>
  pack [plugin-dir] [--out <dir>] [--no-tgz]       validate, build, set "integrity", write folder + .tgz
  keygen <prefix>                                  new ed25519 signing key (<prefix>.key, <prefix>.pub)
  sign [plugin-dir] --key <file.key>               sign a packed folder into plugin.sig
jobhook-sdk <command> --help shows one command.`;

const USAGE = `${SUMMARY}\n\n${Object.values(HELP).join('\n\n')}`;

class UsageError extends Error {}

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
  const [dir] = positionals;
  if (dir === undefined) throw new UsageError('init needs a folder: jobhook-sdk init <dir>');
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

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (!(command in HELP)) throw new UsageError(`unknown command '${command}'`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      ...(command === 'init' ? { name: { type: 'string' }, id: { type: 'string' }, 'job-types': { type: 'string' } } : {}),
      ...(command === 'pack' ? { out: { type: 'string' }, 'no-tgz': { type: 'boolean' } } : {}),
      ...(command === 'sign' ? { key: { type: 'string' }, 'key-id': { type: 'string' } } : {}),
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP[command]}\n`);
    return 0;
  }
  switch (command) {
    case 'init':
      return init(positionals, values);
    case 'build':
      return (await buildOne(positionals[0] ?? '.')) ? 0 : 1;
    case 'build-all': {
      const [target] = positionals;
      if (target === undefined) throw new UsageError('build-all needs a folder: jobhook-sdk build-all <dir>');
      let ok = true;
      for (const name of (await readdir(target)).sort()) {
        const dir = path.join(target, name);
        if (await isPluginSource(dir)) ok = (await buildOne(dir)) && ok;
      }
      return ok ? 0 : 1;
    }
    case 'keygen':
      return keygenCommand(positionals);
    case 'sign':
      return signCommand(positionals, values);
    default:
      return pack(positionals, values);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  // parseArgs reports unknown or malformed options as TypeErrors with a code.
  if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`jobhook-sdk: ${(e as Error).message}\n${SUMMARY}\n`);
    process.exitCode = 2;
  } else {
    throw e;
  }
}
