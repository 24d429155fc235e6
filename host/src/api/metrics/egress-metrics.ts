import { abortKeyOf } from '../../egress/egress-abort.js';
import type { EgressGateway, PluginEgress } from '../../egress/egress-gateway.js';
import type { HostLogger } from '../../logging/logger.js';
import type { PluginManifest } from '../../plugins/package/plugin-manifest.js';
import type { ServiceMetrics } from './service-metrics.js';

/** HTTP status of an egress answer envelope, or the error code of a failed request. */
function outcomeOf(envelopeJson: string): string {
  try {
    const envelope = JSON.parse(envelopeJson) as { ok: boolean; value?: { status?: number }; error?: { code?: string } };
    return envelope.ok ? String(envelope.value?.status ?? 'unknown') : (envelope.error?.code ?? 'EGRESS_ERROR');
  } catch {
    return 'EGRESS_BAD_ENVELOPE';
  }
}

/**
 * Wraps an egress gateway so each plugin's platform requests are counted in
 * `jobhook_egress_requests_total{plugin,status}` (a fetch the plugin aborts counts once); requests and answers pass through unchanged.
 */
export function countEgress(inner: EgressGateway, metrics: ServiceMetrics): EgressGateway {
  return {
    ...(inner.platformCredentials ? { platformCredentials: inner.platformCredentials } : {}),
    forPlugin(manifest: PluginManifest, logger: HostLogger): PluginEgress {
      const channel = inner.forPlugin(manifest, logger);
      return {
        request: async (requestJson, invocation) => {
          const answer = await channel.request(requestJson, invocation);
          // A cancel message is no request of its own: the request it cancels is counted when it ends.
          if (abortKeyOf(requestJson) === null) metrics.egressRequest(manifest.id, outcomeOf(answer));
          return answer;
        },
        endInvocation: (invocationId) => channel.endInvocation(invocationId),
        dispose: () => channel.dispose(),
      };
    },
    dispose: () => inner.dispose(),
  };
}
