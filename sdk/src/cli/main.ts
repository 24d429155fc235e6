#!/usr/bin/env node
// `jobhook-sdk`: the plugin author's command line.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { buildPlugin } from '../build/build-plugin.js';
import { PluginBuildError } from '../build/build-error.js';

const USAGE = `usage:
  jobhook-sdk build [plugin-dir]     compile src/index.ts (tsc, decorator metadata) and bundle it into plugin.json's "main"
  jobhook-sdk build-all <dir>        build every plugin package (a folder with plugin.json and src/index.ts) under <dir>`;

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
    const r = await buildPlugin(dir);
    process.stderr.write(`built ${path.relative(process.cwd(), r.outfile)} (${r.bytes} bytes)\n`);
    return true;
  } catch (e) {
    if (e instanceof PluginBuildError) {
      process.stderr.write(`${e.pluginDir}: ${e.code}: ${e.message}\n`);
      return false;
    }
    throw e;
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, target] = argv;
  switch (command) {
    case 'build':
      return (await buildOne(target ?? '.')) ? 0 : 1;
    case 'build-all': {
      if (!target) break;
      let ok = true;
      for (const name of (await readdir(target)).sort()) {
        const dir = path.join(target, name);
        if (await isPluginSource(dir)) ok = (await buildOne(dir)) && ok;
      }
      return ok ? 0 : 1;
    }
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
