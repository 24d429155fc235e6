/** Options of one request, in ky's shape. */
export interface HttpRequestOptions {
  /** Body sent as JSON with `content-type: application/json`. */
  json?: unknown;
  /** Raw body (a string is sent as UTF-8 `text/plain` unless `content-type` is set). */
  body?: string | Uint8Array | ArrayBuffer | ArrayBufferView;
  /** Query parameters; as with ky, a non-empty value replaces any query already in the input. */
  searchParams?: string | Record<string, string | number | boolean | undefined> | Array<[string, string]>;
  /** Request headers; `Authorization`, `Cookie`, `Proxy-*` and `Host` are dropped by the host. */
  headers?: Record<string, string | undefined> | Array<[string, string]>;
  /** Per-request timeout in ms (default 10 s, as ky), or false; always capped by the invocation's deadline. */
  timeout?: number | false;
  /** Mirrors ky: when false (or a function answering false), non-2xx responses resolve instead of throwing `HTTPError`. */
  throwHttpErrors?: boolean | ((status: number) => boolean);
}

/** A response, in the subset of the Fetch `Response` shape ky returns. */
export interface HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly url: string;
  /** True when the host followed a redirect to reach `url`. */
  readonly redirected: boolean;
  readonly headers: HttpHeaders;
  /** True once the body was read; as with fetch, a body is read once (use `clone()` to read twice). */
  readonly bodyUsed: boolean;
  json<T = unknown>(): Promise<T>;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
  clone(): HttpResponse;
}

/** Read-only response headers, as the Fetch `Headers` (names lower-case, iteration sorted). */
export interface HttpHeaders extends Iterable<[string, string]> {
  get(name: string): string | null;
  has(name: string): boolean;
  entries(): IterableIterator<[string, string]>;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
  forEach(callback: (value: string, name: string, headers: HttpHeaders) => void): void;
}

/** A pending response that can also be read directly, as with ky: `await client.get(p).json()`. */
export interface HttpResponsePromise extends Promise<HttpResponse> {
  json<T = unknown>(): Promise<T>;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * The platform API client, with ky's shape. Relative paths resolve against the platform API base URL.
 * Every call is performed by the host, which adds credentials and enforces the plugin's allow-list.
 * Also an injection token: `constructor(private http: HttpClient)`.
 */
export abstract class HttpClient {
  abstract get(input: string, options?: HttpRequestOptions): HttpResponsePromise;
  abstract post(input: string, options?: HttpRequestOptions): HttpResponsePromise;
  abstract put(input: string, options?: HttpRequestOptions): HttpResponsePromise;
  abstract patch(input: string, options?: HttpRequestOptions): HttpResponsePromise;
  abstract delete(input: string, options?: HttpRequestOptions): HttpResponsePromise;
  abstract head(input: string, options?: HttpRequestOptions): HttpResponsePromise;
}
