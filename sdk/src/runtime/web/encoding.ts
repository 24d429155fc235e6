// TextEncoder/TextDecoder (UTF-8, the only encoding the WinterTC minimum API requires) and
// atob/btoa, over the runtime's own UTF-8 and base64 code.
import { base64Decode, base64Encode } from '../base64.js';
import { utf8Decode, utf8Encode } from '../utf8.js';
import { DOMException } from './dom-exception.js';

const UTF8_LABELS: ReadonlySet<string> = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'x-unicode20utf8']);

/** The bytes of any BufferSource, without copying. */
export function bytesOf(input: unknown, what: string): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError(`${what}: expected an ArrayBuffer, a TypedArray or a DataView`);
}

/** The WHATWG `TextEncoder` (UTF-8). */
export class TextEncoder {
  get encoding(): string {
    return 'utf-8';
  }
  encode(input: string = ''): Uint8Array {
    return utf8Encode(String(input));
  }
  encodeInto(source: string, destination: Uint8Array): { read: number; written: number } {
    if (!(destination instanceof Uint8Array)) throw new TypeError('TextEncoder.encodeInto: the destination must be a Uint8Array');
    const bytes = utf8Encode(String(source));
    let written = Math.min(bytes.length, destination.length);
    // Never split a character: back off to the start of the sequence that does not fit.
    if (written < bytes.length) while (written > 0 && (bytes[written]! & 0xc0) === 0x80) written--;
    destination.set(bytes.subarray(0, written));
    let read = 0;
    for (let i = 0; i < written; i++) {
      const b = bytes[i]!;
      if ((b & 0xc0) !== 0x80) read += b >= 0xf0 ? 2 : 1;
    }
    return { read, written };
  }
  get [Symbol.toStringTag](): string {
    return 'TextEncoder';
  }
}

/** How many bytes at the end of `bytes` start a sequence that is not complete yet (0 when none). */
function incompleteTail(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back]!;
    if ((b & 0xc0) === 0x80) continue;
    const needed = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xc2 && b <= 0xdf ? 2 : 1;
    return needed > back ? back : 0;
  }
  return 0;
}

/** The WHATWG `TextDecoder`, for UTF-8 (other labels are a RangeError, as for an unknown label). */
export class TextDecoder {
  readonly #fatal: boolean;
  readonly #ignoreBOM: boolean;
  #pending: Uint8Array | null = null;
  #started = false;

  constructor(label: string = 'utf-8', options: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
    const name = String(label).trim().toLowerCase();
    if (!UTF8_LABELS.has(name)) {
      throw new RangeError(`The encoding label provided ('${String(label)}') is not supported: the JobHook sandbox decodes UTF-8 only`);
    }
    this.#fatal = Boolean(options?.fatal);
    this.#ignoreBOM = Boolean(options?.ignoreBOM);
  }
  get encoding(): string {
    return 'utf-8';
  }
  get fatal(): boolean {
    return this.#fatal;
  }
  get ignoreBOM(): boolean {
    return this.#ignoreBOM;
  }
  decode(input?: ArrayBuffer | ArrayBufferView, options?: { stream?: boolean }): string {
    let bytes = input === undefined ? new Uint8Array(0) : bytesOf(input, 'TextDecoder.decode');
    if (this.#pending !== null) {
      const joined = new Uint8Array(this.#pending.length + bytes.length);
      joined.set(this.#pending);
      joined.set(bytes, this.#pending.length);
      bytes = joined;
      this.#pending = null;
    }
    const stream = Boolean(options?.stream);
    if (stream) {
      const tail = incompleteTail(bytes);
      if (tail > 0) {
        this.#pending = bytes.slice(bytes.length - tail);
        bytes = bytes.subarray(0, bytes.length - tail);
      }
    }
    let text = utf8Decode(bytes, this.#fatal);
    if (!this.#started && !this.#ignoreBOM && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    this.#started = stream && (this.#started || text.length > 0);
    return text;
  }
  get [Symbol.toStringTag](): string {
    return 'TextDecoder';
  }
}

const ASCII_WHITESPACE = /[\t\n\f\r ]/g;
const BASE64_CHARS = /^[A-Za-z0-9+/]*$/;

/** `btoa`: base64 of a string whose characters are all bytes (Latin-1). */
export function btoa(data: unknown): string {
  if (arguments.length === 0) throw new TypeError("Failed to execute 'btoa': 1 argument required, but only 0 present.");
  const text = String(data);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new DOMException('Invalid character: btoa accepts characters of code point 0-255 only (encode text as UTF-8 first)', 'InvalidCharacterError');
    bytes[i] = c;
  }
  return base64Encode(bytes);
}

/** `atob`: the forgiving-base64 decode, answering one character per byte. */
export function atob(data: unknown): string {
  if (arguments.length === 0) throw new TypeError("Failed to execute 'atob': 1 argument required, but only 0 present.");
  let text = String(data).replace(ASCII_WHITESPACE, '');
  if (text.length % 4 === 0) text = text.replace(/==?$/, '');
  if (text.length % 4 === 1 || !BASE64_CHARS.test(text)) throw new DOMException('The string to be decoded is not correctly encoded.', 'InvalidCharacterError');
  const bytes = base64Decode(text);
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 8192)));
  return out;
}
