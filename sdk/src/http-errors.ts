import type { HttpRequestOptions, HttpResponse } from './http-client.js';

/** The request an error is about, as the plugin made it (the host's credentials are never in it). */
export interface HttpErrorRequest {
  readonly method: string;
  /** The absolute URL once the host resolved it; the input as given when it never got that far. */
  readonly url: string;
  readonly headers: HttpResponse['headers'];
}

/** Thrown for a non-2xx response, as ky's `HTTPError`: same message, `response` readable once. */
export class HTTPError extends Error {
  override readonly name = 'HTTPError';
  readonly code = 'HTTP_ERROR';
  constructor(
    readonly response: HttpResponse,
    readonly request: HttpErrorRequest,
    readonly options: Readonly<HttpRequestOptions> = {},
  ) {
    // ky's wording, so plugin code and log searches written for ky keep working.
    const status = `${response.status} ${response.statusText ?? ''}`.trim();
    super(`Request failed with status code ${status}: ${request.method} ${request.url}`);
  }
}

/** Thrown when a request exceeds its timeout (or the invocation's deadline), as ky's `TimeoutError`. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  readonly code = 'EGRESS_TIMEOUT';
  constructor(
    readonly request: HttpErrorRequest,
    message?: string,
  ) {
    super(message ?? `Request timed out: ${request.method} ${request.url}`);
  }
}

/**
 * The host refused or could not perform a request: `code` says why (EGRESS_CONNECTION_FAILED,
 * EGRESS_RESPONSE_TOO_LARGE, EGRESS_REQUEST_TOO_LARGE, EGRESS_BAD_URL, EGRESS_NOT_CONFIGURED…).
 */
export class EgressError extends Error {
  override readonly name: string = 'EgressError';
  constructor(
    readonly code: string,
    message: string,
    readonly request: HttpErrorRequest,
  ) {
    super(message);
  }
}

/** Thrown when the host's egress policy refuses a request; the message names the rule that decided. */
export class EgressDeniedError extends EgressError {
  override readonly name = 'EgressDeniedError';
  constructor(message: string, request: HttpErrorRequest) {
    super('EGRESS_DENIED', message, request);
  }
}
