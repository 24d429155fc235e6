import type { HandlerOutcome, Outcome } from './handler-outcome.js';
import type { EventText } from './event-text.js';
import type { WireEvent } from '@jobhook/sdk/contract';

/** Where an accepted event is: waiting, being run by the dispatcher loop, or finished. */
export type EventStatus = 'pending' | 'dispatching' | 'done';

/** All event statuses, in lifecycle order. */
export const EVENT_STATUSES: readonly EventStatus[] = ['pending', 'dispatching', 'done'];

/** One handler's recorded outcome for one event, with the dispatch attempt that ran it. */
export interface OutcomeRecord extends HandlerOutcome {
  /** Which dispatch of the event ran the handler: 1 normally, more after a crash or restart. */
  readonly attempts: number;
  /** ISO time the outcome was committed. */
  readonly recordedAt: string;
  /** 0 for the event's own dispatch, n for its n-th replay (each replay is a new attempt; earlier outcomes are kept). */
  readonly replay: number;
}

/** An accepted event with its state and every outcome recorded so far. */
export interface EventRecord {
  readonly id: string;
  readonly status: EventStatus;
  /** How many times the dispatcher loop has claimed the event. */
  readonly attempts: number;
  readonly acceptedAt: string;
  readonly completedAt: string | null;
  readonly idempotencyKey: string | null;
  readonly event: WireEvent;
  readonly outcomes: readonly OutcomeRecord[];
  /** Replays requested for the event, oldest first. */
  readonly replays: readonly ReplayRecord[];
}

/** What to run again for one event: one plugin's handlers, or one of them. */
export interface ReplayRequest {
  readonly eventId: string;
  readonly plugin: string;
  /** null: every handler of `plugin` that matches the event's job type. */
  readonly handler: string | null;
}

/** A stored replay request and where it is. */
export interface ReplayRecord extends ReplayRequest {
  /** The replay number its outcomes carry (`OutcomeRecord.replay`), 1 for the event's first replay. */
  readonly replay: number;
  readonly status: EventStatus;
  readonly requestedAt: string;
  readonly completedAt: string | null;
}

/** A replay the dispatcher loop has claimed, with its event's stored text and the handlers already recorded under it. */
export interface ClaimedReplay extends ReplayRequest, EventText {
  readonly replay: number;
  /** How many times the loop has claimed this replay (its outcomes' `attempts`). */
  readonly attempts: number;
  /** `outcomeKey(plugin, handler)` already recorded under this replay number (not to run again). */
  readonly recorded: ReadonlySet<string>;
}

/** Outcomes a bulk replay looks for. */
export interface ReplayCandidateQuery {
  readonly plugin: string;
  /** Only outcomes recorded at or after this time. */
  readonly since: Date;
  /** Outcomes to run again; the latest attempt of each (event, handler) must be one of them. */
  readonly outcomes: readonly Outcome[];
  /** At most this many (event, handler) pairs. */
  readonly limit: number;
}

/** An event the dispatcher loop has claimed, as its stored text, with the handlers that already have an outcome. */
export interface ClaimedEvent extends EventText {
  readonly id: string;
  readonly attempts: number;
  /** `outcomeKey(plugin, handler)` of handlers not to run again (at-least-once, never twice once recorded). */
  readonly recorded: ReadonlySet<string>;
}

/** What `append` did: a new event, or the event first stored under the same idempotency key. */
export interface AppendResult {
  readonly id: string;
  readonly created: boolean;
}

/** How many accepted events are not done yet. */
export interface QueueDepth {
  readonly pending: number;
  readonly dispatching: number;
}

/** A page of events, newest first. */
export interface EventQuery {
  readonly status?: EventStatus;
  readonly jobId?: string;
  /** At most this many (the store caps it at 1000). */
  readonly limit?: number;
  /** Only events accepted before the event with this id (paging cursor; `STORE_NOT_FOUND` if unknown). */
  readonly before?: string;
  /** Only events with at least one outcome of this kind (any attempt). */
  readonly outcome?: Outcome;
  /** Only events with an outcome from this plugin (with `outcome`: an outcome of that kind from it). */
  readonly plugin?: string;
  readonly jobTypeId?: string;
  /** Job type name as the event gave it (e.g. `PEMInventory`), case-insensitive. */
  readonly jobType?: string;
  /** Only events accepted at or after / before this time. */
  readonly acceptedFrom?: Date;
  readonly acceptedUntil?: Date;
}

/** Which pending events a claim may take. */
export interface ClaimFilter {
  /** Only events of these job types (lower-case GUIDs): the ones this host has plugins for. */
  readonly jobTypeIds: readonly string[];
}

