// The web-standard globals' implementations, bundled as a script of their own that the host
// evaluates in an isolate only when its plugin first touches one of them (see install-web-globals).
// The script hands `createWebGlobals` to a receiver the runtime puts in one global slot for the call.
import { AbortController, AbortSignal, setAbortTimers } from './abort.js';
import { Crypto, RandomPool, type RandomSource } from './crypto.js';
import { DOMException } from './dom-exception.js';
import { TextDecoder, TextEncoder, atob, btoa } from './encoding.js';
import { Event, EventTarget, setListenerErrorReporter } from './events.js';
import type { FetchDeps } from './fetch.js';
import { structuredClone } from './structured-clone.js';
import type * as FetchModule from './fetch.js';
import type * as HeadersModule from './headers.js';
import type * as RequestResponseModule from './request-response.js';
import type * as SubtleModule from './subtle-crypto.js';
import { urlModule } from './url.js';

/** The global slot holding the runtime's receiver while the library script runs. */
export const WEB_LIBRARY_SLOT = '__jobhookWebLibrary';

/** What the implementations need from the runtime. */
export interface WebLibraryDeps extends FetchDeps {
  readonly randomBytes: RandomSource;
  /** Reports an error nobody can catch (a listener's) to the plugin's log. */
  readonly report: (error: unknown) => void;
  readonly setTimeout: (fn: () => void, ms: number) => unknown;
}

/** Getters for each global, by name; a family's module runs when one of its globals is first read. */
export type WebGlobals = Readonly<Record<string, () => unknown>>;

function once<T>(load: () => T): () => T {
  let module: T | undefined;
  return () => (module ??= load());
}

/** Builds the globals' getters over the runtime's bridge. */
export function createWebGlobals(deps: WebLibraryDeps): WebGlobals {
  setListenerErrorReporter(deps.report);
  setAbortTimers(deps.setTimeout);
  // The larger families (the URL parser, the fetch classes, the hash functions) run on first use.
  const subtle = once(() => require('./subtle-crypto.js') as typeof SubtleModule);
  const crypto = once(() => {
    const pool = new RandomPool(deps.randomBytes);
    let subtleCrypto: SubtleModule.SubtleCrypto | undefined;
    return new Crypto(pool, () => (subtleCrypto ??= new (subtle().SubtleCrypto)(pool)));
  });
  const web = once(() => ({
    ...(require('./headers.js') as typeof HeadersModule),
    ...(require('./request-response.js') as typeof RequestResponseModule),
    fetch: (require('./fetch.js') as typeof FetchModule).createFetch({ http: deps.http, currentInvocation: deps.currentInvocation, stringify: deps.stringify, parse: deps.parse }),
  }));
  return {
    DOMException: () => DOMException,
    Event: () => Event,
    EventTarget: () => EventTarget,
    AbortController: () => AbortController,
    AbortSignal: () => AbortSignal,
    TextEncoder: () => TextEncoder,
    TextDecoder: () => TextDecoder,
    atob: () => atob,
    btoa: () => btoa,
    structuredClone: () => structuredClone,
    crypto,
    Crypto: () => Crypto,
    SubtleCrypto: () => subtle().SubtleCrypto,
    CryptoKey: () => subtle().CryptoKey,
    URL: () => urlModule().URL,
    URLSearchParams: () => urlModule().URLSearchParams,
    Headers: () => web().Headers,
    Request: () => web().Request,
    Response: () => web().Response,
    fetch: () => web().fetch,
  };
}
