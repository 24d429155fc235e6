import { HttpClient, type HttpRequestOptions, type HttpResponse, type HttpResponsePromise } from '../http-client.js';
import { EgressDeniedError, EgressError, HTTPError, TimeoutError, type HttpErrorRequest } from '../http-errors.js';
import type { EgressBody, EgressFailure, EgressRequestData, EgressResponseData, Envelope, RuntimeBridge } from './protocol.js';
import { base64Encode } from './base64.js';
import { BridgeHeaders, BridgeResponse } from './bridge-response.js';
import { withSearchParams } from './search-params.js';

// Captured when the runtime is evaluated, before plugin code can replace them.
const stringify = JSON.stringify;
const parse = JSON.parse;
const MAX_TIMEOUT = 2_147_483_647;

/** ky's Accept header for each body shortcut, set only when the plugin set none. */
const SHORTCUT_ACCEPT = { json: 'application/json', text: 'text/*', arrayBuffer: '*/*' } as const;

interface Prepared {
  readonly data: EgressRequestData & { headers: Record<string, string> };
  readonly throwHttpErrors: boolean | ((status: number) => boolean);
}

function normalizeHeaders(input: HttpRequestOptions['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (input === undefined || input === null) return out;
  if (typeof input !== 'object') throw new TypeError('headers must be an object or an array of [name, value] pairs');
  const entries: Array<[unknown, unknown]> = Array.isArray(input) ? input : Object.keys(input).map((k) => [k, (input as Record<string, unknown>)[k]]);
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2) throw new TypeError('headers: each entry of an array must be a [name, value] pair');
    const [name, value] = entry;
    if (value === undefined) continue;
    const key = String(name).toLowerCase();
    out[key] = out[key] === undefined ? String(value) : `${out[key]}, ${String(value)}`;
  }
  return out;
}

function encodeBody(options: HttpRequestOptions, headers: Record<string, string>): EgressBody | null {
  // As ky: `json` wins over `body` and sets content-type unless the plugin set one.
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    return { encoding: 'utf8', data: stringify(options.json) };
  }
  const body = options.body;
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') {
    headers['content-type'] ??= 'text/plain;charset=UTF-8';
    return { encoding: 'utf8', data: body };
  }
  if (body instanceof ArrayBuffer) return { encoding: 'base64', data: base64Encode(new Uint8Array(body)) };
  if (ArrayBuffer.isView(body)) return { encoding: 'base64', data: base64Encode(new Uint8Array(body.buffer, body.byteOffset, body.byteLength)) };
  throw new TypeError('body must be a string, a Uint8Array or an ArrayBuffer in the JobHook sandbox (use `json` for objects)');
}

function timeoutOf(value: unknown): number | false | null {
  if (value === undefined) return null;
  if (value === false) return false;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError('timeout must be a number of milliseconds or false');
  if (value > MAX_TIMEOUT) throw new RangeError(`The \`timeout\` option cannot be greater than ${MAX_TIMEOUT}`);
  return value;
}

function prepare(method: string, input: unknown, options: HttpRequestOptions | undefined): Prepared {
  if (typeof input !== 'string') throw new TypeError('`input` must be a string (a path under the platform API URL, or an absolute URL)');
  // ky refuses this with a prefixUrl; the host resolves every relative input against the platform URL.
  if (input.startsWith('/')) throw new Error('`input` must not begin with a slash when using `prefixUrl`: write a path relative to the platform API URL, e.g. "Certificates/42"');
  const opts: HttpRequestOptions = options ?? {};
  if (typeof opts !== 'object') throw new TypeError('options must be an object');
  const headers = normalizeHeaders(opts.headers);
  const body = encodeBody(opts, headers);
  const throwHttpErrors = opts.throwHttpErrors ?? true;
  if (typeof throwHttpErrors !== 'boolean' && typeof throwHttpErrors !== 'function') throw new TypeError('throwHttpErrors must be a boolean or a function');
  return {
    data: { method, url: withSearchParams(input, opts.searchParams), headers, body, timeoutMs: timeoutOf(opts.timeout) },
    throwHttpErrors,
  };
}