/** Which pending replays a claim may take. */
export interface ReplayClaimFilter {
  /** Only replays of these plugins: the ones this host has loaded. */
  readonly pluginIds: readonly string[];
}

/** One event a pull source (the job-history poller) read, with the key that makes a re-read store nothing. */
export interface PolledEvent {
  readonly event: WireEvent;
  readonly idempotencyKey: string;
}

/** Key of one handler of one plugin in `ClaimedEvent.recorded`. */
export function outcomeKey(plugin: string, handler: string): string {
  return `${plugin}\u0000${handler}`;
}

/**
 * The durable record of accepted events and their outcomes. Writes resolve once
 * committed; implementations may group concurrent writes into one commit.
 */
export interface EventStore {
  /**
   * Stores an accepted event; resolves once it is durable. With an `idempotencyKey` seen before it
   * stores nothing and resolves to the first event's id; a different event under a used key is
   * refused (`IDEMPOTENCY_KEY_REUSED`).
   */
  append(event: WireEvent, idempotencyKey?: string | null): Promise<AppendResult>;
  /**
   * Moves up to `limit` pending events, oldest first, to `dispatching` and returns them. A store
   * several hosts share also takes events whose claim lease ran out (their host died).
   */
  claim(limit: number, filter?: ClaimFilter): Promise<ClaimedEvent[]>;
  /**
   * Records one handler's outcome from dispatch `attempt` of the event (`replay` 0) or of one of its
   * replays; a second one for the same event, plugin, handler and replay is ignored.
   */
  recordOutcome(eventId: string, outcome: HandlerOutcome, attempt: number, replay?: number): Promise<void>;
  /** Marks an event `done` (after every matched handler's outcome is recorded). */
  complete(eventId: string): Promise<void>;
  /**
   * Stores replay requests, each numbered one above its event's latest replay, pending for the
   * dispatcher loop; `STORE_NOT_FOUND` (nothing stored) if an event is unknown.
   */
  requestReplays(requests: readonly ReplayRequest[]): Promise<ReplayRecord[]>;
  /**
   * Moves up to `limit` pending replays, oldest first, to `dispatching` and returns them. A store
   * several hosts share takes only replays of `filter`'s plugins, and those whose lease ran out:
   * each replay runs on one host.
   */
  claimReplays(limit: number, filter?: ReplayClaimFilter): Promise<ClaimedReplay[]>;
  /** Marks a replay `done` (after every handler it selected has an outcome under its number). */
  completeReplay(eventId: string, replay: number): Promise<void>;
  /** The (event, handler) pairs of a plugin whose latest outcome since a time is one of `outcomes`, oldest first. */
  replayCandidates(query: ReplayCandidateQuery): Promise<ReplayRequest[]>;
  /**
   * Returns events (and replays) left `dispatching` by a stop or crash to `pending`; call before the first claim.
   * A store several hosts share returns only those whose lease ran out (or this host id's own): a
   * live host's claims stay its own.
   */
  requeueInFlight(): Promise<number>;
  get(id: string): Promise<EventRecord | undefined>;
  list(query?: EventQuery): Promise<EventRecord[]>;
  /** Why the store can no longer commit (its writer failed), or null while it can. */
  writeError(): string | null;
  /** Events waiting and events being dispatched (the queue depth; `done` ones are not counted). */
  queueDepth(): Promise<QueueDepth>;
  /** Deletes `done` events completed before `cutoff`, with their outcomes; returns how many. */
  prune(cutoff: Date): Promise<number>;
  /**
   * For a pull source: stores `events` and sets `source`'s cursor to `cursor` in one transaction, so
   * a crash leaves either both or neither. An event whose key is already stored is not stored again
   * (`created: false`, whatever its content now), which makes re-reading after a crash safe. `cursor`
   * null leaves the cursor as it is. Results are in the order of `events`.
   */
  appendPolled(source: string, events: readonly PolledEvent[], cursor: string | null): Promise<AppendResult[]>;
  /** The cursor `appendPolled` last committed for `source` (opaque text), or null before the first. */
  pollCursor(source: string): Promise<string | null>;
  /** Admin's plugin switches that survive restarts. */
  setPluginDisabled(pluginId: string, disabled: boolean): Promise<void>;
  disabledPlugins(): Promise<string[]>;
  /** Commits what is queued and releases the store; idempotent; later calls reject `STORE_CLOSED`. */
  close(): Promise<void>;
  /**
   * True when several hosts share the store: each claims only the job types it serves (a host
   * missing a plugin leaves those events to a host that has it, instead of finishing them unrun).
   */
  readonly shared?: boolean;
  /** Calls `listener` whenever another host commits new events or replay requests; returns the unsubscribe. */
  onForeignAppend?(listener: () => void): () => void;
}
