// The response a handler reads, built from the plain data the host sent back. Mirrors the parts of
// the Fetch `Response` ky hands out: a body is read once, `text()` drops a leading BOM, and
// `json()` parses the text (so an empty body is a SyntaxError, as with fetch).
import type { HttpHeaders, HttpResponse } from '../http-client.js';
import type { EgressBody, EgressResponseData } from './protocol.js';
import { base64Decode } from './base64.js';
import { utf8Decode, utf8Encode } from './utf8.js';

// Captured when the runtime is evaluated, before plugin code can replace them.
const parseJson = JSON.parse;
const freeze = Object.freeze;

/** Fetch-style read-only headers: names lower-case, repeated values joined with ', ', sorted. */
export class BridgeHeaders implements HttpHeaders {
  readonly #map = new Map<string, string>();
  constructor(entries: ReadonlyArray<readonly [string, string]>) {
    for (const [name, value] of entries) {
      const key = String(name).toLowerCase();
      const had = this.#map.get(key);
      this.#map.set(key, had === undefined ? String(value) : `${had}, ${value}`);
    }
    const sorted = [...this.#map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.#map.clear();
    for (const [k, v] of sorted) this.#map.set(k, v);
  }
  get(name: string): string | null {
    return this.#map.get(String(name).toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.#map.has(String(name).toLowerCase());
  }
  entries(): IterableIterator<[string, string]> {
    return this.#map.entries();
  }
  keys(): IterableIterator<string> {
    return this.#map.keys();
  }
  values(): IterableIterator<string> {
    return this.#map.values();
  }
  forEach(callback: (value: string, name: string, headers: HttpHeaders) => void): void {
    for (const [k, v] of this.#map) callback(v, k, this);
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.#map.entries();
  }
}

function bodyText(body: EgressBody): string {
  const text = body.encoding === 'utf8' ? body.data : utf8Decode(base64Decode(body.data));
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function bodyBytes(body: EgressBody): ArrayBuffer {
  const bytes = body.encoding === 'utf8' ? utf8Encode(body.data) : base64Decode(body.data);
  return bytes.buffer.byteLength === bytes.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
}

/** One response; its body can be read once, like fetch's. */
export class BridgeResponse implements HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly url: string;
  readonly redirected: boolean;
  readonly headers: BridgeHeaders;
  readonly type = 'basic';
  readonly #data: EgressResponseData;
  #used = false;

  constructor(data: EgressResponseData) {
    this.#data = data;
    this.status = data.status;
    this.statusText = data.statusText;
    this.ok = data.status >= 200 && data.status <= 299;
    this.url = data.url;
    this.redirected = data.redirected;
    this.headers = new BridgeHeaders(data.headers);
    freeze(this.headers);
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  #consume(): EgressBody {
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    return this.#data.body;
  }

  async text(): Promise<string> {
    return bodyText(this.#consume());
  }
  async json<T = unknown>(): Promise<T> {
    return parseJson(bodyText(this.#consume())) as T;
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    return bodyBytes(this.#consume());
  }
  clone(): BridgeResponse {
    if (this.#used) throw new TypeError('Response.clone: Body has already been consumed.');
    return new BridgeResponse(this.#data);
  }
}
