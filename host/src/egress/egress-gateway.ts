import type { HostLogger } from '../logging/logger.js';
import type { PluginManifest } from '../plugins/package/plugin-manifest.js';
import type { CredentialProvider } from './credentials/credential-provider.js';

/** The invocation a request belongs to: for limits, attribution and abort when it ends. */
export interface InvocationScope {
  readonly invocationId: string;
  readonly handler: string;
  readonly jobId: string;
  /** Epoch ms by which the invocation must end; requests are capped to it. */
  readonly deadlineAt: number;
}

/** One plugin's egress channel: policy, credentials and limits applied on the host. */
export interface PluginEgress {
  /** Performs one request; answers a JSON `Envelope<EgressResponseData>` and never rejects. */
  request(requestJson: string, invocation: InvocationScope): Promise<string>;
  /** The invocation ended (done, timeout, crash): abort what it still has in flight. */
  endInvocation(invocationId: string): void;
  dispose(): void;
}

/** Hands each loaded plugin version its egress channel. */
export interface EgressGateway {
  forPlugin(manifest: PluginManifest, logger: HostLogger): PluginEgress;
  /** The platform credentials it adds, so the host's own platform calls share them (one OAuth token). */
  readonly platformCredentials?: CredentialProvider;
  dispose(): Promise<void>;
}

/** The JSON answer to a plugin's HTTP request that failed (an `Envelope` with an `HostEgressError`). */
export function egressFailureJson(code: string, message: string): string {
  return JSON.stringify({ ok: false, error: { name: 'EgressError', code, message } });
}

/** The gateway of a host with no platform URL configured: every request fails, saying why. */
export class UnconfiguredEgressGateway implements EgressGateway {
  forPlugin(): PluginEgress {
    return {
      request: async () =>
        egressFailureJson('EGRESS_NOT_CONFIGURED', 'no platform API is configured on this host (set platform.url, --platform-url or JOBHOOK_PLATFORM_URL)'),
      endInvocation: () => {},
      dispose: () => {},
    };
  }
  async dispose(): Promise<void> {}
}
