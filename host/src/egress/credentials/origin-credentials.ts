import type { OriginCredentialConfig } from '../../config.js';
import { ConfigError } from '../../errors.js';
import { StaticCredentials, type CredentialProvider } from './credential-provider.js';
import { readSecretRef } from './secret-ref.js';

/** Who authenticates a request to one URL, as one plugin's channel sees it. */
export interface OriginTarget {
  /** The provider for the URL's origin, if any. */
  readonly provider: CredentialProvider | undefined;
  /** The URL is on the platform API's origin. */
  readonly platform: boolean;
}

/**
 * One plugin version's credentials by origin: the host's platform credentials for the platform
 * origin, and the admin's `plugins.<id>.credentials` for the origins they name (a per-plugin entry
 * for the platform origin replaces the host's for that plugin). Nothing here reaches the isolate.
 */
export class OriginCredentials {
  // Fixed for the life of the channel: asked on every request, so computed once.
  private readonly names: ReadonlySet<string>;

  constructor(
    private readonly platformOrigin: string,
    private readonly platform: CredentialProvider,
    private readonly byOrigin: ReadonlyMap<string, CredentialProvider> = new Map(),
  ) {
    this.names = new Set([platform, ...byOrigin.values()].flatMap((p) => p.headerNames));
  }

  for(url: URL): OriginTarget {
    const platform = url.origin === this.platformOrigin;
    return { provider: this.byOrigin.get(url.origin) ?? (platform ? this.platform : undefined), platform };
  }

  /** Header names any of these credentials set: a plugin may set none of them, for any origin. */
  headerNames(): ReadonlySet<string> {
    return this.names;
  }

  /** Every secret in force for this plugin, longest first. */
  secrets(): string[] {
    if (this.byOrigin.size === 0) return this.platform.secrets();
    return [...new Set([this.platform, ...this.byOrigin.values()].flatMap((p) => p.secrets()))].sort((a, b) => b.length - a.length);
  }

  /** The origins the admin attached credentials to (for status and logs; no values). */
  origins(): Array<{ origin: string; kind: string }> {
    return [...this.byOrigin].map(([origin, p]) => ({ origin, kind: p.kind }));
  }
}

/** `https://Relay.Example.com:443/` → `https://relay.example.com`; refuses anything with a path. */
function normaliseOrigin(raw: string, where: string, pluginId: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('CONFIG_CREDENTIAL_INVALID', `${where}.origin '${raw}' is not a URL`, pluginId);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) {
    throw new ConfigError('CONFIG_CREDENTIAL_INVALID', `${where}.origin '${raw}' must be an origin only (scheme, host, port), e.g. https://relay.example.com`, pluginId);
  }
  return url.origin;
}

/** Reads `plugins.<id>.credentials` (secrets from env or files, now) into providers by origin. */
export function pluginCredentialProviders(pluginId: string, entries: readonly OriginCredentialConfig[] | undefined, env: NodeJS.ProcessEnv = process.env): Map<string, CredentialProvider> {
  const out = new Map<string, CredentialProvider>();
  (entries ?? []).forEach((entry, i) => {
    const where = `plugins.${pluginId}.credentials[${i}]`;
    const origin = normaliseOrigin(entry.origin, where, pluginId);
    if (out.has(origin)) throw new ConfigError('CONFIG_CREDENTIAL_INVALID', `${where}: ${origin} already has credentials for this plugin; keep one entry per origin`, pluginId);
    let provider: CredentialProvider;
    if ('bearer' in entry) provider = StaticCredentials.bearer(readSecretRef(entry.bearer, `${where}.bearer`, env, pluginId));
    else if ('basic' in entry) provider = StaticCredentials.basic(entry.basic.username, readSecretRef(entry.basic.password, `${where}.basic.password`, env, pluginId));
    else provider = StaticCredentials.header(entry.header.name, readSecretRef(entry.header.value, `${where}.header.value`, env, pluginId));
    out.set(origin, provider);
  });
  return out;
}
