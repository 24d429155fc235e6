import type { EgressLimits, PlatformAuth } from '../config.js';
import type { HostLogger } from '../logging/logger.js';
import type { PluginManifest } from '../manifest/plugin-manifest.js';
import { EgressClient } from './egress-client.js';
import type { EgressGateway, PluginEgress } from './egress-gateway.js';
import { ManifestEgressPolicy } from './egress-policy.js';
import { PlatformCredentials } from './platform-credentials.js';
import { parsePlatformUrl } from './platform-url.js';
import { PlatformPluginEgress } from './plugin-egress.js';

/** What the gateway is built from: `HostConfig.platform` and `HostConfig.egress`. */
export interface PlatformEgressOptions {
  readonly platform: { readonly url: string; readonly auth: PlatformAuth };
  readonly limits: EgressLimits;
}

/**
 * The host's egress gateway to the platform API: one ky client (credentials hook, no retries, no
 * automatic redirects) shared by every plugin; each plugin version gets its own policy, concurrency
 * slots and in-flight book. Disposing it aborts everything still in flight.
 */
export class PlatformEgressGateway implements EgressGateway {
  private readonly platform: URL;
  private readonly credentials: PlatformCredentials;
  private readonly client: EgressClient;
  private readonly channels = new Set<PlatformPluginEgress>();
  private disposed = false;

  constructor(private readonly options: PlatformEgressOptions) {
    this.platform = parsePlatformUrl(options.platform.url);
    this.credentials = new PlatformCredentials(options.platform.auth);
    this.client = new EgressClient(options.limits, [this.credentials.hook(this.platform.origin)]);
  }

  /** Throws EgressRuleError (code EGRESS_RULE_INVALID) when a permissions.http rule cannot be used. */
  forPlugin(manifest: PluginManifest, logger: HostLogger): PluginEgress {
    if (this.disposed) throw new Error('the egress gateway is disposed');
    const policy = new ManifestEgressPolicy(manifest.id, manifest.permissions?.http ?? [], this.platform);
    const channel = new PlatformPluginEgress({
      platform: this.platform,
      policy,
      credentials: this.credentials,
      client: this.client,
      limits: this.options.limits,
      logger,
      onDisposed: () => this.channels.delete(channel),
    });
    this.channels.add(channel);
    return channel;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const channel of [...this.channels]) channel.dispose();
    this.channels.clear();
  }
}
