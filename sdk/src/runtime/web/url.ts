// `URL` and `URLSearchParams` from whatwg-url (the WHATWG URL Standard's reference implementation),
// loaded the first time a plugin touches either: most plugins never do, and an isolate that does not
// pays nothing for the parser.

/** The part of whatwg-url's public API the runtime installs. */
export interface UrlModule {
  readonly URL: unknown;
  readonly URLSearchParams: unknown;
}

let loaded: UrlModule | undefined;

/** whatwg-url, evaluated on first use (a bundled CommonJS module runs when it is first required). */
export function urlModule(): UrlModule {
  loaded ??= require('whatwg-url') as UrlModule;
  return loaded;
}
