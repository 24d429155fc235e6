import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher, RouteSource } from './dispatcher.js';
import type { EventText } from '../store/event-text.js';
import type { HandlerOutcome } from '../store/handler-outcome.js';
import { describeError } from '../errors.js';
import type { HostLogger } from '../logging/logger.js';
import type { Route } from '../plugins/registry/routing-table.js';
import { runReplay } from './run-replay.js';
import { StoreError } from '../store/store-error.js';
import { outcomeKey, type ClaimFilter, type ClaimedEvent, type ClaimedReplay, type EventStore, type ReplayClaimFilter } from '../store/event-store.js';

// Tries of a handler whose plugin is at capacity before `rejected` is recorded (about 6 s in all).
const REJECTED_RETRIES = 10;

// Waits before each new try of an outcome or completion the store refused; the last one repeats.
const WRITE_RETRY_MS = [100, 250, 500, 1000, 2000, 5000] as const;
// A write still failing is logged on its first tries, then about once a minute.
const WRITE_RETRY_LOG_EVERY = 12;

/** What the pump tells about its work (the service turns it into metrics and counters). */
export interface EventPumpObserver {
  outcome?(outcome: HandlerOutcome): void;
  /** An outcome was committed (`replay` 0: the event's own dispatch). */
  recorded?(eventId: string, outcome: HandlerOutcome, replay: number): void;
  dispatched?(eventId: string): void;
}

/** One run of a handler for an event: its own dispatch (`replay` 0) or a replay. */
export interface RouteRun {
  readonly eventId: string;
  /** The event as stored: its text goes to each sandbox as it is. */
  readonly event: EventText;
  readonly attempts: number;
  readonly replay: number;
}

/** Options of the dispatcher loop. */
export interface EventPumpOptions {
  readonly store: EventStore;
  readonly routes: RouteSource;
  /** Runs each claimed handler; the host's own, so that the pump and `host.dispatch` invoke routes alike. */
  readonly dispatcher: Dispatcher;
  readonly logger: HostLogger;
  readonly observer?: EventPumpObserver;
  /** Events dispatched at once; each plugin's own concurrency and queue apply inside. Default 64. */
  readonly concurrency?: number;
  /** Which events to claim, asked before each claim (a host sharing its store claims only what it serves). */
  readonly claimFilter?: () => ClaimFilter;
  /** Which replays to claim, asked before each claim (a host sharing its store runs only its plugins' replays). */
  readonly replayClaimFilter?: () => ReplayClaimFilter;
}

/**
 * The dispatcher loop, from the store to the handlers: claims pending events, runs each matching handler
 * that has no recorded outcome yet, records every outcome as it ends, then marks the event done.
 * At-least-once: an event claimed but not finished before a crash is claimed again after restart,
 * and only the handlers without an outcome run again.
 */
export class EventPump {
  private readonly dispatcher: Dispatcher;
  private readonly concurrency: number;
  private readonly claimBatch: number;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly doneWaiters = new Map<string, Set<(done: boolean) => void>>();
  private wakeUp: (() => void) | null = null;
  private woken = false;
  /** Replays may be waiting: true at start (left by a previous run) and after each request. */
  private replaysWaiting = true;
  private loop: Promise<void> | null = null;
  private stopping = false;
  /** After the stop deadline, outcomes still arriving (crashed by disposal) are not recorded. */
  private recording = true;
  /** Aborted by `stop`: ends the waits between tries of a refused write. */
  private readonly stopped = new AbortController();

  constructor(private readonly options: EventPumpOptions) {
    this.dispatcher = options.dispatcher;
    this.concurrency = options.concurrency ?? 64;
    this.claimBatch = Math.max(1, Math.floor(this.concurrency / 4));
  }

  /** Returns events a previous run left in flight to the queue, then starts the loop. */
  async start(): Promise<void> {
    if (this.loop) return;
    const requeued = await this.options.store.requeueInFlight();
    if (requeued > 0) this.options.logger.warn({ requeued }, `${requeued} event(s) left in flight by the previous run will be dispatched again`);
    this.loop = this.run();
  }

  /** New events were committed: claim them. */
  wake(): void {
    this.woken = true;
    const wake = this.wakeUp;
    this.wakeUp = null;
    wake?.();
  }

