import type { HostConfig } from '../config.js';
import type { EgressRouter } from '../egress/egress-client.js';
import { UnconfiguredEgressGateway, type EgressGateway } from '../egress/egress-gateway.js';
import { platformCredentials } from '../egress/platform-credentials.js';
import { PlatformEgressGateway } from '../egress/platform-egress-gateway.js';
import { NO_PLATFORM_RESOLVER, PlatformJobTypeResolver, type JobTypeResolver } from '../platform/job-type-resolver.js';
import { PlatformApi } from '../platform/platform-api.js';

/**
 * The host's ways to the platform: the plugins' egress gateway and the job-type resolver, sharing
 * one set of platform credentials (so one OAuth token serves both). `egress`, when given, is used
 * as is (serve's, counted in metrics) and lends its credentials to the resolver.
 */
export function platformAccess(config: HostConfig, egress: EgressGateway | undefined, router: EgressRouter | undefined): { egress: EgressGateway; jobTypes: JobTypeResolver } {
  const url = config.platform.url;
  if (url === null) return { egress: egress ?? new UnconfiguredEgressGateway(), jobTypes: NO_PLATFORM_RESOLVER };
  const credentials =
    egress?.platformCredentials ??
    platformCredentials(config.platform.auth, {
      timeoutMs: config.egress.defaultTimeoutMs,
      ...(router ? { fetch: (u: URL, init: RequestInit) => fetch(router(u), init) } : {}),
    });
  const gateway = egress ?? new PlatformEgressGateway({ platform: { url, auth: config.platform.auth }, credentials, limits: config.egress, plugins: config.plugins, ...(router ? { router } : {}) });
  const api = new PlatformApi(url, credentials, { timeoutMs: config.egress.defaultTimeoutMs, ...(router ? { router } : {}) });
  return { egress: gateway, jobTypes: new PlatformJobTypeResolver(api) };
}
