import { EgressDeniedError, HostEgressError } from './egress-error.js';

// Credentials are the host's alone (a plugin must never see or choose them); hop-by-hop and framing headers are the HTTP
// client's. A plugin setting any of them is ignored, and the request log says which were dropped.
const DROPPED = new Set([
  'authorization',
  'cookie',
  'cookie2',
  'host',
  'x-keyfactor-requested-with',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'content-length',
]);
// Headers that make lenient servers and proxies (IIS, ASP.NET, many frameworks) route, rewrite or
// re-method a request after the host checked its method and path; and Range, whose windows could
// piece together a credential the host redacts only in whole bodies. Refused, not dropped: a plugin
// that sends one means something the host will not do.
const REFUSED = new Set(['x-http-method-override', 'x-http-method', 'x-method-override', 'x-original-url', 'x-rewrite-url', 'x-original-method', 'forwarded', 'range', 'if-range']);
const isRefused = (name: string): boolean => REFUSED.has(name) || name.startsWith('x-forwarded-');

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\r\n\0]/;
const NOT_LATIN1 = /[^\x00-\xff]/;
const MAX_HEADERS = 100;

/** Plugin headers the host will send, and the names it dropped. */
export interface FilteredHeaders {
  readonly headers: Record<string, string>;
  readonly dropped: readonly string[];
}

const NO_NAMES: ReadonlySet<string> = new Set();

/**
 * Keeps the plugin's headers except credentials and framing; rejects malformed ones with a clear
 * error. `credentialHeaders`: the lower-case names the plugin's credentials set (an API-key header,
 * say), which it may not set itself either.
 */
export function filterRequestHeaders(input: Record<string, string>, credentialHeaders: ReadonlySet<string> = NO_NAMES): FilteredHeaders {
  const headers: Record<string, string> = {};
  const dropped: string[] = [];
  const names = Object.keys(input);
  if (names.length > MAX_HEADERS) throw new HostEgressError('EGRESS_BAD_REQUEST', `the request has ${names.length} headers; at most ${MAX_HEADERS} are allowed`);
  for (const raw of names) {
    const name = raw.toLowerCase();
    const value = input[raw]!;
    if (!TOKEN.test(name)) throw new HostEgressError('EGRESS_BAD_REQUEST', `header name '${name.slice(0, 64)}' is not a valid HTTP header name`);
    if (typeof value !== 'string' || BAD_VALUE.test(value)) throw new HostEgressError('EGRESS_BAD_REQUEST', `header '${name}' has a value with CR, LF or NUL, which HTTP does not allow`);
    if (NOT_LATIN1.test(value)) throw new HostEgressError('EGRESS_BAD_REQUEST', `header '${name}' has characters beyond Latin-1, which HTTP header values cannot carry; encode the value (e.g. encodeURIComponent)`);
    if (isRefused(name)) {
      throw new EgressDeniedError(
        `header '${name}' is refused: ${name === 'range' || name === 'if-range' ? 'partial responses are not forwarded (request the whole resource)' : 'it makes lenient servers route, rewrite or re-method the request after the host checked it'}`,
        undefined,
        'EGRESS_HEADER_REFUSED',
      );
    }
    if (DROPPED.has(name) || name.startsWith('proxy-') || credentialHeaders.has(name)) {
      dropped.push(name);
      continue;
    }
    headers[name] = value;
  }
  return { headers, dropped };
}
