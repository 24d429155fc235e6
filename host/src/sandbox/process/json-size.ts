/**
 * The length of `text` once JSON-escaped as a string value, measured without building it: the bound
 * on a bridge message must be checked before the serialisation it protects against (a string of
 * control characters grows sixfold, and past V8's longest string serialising throws).
 *
 * Cheap where it can be: a string that cannot pass `limit` even at `maxGrowth` times its length is
 * not scanned (answered as its length plus quotes), and a scan stops as soon as `limit` is passed
 * (answering the count so far, over `limit`). `maxGrowth` is 6 for any text (`\u0001`), 2 for text
 * that is already JSON (only its quotes and backslashes are escaped again).
 */
export function jsonStringBytes(text: string, limit = Infinity, maxGrowth = 6): number {
  const length = text.length;
  if (length > limit) return length;
  if (Number.isFinite(limit) && length * maxGrowth + 2 <= limit) return length + 2;
  let size = length + 2;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20) size += c === 0x0a || c === 0x0d || c === 0x09 || c === 0x08 || c === 0x0c ? 1 : 5;
    else if (c === 0x22 || c === 0x5c) size += 1;
    else continue;
    if (size > limit) return size;
  }
  return size;
}
