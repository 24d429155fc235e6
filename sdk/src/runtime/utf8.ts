// UTF-8 for the isolate, which has no TextEncoder/TextDecoder. Behaves as the WHATWG Encoding
// standard's UTF-8 encode and decode: lone surrogates encode as U+FFFD, and each maximal invalid
// byte sequence decodes as one U+FFFD, so `text()` reads the same as fetch's.

const REPLACEMENT = 0xfffd;
const CHUNK = 8192;

/** Encodes a string as UTF-8 bytes. */
export function utf8Encode(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 3);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out[n++] = 0xf0 | (c >> 18);
        out[n++] = 0x80 | ((c >> 12) & 0x3f);
        out[n++] = 0x80 | ((c >> 6) & 0x3f);
        out[n++] = 0x80 | (c & 0x3f);
        continue;
      }
      c = REPLACEMENT;
    }
    if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return out.slice(0, n);
}

/**
 * Decodes UTF-8 bytes, replacing invalid sequences with U+FFFD; a leading BOM is kept. With `fatal`,
 * an invalid sequence throws a TypeError instead (TextDecoder's `fatal` option).
 */
export function utf8Decode(bytes: Uint8Array, fatal = false): string {
  const invalid = (): number => {
    if (fatal) throw new TypeError('The encoded data was not valid for encoding utf-8');
    return REPLACEMENT;
  };
  const parts: string[] = [];
  let units: number[] = [];
  const emit = (cp: number): void => {
    if (cp > 0xffff) {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
      units.push(cp);
    }
    if (units.length >= CHUNK) {
      parts.push(String.fromCharCode.apply(null, units));
      units = [];
    }
  };
  let needed = 0;
  let seen = 0;
  let cp = 0;
  let lower = 0x80;
  let upper = 0xbf;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (needed === 0) {
      if (byte <= 0x7f) emit(byte);
      else if (byte >= 0xc2 && byte <= 0xdf) {
        needed = 1;
        cp = byte & 0x1f;
      } else if (byte >= 0xe0 && byte <= 0xef) {
        if (byte === 0xe0) lower = 0xa0;
        if (byte === 0xed) upper = 0x9f;
        needed = 2;
        cp = byte & 0x0f;
      } else if (byte >= 0xf0 && byte <= 0xf4) {
        if (byte === 0xf0) lower = 0x90;
        if (byte === 0xf4) upper = 0x8f;
        needed = 3;
        cp = byte & 0x07;
      } else emit(invalid());
      continue;
    }
    if (byte < lower || byte > upper) {
      // The sequence so far is one error; the byte that broke it starts afresh.
      needed = seen = cp = 0;
      lower = 0x80;
      upper = 0xbf;
      emit(invalid());
      i--;
      continue;
    }
    lower = 0x80;
    upper = 0xbf;
    cp = (cp << 6) | (byte & 0x3f);
    if (++seen === needed) {
      emit(cp);
      needed = seen = cp = 0;
    }
  }
  if (needed !== 0) emit(invalid());
  parts.push(String.fromCharCode.apply(null, units));
  return parts.length === 1 ? parts[0]! : parts.join('');
}
