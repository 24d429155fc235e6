// Puts the sandbox's web-standard globals (the WinterTC minimum common API, less what needs I/O the
// sandbox does not have) on an isolate's global object. Each is what the web platform defines:
// non-enumerable, writable and configurable, so a plugin or a polyfill may replace it in its own
// isolate.
//
// The implementations are not in the runtime script: every isolate would carry their source and
// their share of the code cache (a third more load time and heap, for plugins that use none of
// them). Each global is a getter that, the first time any is read, has the host evaluate the web
// library script in this isolate (a synchronous bridge call), then turns into a plain property.
import type { RuntimeBridge } from '../protocol.js';
import type { WebGlobals, WebLibraryDeps } from './web-library.js';

// WEB_LIBRARY_SLOT of web-library.ts, written out: importing a value from there would bundle the
// library into the runtime script.
const SLOT = '__jobhookWebLibrary';
const GLOBALS = [
  'DOMException',
  'Event',
  'EventTarget',
  'AbortController',
  'AbortSignal',
  'TextEncoder',
  'TextDecoder',
  'atob',
  'btoa',
  'structuredClone',
  'crypto',
  'Crypto',
  'SubtleCrypto',
  'CryptoKey',
  'URL',
  'URLSearchParams',
  'Headers',
  'Request',
  'Response',
  'fetch',
] as const;

/** What the web globals need from the runtime. */
export interface WebGlobalsDeps extends Omit<WebLibraryDeps, 'setTimeout'> {
  /** Has the host evaluate the web library script in this isolate; true when it did. */
  readonly loadLibrary: RuntimeBridge['loadWebLibrary'];
}

const resolved = Promise.resolve();
const defineProperty = Object.defineProperty;

function define(global: object, name: string, value: unknown): void {
  defineProperty(global, name, { value, writable: true, configurable: true, enumerable: false });
}

/** Installs the web globals on `global`; the runtime's timers must already be there. */
export function installWebGlobals(global: Record<string, unknown>, deps: WebGlobalsDeps): void {
  const setTimeoutFn = global.setTimeout as WebLibraryDeps['setTimeout'];
  let library: WebGlobals | undefined;
  const load = (): WebGlobals => {
    if (library !== undefined) return library;
    // The library hands its factory to a receiver the runtime puts in the slot just before, so
    // nothing plugin code placed on the global can stand in for the factory and be handed the bridge.
    let create: ((d: WebLibraryDeps) => WebGlobals) | undefined;
    defineProperty(global, SLOT, { value: (factory: typeof create) => (create ??= factory), configurable: true, writable: false, enumerable: false });
    let loaded: boolean;
    try {
      loaded = deps.loadLibrary() === true;
    } finally {
      delete global[SLOT];
    }
    if (!loaded || typeof create !== 'function') throw new Error('the web-standard globals could not be loaded in this sandbox');
    library = create({ ...deps, setTimeout: setTimeoutFn });
    return library;
  };
  for (const name of GLOBALS) {
    defineProperty(global, name, {
      configurable: true,
      enumerable: false,
      get() {
        const value = load()[name]!();
        define(global, name, value);
        return value;
      },
      set(value: unknown) {
        define(global, name, value);
      },
    });
  }

  define(global, 'queueMicrotask', (callback: unknown) => {
    if (typeof callback !== 'function') throw new TypeError("Failed to execute 'queueMicrotask': parameter 1 is not of type 'Function'.");
    void resolved.then(() => {
      try {
        (callback as () => void)();
      } catch (e) {
        deps.report(e);
      }
    });
  });
  define(global, 'reportError', (error: unknown) => deps.report(error));
  // Millisecond resolution: the isolate has no finer clock, and none is needed to time a handler.
  const timeOrigin = Date.now();
  define(global, 'performance', Object.freeze({ timeOrigin, now: () => Date.now() - timeOrigin, toJSON: () => ({ timeOrigin }) }));
  define(global, 'navigator', Object.freeze({ userAgent: 'JobHook' }));
  define(global, 'self', global);
}
