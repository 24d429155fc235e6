// Credentials the host adds to a request for one origin. Several kinds (static headers, OAuth tokens
// fetched and refreshed on the host) behind one seam, so the egress path does not care which.

/** Headers that authenticate one request, and what the provider needs to recognise them on a 401. */
export interface Authorization {
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Opaque to callers: hand it back to `rejected` when the origin answered 401. */
  readonly ticket?: unknown;
  /**
   * The secrets these headers carry, when `secrets()` may stop listing them while the request is
   * in flight (a token replaced meanwhile): an answer echoing them is scrubbed all the same.
   */
  readonly secrets?: readonly string[];
}

/** One origin's credentials. Values never leave the host; `secrets()` lets answers be scrubbed of them. */
export interface CredentialProvider {
  /** What kind of credentials, for messages and logs (never a value): `bearer`, `basic (CORP\svc)`, `oauth`… */
  readonly kind: string;
  /** Lower-case names of the headers it sets; a plugin may not set them itself. */
  readonly headerNames: readonly string[];
  /** The headers for one request; may fetch a token (bounded by `signal` and its own timeout). */
  authorize(signal?: AbortSignal): Promise<Authorization>;
  /**
   * The origin answered 401 to a request sent with `authorization`: forget what it used and say
   * whether fresh credentials are worth one retry (an OAuth token is; a static one is not).
   */
  rejected(authorization: Authorization): boolean;
  /** Values in force that must never reach a plugin, longest first. */
  secrets(): string[];
}

// Secrets shorter than this are not searched for in responses: they would match ordinary text.
export const MIN_REDACTED_LENGTH = 6;

/** The distinct secrets long enough to search for, longest first (so a longer form is replaced whole). */
export function secretList(values: Iterable<string>): string[] {
  return [...new Set([...values].filter((s) => s.length >= MIN_REDACTED_LENGTH))].sort((a, b) => b.length - a.length);
}

/** Fixed headers: a bearer token, Basic credentials or an API-key header. */
export class StaticCredentials implements CredentialProvider {
  readonly headerNames: readonly string[];
  private readonly authorization: Authorization;
  private readonly values: string[];

  constructor(
    readonly kind: string,
    headers: ReadonlyArray<readonly [string, string]>,
    secrets: readonly string[],
  ) {
    const lower = headers.map(([n, v]) => [n.toLowerCase(), v] as const);
    this.authorization = { headers: lower };
    this.headerNames = lower.map(([n]) => n);
    this.values = secretList(secrets);
  }

  /** `Authorization: Bearer <token>`. */
  static bearer(token: string): StaticCredentials {
    return new StaticCredentials('bearer', [['authorization', `Bearer ${token}`]], [token]);
  }

  /** `Authorization: Basic base64(user:password)`; with a domain, the user is `DOMAIN\user` (Active Directory). */
  static basic(username: string, password: string, domain?: string): StaticCredentials {
    const user = domain ? `${domain}\\${username}` : username;
    const encoded = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
    return new StaticCredentials(`basic (${user})`, [['authorization', `Basic ${encoded}`]], [encoded, password]);
  }

  /** A custom header such as `X-Api-Key`. */
  static header(name: string, value: string): StaticCredentials {
    return new StaticCredentials(`header ${name.toLowerCase()}`, [[name, value]], [value]);
  }

  async authorize(): Promise<Authorization> {
    return this.authorization;
  }

  rejected(): boolean {
    return false;
  }

  secrets(): string[] {
    return this.values;
  }
}

/** No credentials (`platform.auth.type: none`). */
export const NO_CREDENTIALS: CredentialProvider = new StaticCredentials('none', [], []);
