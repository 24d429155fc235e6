import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
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
 * A response's headers as fetch lists them: lower-case names in order, a repeated header joined with
 * ", " except Set-Cookie, which stays one entry per cookie.
 */
function headerList(raw: Dispatcher.ResponseData['headers']): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const name of Object.keys(raw).sort()) {
    const value = raw[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      if (name === 'set-cookie') for (const v of value) out.push([name, v]);
      else out.push([name, value.join(', ')]);
    } else out.push([name, value]);
  }
  return out;
}

// What fetch sent when the plugin set none, kept so servers see the requests they saw before (an
// absent Accept gets some frameworks' other content type); the body is decoded in readLimitedBody.
const FETCH_DEFAULTS: Readonly<Record<string, string>> = { accept: '*/*', 'accept-encoding': 'gzip, deflate, br', 'user-agent': 'jobhook' };

const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(', ') : value);

/** Reads and drops a body the exchange does not keep (a redirect's, a refused 401's), so its connection can be reused. */
async function discard(response: Dispatcher.ResponseData): Promise<void> {
  await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
}

/**
 * Performs requests with undici's `request` over one keep-alive connection pool per origin. The
 * host's hop needs none of what a fetch-style client adds (retries, hooks, its own timeout,
 * redirect following, HTTP errors: all were switched off), and building WHATWG Request and
 * Response objects cost more per request than the rest of the proxy together (bench/egress).
 * No retries: the platform retries handlers itself; the caller's signal bounds the whole exchange,
 * body included. Redirects are followed here, one by one, so each hop is checked against the
 * plugin's policy before it is requested, and authenticated for its own origin only (credentials
 * never follow a redirect to another origin). A 401 to credentials that can be renewed (OAuth)
 * renews them and sends the request once more.
 */
export class EgressClient {
  // The keep-alive pool: connections to the platform are reused across requests and plugins.
  private readonly agent = new Agent({ keepAliveTimeout: 10_000 });

  constructor(
    private readonly limits: { readonly maxResponseBytes: number; readonly maxRedirects: number },
    private readonly router?: EgressRouter,
  ) {}

  /** Closes the pool; requests still in flight are ended. */
  async close(): Promise<void> {
    await this.agent.destroy().catch(() => undefined);
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
      const send = (): Promise<Dispatcher.ResponseData> => {
        if (authorization?.secrets) secrets?.sent?.(authorization.secrets);
        const headers: Record<string, string> = { ...FETCH_DEFAULTS, ...request.headers };
        for (const [name, value] of authorization?.headers ?? []) headers[name] = value;
        if (target?.platform) headers[PLATFORM_MARKER[0]] = PLATFORM_MARKER[1];
        const wire = this.router ? this.router(request.url) : request.url;
        return undiciRequest(wire, { method: request.method as Dispatcher.HttpMethod, headers, body: request.body, signal, dispatcher: this.agent });
      };
      let response = await send();
      if (response.statusCode === 401 && authorization && !reauthenticated && target?.provider?.rejected(authorization)) {
        await discard(response);
        reauthenticated = true;
        authorization = await target.provider.authorize(signal);
        response = await send();
      }
      const status = response.statusCode;
      const location = single(response.headers['location']);
      if (REDIRECT_STATUSES.has(status) && location !== undefined) {
        await discard(response);
        const from = messageUrl(request.url);
        // A server that puts the credential it was sent into a redirect would hand it to the plugin
        // (response.url) and to every later hop: such a redirect is refused without showing it.
        if (secrets?.carries(location)) {
          throw new EgressDeniedError(
            `${from} redirected (${status}) to a URL that carries one of the host's credentials; the host does not follow it (the platform reflected the credential: check its redirect handling)`,
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
          throw new EgressDeniedError(`${from} redirected (${status}) to a URL that carries one of the host's credentials; the host does not follow it`, messageUrl(request.url), 'EGRESS_REDIRECT_REFUSED');
        }
        request = redirected(request, status, next);
        try {
          checkHop(request.method, request.url);
        } catch (e) {
          if (!(e instanceof EgressDeniedError)) throw e;
          throw new EgressDeniedError(`${from} redirected (${status}) to ${messageUrl(next)}, which is refused: ${e.message}`, messageUrl(next), e.code as 'EGRESS_DENIED');
        }
        continue;
      }
      const body =
        request.method === 'HEAD'
          ? (await discard(response), Buffer.alloc(0))
          : await readLimitedBody(
              response.body,
              { contentLength: single(response.headers['content-length']), contentEncoding: single(response.headers['content-encoding']) },
              { maxBytes: this.limits.maxResponseBytes, url: messageUrl(request.url) },
            );
      return { status, url: request.url, redirects, headers: headerList(response.headers), body, reauthenticated };
    }
  }
}
