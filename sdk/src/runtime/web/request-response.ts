// The Fetch `Request` and `Response` classes, over the sandbox's bodies (whole, in memory).
import type { EgressResponseData } from '../protocol.js';
import { AbortController, AbortSignal } from './abort.js';
import { Body, extractBody, peekBody, type BodySource } from './body.js';
import { Headers, freezeHeaders, isImmutable, type HeadersInit } from './headers.js';
import { urlModule } from './url.js';

type UrlClass = new (input: string, base?: string) => { href: string; hash: string; protocol: string };
const FORBIDDEN_METHODS: ReadonlySet<string> = new Set(['CONNECT', 'TRACE', 'TRACK']);
const NORMALIZED_METHODS: ReadonlySet<string> = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH']);
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const NULL_BODY_STATUS: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);
const REDIRECT_STATUS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

export type BodyInit = string | ArrayBuffer | ArrayBufferView | { toString(): string };

export interface RequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit | null;
  signal?: AbortSignal | null;
  redirect?: 'follow' | 'error' | 'manual';
  [option: string]: unknown;
}

/** Parses an absolute http(s) URL; a relative one is an error (the sandbox has no base URL). */
function absoluteUrl(input: string, what: string): string {
  const URL = urlModule().URL as UrlClass;
  let url: InstanceType<UrlClass>;
  try {
    url = new URL(input);
  } catch {
    throw new TypeError(
      `${what}: '${input}' is not an absolute URL; fetch needs one (the sandbox has no base URL). For the platform API, use the injected HttpClient, whose paths are relative to the platform URL`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${what}: only http: and https: URLs can be fetched, not ${url.protocol}`);
  return url.href;
}

function normalizeMethod(method: unknown): string {
  const text = String(method);
  if (!METHOD.test(text)) throw new TypeError(`'${text}' is not a valid HTTP method`);
  const upper = text.toUpperCase();
  if (FORBIDDEN_METHODS.has(upper)) throw new TypeError(`'${text}' HTTP method is unsupported`);
  return NORMALIZED_METHODS.has(upper) ? upper : text;
}

/** The Fetch `Request`. */
export class Request extends Body {
  readonly #url: string;
  readonly #method: string;
  readonly #headers: Headers;
  readonly #signal: AbortSignal;
  readonly #redirect: 'follow' | 'error' | 'manual';

  constructor(input: string | Request | { href: string }, init: RequestInit = {}) {
    const base = input instanceof Request ? input : null;
    const options = init ?? {};
    if (base?.bodyUsed && options.body === undefined) throw new TypeError('Cannot construct a Request with a Request object that has already been used');
    const method = options.method !== undefined ? normalizeMethod(options.method) : (base?.method ?? 'GET');
    const headers = new Headers(options.headers ?? base?.headers);
    let source: BodySource | null = base ? peekBody(base) : null;
    if (options.body !== undefined && options.body !== null) {
      const extracted = extractBody(options.body);
      source = extracted.source;
      if (extracted.type !== null && !headers.has('content-type')) headers.set('content-type', extracted.type);
    } else if (options.body === null) {
      source = null;
    }
    if (source !== null && (method === 'GET' || method === 'HEAD')) throw new TypeError('Request with GET/HEAD method cannot have body.');
    super(source);
    this.#url = base ? base.url : absoluteUrl(typeof input === 'string' ? input : String((input as { href?: string })?.href ?? input), 'Request');
    this.#method = method;
    this.#headers = headers;
    if (options.signal !== undefined && options.signal !== null && !(options.signal instanceof AbortSignal)) {
      throw new TypeError("Failed to construct 'Request': member signal is not of type AbortSignal.");
    }
    this.#signal = options.signal ?? base?.signal ?? new AbortController().signal;
    const redirect = options.redirect ?? base?.redirect ?? 'follow';
    if (redirect !== 'follow' && redirect !== 'error' && redirect !== 'manual') throw new TypeError(`Request: '${String(redirect)}' is not a valid redirect mode`);
    this.#redirect = redirect;
  }
  get url(): string {
    return this.#url;
  }
  get method(): string {
    return this.#method;
  }
  get headers(): Headers {
    return this.#headers;
  }
  get signal(): AbortSignal {
    return this.#signal;
  }
  get redirect(): 'follow' | 'error' | 'manual' {
    return this.#redirect;
  }
  get credentials(): string {
    return 'same-origin';
  }
  get mode(): string {
    return 'cors';
  }
  get cache(): string {
    return 'default';
  }
  clone(): Request {
    if (this.bodyUsed) throw new TypeError('Request.clone: Body has already been consumed.');
    return new Request(this);
  }
  get [Symbol.toStringTag](): string {
    return 'Request';
  }
}

export interface ResponseInit {
  status?: number;
  statusText?: string;
  headers?: HeadersInit;
}

interface ResponseState {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly url: string;
  readonly redirected: boolean;
  readonly type: 'basic' | 'default' | 'error';
}

// Responses the runtime builds itself (from the host's answer, clones, Response.error) carry their
// state past the constructor's checks; plugin code cannot make this token.
const INTERNAL = Symbol('Response.internal');
interface Internal {
  readonly token: typeof INTERNAL;
  readonly source: BodySource | null;
  readonly state: ResponseState;
}

function fromInit(body: BodyInit | null, init: ResponseInit): { source: BodySource | null; state: ResponseState } {
  const options = init ?? {};
  const status = options.status ?? 200;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new RangeError(`Failed to construct 'Response': The status provided (${String(status)}) is outside the range [200, 599].`);
  }
  const headers = new Headers(options.headers);
  let source: BodySource | null = null;
  if (body !== null && body !== undefined) {
    if (NULL_BODY_STATUS.has(status)) throw new TypeError(`Failed to construct 'Response': Response with null body status (${status}) cannot have body`);
    const extracted = extractBody(body);
    source = extracted.source;
    if (extracted.type !== null && !headers.has('content-type')) headers.set('content-type', extracted.type);
  }
  return { source, state: { status, statusText: String(options.statusText ?? ''), headers, url: '', redirected: false, type: 'default' } };
}

const internal = (source: BodySource | null, state: ResponseState): Response => new Response(null, {}, { token: INTERNAL, source, state });

/** The Fetch `Response`. */
export class Response extends Body {
  readonly #state: ResponseState;

  constructor(body: BodyInit | null = null, init: ResponseInit = {}, made?: Internal) {
    const { source, state } = made?.token === INTERNAL ? made : fromInit(body, init);
    super(source);
    this.#state = state;
  }

  static json(data: unknown, init: ResponseInit = {}): Response {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError('Response.json: the data is not serializable to JSON');
    const headers = new Headers(init?.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new Response(text, { ...init, headers });
  }
  static error(): Response {
    return internal(null, { status: 0, statusText: '', headers: freezeHeaders(new Headers()), url: '', redirected: false, type: 'error' });
  }
  static redirect(url: string, status = 302): Response {
    if (!REDIRECT_STATUS.has(status)) throw new RangeError(`Failed to execute 'redirect' on 'Response': Invalid status code ${status}`);
    const headers = freezeHeaders(new Headers({ location: absoluteUrl(String(url), 'Response.redirect') }));
    return internal(null, { status, statusText: '', headers, url: '', redirected: false, type: 'default' });
  }

  get status(): number {
    return this.#state.status;
  }
  get ok(): boolean {
    return this.#state.status >= 200 && this.#state.status <= 299;
  }
  get statusText(): string {
    return this.#state.statusText;
  }
  get headers(): Headers {
    return this.#state.headers;
  }
  get url(): string {
    return this.#state.url;
  }
  get redirected(): boolean {
    return this.#state.redirected;
  }
  get type(): string {
    return this.#state.type;
  }
  clone(): Response {
    if (this.bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
    const headers = new Headers(this.#state.headers);
    if (isImmutable(this.#state.headers)) freezeHeaders(headers);
    return internal(peekBody(this), { ...this.#state, headers });
  }
  get [Symbol.toStringTag](): string {
    return 'Response';
  }
}

/** The Response fetch hands out for the host's answer: read-only headers, the final URL. */
export function responseFromEgress(data: EgressResponseData): Response {
  const source: BodySource = data.body.encoding === 'utf8' ? { text: data.body.data } : { base64: data.body.data };
  return internal(source, {
    status: data.status,
    statusText: data.statusText,
    headers: freezeHeaders(new Headers(data.headers)),
    url: data.url,
    redirected: data.redirected,
    type: 'basic',
  });
}
