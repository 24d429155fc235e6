// `DOMException` for the isolate (V8 has none): the error type web APIs throw, with the legacy
// numeric `code` of the names the sandbox's APIs use.

const LEGACY_CODES: Readonly<Record<string, number>> = {
  IndexSizeError: 1,
  NotFoundError: 8,
  NotSupportedError: 9,
  InvalidStateError: 11,
  SyntaxError: 12,
  InvalidAccessError: 15,
  TypeMismatchError: 17,
  SecurityError: 18,
  NetworkError: 19,
  AbortError: 20,
  QuotaExceededError: 22,
  TimeoutError: 23,
  DataCloneError: 25,
};

/** The web platform's `DOMException`: an `Error` with a `name` that says what kind of failure it is. */
export class DOMException extends Error {
  constructor(message = '', name = 'Error') {
    super(String(message));
    Object.defineProperty(this, 'name', { value: String(name), writable: true, configurable: true, enumerable: false });
  }
  get code(): number {
    return LEGACY_CODES[this.name] ?? 0;
  }
}