function errorFor(failure: EgressFailure, request: HttpErrorRequest): Error {
  if (failure.code === 'EGRESS_DENIED') return new EgressDeniedError(failure.message, request);
  if (failure.code === 'EGRESS_TIMEOUT') return new TimeoutError(request, failure.message);
  return new EgressError(failure.code, failure.message, request);
}

function isResponseData(v: unknown): v is EgressResponseData {
  const r = v as EgressResponseData;
  return typeof r === 'object' && r !== null && typeof r.status === 'number' && Array.isArray(r.headers) && typeof r.body?.data === 'string';
}

/**
 * The in-isolate platform client, with ky's shape. Each request crosses the bridge as
 * plain data and is performed by the host (`host/src/egress`), which applies the plugin's allow-list,
 * adds the credentials (which never enter the isolate) and enforces time and size limits.
 */
export class BridgeHttpClient extends HttpClient {
  // Private fields, so plugin code holding the client cannot reach the bridge function itself.
  readonly #bridgeHttp: RuntimeBridge['http'] | null;
  readonly #invocationId: string | null;

  constructor(bridgeHttp: RuntimeBridge['http'] | null, invocationId: string | null) {
    super();
    this.#bridgeHttp = bridgeHttp;
    this.#invocationId = invocationId;
  }

  #request(method: string, input: string, options?: HttpRequestOptions): HttpResponsePromise {
    const { data, throwHttpErrors } = prepare(method, input, options);
    const request: { method: string; url: string; headers: BridgeHeaders } = { method, url: data.url, headers: new BridgeHeaders([]) };
    const send = async (): Promise<HttpResponse> => {
      // As ky: wait a tick so a body shortcut called right away can set the Accept header first.
      await Promise.resolve();
      request.headers = new BridgeHeaders(Object.keys(data.headers).map((k) => [k, data.headers[k]!] as [string, string]));
      const bridgeHttp = this.#bridgeHttp;
      if (bridgeHttp === null || this.#invocationId === null) {
        throw new EgressError('EGRESS_NO_INVOCATION', `HTTP requests can be made only while runHandler runs, not while the plugin loads: ${method} ${data.url}`, request);
      }
      const raw = await bridgeHttp(stringify(data), this.#invocationId);
      const envelope = parse(raw) as Envelope<EgressResponseData> & { error?: EgressFailure };
      if (!envelope.ok) {
        if (typeof envelope.error?.url === 'string') request.url = envelope.error.url;
        throw errorFor(envelope.error, request);
      }
      if (!isResponseData(envelope.value)) throw new EgressError('EGRESS_BAD_RESPONSE', `the host answered a malformed response: ${method} ${data.url}`, request);
      request.url = envelope.value.requestUrl;
      const response = new BridgeResponse(envelope.value);
      const shouldThrow = typeof throwHttpErrors === 'function' ? throwHttpErrors(response.status) : throwHttpErrors;
      if (!response.ok && shouldThrow) throw new HTTPError(response, request, options ?? {});
      return response;
    };
    const pending = send() as HttpResponsePromise;
    for (const type of ['json', 'text', 'arrayBuffer'] as const) {
      (pending as unknown as Record<string, unknown>)[type] = async () => {
        data.headers.accept ||= SHORTCUT_ACCEPT[type];
        const response = await pending;
        // ky's json shortcut answers '' for 204 and for an empty body instead of throwing.
        if (type === 'json') {
          if (response.status === 204) return '';
          const text = await response.text();
          return text === '' ? '' : parse(text);
        }
        return response[type]();
      };
    }
    return pending;
  }

  get(input: string, options?: HttpRequestOptions): HttpResponsePromise {
    return this.#request('GET', input, options);
  }
  post(input: string, options?: HttpRequestOptions): HttpResponsePromise {
    return this.#request('POST', input, options);
  }
  put(input: string, options?: HttpRequestOptions): HttpResponsePromise {
    return this.#request('PUT', input, options);
  }
  patch(input: string, options?: HttpRequestOptions): HttpResponsePromise {
    return this.#request('PATCH', input, options);
  }
  delete(input: string, options?: HttpRequestOptions): HttpResponsePromise {
    return this.#request('DELETE', input, options);
  }
  head(input: string, options?: HttpRequestOptions): HttpResponsePromise {
    return this.#request('HEAD', input, options);
  }
}
