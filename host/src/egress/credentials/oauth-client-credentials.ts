import type { OAuthClientCredentialsAuth } from '../../config.js';
import { HostEgressError } from '../egress-error.js';
import { secretList, type Authorization, type CredentialProvider } from './credential-provider.js';

/** How the provider reaches the token endpoint (global fetch, or a test's router in front of it). */
export type TokenFetch = (url: URL, init: RequestInit) => Promise<Response>;

export interface OAuthOptions {
  readonly fetch?: TokenFetch;
  /** Bound on one token request. */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

interface CachedToken {
  readonly token: string;
  /** Epoch ms after which the token is not used any more (shortly before it expires). */
  readonly renewAt: number;
}

// Renew this long before expiry (at most), so a token does not expire between the check and the
// platform reading it; for short-lived tokens a tenth of the lifetime.
const MAX_EARLY_RENEW_MS = 30_000;
// When the token endpoint does not say how long the token lives.
const DEFAULT_LIFETIME_S = 300;

/** The token endpoint failed: `EGRESS_AUTH_FAILED`, with what it said (never the client secret). */
export class TokenEndpointError extends HostEgressError {
  override readonly name = 'TokenEndpointError';
}

function describeEndpointFailure(body: string): string {
  try {
    const json = JSON.parse(body) as { error?: unknown; error_description?: unknown };
    if (typeof json.error === 'string') return `${json.error}${typeof json.error_description === 'string' ? ` (${json.error_description})` : ''}`;
  } catch {
    // not JSON: the start of the text below
  }
  return body.replace(/\s+/g, ' ').trim().slice(0, 200) || 'no body';
}

/**
 * OAuth 2 client credentials (RFC 6749 §4.4) against the platform's identity provider: one token,
 * fetched on first use, shared by every request until shortly before it expires; concurrent requests
 * wait for one fetch. A 401 from the platform drops the token once (the next request fetches anew).
 * The token and the client secret are secrets: scrubbed from answers, never logged.
 */
export class OAuthClientCredentials implements CredentialProvider {
  readonly kind: string;
  readonly headerNames = ['authorization'] as const;
  private cached: CachedToken | null = null;
  private pending: Promise<CachedToken> | null = null;
  private readonly fetch: TokenFetch;
  private readonly now: () => number;
  private readonly tokenUrl: URL;
  /** Token requests made so far (for diagnostics and tests). */
  tokenRequests = 0;

  constructor(
    private readonly auth: OAuthClientCredentialsAuth,
    private readonly options: OAuthOptions = {},
  ) {
    this.tokenUrl = new URL(auth.tokenUrl);
    this.kind = `oauth (client '${auth.clientId}' at ${this.tokenUrl.origin}${this.tokenUrl.pathname})`;
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.now = options.now ?? Date.now;
  }

  async authorize(signal?: AbortSignal): Promise<Authorization> {
    const current = this.cached !== null && this.now() < this.cached.renewAt ? this.cached : await this.waitForToken(signal);
    return { headers: [['authorization', `Bearer ${current.token}`]], ticket: current, secrets: [current.token] };
  }

  rejected(authorization: Authorization): boolean {
    // Only the token that was refused is dropped: of many requests refused at once, the first
    // drops it and the others retry with the token fetched meanwhile.
    if (this.cached === authorization.ticket) this.cached = null;
    return true;
  }

  secrets(): string[] {
    return secretList([this.auth.clientSecret, ...(this.cached ? [this.cached.token] : [])]);
  }

  private waitForToken(signal: AbortSignal | undefined): Promise<CachedToken> {
    this.pending ??= this.requestToken().finally(() => (this.pending = null));
    if (!signal) return this.pending;
    // A request that gives up stops waiting; the shared fetch goes on for the others.
    return new Promise<CachedToken>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending!.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private async requestToken(): Promise<CachedToken> {
    const { clientId, clientSecret, audience } = this.auth;
    const form = new URLSearchParams({ grant_type: 'client_credentials', scope: this.auth.scope ?? 'openid' });
    if (audience) form.set('audience', audience);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (this.auth.clientAuth === 'basic') {
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
    } else {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    }
    const where = `the OAuth token endpoint ${this.tokenUrl.origin}${this.tokenUrl.pathname}`;
    const fail = (why: string, cause?: unknown): never => {
      throw new TokenEndpointError('EGRESS_AUTH_FAILED', `${where} ${why}`.split(clientSecret).join('[redacted]'), undefined, { cause });
    };
    this.tokenRequests++;
    const started = this.now();
    let response: Response;
    try {
      response = await this.fetch(this.tokenUrl, { method: 'POST', headers, body: form.toString(), redirect: 'manual', signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = (e as Error).name === 'TimeoutError' ? `did not answer within ${this.options.timeoutMs ?? 10_000} ms` : `could not be reached: ${cause?.code ?? cause?.message ?? (e as Error).message}`;
      return fail(why, e);
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) return fail(`answered ${response.status} for client '${clientId}': ${describeEndpointFailure(text)}`);
    let json: { access_token?: unknown; expires_in?: unknown; token_type?: unknown };
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      return fail('answered 2xx but not with JSON');
    }
    if (typeof json.access_token !== 'string' || json.access_token.length === 0) return fail('answered without an access_token');
    if (typeof json.token_type === 'string' && json.token_type.toLowerCase() !== 'bearer') return fail(`issued a '${json.token_type}' token; only bearer tokens are supported`);
    const lifetimeS = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : Number(json.expires_in) > 0 ? Number(json.expires_in) : DEFAULT_LIFETIME_S;
    const lifetimeMs = lifetimeS * 1000;
    const token: CachedToken = { token: json.access_token, renewAt: started + lifetimeMs - Math.min(MAX_EARLY_RENEW_MS, lifetimeMs / 10) };
    this.cached = token;
    return token;
  }
}
