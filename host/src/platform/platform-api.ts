import type { CredentialProvider, Authorization } from '../egress/credentials/credential-provider.js';
import type { EgressRouter } from '../egress/egress-client.js';
import { HostEgressError } from '../egress/egress-error.js';
import { PLATFORM_MARKER } from '../egress/platform-credentials.js';
import { JobHookError } from '../errors.js';

/**
 * A platform API call the host makes for itself (not for a plugin) failed before an answer: `PLATFORM_UNREACHABLE`,
 * `PLATFORM_TLS_FAILED`, `PLATFORM_TIMEOUT`, `PLATFORM_TOKEN_FAILED` (no token), `PLATFORM_REQUEST_ABORTED`.
 */
export class PlatformApiError extends JobHookError {
  override readonly name = 'PlatformApiError';
}

/** One answer of the platform API, read whole. */
export interface PlatformAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The credentials sent, described (never their value): `bearer`, `oauth (client 'x' at …)`, `none`. */
  readonly auth: string;
}

// Causes that mean the TLS handshake, not the network, failed.
const TLS_CODES = /^(CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|ERR_TLS|ERR_SSL|EPROTO$|HOSTNAME_MISMATCH)/;

/**
 * The host's own client for the platform API: job-type lookups at load, the job-history poller,
 * `jobhook platform check`.
 * Same credentials as plugin egress (one OAuth token for both) and the same router; answers are read
 * whole and bounded by a timeout. Failures are precise: unreachable, TLS, token endpoint, timeout.
 */
export class PlatformApi {
  private readonly base: URL;

  constructor(
    url: string,
    private readonly credentials: CredentialProvider,
    private readonly options: { readonly timeoutMs?: number; readonly router?: EgressRouter } = {},
  ) {
    this.base = new URL(url.endsWith('/') ? url : `${url}/`);
  }

  /** The API base URL, ending in '/'. */
  get url(): string {
    return this.base.href;
  }

  /**
   * GET `path` (relative to the API base, query included); a 401 to renewable credentials is retried
   * once with fresh ones. `signal` aborts it (the token fetch included) with PLATFORM_REQUEST_ABORTED.
   */
  async get(path: string, options: { readonly signal?: AbortSignal } = {}): Promise<PlatformAnswer> {
    const url = new URL(path.replace(/^\/+/, ''), this.base);
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    if (options.signal?.aborted) throw aborted(url);
    let authorization = await this.authorize(signal);
    let answer = await this.send(url, authorization, signal, timeoutMs);
    if (answer.status === 401 && this.credentials.rejected(authorization)) {
      authorization = await this.authorize(signal);
      answer = await this.send(url, authorization, signal, timeoutMs);
    }
    return answer;
  }

  private async authorize(signal: AbortSignal): Promise<Authorization> {
    try {
      return await this.credentials.authorize(signal);
    } catch (e) {
      if (signal.aborted && (signal.reason as Error | undefined)?.name !== 'TimeoutError') throw aborted(this.base, e);
      if (e instanceof HostEgressError) throw new PlatformApiError('PLATFORM_TOKEN_FAILED', e.message, undefined, { cause: e });
      throw e;
    }
  }

  private async send(url: URL, authorization: Authorization, signal: AbortSignal, timeoutMs: number): Promise<PlatformAnswer> {
    const headers = new Headers({ accept: 'application/json', 'x-keyfactor-api-version': '1', [PLATFORM_MARKER[0]]: PLATFORM_MARKER[1] });
    for (const [name, value] of authorization.headers) headers.set(name, value);
    const wire = this.options.router ? this.options.router(url) : url;
    try {
      const response = await fetch(wire, { headers, signal, redirect: 'manual' });
      return { status: response.status, headers: response.headers, text: await response.text(), auth: this.credentials.kind };
    } catch (e) {
      if (e instanceof JobHookError) throw e;
      const where = `${url.origin}${url.pathname}`;
      if (signal.aborted && (signal.reason as Error | undefined)?.name !== 'TimeoutError') throw aborted(url, e);
      if ((e as Error).name === 'TimeoutError') throw new PlatformApiError('PLATFORM_TIMEOUT', `${where} did not answer within ${timeoutMs} ms`, undefined, { cause: e });
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const code = cause?.code ?? '';
      if (TLS_CODES.test(code)) {
        throw new PlatformApiError('PLATFORM_TLS_FAILED', `the TLS handshake with ${url.origin} failed: ${code}${cause?.message ? ` (${cause.message})` : ''}; check the server certificate and NODE_EXTRA_CA_CERTS`, undefined, { cause: e });
      }
      throw new PlatformApiError('PLATFORM_UNREACHABLE', `could not reach ${url.origin}: ${code || cause?.message || (e as Error).message} (check platform.url and that the API is up)`, undefined, { cause: e });
    }
  }
}

function aborted(url: URL, cause?: unknown): PlatformApiError {
  return new PlatformApiError('PLATFORM_REQUEST_ABORTED', `the request to ${url.origin}${url.pathname} was stopped (the host is shutting down)`, undefined, { cause });
}
