// The forms a web framework puts a reflected credential in: percent-encoding (either hex case, form
// encoding), JSON escapes (`\u002B`, `\/`), HTML entities, base64 (at every byte alignment, standard
// and URL-safe) and UTF-16. Each secret's forms are computed once; matching is ASCII case-insensitive
// on both sides, so an upper-cased echo is caught too.

// Shorter fragments would match ordinary text.
const MIN_FRAGMENT = 6;

const hex2 = (c: number): string => c.toString(16).padStart(2, '0');
const hex4 = (c: number): string => c.toString(16).padStart(4, '0');
const isAlnum = (ch: string): boolean => /^[A-Za-z0-9]$/.test(ch);

function mapChars(secret: string, encode: (ch: string, code: number) => string): string {
  let out = '';
  for (const ch of secret) out += isAlnum(ch) ? ch : encode(ch, ch.codePointAt(0)!);
  return out;
}

const HTML_NAMED: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function textForms(secret: string): string[] {
  const utf8Percent = (ch: string): string => [...Buffer.from(ch, 'utf8')].map((b) => `%${hex2(b)}`).join('');
  const jsonEscape = (code: number): string => (code > 0xffff ? String.fromCodePoint(code) : `\\u${hex4(code)}`);
  return [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ x: secret }).toString().slice(2),
    mapChars(secret, (ch) => utf8Percent(ch)),
    JSON.stringify(secret).slice(1, -1),
    JSON.stringify(secret).slice(1, -1).replace(/\//g, '\\/'),
    mapChars(secret, (ch, code) => jsonEscape(code)),
    // System.Text.Json's default encoder: only HTML-sensitive characters and '+' become \u00XX.
    secret.replace(/[<>&'"+`]/g, (ch) => `\\u${hex4(ch.charCodeAt(0))}`),
    mapChars(secret, (_ch, code) => `&#${code};`),
    mapChars(secret, (_ch, code) => `&#x${code.toString(16)};`),
    secret.replace(/[&<>"']/g, (ch) => HTML_NAMED[ch]!),
    secret.replace(/[&<>"']/g, (ch) => HTML_NAMED[ch]!).replace(/&#39;/g, '&apos;'),
  ];
}

/** The base64 characters that depend on `bytes` alone, at each of the three alignments in a longer stream. */
function base64Forms(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const start = Math.ceil((8 * k) / 6);
    const end = Math.floor((8 * (k + bytes.length)) / 6);
    const stable = encoded.slice(start, end);
    out.push(stable, stable.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

/** ASCII-only lower-casing, byte for byte: positions do not move, so matches map back to the original. */
export function asciiLower(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const b = out[i]!;
    if (b >= 0x41 && b <= 0x5a) out[i] = b + 0x20;
  }
  return out;
}

/** Every byte sequence to look for, lower-cased, longest first. */
export function secretNeedles(secrets: readonly string[]): Buffer[] {
  const seen = new Set<string>();
  const needles: Buffer[] = [];
  const add = (bytes: Buffer): void => {
    if (bytes.length < MIN_FRAGMENT) return;
    const lower = asciiLower(bytes);
    const key = lower.toString('latin1');
    if (seen.has(key)) return;
    seen.add(key);
    needles.push(lower);
  };
  for (const secret of secrets) {
    const utf8 = Buffer.from(secret, 'utf8');
    for (const form of textForms(secret)) add(Buffer.from(form, 'utf8'));
    for (const form of base64Forms(utf8)) add(Buffer.from(form, 'latin1'));
    add(Buffer.from(secret, 'utf16le'));
    add(Buffer.from(secret, 'utf16le').swap16());
  }
  return needles.sort((a, b) => b.length - a.length);
}
