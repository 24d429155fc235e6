import type { HostConfig } from '../config.js';
import type { EgressRouter } from './egress-client.js';
import { UnconfiguredEgressGateway, type EgressGateway } from './egress-gateway.js';
import { PlatformEgressGateway } from './platform-egress-gateway.js';

/** The gateway a host's configuration asks for: to its platform API, or one that explains none is set. */
export function createEgressGateway(config: HostConfig, router?: EgressRouter): EgressGateway {
  return config.platform.url
    ? new PlatformEgressGateway({ platform: { url: config.platform.url, auth: config.platform.auth }, limits: config.egress, plugins: config.plugins, ...(router ? { router } : {}) })
    : new UnconfiguredEgressGateway();
}
