// Bundles the in-isolate runtime (tsyringe + reflect-metadata + glue) into one script, once, at
// SDK build time. The host evaluates it in every plugin isolate.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { runtimeBundlePath, RUNTIME_GLOBAL_NAME } from '../runtime-bundle.js';

const entry = fileURLToPath(new URL('../runtime/main.js', import.meta.url));

await build({
  entryPoints: [entry],
  bundle: true,
  format: 'iife',
  globalName: RUNTIME_GLOBAL_NAME,
  platform: 'neutral',
  mainFields: ['module', 'main'],
  target: 'es2022',
  outfile: runtimeBundlePath(),
  legalComments: 'none',
  logLevel: 'warning',
});
