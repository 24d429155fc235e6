// A hostile or careless server can echo the request's credentials back (a debug endpoint, an error
// page quoting the Authorization header), in any encoding its framework applies. Nothing a plugin
// reads may contain them: response headers that carry a secret (or a large piece of one), or
// credential headers, are dropped; occurrences in the body, in any form of secret-variants, are
// replaced.
import { asciiLower, secretMatchers } from './secret-variants.js';

const DROPPED_RESPONSE_HEADERS = new Set(['set-cookie', 'set-cookie2', 'authorization', 'proxy-authorization', 'proxy-authenticate', 'www-authenticate', 'authentication-info']);
const MARK = Buffer.from('[redacted]', 'utf8');
const ASCII = /^[\x00-\x7f]*$/;

/** What redaction changed, for the request log. */
export interface Redaction {
  readonly headers: readonly string[];
  readonly bodyOccurrences: number;
}

// A header echoing part of a secret (split over two headers, or cut short) is withheld when it holds
// a piece a little longer than this: 8 characters of a long secret, half of a short one.
function fragmentLength(secret: string): number {
  return secret.length >= 16 ? 8 : Math.max(4, Math.ceil(secret.length / 2));
}

/**
 * The secrets in force for one request (the host's platform credentials, and whatever per-plugin
 * credentials apply), with their encoded forms computed once. Build one per credential set and reuse it.
 */
export class SecretSet {
  private readonly patterns: readonly RegExp[];
  private readonly needles: readonly Buffer[];
  /** The needles as Latin-1 strings, for searching short ASCII texts without copying them into buffers. */
  private readonly needleText: readonly string[];
  private readonly fragments: readonly string[];

  constructor(readonly secrets: readonly string[]) {
    ({ patterns: this.patterns, needles: this.needles } = secretMatchers(secrets));
    this.needleText = this.needles.map((n) => n.toString('latin1'));
    const fragments = new Set<string>();
    for (const secret of secrets) {
      const lower = secret.toLowerCase();
      const n = fragmentLength(secret);
      // Every second window suffices for pieces one character longer than a window, at half the searches.
      for (let i = 0; i + n <= lower.length; i += 2) fragments.add(lower.slice(i, i + n));
      fragments.add(lower.slice(-n));
    }
    this.fragments = [...fragments];
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  private matchesText(latin1: string): boolean {
    return this.patterns.some((p) => {
      p.lastIndex = 0;
      return p.test(latin1);
    });
  }

  /** Whether `text` holds a secret in any known form (URLs, Location headers, messages). */
  carries(text: string): boolean {
    if (this.empty) return false;
    if (ASCII.test(text)) {
      // ASCII: the UTF-8 bytes read as Latin-1 are the text itself, and toLowerCase is asciiLower.
      if (this.matchesText(text)) return true;
      const lower = text.toLowerCase();
      if (this.needleText.some((n) => lower.includes(n))) return true;
    } else {
      const bytes = Buffer.from(text, 'utf8');
      if (this.matchesText(bytes.toString('latin1'))) return true;
      const lower = asciiLower(bytes);
      if (this.needles.some((n) => lower.includes(n))) return true;
    }
    // A percent-encoded text may hide a form the needles do not spell (mixed encodings).
    if (!/[%+]/.test(text)) return false;
    try {
      const decoded = decodeURIComponent(text.replace(/\+/g, ' '));
      if (decoded !== text) return this.carries(decoded);
    } catch {
      // Not valid percent-encoding: the raw check above stands.
    }
    return false;
  }

  /** Whether a header value holds a secret, or a piece of one long enough to matter. */
  carriesPiece(value: string): boolean {
    if (this.carries(value)) return true;
    const lower = value.toLowerCase();
    return this.fragments.some((f) => lower.includes(f));
  }

  /** Byte ranges of `body` holding a secret in any form, merged and in order. */
  private ranges(body: Buffer): Array<[number, number]> {
    const found: Array<[number, number]> = [];
    const latin1 = body.toString('latin1');
    for (const pattern of this.patterns) {
      pattern.lastIndex = 0;
      for (let m = pattern.exec(latin1); m !== null; m = pattern.exec(latin1)) found.push([m.index, m.index + m[0].length]);
    }
    const lower = asciiLower(body);
    for (const needle of this.needles) {
      for (let at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, at + needle.length)) found.push([at, at + needle.length]);
    }
    found.sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const r of found) {
      const last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    }
    return merged;
  }

  /** The body with every secret occurrence replaced by `[redacted]`. */
  redactBody(body: Buffer): { body: Buffer; occurrences: number } {
    if (this.empty || body.length === 0) return { body, occurrences: 0 };
    const ranges = this.ranges(body);
    if (ranges.length === 0) return { body, occurrences: 0 };
    const parts: Buffer[] = [];
    let from = 0;
    for (const [start, end] of ranges) {
      parts.push(body.subarray(from, start), MARK);
      from = end;
    }
    parts.push(body.subarray(from));
    return { body: Buffer.concat(parts), occurrences: ranges.length };
  }
}

/** Response headers safe to hand to a plugin, and the names of those withheld. */
export function redactHeaders(entries: Iterable<[string, string]>, secrets: SecretSet): { headers: Array<[string, string]>; withheld: string[] } {
  const all = [...entries];
  // One pass over all names and values first: almost every response carries no secret at all.
  const suspect = !secrets.empty && secrets.carriesPiece(all.map(([name, value]) => `${name}\n${value}`).join('\n'));
  const headers: Array<[string, string]> = [];
  const withheld: string[] = [];
  for (const [name, value] of all) {
    if (DROPPED_RESPONSE_HEADERS.has(name) || (suspect && (secrets.carriesPiece(value) || secrets.carries(name)))) withheld.push(name);
    else headers.push([name, value]);
  }
  return { headers, withheld };
}

/** The body with every occurrence of a secret, in any known encoding, replaced by `[redacted]`. */
export function redactBody(body: Buffer, secrets: SecretSet): { body: Buffer; occurrences: number } {
  return secrets.redactBody(body);
}
