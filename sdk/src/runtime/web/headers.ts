// The Fetch `Headers` class: names compared case-insensitively and shown lower-case, iteration
// sorted, values with leading/trailing whitespace removed; set-cookie kept as separate values.

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\0\r\n]/;
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

export type HeadersInit = Headers | Iterable<readonly [string, string]> | Record<string, string>;

function checkName(name: unknown): string {
  const text = String(name);
  if (!TOKEN.test(text)) throw new TypeError(`Headers: '${text}' is not a valid HTTP header name`);
  return text.toLowerCase();
}

function checkValue(value: unknown, name: string): string {
  const text = String(value).replace(EDGE_WHITESPACE, '');
  if (BAD_VALUE.test(text)) throw new TypeError(`Headers: the value of '${name}' contains a NUL, CR or LF character`);
  return text;
}

const immutable = new WeakSet<Headers>();

/** Makes `headers` read-only (a response's headers, as fetch hands them out). */
export function freezeHeaders(headers: Headers): Headers {
  immutable.add(headers);
  return headers;
}

/** True for headers made read-only by `freezeHeaders`. */
export function isImmutable(headers: Headers): boolean {
  return immutable.has(headers);
}

/** The Fetch `Headers`. */
export class Headers {
  readonly #values = new Map<string, string[]>();

  constructor(init?: HeadersInit) {
    if (init === undefined || init === null) return;
    if (typeof init !== 'object') throw new TypeError("Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.");
    if (init instanceof Headers) {
      for (const [name, values] of init.#values) this.#values.set(name, [...values]);
    } else if (typeof (init as Iterable<unknown>)[Symbol.iterator] === 'function') {
      for (const pair of init as Iterable<unknown>) {
        const entry = [...(pair as Iterable<unknown>)];
        if (entry.length !== 2) throw new TypeError('Headers: each header must be a [name, value] pair');
        this.append(entry[0] as string, entry[1] as string);
      }
    } else {
      for (const key of Object.keys(init)) this.append(key, (init as Record<string, string>)[key]!);
    }
  }

  #writable(): void {
    if (immutable.has(this)) throw new TypeError('Headers are immutable');
  }
  append(name: string, value: string): void {
    this.#writable();
    const key = checkName(name);
    const list = this.#values.get(key);
    if (list === undefined) this.#values.set(key, [checkValue(value, key)]);
    else list.push(checkValue(value, key));
  }
  set(name: string, value: string): void {
    this.#writable();
    const key = checkName(name);
    this.#values.set(key, [checkValue(value, key)]);
  }
  delete(name: string): void {
    this.#writable();
    this.#values.delete(checkName(name));
  }
  get(name: string): string | null {
    const list = this.#values.get(checkName(name));
    return list === undefined ? null : list.join(', ');
  }
  getSetCookie(): string[] {
    return [...(this.#values.get('set-cookie') ?? [])];
  }
  has(name: string): boolean {
    return this.#values.has(checkName(name));
  }
  *entries(): IterableIterator<[string, string]> {
    for (const name of [...this.#values.keys()].sort()) {
      const list = this.#values.get(name);
      if (list === undefined) continue;
      if (name === 'set-cookie') for (const v of list) yield [name, v];
      else yield [name, list.join(', ')];
    }
  }
  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }
  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }
  forEach(callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void {
    for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
  get [Symbol.toStringTag](): string {
    return 'Headers';
  }
}
