// Date.prototype.toISOString costs about a microsecond in V8, the largest part of validating an
// event (bench/intake): this spells the same text from the epoch milliseconds with integer
// arithmetic and digits looked up, not formatted. Years before 1000 (zero-padded) and after 9999
// (±YYYYYY) are left to toISOString.

const MS_PER_DAY = 86_400_000;
// Days from 0000-03-01 (the start of a 400-year era counted from March) to 1970-01-01.
const EPOCH_SHIFT_DAYS = 719_468;
const DAYS_PER_ERA = 146_097;

const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
const THREE_DIGITS: readonly string[] = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));

/** `new Date(ms).toISOString()` for any valid time value `ms` (an integer within ±8.64e15). */
export function isoTimestamp(ms: number): string {
  const days = Math.floor(ms / MS_PER_DAY);
  let rest = ms - days * MS_PER_DAY;
  // Civil date from a day count (H. Hinnant's days_from_civil, inverted), in eras of 400 years.
  const z = days + EPOCH_SHIFT_DAYS;
  const era = Math.floor(z / DAYS_PER_ERA);
  const dayOfEra = z - era * DAYS_PER_ERA;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 1000 || year > 9999) return new Date(ms).toISOString();
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const two = TWO_DIGITS;
  return `${year}-${two[month]}-${two[day]}T${two[hours]}:${two[minutes]}:${two[seconds]}.${THREE_DIGITS[rest - seconds * 1000]}Z`;
}
