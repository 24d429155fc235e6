/**
 * The length of `text` once JSON-escaped as a string value, without building it: the bound on a
 * bridge message must be checked before the serialisation it protects against (a string of control
 * characters grows sixfold, and past V8's string limit serialising throws).
 */
export function jsonStringBytes(text: string, stopAbove = Infinity): number {
  // Escaping only grows a string: one already over the bound needs no scan.
  if (text.length > stopAbove) return text.length;
  let extra = 2;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20) extra += c === 0x0a || c === 0x0d || c === 0x09 || c === 0x08 || c === 0x0c ? 1 : 5;
    else if (c === 0x22 || c === 0x5c) extra += 1;
  }
  return text.length + extra;
}
