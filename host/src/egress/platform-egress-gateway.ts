import type { EgressLimits, PlatformAuth, PluginOverrides } from '../config.js';
import type { HostLogger } from '../logging/logger.js';
import type { Disposable } from '../lifecycle/disposable.js';
import { DisposableStore } from '../lifecycle/disposable-store.js';
import type { PluginManifest } from '../plugins/package/plugin-manifest.js';
import { rulesInForce } from './admin-permissions.js';
import type { CredentialProvider } from './credentials/credential-provider.js';
import { OriginCredentials, pluginCredentialProviders } from './credentials/origin-credentials.js';
import { EgressClient, type EgressRouter } from './egress-client.js';
import type { EgressGateway, PluginEgress } from './egress-gateway.js';
import { ManifestEgressPolicy } from './egress-policy.js';
import { platformCredentials } from './platform-credentials.js';
import { parsePlatformUrl } from './platform-url.js';
import { PlatformPluginEgress } from './plugin-egress.js';

/** What the gateway is built from: `HostConfig.platform`, `HostConfig.egress` and `HostConfig.plugins`. */
export interface PlatformEgressOptions {
  readonly platform: { readonly url: string; readonly auth: PlatformAuth };
  readonly limits: EgressLimits;
  /** Per-plugin credentials and permission changes (`plugins.<id>.credentials`, `.permissions`). */
  readonly plugins?: Readonly<Record<string, PluginOverrides>>;
  /** Where requests are really sent (the test harness's fakes); default: where they say. */
  readonly router?: EgressRouter;
  /** The platform credentials, when the host shares them with its own platform calls; default: built from `auth`. */
  readonly credentials?: CredentialProvider;
  /** Where `env:NAME` secrets are read; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The host's egress gateway to the platform API and the third-party origins plugins are allowed:
 * one HTTP client and its keep-alive pool (no retries, no automatic redirects) and one set of platform credentials shared by
 * every plugin; each plugin version gets its own policy, per-origin credentials, concurrency slots
 * and in-flight book. Disposing it aborts everything still in flight.
 */
export class PlatformEgressGateway implements EgressGateway {
  private readonly platform: URL;
  /** The host's platform credentials (an OAuth token is shared by every plugin). */
  readonly platformCredentials: CredentialProvider;
  private readonly client: EgressClient;
  /** The channels handed out and not yet disposed; disposing the gateway disposes them. */
  private readonly channels = new DisposableStore('the egress gateway');

  constructor(private readonly options: PlatformEgressOptions) {
    this.platform = parsePlatformUrl(options.platform.url);
    const router = options.router;
    this.platformCredentials = options.credentials ?? platformCredentials(options.platform.auth, {
      timeoutMs: options.limits.defaultTimeoutMs,
      ...(router ? { fetch: (url: URL, init: RequestInit) => fetch(router(url), init) } : {}),
    });
    this.client = new EgressClient(options.limits, router);
  }

  /**
   * Throws EgressRuleError (EGRESS_RULE_INVALID, PERMISSION_REVOKE_UNMATCHED) when the rules in force
   * cannot be used, ConfigError when the plugin's credentials cannot be read.
   */
  forPlugin(manifest: PluginManifest, logger: HostLogger): PluginEgress {
    if (this.channels.isDisposed) throw new Error('the egress gateway is disposed');
    const overrides = this.options.plugins?.[manifest.id];
    const rules = rulesInForce(manifest.id, manifest.permissions?.http ?? [], overrides?.permissions);
    const policy = new ManifestEgressPolicy(manifest.id, rules, this.platform);
    const credentials = new OriginCredentials(this.platform.origin, this.platformCredentials, pluginCredentialProviders(manifest.id, overrides?.credentials, this.options.env));
    // A channel its plugin version disposed is forgotten, so a long-lived host does not keep every one.
    let owned: Disposable | undefined;
    const channel = new PlatformPluginEgress({
      platform: this.platform,
      policy,
      credentials,
      client: this.client,
      limits: this.options.limits,
      logger,
      onDisposed: () => void owned?.dispose(),
    });
    owned = this.channels.add(channel);
    return channel;
  }

  async dispose(): Promise<void> {
    await this.channels.dispose();
    await this.client.close();
  }
}
