import { ConfigError } from '../errors.js';
import { HostEgressError } from './egress-error.js';

/**
 * The platform API base URL, normalised to end with '/', so relative inputs resolve under it the way
 * ky's `prefixUrl` does (`Certificates/42` → `https://kf.example.com/KeyfactorAPI/Certificates/42`).
 */
export function parsePlatformUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('CONFIG_PLATFORM_URL', `platform.url '${raw}' is not a valid URL; give the API base, e.g. https://kf.example.com/KeyfactorAPI/`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('CONFIG_PLATFORM_URL', `platform.url must be http(s), not ${url.protocol}`);
  if (url.username || url.password) {
    throw new ConfigError('CONFIG_PLATFORM_URL', 'platform.url must not carry credentials (user:password@); set platform.auth or JOBHOOK_PLATFORM_TOKEN / JOBHOOK_PLATFORM_USER instead');
  }
  if (url.search || url.hash) throw new ConfigError('CONFIG_PLATFORM_URL', 'platform.url must not have a query or a fragment');
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

const HAS_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

/** Resolves a plugin's input: absolute as given, otherwise under the platform URL. Drops any fragment. */
export function resolveRequestUrl(input: string, base: URL): URL {
  if (input.startsWith('/')) {
    throw new HostEgressError('EGRESS_BAD_URL', `'${input}' starts with '/': write a path relative to the platform API URL (${base.href}), e.g. 'Certificates/42', or an absolute URL`);
  }
  let url: URL;
  try {
    url = HAS_SCHEME.test(input) ? new URL(input) : new URL(input, base);
  } catch {
    throw new HostEgressError('EGRESS_BAD_URL', `'${input}' is not a valid URL or path`);
  }
  url.hash = '';
  return url;
}

/** The URL as it may be logged: origin and path, query values hidden (they may carry secrets). */
export function loggableUrl(url: URL): string {
  const keys = [...url.searchParams.keys()];
  return `${url.origin}${url.pathname}${keys.length > 0 ? `?${keys.map((k) => `${encodeURIComponent(k)}=…`).join('&')}` : ''}`;
}

/** The URL as messages (to the plugin and the log) show it: origin and path, any query as `?…`. */
export function messageUrl(url: URL): string {
  return `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;
}
