import type { EgressFailure } from '@jobhook/sdk/protocol';
import { JobHookError } from '../errors.js';

/**
 * A request the host refused or could not complete. The `code` is stable and reaches the plugin as
 * the error's `code`; `url` is the resolved URL, when the request got that far. Its class name keeps
 * it apart from the SDK's in-isolate EgressError; its `name`, what the failure carries, is unchanged.
 */
export class HostEgressError extends JobHookError {
  override readonly name: string = 'EgressError';
  constructor(
    code: string,
    message: string,
    readonly url?: string,
    options?: { cause?: unknown; pluginId?: string },
  ) {
    super(code, message, options?.pluginId, options);
  }
  /** The error as data, the form that crosses into the isolate. Never carries the cause's details. */
  toFailure(): EgressFailure {
    return { name: this.name, code: this.code, message: this.message, ...(this.url ? { url: this.url } : {}) };
  }
}

/**
 * The host refuses the request before sending it. EGRESS_DENIED: the plugin's permissions.http
 * (default deny) does not allow it; EGRESS_PATH_REFUSED: its path carries a traversal or encoding
 * trick a lenient server could resolve elsewhere; EGRESS_HEADER_REFUSED: a header that makes such a
 * server route, rewrite or re-method the request, or a Range request; EGRESS_REDIRECT_REFUSED: a
 * redirect target that carries a host credential.
 */
export class EgressDeniedError extends HostEgressError {
  override readonly name = 'EgressDeniedError';
  constructor(message: string, url?: string, code: 'EGRESS_DENIED' | 'EGRESS_PATH_REFUSED' | 'EGRESS_HEADER_REFUSED' | 'EGRESS_REDIRECT_REFUSED' = 'EGRESS_DENIED') {
    super(code, message, url);
  }
}

/** EGRESS_TIMEOUT: the request's timeout, or its invocation's deadline, passed. */
export class EgressTimeoutError extends HostEgressError {
  override readonly name = 'TimeoutError';
  constructor(message: string, url?: string) {
    super('EGRESS_TIMEOUT', message, url);
  }
}

/**
 * EGRESS_REQUEST_TOO_LARGE, EGRESS_RESPONSE_TOO_LARGE, EGRESS_QUEUE_FULL, EGRESS_TOO_MANY_REDIRECTS,
 * EGRESS_BAD_RESPONSE (a body that is not what its Content-Encoding says, or stacks too many codings).
 */
export class EgressLimitError extends HostEgressError {
  override readonly name = 'EgressLimitError';
}

/** EGRESS_CONNECTION_FAILED: DNS, refused or reset connections, TLS failures. */
export class EgressConnectionError extends HostEgressError {
  override readonly name = 'EgressConnectionError';
}

/** EGRESS_ABORTED: the invocation ended (done, timeout, crash) or the plugin was unloaded mid-request. */
export class EgressAbortedError extends HostEgressError {
  override readonly name = 'EgressAbortedError';
}

/** A plugin's permissions.http rule cannot be understood; the plugin is refused at load. */
export class EgressRuleError extends JobHookError {
  override readonly name = 'EgressRuleError';
}

// Causes meaning the server was never reached, as opposed to a connection that broke mid-exchange.
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Maps anything a request can throw to a HostEgressError; the reason of an aborted signal wins. */
export function toEgressError(e: unknown, signal: AbortSignal | undefined, url: string | undefined): HostEgressError {
  if (signal?.aborted && signal.reason instanceof HostEgressError) return signal.reason;
  if (e instanceof HostEgressError) return e;
  // undici fails with the socket's, the TLS layer's or its own error (UND_ERR_…) and a `code`; fetch
  // wraps the same error as the cause of TypeError('fetch failed').
  const failure = connectionFailure(e) ?? (e instanceof TypeError ? connectionFailure((e as { cause?: unknown }).cause) : undefined);
  if (failure) {
    const where = url ? new URL(url).origin : 'the server';
    const why = failure.code ?? failure.message ?? 'connection failed';
    const message = UNREACHABLE.has(why)
      ? `could not reach ${where}: ${why} (check platform.url and that the API is up)`
      : `the connection to ${where} failed: ${why}${failure.code && failure.message ? ` (${failure.message})` : ''}`;
    return new EgressConnectionError('EGRESS_CONNECTION_FAILED', message, url, { cause: e });
  }
  return new HostEgressError('EGRESS_FAILED', `the request failed: ${(e as Error)?.message ?? String(e)}`, url, { cause: e });
}

/** The code and message of an error that ended a connection (a system, TLS or undici error), if `e` is one. */
function connectionFailure(e: unknown): { code?: string; message?: string } | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const { code, message } = e as { code?: unknown; message?: unknown };
  // An argument undici refused is the host's bug, not the connection's.
  if (typeof code !== 'string' || code === 'UND_ERR_INVALID_ARG') return undefined;
  return { code, ...(typeof message === 'string' && message !== '' ? { message } : {}) };
}