  /** Replays were stored: claim them. */
  wakeReplays(): void {
    this.replaysWaiting = true;
    this.wake();
  }

  /**
   * Resolves true once `eventId` is done (already, or within `timeoutMs`), false otherwise.
   * `isDone` is asked after the waiter is registered, so a completion in between is not missed.
   */
  async whenDone(eventId: string, timeoutMs: number, isDone: () => Promise<boolean>): Promise<boolean> {
    let settle!: (done: boolean) => void;
    const result = new Promise<boolean>((resolve) => (settle = resolve));
    const waiters = this.doneWaiters.get(eventId) ?? new Set();
    this.doneWaiters.set(eventId, waiters);
    waiters.add(settle);
    const timer = setTimeout(() => settle(false), timeoutMs);
    try {
      if (this.stopping) settle(false);
      else if (await isDone()) settle(true);
      return await result;
    } finally {
      clearTimeout(timer);
      waiters.delete(settle);
      if (waiters.size === 0 && this.doneWaiters.get(eventId) === waiters) this.doneWaiters.delete(eventId);
    }
  }

  /**
   * Stops claiming, releases waiters, and lets events in flight finish for up to `deadlineMs`. What is
   * still running after that is left `dispatching` in the store and runs again after the next start.
   * Returns how many events were left unfinished.
   */
  async stop(deadlineMs: number): Promise<number> {
    this.stopping = true;
    this.stopped.abort();
    this.wake();
    for (const waiters of this.doneWaiters.values()) for (const settle of waiters) settle(false);
    await this.loop;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    await Promise.race([Promise.allSettled([...this.inFlight]), expired]);
    clearTimeout(timer);
    this.recording = false;
    return this.inFlight.size;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      this.woken = false;
      const room = this.concurrency - this.inFlight.size;
      // Claims go in batches: one claim per finished event would cost a commit per event.
      if (room >= this.claimBatch || (room > 0 && this.inFlight.size === 0)) {
        let claimed: ClaimedEvent[];
        try {
          claimed = await this.options.store.claim(room, this.options.claimFilter?.());
        } catch (e) {
          if (!this.stopping) this.options.logger.error({ error: describeError(e) }, 'claiming events from the store failed; retrying in 1 s');
          await this.idle(1000);
          continue;
        }
        for (const c of claimed) this.track(this.dispatch(c));
        // Replays share the room with new events, after them: a fix never starves live traffic.
        // Asked only when some may be waiting, so an idle replay queue costs the store nothing.
        const left = room - claimed.length;
        if (left > 0 && this.replaysWaiting) {
          let replays: ClaimedReplay[] = [];
          // Cleared before the claim: a request stored while it runs sets it again.
          this.replaysWaiting = false;
          try {
            replays = await this.options.store.claimReplays(left, this.options.replayClaimFilter?.());
            if (replays.length === left) this.replaysWaiting = true;
          } catch (e) {
            this.replaysWaiting = true;
            if (!this.stopping) this.options.logger.error({ error: describeError(e) }, 'claiming replays from the store failed; retrying in 1 s');
          }
          for (const r of replays) this.track(this.replay(r));
        }
      }
      // Until new events are committed or an event in flight finishes (either may already have happened).
      await this.idle();
    }
  }

  // Waits for a wake (new events, or room freed); `woken` covers a wake that came while claiming.
  private idle(ms?: number): Promise<void> {
    if (this.woken || this.stopping) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => this.wake(), ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => {
      this.inFlight.delete(work);
      this.wake();
    });
  }

  private async dispatch(claimed: ClaimedEvent): Promise<void> {
    const { store, logger, observer } = this.options;
    const routes = this.options.routes.routes(claimed.jobTypeId).filter((r) => !claimed.recorded.has(outcomeKey(r.instance.id, r.handler)));
    try {
      const run: RouteRun = { eventId: claimed.id, event: claimed, attempts: claimed.attempts, replay: 0 };
      await Promise.all(routes.map((route) => this.runRoute(run, route)));
      if (!this.recording) return;
      await this.persist(
        () => store.complete(claimed.id),
        () => ['marking the event done', { eventId: claimed.id, jobId: claimed.jobId }],
      );
    } catch (e) {
      // A write gave up (the pump is stopping, the store closed): the event stays `dispatching` and runs
      // again after the next start.
      if (this.recording) logger.error({ eventId: claimed.id, jobId: claimed.jobId, error: describeError(e) }, 'recording the dispatch of an event failed');
      return;
    }
    observer?.dispatched?.(claimed.id);
    for (const settle of this.doneWaiters.get(claimed.id) ?? []) settle(true);
  }

  private async replay(claimed: ClaimedReplay): Promise<void> {
    const { store, logger } = this.options;
    try {
      await runReplay(claimed, { routes: this.options.routes, logger, runRoute: (run, route) => this.runRoute(run, route) });
      if (!this.recording) return;
      await this.persist(
        () => store.completeReplay(claimed.eventId, claimed.replay),
        () => ['marking the replay done', { eventId: claimed.eventId, replay: claimed.replay }],
      );
    } catch (e) {
      // Left `dispatching`: it runs again after the next start, without the handlers already recorded.
      if (this.recording) logger.error({ eventId: claimed.eventId, replay: claimed.replay, error: describeError(e) }, 'recording a replay failed');
    }
  }

  // Each handler runs on its own, so its outcome is recorded as soon as it ends and a crash later
  // does not make it run again.
  private async runRoute(run: RouteRun, route: Route): Promise<void> {
    let outcome: HandlerOutcome;
    for (let retry = 0; ; retry++) {
      outcome = await this.dispatcher.invokeRoute(route, run.event);
      // A full plugin queue is back-pressure, not the handler's answer: the event is stored, so the
      // handler is tried again a little later rather than recorded as never run.
      if (outcome?.outcome !== 'rejected' || retry >= REJECTED_RETRIES || this.stopping) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** retry)));
    }
    if (!this.recording || (outcome.outcome === 'rejected' && this.stopping)) return;
    this.options.observer?.outcome?.(outcome);
    const recorded = outcome; // a const, for the closure below
    await this.persist(
      () => this.options.store.recordOutcome(run.eventId, recorded, run.attempts, run.replay),
      () => [`recording the outcome of ${route.instance.id}/${route.handler}`, { eventId: run.eventId, replay: run.replay }],
    );
    this.options.observer?.recorded?.(run.eventId, outcome, run.replay);
  }

  /**
   * Commits one of a dispatch's writes, trying again while the pump runs. A write the store refused
   * once (a lost connection, a deadlock the database broke by aborting one side) would otherwise
   * leave its event `dispatching` until the next restart: this host keeps renewing its leases, so no
   * other host takes it over. Every write is idempotent (an outcome is stored once per handler, a
   * completion only moves a row to done), so trying again is safe. Gives up when the pump stops or the
   * store is closed; the event then runs again after the next start, as after a crash. `describe`
   * names the write for the log, and is asked only when it failed: every event's outcomes and
   * completion pass here, and almost none fail.
   */
  private async persist(write: () => Promise<void>, describe: () => readonly [what: string, ids: Readonly<Record<string, unknown>>]): Promise<void> {
    for (let failures = 0; ; ) {
      try {
        await write();
        if (failures > 0) {
          const [what, ids] = describe();
          this.options.logger.info({ ...ids, tries: failures + 1 }, `${what} succeeded after ${failures} failed ${failures === 1 ? 'try' : 'tries'}`);
        }
        return;
      } catch (e) {
        failures++;
        if (this.stopping || !this.recording || (e instanceof StoreError && e.code === 'STORE_CLOSED')) throw e;
        const waitMs = WRITE_RETRY_MS[Math.min(failures, WRITE_RETRY_MS.length) - 1]!;
        if (failures <= 3 || failures % WRITE_RETRY_LOG_EVERY === 0) {
          const [what, ids] = describe();
          this.options.logger.warn({ ...ids, failures, retryInMs: waitMs, error: describeError(e) }, `${what} failed; trying again in ${waitMs} ms`);
        }
        try {
          await sleep(waitMs, undefined, { signal: this.stopped.signal });
        } catch {
          throw e;
        }
      }
    }
  }
}
