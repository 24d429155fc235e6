// `fetch` for the isolate: the request crosses the same bridge as the platform HttpClient, so the
// host's egress applies the plugin's `permissions.http` allow-list before any I/O, its size and time
// limits, its credentials (for the platform origin only) and its log line. Bodies cross whole.
import { base64Encode } from '../base64.js';
import type { EgressAbortData, EgressBody, EgressFailure, EgressRequestData, EgressResponseData, Envelope, RuntimeBridge } from '../protocol.js';
import type { AbortSignal } from './abort.js';
import { peekBody, type BodySource } from './body.js';
import { Request, responseFromEgress, type RequestInit, type Response } from './request-response.js';

/** What fetch needs from the runtime: the bridge, and which invocation a request belongs to. */
export interface FetchDeps {
  readonly http: RuntimeBridge['http'];
  /** The invocation a request made now is attributed to, or null outside any invocation. */
  readonly currentInvocation: () => string | null;
  /**
   * JSON's functions as the runtime captured them at boot. This module is evaluated only when the
   * plugin first reads a web global, by which time plugin code may have replaced `JSON` on its global
   * (to read or forge what crosses the bridge); the boot-time copies are the real ones.
   */
  readonly stringify: typeof JSON.stringify;
  readonly parse: typeof JSON.parse;
}

/** A fetch that failed on the host's side: a TypeError (as fetch's network errors are) with the egress `code`. */
export class FetchError extends TypeError {
  readonly code: string;
  readonly url: string;
  constructor(code: string, message: string, url: string) {
    super(`fetch failed: ${message}`);
    this.code = code;
    this.url = url;
  }
}

function bodyFor(source: BodySource | null): EgressBody | null {
  if (source === null) return null;
  if ('text' in source) return { encoding: 'utf8', data: source.text };
  if ('bytes' in source) return { encoding: 'base64', data: base64Encode(source.bytes) };
  return { encoding: 'base64', data: source.base64 };
}

function wireRequest(request: Request, abortKey: string): EgressRequestData {
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers) headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  const hash = request.url.indexOf('#');
  return {
    method: request.method,
    // Fragments are never sent.
    url: hash < 0 ? request.url : request.url.slice(0, hash),
    headers,
    body: bodyFor(peekBody(request)),
    // fetch has no timeout of its own: the invocation's deadline bounds it (use AbortSignal.timeout).
    timeoutMs: false,
    abortKey,
  };
}

/** Settles with `pending`, or rejects with the signal's reason as soon as it aborts (and calls `cancel`). */
function untilAborted<T>(pending: Promise<T>, signal: AbortSignal, cancel: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason);
      cancel();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

const isResponseData = (v: unknown): v is EgressResponseData => {
  const r = v as EgressResponseData;
  return typeof r === 'object' && r !== null && typeof r.status === 'number' && Array.isArray(r.headers) && typeof r.body?.data === 'string';
};

/** Builds the global `fetch`. */
export function createFetch(deps: FetchDeps): (input: string | Request | { href: string }, init?: RequestInit) => Promise<Response> {
  const { stringify, parse } = deps;
  let requests = 0;
  return async function fetch(input, init) {
    const request = new Request(input, init);
    const signal = request.signal;
    signal.throwIfAborted();
    if (request.redirect === 'manual') {
      throw new TypeError("fetch: redirect 'manual' is not supported in the JobHook sandbox (the host follows redirects its policy allows)");
    }
    const invocationId = deps.currentInvocation();
    if (invocationId === null) {
      throw new FetchError('EGRESS_NO_INVOCATION', `requests can be made only while runHandler runs, not while the plugin loads or after it returned: ${request.method} ${request.url}`, request.url);
    }
    const abortKey = `fetch-${++requests}`;
    // On abort the host is told too, so the request stops holding a connection and a request slot.
    const cancel = (): void => {
      deps.http(stringify({ abort: abortKey } satisfies EgressAbortData), invocationId).catch(() => {});
    };
    const raw = await untilAborted(deps.http(stringify(wireRequest(request, abortKey)), invocationId), signal, cancel);
    const envelope = parse(raw) as Envelope<EgressResponseData> & { error?: EgressFailure };
    if (!envelope.ok) throw new FetchError(envelope.error.code, envelope.error.message, envelope.error.url ?? request.url);
    if (!isResponseData(envelope.value)) throw new FetchError('EGRESS_BAD_RESPONSE', `the host answered a malformed response: ${request.method} ${request.url}`, request.url);
    const response = responseFromEgress(envelope.value);
    if (request.redirect === 'error' && response.redirected) throw new TypeError(`fetch: ${request.url} redirected, and the request's redirect mode is 'error'`);
    return response;
  };
}
