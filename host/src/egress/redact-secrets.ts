// A hostile or careless server can echo the request's credentials back (a debug endpoint, an error
// page quoting the Authorization header). Nothing a plugin reads may contain them: response headers
// that carry a secret, or credential headers, are dropped; occurrences in the body are replaced.

const DROPPED_RESPONSE_HEADERS = new Set(['set-cookie', 'set-cookie2', 'authorization', 'proxy-authorization', 'proxy-authenticate']);
const MARK = Buffer.from('[redacted]', 'utf8');

/** What redaction changed, for the request log. */
export interface Redaction {
  readonly headers: readonly string[];
  readonly bodyOccurrences: number;
}

/** Response headers safe to hand to a plugin, and the names of those withheld. */
export function redactHeaders(entries: Iterable<[string, string]>, secrets: readonly string[]): { headers: Array<[string, string]>; withheld: string[] } {
  const headers: Array<[string, string]> = [];
  const withheld: string[] = [];
  for (const [name, value] of entries) {
    if (DROPPED_RESPONSE_HEADERS.has(name) || secrets.some((s) => value.includes(s) || name.includes(s.toLowerCase()))) withheld.push(name);
    else headers.push([name, value]);
  }
  return { headers, withheld };
}

/** The body with every occurrence of a secret replaced by `[redacted]`. */
export function redactBody(body: Buffer, secrets: readonly string[]): { body: Buffer; occurrences: number } {
  let out = body;
  let occurrences = 0;
  for (const secret of secrets) {
    const needle = Buffer.from(secret, 'utf8');
    let at = out.indexOf(needle);
    if (at < 0) continue;
    const parts: Buffer[] = [];
    let from = 0;
    while (at >= 0) {
      parts.push(out.subarray(from, at), MARK);
      occurrences++;
      from = at + needle.length;
      at = out.indexOf(needle, from);
    }
    parts.push(out.subarray(from));
    out = Buffer.concat(parts);
  }
  return { body: out, occurrences };
}
