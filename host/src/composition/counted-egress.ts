import type { HostConfig } from '../config.js';
import { createEgressGateway } from '../egress/create-egress-gateway.js';
import type { EgressGateway } from '../egress/egress-gateway.js';
import { countEgress } from '../api/metrics/egress-metrics.js';
import type { ServiceMetrics } from '../api/metrics/service-metrics.js';

/**
 * The egress gateway `createHost` would make from `config` (platform URL or none), counted in the
 * service's metrics. Passed to `createHost({ egress })`, which then owns and disposes it.
 */
export function countedEgress(config: HostConfig, metrics: ServiceMetrics): EgressGateway {
  return countEgress(createEgressGateway(config), metrics);
}
