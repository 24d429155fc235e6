// Command returns timestamps such as OperationStart without a zone ("2026-01-15T08:30:00", or with
// fractions), in the server's local time. A zone-less string is not an instant: JavaScript would read
// it in the *isolate's* zone, which says nothing about the server's. The rule: state the server's
// zone. A string that carries a zone (Z or ±hh:mm) keeps it.

/** The server's zone: `'UTC'`, an offset `'+02:00'` / `'-0500'`, or minutes east of UTC. */
export type PlatformZone = 'UTC' | `${'+' | '-'}${string}` | number;

const ZONELESS = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?$/;
const HAS_ZONE = /(?:Z|[+-]\d{2}:?\d{2})$/i;

function offsetMinutes(zone: PlatformZone): number {
  if (zone === 'UTC') return 0;
  if (typeof zone === 'number' && Number.isFinite(zone)) return zone;
  const m = typeof zone === 'string' ? /^([+-])(\d{2}):?(\d{2})$/.exec(zone) : null;
  if (m === null) throw new TypeError(`zone ${JSON.stringify(zone)} must be 'UTC', an offset such as '+02:00', or minutes east of UTC`);
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/**
 * Parses a Command timestamp. Zone-less strings are read in `options.zone` (required: there is no
 * safe default); strings with a zone keep theirs. Null or empty gives null; anything else that is
 * not a timestamp throws a TypeError naming it.
 */
export function parsePlatformTimestamp(value: string | null | undefined, options: { readonly zone: PlatformZone }): Date | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const text = value.trim();
  if (HAS_ZONE.test(text)) {
    const d = new Date(text);
    if (Number.isNaN(d.getTime())) throw new TypeError(`${JSON.stringify(value)} is not a timestamp`);
    return d;
  }
  const m = ZONELESS.exec(text);
  if (m === null) throw new TypeError(`${JSON.stringify(value)} is not a timestamp Command writes (yyyy-mm-ddThh:mm:ss[.fffffff])`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0'] = m;
  const ms = Math.round(Number(`0.${frac}`) * 1000);
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const date = new Date(utc - offsetMinutes(options.zone) * 60_000);
  if (Number.isNaN(date.getTime()) || new Date(utc).getUTCDate() !== Number(d)) throw new TypeError(`${JSON.stringify(value)} is not a valid date`);
  return date;
}
