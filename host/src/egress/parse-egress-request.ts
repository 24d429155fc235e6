import type { EgressBody, EgressRequestData } from '@jobhook/sdk/protocol';
import { HostEgressError, EgressLimitError } from './egress-error.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
const MAX_URL_LENGTH = 16 * 1024;
// Room for URL, headers and JSON framing on top of the body's encoded size.
const ENVELOPE_ALLOWANCE = 64 * 1024;

const bad = (message: string): HostEgressError => new HostEgressError('EGRESS_BAD_REQUEST', message);

function isStringRecord(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

function isBody(v: unknown): v is EgressBody {
  const b = v as EgressBody;
  return typeof b === 'object' && b !== null && (b.encoding === 'utf8' || b.encoding === 'base64') && typeof b.data === 'string';
}

/** The longest request description a body of `maxRequestBytes` can need (base64 plus JSON framing). */
export function maxEgressRequestJsonLength(maxRequestBytes: number): number {
  return Math.ceil((maxRequestBytes * 4) / 3) + ENVELOPE_ALLOWANCE;
}

/**
 * Parses the request a sandbox sent. The runtime shares its isolate with plugin code, so the JSON is
 * untrusted: every field is checked, and an oversized message is refused before it is parsed.
 */
export function parseEgressRequest(json: string, maxRequestBytes: number): EgressRequestData {
  if (json.length > maxEgressRequestJsonLength(maxRequestBytes)) {
    throw new EgressLimitError('EGRESS_REQUEST_TOO_LARGE', `the request is over the limit of ${maxRequestBytes} body bytes (egress.maxRequestBytes)`);
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw bad('the sandbox sent a request that is not JSON');
  }
  const r = value as Partial<EgressRequestData>;
  if (typeof r !== 'object' || r === null) throw bad('the sandbox sent a request that is not an object');
  if (typeof r.method !== 'string' || !METHODS.has(r.method)) throw bad(`method '${String(r.method)}' is not one of ${[...METHODS].join(', ')}`);
  if (typeof r.url !== 'string' || r.url.length === 0) throw bad('the request has no URL');
  if (r.url.length > MAX_URL_LENGTH) throw bad(`the URL is ${r.url.length} characters long; at most ${MAX_URL_LENGTH} are allowed`);
  if (!isStringRecord(r.headers)) throw bad('headers must map names to string values');
  if (r.body !== null && !isBody(r.body)) throw bad('the body must be null or { encoding: "utf8" | "base64", data }');
  if (r.body !== null && (r.method === 'GET' || r.method === 'HEAD')) throw bad(`a ${r.method} request cannot have a body`);
  const t = r.timeoutMs;
  if (t !== null && t !== false && (typeof t !== 'number' || !Number.isFinite(t) || t < 0)) throw bad('timeout must be a number of milliseconds, false or absent');
  const abortKey = typeof r.abortKey === 'string' && r.abortKey.length <= 64 ? { abortKey: r.abortKey } : {};
  return { method: r.method, url: r.url, headers: r.headers, body: r.body, timeoutMs: t, ...abortKey };
}

/** The body's bytes, within the request size limit. */
export function decodeBody(body: EgressBody | null, maxRequestBytes: number, url: string): Buffer | null {
  if (body === null) return null;
  const bytes = Buffer.from(body.data, body.encoding === 'utf8' ? 'utf8' : 'base64');
  if (bytes.byteLength > maxRequestBytes) {
    throw new EgressLimitError('EGRESS_REQUEST_TOO_LARGE', `the request body is ${bytes.byteLength} bytes, over the limit of ${maxRequestBytes} (egress.maxRequestBytes)`, url);
  }
  return bytes;
}
