import type { PlatformAuth } from '../config.js';
import { NO_CREDENTIALS, StaticCredentials, type CredentialProvider } from './credentials/credential-provider.js';
import { OAuthClientCredentials, type OAuthOptions } from './credentials/oauth-client-credentials.js';

/**
 * The host's credentials for the platform API, from `platform.auth`. They are added
 * to requests for the platform origin only, after every plugin header was filtered; they never cross
 * into an isolate, and `secrets()` lets answers be scrubbed of them.
 */
export function platformCredentials(auth: PlatformAuth, oauth: OAuthOptions = {}): CredentialProvider {
  switch (auth.type) {
    case 'bearer':
      return StaticCredentials.bearer(auth.token);
    case 'basic':
      return StaticCredentials.basic(auth.username, auth.password, auth.domain);
    case 'header':
      return StaticCredentials.header(auth.name, auth.value);
    case 'oauth':
      return new OAuthClientCredentials(auth, oauth);
    case 'none':
      return NO_CREDENTIALS;
  }
}

/** Keyfactor's API expects API clients to say so; the platform origin gets it on every request. */
export const PLATFORM_MARKER: readonly [string, string] = ['x-keyfactor-requested-with', 'APIClient'];
