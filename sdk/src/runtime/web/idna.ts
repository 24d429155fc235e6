// Domain to ASCII for the URL parser (stands in for `tr46` when the runtime is bundled): UTS #46's
// mapping table alone is larger than the rest of the runtime, and every isolate would carry it.
// This keeps the steps that decide what a plugin can reach — case and width folding (NFKC, then
// lower case), the IDNA label separators, Punycode, refusing undecodable `xn--` labels — and leaves
// out the rare mappings and the bidi/joiner checks, which only refuse unusual names.
/// <reference path="./punycode.d.ts" />
import punycode from 'punycode/punycode.js';

const SEPARATORS = /[.\u3002\uFF0E\uFF61]/;
const ASCII = /^[\x00-\x7f]*$/;

/** tr46's `toASCII(domain, options)`: the ASCII form of `domain`, or null when it is not valid. */
export function toASCII(domain: string): string | null {
  const labels = String(domain).normalize('NFKC').toLowerCase().split(SEPARATORS);
  const out: string[] = [];
  for (const label of labels) {
    if (label.startsWith('xn--')) {
      try {
        const decoded = punycode.decode(label.slice(4));
        if (decoded === '' || ASCII.test(decoded)) return null;
      } catch {
        return null;
      }
      out.push(label);
    } else if (ASCII.test(label)) {
      out.push(label);
    } else {
      out.push(`xn--${punycode.encode(label)}`);
    }
  }
  return out.join('.');
}

/** tr46's `toUnicode(domain)`, for completeness of the module shape. */
export function toUnicode(domain: string): { domain: string; error: boolean } {
  try {
    return { domain: String(domain).split('.').map((l) => (l.startsWith('xn--') ? punycode.decode(l.slice(4)) : l)).join('.'), error: false };
  } catch {
    return { domain: String(domain), error: true };
  }
}
