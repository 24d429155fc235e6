// Puts the sandbox's web-standard globals (the WinterTC minimum common API, less what needs I/O the
// sandbox does not have) on an isolate's global object. Each is what the web platform defines:
// non-enumerable, writable and configurable, so a plugin or a polyfill may replace it in its own
// isolate.
//
// Each family is a getter that evaluates its module the first time a plugin touches it (a bundled
// module runs when it is first required), then turns into a plain property: an isolate pays, in
// load time and heap, only for the families its plugin uses. They stay out of the code cache the
// host takes at warm-up for the same reason: bytecode in the cache is materialised in every isolate.
import type { RuntimeBridge } from '../protocol.js';
import type * as AbortModule from './abort.js';
import type * as CryptoModule from './crypto.js';
import type * as DomExceptionModule from './dom-exception.js';
import type * as EncodingModule from './encoding.js';
import type * as EventsModule from './events.js';
import type * as FetchModule from './fetch.js';
import type * as HeadersModule from './headers.js';
import type * as RequestResponseModule from './request-response.js';
import type * as StructuredCloneModule from './structured-clone.js';
import type * as SubtleModule from './subtle-crypto.js';
import { urlModule } from './url.js';

/** What the web globals need from the runtime. */
export interface WebGlobalsDeps {
  readonly http: RuntimeBridge['http'];
  readonly randomBytes: CryptoModule.RandomSource;
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

/** A module loaded on first call, with `init` run once on it. */
function once<T>(load: () => T, init?: (module: T) => void): () => T {
  let module: T | undefined;
  return () => {
    if (module === undefined) {
      module = load();
      init?.(module);
    }
    return module;
  };
}

/** Installs the web globals on `global`; the runtime's timers must already be there. */
export function installWebGlobals(global: Record<string, unknown>, deps: WebGlobalsDeps): void {
  const setTimeoutFn = global.setTimeout as (fn: () => void, ms: number) => unknown;
  const dom = once(() => require('./dom-exception.js') as typeof DomExceptionModule);
  const events = once(
    () => require('./events.js') as typeof EventsModule,
    (m) => m.setListenerErrorReporter(deps.report),
  );
  const abort = once(
    () => {
      events();
      return require('./abort.js') as typeof AbortModule;
    },
    (m) => m.setAbortTimers(setTimeoutFn),
  );
  const encoding = once(() => require('./encoding.js') as typeof EncodingModule);
  const clone = once(() => require('./structured-clone.js') as typeof StructuredCloneModule);
  const subtle = once(() => require('./subtle-crypto.js') as typeof SubtleModule);
  const crypto = once(() => {
    const m = require('./crypto.js') as typeof CryptoModule;
    const pool = new m.RandomPool(deps.randomBytes);
    let subtleCrypto: SubtleModule.SubtleCrypto | undefined;
    return { Crypto: m.Crypto, crypto: new m.Crypto(pool, () => (subtleCrypto ??= new (subtle().SubtleCrypto)(pool))) };
  });
  const web = once(() => {
    abort();
    return {
      ...(require('./headers.js') as typeof HeadersModule),
      ...(require('./request-response.js') as typeof RequestResponseModule),
      fetch: (require('./fetch.js') as typeof FetchModule).createFetch({ http: deps.http, currentInvocation: deps.currentInvocation }),
    };
  });

  const lazy: Record<string, () => unknown> = {
    DOMException: () => dom().DOMException,
    Event: () => events().Event,
    EventTarget: () => events().EventTarget,
    AbortController: () => abort().AbortController,
    AbortSignal: () => abort().AbortSignal,
    TextEncoder: () => encoding().TextEncoder,
    TextDecoder: () => encoding().TextDecoder,
    atob: () => encoding().atob,
    btoa: () => encoding().btoa,
    structuredClone: () => clone().structuredClone,
    crypto: () => crypto().crypto,
    Crypto: () => crypto().Crypto,
    SubtleCrypto: () => subtle().SubtleCrypto,
    CryptoKey: () => subtle().CryptoKey,
    URL: () => urlModule().URL,
    URLSearchParams: () => urlModule().URLSearchParams,
    Headers: () => web().Headers,
    Request: () => web().Request,
    Response: () => web().Response,
    fetch: () => web().fetch,
  };
  for (const name of Object.keys(lazy)) defineLazy(global, name, lazy[name]!);

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
