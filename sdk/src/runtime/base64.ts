// Base64 (RFC 4648, padded) for the isolate, which has no atob/btoa/Buffer. Carries request and
// response bodies that are not text across the bridge.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;
const CHUNK = 8192;

/** Encodes bytes as padded base64. */
export function base64Encode(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chars: number[] = [];
  const full = bytes.length - (bytes.length % 3);
  for (let i = 0; i < full; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    chars.push(ALPHABET.charCodeAt(n >> 18), ALPHABET.charCodeAt((n >> 12) & 63), ALPHABET.charCodeAt((n >> 6) & 63), ALPHABET.charCodeAt(n & 63));
    if (chars.length >= CHUNK) {
      parts.push(String.fromCharCode.apply(null, chars));
      chars = [];
    }
  }
  const rest = bytes.length - full;
  if (rest === 1) {
    const n = bytes[full]! << 16;
    chars.push(ALPHABET.charCodeAt(n >> 18), ALPHABET.charCodeAt((n >> 12) & 63), 61, 61);
  } else if (rest === 2) {
    const n = (bytes[full]! << 16) | (bytes[full + 1]! << 8);
    chars.push(ALPHABET.charCodeAt(n >> 18), ALPHABET.charCodeAt((n >> 12) & 63), ALPHABET.charCodeAt((n >> 6) & 63), 61);
  }
  parts.push(String.fromCharCode.apply(null, chars));
  return parts.join('');
}

/** Decodes padded or unpadded base64; throws on any other character. */
export function base64Decode(text: string): Uint8Array {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61) end--;
  if (end % 4 === 1) throw new TypeError('invalid base64: wrong length');
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let n = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? LOOKUP[c]! : -1;
    if (v < 0) throw new TypeError(`invalid base64 character at ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return n === out.length ? out : out.slice(0, n);
}
