import type { WireEvent } from './contract/event.js';
import type { HttpClient } from './http-client.js';

/**
 * A completed orchestrator job as JobHook receives it: Keyfactor's
 * `OrchestratorJobCompleteHandlerContext` without the client. GUIDs are lower-case strings.
 */
export interface JobCompleteEvent extends Omit<WireEvent, 'requestTimestamp'> {
  /** When the job was requested, when known. */
  readonly requestTimestamp: Date | null;
}

/** What `runHandler` receives: the event plus the platform API client (frozen). */
export interface JobCompleteContext extends JobCompleteEvent {
  /** HTTP client for the platform API; requests are made by the host under the plugin's permissions. */
  readonly client: HttpClient;
}
