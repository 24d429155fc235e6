import type { BeforeRequestHook } from 'ky';
import type { PlatformAuth } from '../config.js';

// Secrets shorter than this are not searched for in responses: they would match ordinary text.
const MIN_REDACTED_LENGTH = 6;

/**
 * The host's credentials for the platform API (design §3.3), from `platform.auth`. They are added
 * to requests for the platform origin only, by a ky hook, after every plugin header was filtered;
 * they never cross into an isolate, and `secrets` lets responses be scrubbed of them.
 */
export class PlatformCredentials {
  /** Headers added to each request for the platform origin. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Values that must never reach a plugin, longest first. */
  readonly secrets: readonly string[];
  /** Lower-case name of a custom auth header, which plugins may not set either. */
  readonly customHeader: string | null;

  constructor(auth: PlatformAuth) {
    const headers: Array<[string, string]> = [];
    const secrets: string[] = [];
    switch (auth.type) {
      case 'bearer':
        headers.push(['authorization', `Bearer ${auth.token}`]);
        secrets.push(auth.token);
        break;
      case 'basic': {
        const encoded = Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64');
        headers.push(['authorization', `Basic ${encoded}`]);
        secrets.push(encoded, auth.password);
        break;
      }
      case 'header':
        headers.push([auth.name.toLowerCase(), auth.value]);
        secrets.push(auth.value);
        break;
      case 'none':
        break;
    }
    this.headers = headers;
    this.secrets = [...new Set(secrets.filter((s) => s.length >= MIN_REDACTED_LENGTH))].sort((a, b) => b.length - a.length);
    this.customHeader = auth.type === 'header' ? auth.name.toLowerCase() : null;
  }

  /**
   * The ky hook that authenticates requests to `platformOrigin` and marks them as API calls
   * (`x-keyfactor-requested-with: APIClient`, which Keyfactor's API expects from API clients).
   * Requests to other origins a plugin is allowed to reach get nothing.
   */
  hook(platformOrigin: string): BeforeRequestHook {
    const prefix = `${platformOrigin}/`;
    return (request) => {
      if (!request.url.startsWith(prefix)) return;
      for (const [name, value] of this.headers) request.headers.set(name, value);
      request.headers.set('x-keyfactor-requested-with', 'APIClient');
    };
  }
}
