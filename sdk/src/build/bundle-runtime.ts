// Bundles the in-isolate runtime (tsyringe + reflect-metadata + glue) into one script, once, at
// SDK build time. The host evaluates it in every plugin isolate.
import { build, type Plugin } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { runtimeBundlePath, RUNTIME_GLOBAL_NAME } from '../runtime-bundle.js';

const entry = fileURLToPath(new URL('../runtime/main.js', import.meta.url));
const idna = fileURLToPath(new URL('../runtime/web/idna.js', import.meta.url));

// whatwg-url's domain-to-ASCII step comes from tr46, whose Unicode mapping table would be most of
// the runtime's size in every isolate: the runtime's compact version stands in for it.
const compactIdna: Plugin = {
  name: 'jobhook-compact-idna',
  setup(b) {
    b.onResolve({ filter: /^tr46$/ }, () => ({ path: idna }));
  },
};

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
  // Every isolate holds the runtime's source: whitespace is a fifth of it. Names are kept, for stack traces.
  minifyWhitespace: true,
  logLevel: 'warning',
  plugins: [compactIdna],
});
