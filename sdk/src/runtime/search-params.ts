// ky's `searchParams` option for the isolate, which has no URLSearchParams: the same
// application/x-www-form-urlencoded serialisation, and the same rule that it replaces any query
// already in the input.

/** What the `searchParams` option accepts. */
export type SearchParamsInput = string | Record<string, unknown> | ReadonlyArray<readonly [unknown, unknown]>;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// encodeURIComponent leaves !'()~ alone and writes a space as %20; the form serialiser does not.
function formEncode(value: string): string {
  return encodeURIComponent(value.replace(LONE_SURROGATE, '\uFFFD'))
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

function pairs(input: Exclude<SearchParamsInput, string>): Array<[string, string]> {
  if (Array.isArray(input)) {
    return input.map((pair: unknown) => {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError('searchParams: each entry of an array must be a [name, value] pair');
      return [String(pair[0]), String(pair[1])];
    });
  }
  // As ky does for a plain object: undefined values are left out.
  return Object.keys(input)
    .filter((key) => (input as Record<string, unknown>)[key] !== undefined)
    .map((key) => [key, String((input as Record<string, unknown>)[key])]);
}

function isEmpty(input: SearchParamsInput): boolean {
  if (typeof input === 'string') return input.trim().length === 0;
  if (Array.isArray(input)) return input.length === 0;
  return Object.keys(input).length === 0;
}

/** Serialises `searchParams` as URLSearchParams#toString() would. */
export function serializeSearchParams(input: SearchParamsInput): string {
  if (typeof input === 'string') return input.replace(/^\?/, '');
  return pairs(input)
    .map(([k, v]) => `${formEncode(k)}=${formEncode(v)}`)
    .join('&');
}

/** Applies `searchParams` to `url` as ky does: a non-empty value replaces the URL's query. */
export function withSearchParams(url: string, input: unknown): string {
  if (input === undefined || input === null) return url;
  if (typeof input !== 'string' && typeof input !== 'object') throw new TypeError('searchParams must be a string, an object or an array of [name, value] pairs');
  if (isEmpty(input as SearchParamsInput)) return url;
  return url.replace(/(?:\?.*?)?(?=#|$)/, `?${serializeSearchParams(input as SearchParamsInput)}`);
}
