import type { HttpResponse } from './http-client.js';

/** Thrown for a non-2xx response, as ky's `HTTPError`. */
export class HTTPError extends Error {
  override readonly name = 'HTTPError';
  readonly code = 'HTTP_ERROR';
  constructor(
    readonly response: HttpResponse,
    readonly request: { readonly method: string; readonly url: string },
  ) {
    super(`Request failed with status code ${response.status} ${response.statusText}: ${request.method} ${request.url}`);
  }
}

/** Thrown when a request exceeds its timeout, as ky's `TimeoutError`. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  readonly code = 'HTTP_TIMEOUT';
  constructor(readonly request: { readonly method: string; readonly url: string }, message?: string) {
    super(message ?? `Request timed out: ${request.method} ${request.url}`);
  }
}

/** Thrown when the host's egress policy refuses a request; the message names the rule that decided. */
export class EgressDeniedError extends Error {
  override readonly name = 'EgressDeniedError';
  readonly code = 'EGRESS_DENIED';
  constructor(message: string, readonly request: { readonly method: string; readonly url: string }) {
    super(message);
  }
}
