import ky, { type KyInstance, type Options } from 'ky';
import type { Authorization } from './credentials/credential-provider.js';
import type { OriginCredentials } from './credentials/origin-credentials.js';
import { EgressDeniedError, EgressLimitError } from './egress-error.js';
import { PLATFORM_MARKER } from './platform-credentials.js';
import { messageUrl } from './platform-url.js';
import { readLimitedBody } from './read-limited-body.js';

/**
 * Where a request for a URL is actually sent. Production sends it where it says; the test harness
 * maps each faked origin to its loopback server and throws (a HostEgressError) for any other, so a
 * test never resolves a real name.
 */
export type EgressRouter = (url: URL) => URL;

/** One request after policy and filtering: what the host actually sends. */
export interface OutgoingRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: Buffer | null;
}

/** The secrets one request must not reveal. */
export interface RequestSecrets {
  /** Whether `text` holds a secret in force, or one the request was sent with. */
  carries(text: string): boolean;
  /** The client sent these credential values with the request (they stay secret after a rotation). */
  sent?(values: readonly string[]): void;
}

/** A response fully read within the limits. */
export interface ExchangeResult {
  readonly status: number;
  readonly statusText: string;
  readonly url: URL;
  readonly redirects: number;
  readonly headers: Array<[string, string]>;
  readonly body: Buffer;
  /** The last hop's origin answered 401, fresh credentials were fetched and the request sent once more. */
  readonly reauthenticated: boolean;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** The request the client makes after a redirect, with fetch's method and body rules. */
function redirected(previous: OutgoingRequest, status: number, location: URL): OutgoingRequest {
  const toGet = (status === 303 && previous.method !== 'HEAD') || ((status === 301 || status === 302) && previous.method === 'POST');
  if (!toGet) return { ...previous, url: location };
  const headers = { ...previous.headers };
  for (const name of ['content-type', 'content-encoding', 'content-language', 'content-location']) delete headers[name];
  return { method: 'GET', url: location, headers, body: null };
}

/**
 * The fetch ky calls. ky merges a `signal` option with its own through AbortSignal.any, which is slow
 * and leak-prone on Node 20 (nodejs/node#48419, nodejs/node#54614) and cost more than the rest of the
 * proxy; so the abort signal travels beside ky's options (ky hands options it does not know to fetch)
 * and is given to fetch here, which builds its own Request from ky's and follows this signal.
 */
function fetchWithAbort(input: Parameters<typeof fetch>[0], init?: RequestInit & { abortWith?: AbortSignal }): Promise<Response> {
  if (!init?.abortWith) return fetch(input, init);
  const { abortWith, ...rest } = init;
  return fetch(input, { ...rest, signal: abortWith });
}

/**
 * Performs requests with ky (no retries: the platform retries handlers itself; no ky timeout: the
 * caller's signal bounds the whole exchange, body included). Redirects are followed here, one by
 * one, so each hop is checked against the plugin's policy before it is requested, and authenticated
 * for its own origin only (credentials never follow a redirect to another origin). A 401 to
 * credentials that can be renewed (OAuth) renews them and sends the request once more.
 */
export class EgressClient {
  private readonly ky: KyInstance;

  constructor(
    private readonly limits: { readonly maxResponseBytes: number; readonly maxRedirects: number },
    private readonly router?: EgressRouter,
  ) {
    this.ky = ky.create({ retry: 0, timeout: false, throwHttpErrors: false, redirect: 'manual', fetch: fetchWithAbort });
  }

  /**
   * Performs `first`, following redirects. `checkHop` decides each redirect target; one whose
   * Location carries a secret in force (`secrets.carries`) is never followed, nor shown.
   */
  async perform(
    first: OutgoingRequest,
    signal: AbortSignal,
    checkHop: (method: string, url: URL) => void,
    credentials?: OriginCredentials,
    secrets?: RequestSecrets,
  ): Promise<ExchangeResult> {
    let request = first;
    let reauthenticated = false;
    for (let redirects = 0; ; redirects++) {
      const target = credentials?.for(request.url);
      let authorization: Authorization | undefined = target?.provider ? await target.provider.authorize(signal) : undefined;
      const send = (): Promise<Response> => {
        if (authorization?.secrets) secrets?.sent?.(authorization.secrets);
        const headers: Record<string, string> = { ...request.headers };
        for (const [name, value] of authorization?.headers ?? []) headers[name] = value;
        if (target?.platform) headers[PLATFORM_MARKER[0]] = PLATFORM_MARKER[1];
        const wire = this.router ? this.router(request.url) : request.url;
        return this.ky(wire.href, { method: request.method, headers, body: request.body, abortWith: signal } as Options);
      };
      let response = await send();
      if (response.status === 401 && authorization && !reauthenticated && target?.provider?.rejected(authorization)) {
        await response.body?.cancel().catch(() => undefined);
        reauthenticated = true;
        authorization = await target.provider.authorize(signal);
        response = await send();
      }
      const location = response.headers.get('location');
      if (REDIRECT_STATUSES.has(response.status) && location !== null) {
        await response.body?.cancel().catch(() => undefined);
        const from = messageUrl(request.url);
        // A server that puts the credential it was sent into a redirect would hand it to the plugin
        // (response.url) and to every later hop: such a redirect is refused without showing it.
        if (secrets?.carries(location)) {
          throw new EgressDeniedError(
            `${from} redirected (${response.status}) to a URL that carries one of the host's credentials; the host does not follow it (the platform reflected the credential: check its redirect handling)`,
            messageUrl(request.url),
            'EGRESS_REDIRECT_REFUSED',
          );
        }
        if (redirects >= this.limits.maxRedirects) {
          throw new EgressLimitError('EGRESS_TOO_MANY_REDIRECTS', `${from} redirected more than ${this.limits.maxRedirects} times (egress.maxRedirects)`, messageUrl(request.url));
        }
        let next: URL;
        try {
          next = new URL(location, request.url);
        } catch {
          throw new EgressLimitError('EGRESS_BAD_REDIRECT', `${from} redirected to an invalid URL`, messageUrl(request.url));
        }
        next.hash = '';
        if (secrets?.carries(next.href)) {
          throw new EgressDeniedError(`${from} redirected (${response.status}) to a URL that carries one of the host's credentials; the host does not follow it`, messageUrl(request.url), 'EGRESS_REDIRECT_REFUSED');
        }
        request = redirected(request, response.status, next);
        try {
          checkHop(request.method, request.url);
        } catch (e) {
          if (!(e instanceof EgressDeniedError)) throw e;
          throw new EgressDeniedError(`${from} redirected (${response.status}) to ${messageUrl(next)}, which is refused: ${e.message}`, messageUrl(next), e.code as 'EGRESS_DENIED');
        }
        continue;
      }
      const body = request.method === 'HEAD' ? Buffer.alloc(0) : await readLimitedBody(response, this.limits.maxResponseBytes, messageUrl(request.url));
      return { status: response.status, statusText: response.statusText, url: request.url, redirects, headers: [...response.headers], body, reauthenticated };
    }
  }
}
