// The forms a web framework puts a reflected credential in: percent-encoding (either hex case, form
// encoding), JSON escapes (`\u002B`, `\/`), HTML entities (decimal, hex, named), any mix of those,
// base64 (at every byte alignment, standard and URL-safe) and UTF-16. Each secret's matchers are
// built once; matching ignores ASCII case, so an upper-cased echo is caught too.

// Shorter fragments would match ordinary text.
const MIN_FRAGMENT = 6;

const hex2 = (c: number): string => c.toString(16).padStart(2, '0');
const hex4 = (c: number): string => c.toString(16).padStart(4, '0');
const escapeRe = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const HTML_NAMED: Record<string, string[]> = { '&': ['amp'], '<': ['lt'], '>': ['gt'], '"': ['quot'], "'": ['apos'], '/': ['sol'], '+': ['plus'], '=': ['equals'] };

/**
 * One pattern matching the secret with each character in any of its text encodings, mixed freely
 * (a framework may JSON-escape '+' and write '/' as '\/' in the same string; a strict encoder
 * encodes letters too). The pattern runs on
 * the bytes read as Latin-1, so offsets are byte offsets.
 */
function textPattern(secret: string): RegExp {
  let source = '';
  for (const ch of secret) {
    const utf8 = Buffer.from(ch, 'utf8');
    const raw = escapeRe(utf8.toString('latin1'));
    const code = ch.codePointAt(0)!;
    const forms = [raw, [...utf8].map((b) => `%${hex2(b)}`).join(''), `&#0*${code};`, `&#x0*${code.toString(16)};`];
    if (code <= 0xffff) forms.push(`\\\\u${hex4(code)}`);
    for (const name of HTML_NAMED[ch] ?? []) forms.push(`&${name};`);
    if (ch === '/') forms.push('\\\\/');
    if (ch === ' ') forms.push('\\+');
    if (ch === '"' || ch === '\\') forms.push(`\\\\${escapeRe(ch)}`);
    source += `(?:${forms.join('|')})`;
  }
  return new RegExp(source, 'gi');
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

/** What to look for: a mixed-encoding text pattern per secret, and byte needles (base64, UTF-16), lower-cased. */
export function secretMatchers(secrets: readonly string[]): { patterns: RegExp[]; needles: Buffer[] } {
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
    for (const form of base64Forms(Buffer.from(secret, 'utf8'))) add(Buffer.from(form, 'latin1'));
    add(Buffer.from(secret, 'utf16le'));
    add(Buffer.from(secret, 'utf16le').swap16());
  }
  return { patterns: secrets.map(textPattern), needles: needles.sort((a, b) => b.length - a.length) };
}
