/** Options of one request, in ky's shape. */
export interface HttpRequestOptions {
  /** Body sent as JSON with `content-type: application/json`. */
  json?: unknown;
  /** Raw body. */
  body?: string | Uint8Array | ArrayBuffer;
  /** Query parameters appended to the URL. */
  searchParams?: string | Record<string, string | number | boolean> | Array<[string, string]>;
  /** Request headers; `Authorization`, `Cookie`, `Proxy-*` and `Host` are dropped by the host. */
  headers?: Record<string, string>;
  /** Per-request timeout in ms, capped by the invocation's remaining deadline. */
  timeout?: number;
  /** Mirrors ky: when false, non-2xx responses resolve instead of throwing `HTTPError`. */
  throwHttpErrors?: boolean;
}

/** A response, in the subset of the Fetch `Response` shape ky returns. */
export interface HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly url: string;
  readonly headers: { get(name: string): string | null; has(name: string): boolean; entries(): IterableIterator<[string, string]> };
  json<T = unknown>(): Promise<T>;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
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
