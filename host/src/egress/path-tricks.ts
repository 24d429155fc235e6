// The URL parser has already resolved literal and %2e dot segments, so the allow-list matched the
// path the request really names. Lenient servers decode further than the standard does (IIS and
// ASP.NET: `%uXXXX`, overlong UTF-8, a second round of percent-decoding, `;` parameters, look-alike
// dots folded by Unicode normalisation, NUL truncation), and would then serve another resource than
// the one the rule allowed. Such paths have no honest use against a platform API: they are refused.

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Percent-decodes bytes once (as a server would), or null when the result is not valid UTF-8. */
function decodeOnce(segment: string): string | null {
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; i++) {
    const hex = segment.charCodeAt(i) === 0x25 ? /^[0-9a-fA-F]{2}$/.exec(segment.slice(i + 1, i + 3)) : null;
    if (hex) {
      bytes.push(parseInt(hex[0], 16));
      i += 2;
    } else {
      for (const b of Buffer.from(segment[i]!, 'utf8')) bytes.push(b);
    }
  }
  try {
    return strictUtf8.decode(Uint8Array.from(bytes));
  } catch {
    return null;
  }
}

/** `.` or `..`, possibly followed by what a lenient server strips (`;params`, NUL and after it). */
const DOT_SEGMENT = /^\.\.?(?:[;\0].*)?$/s;

/**
 * Why `pathname` (as the URL parser normalised it) is a traversal or encoding trick, or null when
 * it is an ordinary path. The sentence completes "the path …".
 */
export function pathTrick(pathname: string): string | null {
  if (/%00/.test(pathname) || pathname.includes('\0')) return 'contains a NUL byte (%00), which some servers treat as the end of the path';
  if (/%25[0-9a-fA-F]{2}/.test(pathname)) return 'is percent-encoded twice (%25xx), which a server that decodes twice reads as another path';
  if (/%u[0-9a-fA-F]{4}/i.test(pathname)) return 'uses %uXXXX escapes, which IIS decodes into other characters';
  for (const raw of pathname.split('/')) {
    const decoded = decodeOnce(raw);
    if (decoded === null) return 'is not valid UTF-8 once decoded (overlong encodings such as %c0%ae spell a dot on lenient servers)';
    if (DOT_SEGMENT.test(raw) || DOT_SEGMENT.test(decoded)) return `has the segment '${raw.slice(0, 40)}', which a lenient server resolves as '..' or '.'`;
    const folded = decoded.normalize('NFKC');
    if (folded !== decoded && (DOT_SEGMENT.test(folded) || /[/\\]/.test(folded) || folded.includes('..'))) {
      return `has the segment '${raw.slice(0, 40)}', whose look-alike characters (full-width dots or slashes) fold into '.', '..' or a separator`;
    }
    if (decoded.includes('\\')) return "has a '\\' in a segment, which Windows servers read as a separator";
  }
  return null;
}
