// Puts the sandbox's web-standard globals (the WinterTC minimum common API, less what needs I/O the
// sandbox does not have) on an isolate's global object. Each is what the web platform defines:
// non-enumerable, writable and configurable, so a plugin or a polyfill may replace it in its own
// isolate. What is large (the URL parser, the hash functions) is evaluated on first use.
import type { RuntimeBridge } from '../protocol.js';
import { AbortController, AbortSignal, setAbortTimers } from './abort.js';
import { Crypto, RandomPool, type RandomSource } from './crypto.js';
import { DOMException } from './dom-exception.js';
import { TextDecoder, TextEncoder, atob, btoa } from './encoding.js';
import { Event, EventTarget, setListenerErrorReporter } from './events.js';
import type * as FetchModule from './fetch.js';
import type * as HeadersModule from './headers.js';
import type * as RequestResponseModule from './request-response.js';
import { structuredClone } from './structured-clone.js';
import type * as SubtleModule from './subtle-crypto.js';
import { urlModule } from './url.js';

// The fetch family and crypto.subtle are evaluated when a plugin first touches them (a bundled
// module runs when it is first required): an isolate that uses neither keeps neither in its heap.
const fetchModules = (): typeof FetchModule & typeof HeadersModule & typeof RequestResponseModule => ({
  ...(require('./fetch.js') as typeof FetchModule),
  ...(require('./headers.js') as typeof HeadersModule),
  ...(require('./request-response.js') as typeof RequestResponseModule),
});
const subtleModule = (): typeof SubtleModule => require('./subtle-crypto.js') as typeof SubtleModule;

/** What the web globals need from the runtime. */
export interface WebGlobalsDeps {
  readonly http: RuntimeBridge['http'];
  readonly randomBytes: RandomSource;
  /** Reports an error nobody can catch (a listener's, a microtask's) to the plugin's log. */
  readonly report: (error: unknown) => void;
  readonly currentInvocation: () => string | null;
}

const resolved = Promise.resolve();

function define(global: object, name: string, value: unknown): void {
  Object.defineProperty(global, name, { value, writable: true, configurable: true, enumerable: false });
}

/** Defines `name` as a getter that loads the value once, then becomes a plain property. */
function defineLazy(global: object, name: string, load: () => unknown): void {
  Object.defineProperty(global, name, {
    configurable: true,
    enumerable: false,
    get() {
      const value = load();
      define(global, name, value);
      return value;
    },
    set(value: unknown) {
      define(global, name, value);
    },
  });
}

/** Installs the web globals on `global`; the runtime's timers must already be there. */
export function installWebGlobals(global: Record<string, unknown>, deps: WebGlobalsDeps): void {
  setListenerErrorReporter(deps.report);
  setAbortTimers(global.setTimeout as (fn: () => void, ms: number) => unknown);
  const pool = new RandomPool(deps.randomBytes);
  let subtle: SubtleModule.SubtleCrypto | undefined;
  const crypto = new Crypto(pool, () => (subtle ??= new (subtleModule().SubtleCrypto)(pool)));
  const timeOrigin = Date.now();
  const classes: Record<string, unknown> = {
    DOMException,
    Event,
    EventTarget,
    AbortController,
    AbortSignal,
    TextEncoder,
    TextDecoder,
    Crypto,
  };
  for (const name of Object.keys(classes)) define(global, name, classes[name]);
  let fetchFamily: ReturnType<typeof fetchModules> | undefined;
  const family = (): ReturnType<typeof fetchModules> => (fetchFamily ??= fetchModules());
  defineLazy(global, 'Headers', () => family().Headers);
  defineLazy(global, 'Request', () => family().Request);
  defineLazy(global, 'Response', () => family().Response);
  defineLazy(global, 'fetch', () => family().createFetch({ http: deps.http, currentInvocation: deps.currentInvocation }));
  defineLazy(global, 'SubtleCrypto', () => subtleModule().SubtleCrypto);
  defineLazy(global, 'CryptoKey', () => subtleModule().CryptoKey);
  defineLazy(global, 'URL', () => urlModule().URL);
  defineLazy(global, 'URLSearchParams', () => urlModule().URLSearchParams);
  define(global, 'atob', atob);
  define(global, 'btoa', btoa);
  define(global, 'structuredClone', structuredClone);
  define(global, 'crypto', crypto);
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
  define(global, 'performance', Object.freeze({ timeOrigin, now: () => Date.now() - timeOrigin, toJSON: () => ({ timeOrigin }) }));
  define(global, 'navigator', Object.freeze({ userAgent: 'JobHook' }));
  define(global, 'self', global);
}
