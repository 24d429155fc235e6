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
import { createFetch } from './fetch.js';
import { Headers } from './headers.js';
import { Request, Response } from './request-response.js';
import { structuredClone } from './structured-clone.js';
import { CryptoKey, SubtleCrypto } from './subtle-crypto.js';
import { urlModule } from './url.js';

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
  let subtle: SubtleCrypto | undefined;
  const crypto = new Crypto(pool, () => (subtle ??= new SubtleCrypto(pool)));
  const timeOrigin = Date.now();
  const classes: Record<string, unknown> = {
    DOMException,
    Event,
    EventTarget,
    AbortController,
    AbortSignal,
    TextEncoder,
    TextDecoder,
    Headers,
    Request,
    Response,
    Crypto,
    CryptoKey,
    SubtleCrypto,
  };
  for (const name of Object.keys(classes)) define(global, name, classes[name]);
  defineLazy(global, 'URL', () => urlModule().URL);
  defineLazy(global, 'URLSearchParams', () => urlModule().URLSearchParams);
  define(global, 'atob', atob);
  define(global, 'btoa', btoa);
  define(global, 'structuredClone', structuredClone);
  define(global, 'crypto', crypto);
  define(global, 'fetch', createFetch({ http: deps.http, currentInvocation: deps.currentInvocation }));
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
