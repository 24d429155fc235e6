// Bundles the in-isolate runtime (tsyringe + reflect-metadata + glue) into one script, once, at
// SDK build time, and beside it the web library (the web-standard globals' implementations). The
// host evaluates the runtime in every plugin isolate, the library only in those that use it.
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { runtimeBundlePath, RUNTIME_GLOBAL_NAME, webLibraryBundlePath } from '../runtime-bundle.js';

const entry = fileURLToPath(new URL('../runtime/main.js', import.meta.url));
const webEntry = fileURLToPath(new URL('../runtime/web/web-library-entry.js', import.meta.url));
const idna = fileURLToPath(new URL('../runtime/web/idna.js', import.meta.url));
const urlEncoding = fileURLToPath(new URL('../runtime/web/whatwg-url-encoding.js', import.meta.url));

// whatwg-url's domain-to-ASCII step comes from tr46, whose Unicode mapping table would be larger
// than everything else in the library: the runtime's compact version stands in for it. Its UTF-8
// helpers come from the runtime too, rather than from the TextEncoder globals a plugin may replace.
const urlParts: Plugin = {
  name: 'jobhook-url-parts',
  setup(b) {
    b.onResolve({ filter: /^tr46$/ }, () => ({ path: idna }));
    b.onResolve({ filter: /^\.\/encoding$/ }, (args) => (/[\\/]whatwg-url[\\/]lib$/.test(args.resolveDir) ? { path: urlEncoding } : undefined));
  },
};

const common: BuildOptions = {
  bundle: true,
  format: 'iife',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  target: 'es2022',
  legalComments: 'none',
  // An isolate holds the source of what it evaluates: whitespace is a fifth of it. Names are kept, for stack traces.
  minifyWhitespace: true,
  logLevel: 'warning',
};

// Every plugin load evaluates the runtime (and deserialises its code cache): what it holds is paid
// per isolate. So its libraries come in their leanest forms that run in V8: reflect-metadata without
// its Map/Set/WeakMap polyfills ('lite': same API, same global), tsyringe's ES2015 build (native
// classes and spread, not ES5 helpers) and tslib's ES module (only the helpers used, no CommonJS
// wrapper copying forty exports): 91 KB of runtime became 72 KB, and its evaluation a quarter
// shorter, in every load.
await build({
  ...common,
  entryPoints: [entry],
  globalName: RUNTIME_GLOBAL_NAME,
  outfile: runtimeBundlePath(),
  alias: { 'reflect-metadata': 'reflect-metadata/lite' },
  mainFields: ['es2015', 'module', 'main'],
  conditions: ['module'],
});
await build({ ...common, entryPoints: [webEntry], outfile: webLibraryBundlePath(), plugins: [urlParts] });
