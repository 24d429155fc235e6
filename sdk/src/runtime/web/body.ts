// The Fetch "body mixin" shared by Request and Response: a body is data held in the isolate (the
// host sends whole bodies, so there is no stream), read once, as text, JSON or bytes.
import { base64Decode } from '../base64.js';
import { utf8Decode, utf8Encode } from '../utf8.js';

/** A body as held: text (sent or received as UTF-8), bytes, or base64 still as the host sent it. */
export type BodySource = { readonly text: string } | { readonly bytes: Uint8Array } | { readonly base64: string };

/** What a body init becomes: its data and the content-type it implies (when none was set). */
export interface ExtractedBody {
  readonly source: BodySource;
  readonly type: string | null;
}

const parseJson = JSON.parse;
const tagOf = (v: unknown): string => Object.prototype.toString.call(v);

/** Extracts a BodyInit the sandbox supports: string, ArrayBuffer, a view, or URLSearchParams. */
export function extractBody(init: unknown): ExtractedBody {
  if (typeof init === 'string') return { source: { text: init }, type: 'text/plain;charset=UTF-8' };
  if (init instanceof ArrayBuffer) return { source: { bytes: new Uint8Array(init.slice(0)) }, type: null };
  if (ArrayBuffer.isView(init)) return { source: { bytes: new Uint8Array(init.buffer, init.byteOffset, init.byteLength).slice() }, type: null };
  const tag = tagOf(init);
  if (tag === '[object URLSearchParams]') return { source: { text: String(init) }, type: 'application/x-www-form-urlencoded;charset=UTF-8' };
  const kind = tag.slice(8, -1);
  throw new TypeError(
    `a body must be a string, an ArrayBuffer, a TypedArray/DataView or URLSearchParams in the JobHook sandbox (got ${kind}; Blob, FormData and streams are not available): for JSON, pass JSON.stringify(value)`,
  );
}

export function sourceText(source: BodySource): string {
  const text = 'text' in source ? source.text : utf8Decode('bytes' in source ? source.bytes : base64Decode(source.base64));
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function sourceBytes(source: BodySource): Uint8Array {
  if ('text' in source) return utf8Encode(source.text);
  if ('bytes' in source) return source.bytes.slice();
  return base64Decode(source.base64);
}

interface BodyState {
  readonly source: BodySource | null;
  used: boolean;
}
const states = new WeakMap<Body, BodyState>();

/** The body a Request or Response holds, without reading it (for clone and for sending). */
export function peekBody(body: Body): BodySource | null {
  return states.get(body)?.source ?? null;
}

/** Request's and Response's body methods. */
export class Body {
  constructor(source: BodySource | null) {
    states.set(this, { source, used: false });
  }
  get bodyUsed(): boolean {
    return states.get(this)?.used ?? false;
  }
  #take(): BodySource | null {
    const state = states.get(this);
    if (state === undefined) throw new TypeError('Illegal invocation');
    if (state.used) throw new TypeError('Body is unusable: Body has already been read');
    if (state.source !== null) state.used = true;
    return state.source;
  }
  async text(): Promise<string> {
    const source = this.#take();
    return source === null ? '' : sourceText(source);
  }
  async json(): Promise<unknown> {
    return parseJson(await this.text());
  }
  async bytes(): Promise<Uint8Array> {
    const source = this.#take();
    return source === null ? new Uint8Array(0) : sourceBytes(source);
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    return (await this.bytes()).buffer as ArrayBuffer;
  }
  async blob(): Promise<never> {
    throw new TypeError('Blob is not available in the JobHook sandbox: read the body with arrayBuffer(), bytes(), text() or json()');
  }
  async formData(): Promise<never> {
    throw new TypeError('FormData is not available in the JobHook sandbox: read the body with text() or json()');
  }
}
