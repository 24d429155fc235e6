import type { HandlerOutcome } from '../handler-outcome.js';
import type { WireEvent } from '@jobhook/sdk/contract';
import { normalizeGuid } from '@jobhook/sdk/contract';
import type {
  AppendResult,
  ClaimFilter,
  ClaimedEvent,
  ClaimedReplay,
  EventQuery,
  EventRecord,
  EventStore,
  OutcomeRecord,
  PolledEvent,
  QueueDepth,
  ReplayCandidateQuery,
  ReplayRecord,
  ReplayRequest,
} from '../event-store.js';
import { outcomeKey } from '../event-store.js';
import { appendRow, keyReusedMessage } from '../append-row.js';
import { StoreError } from '../store-error.js';

interface MemoryEvent {
  seq: number;
  record: EventRecord;
  json: string;
}

/**
 * An EventStore that keeps everything in process memory: nothing survives a restart. It exists as
 * the "answering without persisting" baseline of bench/intake and for embedders that accept that.
 */
export class MemoryEventStore implements EventStore {
  private readonly events = new Map<string, MemoryEvent>();
  private readonly byKey = new Map<string, string>();
  private readonly pending = new Set<string>();
  private readonly disabled = new Set<string>();
  /** Replay requests waiting, in request order, as `eventId` + replay number. */
  private readonly pendingReplays: Array<{ eventId: string; replay: number }> = [];
  private readonly cursors = new Map<string, string>();
  private seq = 0;
  private closed = false;

  async append(event: WireEvent, idempotencyKey: string | null = null): Promise<AppendResult> {
    this.assertOpen();
    const { id, json, at } = appendRow(event, idempotencyKey, Date.now());
    const firstId = idempotencyKey === null ? undefined : this.byKey.get(idempotencyKey);
    if (firstId !== undefined) {
      if (this.events.get(firstId)?.json !== json) throw new StoreError('IDEMPOTENCY_KEY_REUSED', keyReusedMessage(idempotencyKey!, firstId));
      return { id: firstId, created: false };
    }
    const record: EventRecord = { id, status: 'pending', attempts: 0, acceptedAt: new Date(at).toISOString(), completedAt: null, idempotencyKey, event, outcomes: [], replays: [] };
    this.events.set(id, { seq: ++this.seq, record, json });
    this.pending.add(id);
    if (idempotencyKey !== null) this.byKey.set(idempotencyKey, id);
    return { id, created: true };
  }

  async claim(limit: number, filter?: ClaimFilter): Promise<ClaimedEvent[]> {
    this.assertOpen();
    const out: ClaimedEvent[] = [];
    const types = filter ? new Set(filter.jobTypeIds) : null;
    for (const id of this.pending) {
      if (out.length >= limit) break;
      const e = this.events.get(id)!;
      if (types && !types.has(e.record.event.jobTypeId)) continue;
      this.pending.delete(id);
      e.record = { ...e.record, status: 'dispatching', attempts: e.record.attempts + 1 };
      out.push({ id, jobId: e.record.event.jobId, jobTypeId: e.record.event.jobTypeId, eventJson: e.json, attempts: e.record.attempts, recorded: new Set(e.record.outcomes.filter((o) => o.replay === 0).map((o) => outcomeKey(o.plugin, o.handler))) });
    }
    return out;
  }

  async recordOutcome(eventId: string, outcome: HandlerOutcome, attempt: number, replay = 0): Promise<void> {
    this.assertOpen();
    const e = this.events.get(eventId);
    if (!e || e.record.outcomes.some((o) => o.plugin === outcome.plugin && o.handler === outcome.handler && o.replay === replay)) return;
    const record: OutcomeRecord = { ...outcome, attempts: attempt, recordedAt: new Date().toISOString(), replay };
    e.record = { ...e.record, outcomes: [...e.record.outcomes, record] };
  }

  async requestReplays(requests: readonly ReplayRequest[]): Promise<ReplayRecord[]> {
    this.assertOpen();
    const unknown = requests.find((r) => !this.events.has(r.eventId));
    if (unknown) throw new StoreError('STORE_NOT_FOUND', `no event with id '${unknown.eventId}' (unknown, or pruned by retention)`);
    return requests.map((r) => {
      const e = this.events.get(r.eventId)!;
      const replay: ReplayRecord = { eventId: r.eventId, plugin: r.plugin, handler: r.handler, replay: e.record.replays.length + 1, status: 'pending', requestedAt: new Date().toISOString(), completedAt: null };
      e.record = { ...e.record, replays: [...e.record.replays, replay] };
      this.pendingReplays.push({ eventId: r.eventId, replay: replay.replay });
      return replay;
    });
  }

  async claimReplays(limit: number): Promise<ClaimedReplay[]> {
    this.assertOpen();
    const out: ClaimedReplay[] = [];
    while (out.length < limit && this.pendingReplays.length > 0) {
      const { eventId, replay } = this.pendingReplays.shift()!;
      const e = this.events.get(eventId);
      const r = e?.record.replays.find((x) => x.replay === replay);
      if (!e || !r) continue;
      this.setReplay(eventId, replay, { status: 'dispatching' });
      const recorded = new Set(e.record.outcomes.filter((o) => o.replay === replay).map((o) => outcomeKey(o.plugin, o.handler)));
      out.push({ eventId, plugin: r.plugin, handler: r.handler, replay, jobId: e.record.event.jobId, jobTypeId: e.record.event.jobTypeId, eventJson: e.json, attempts: 1, recorded });
    }
    return out;
  }

  async completeReplay(eventId: string, replay: number): Promise<void> {
    this.assertOpen();
    this.setReplay(eventId, replay, { status: 'done', completedAt: new Date().toISOString() });
  }

  async replayCandidates(query: ReplayCandidateQuery): Promise<ReplayRequest[]> {
    this.assertOpen();
    const found: Array<ReplayRequest & { at: number }> = [];
    for (const { record } of this.events.values()) {
      const latest = new Map<string, OutcomeRecord>();
      for (const o of record.outcomes) {
        if (o.plugin !== query.plugin) continue;
        const seen = latest.get(o.handler);
        if (!seen || seen.replay < o.replay) latest.set(o.handler, o);
      }
      for (const o of latest.values()) {
        const at = Date.parse(o.recordedAt);
        const open = record.replays.some((r) => r.status !== 'done' && r.plugin === o.plugin && (r.handler === null || r.handler === o.handler));
        if (at >= query.since.getTime() && query.outcomes.includes(o.outcome) && !open) found.push({ eventId: record.id, plugin: o.plugin, handler: o.handler, at });
      }
    }
    return found
      .sort((a, b) => a.at - b.at)
      .slice(0, Math.max(1, query.limit))
      .map(({ eventId, plugin, handler }) => ({ eventId, plugin, handler }));
  }

  async complete(eventId: string): Promise<void> {
    this.assertOpen();
    const e = this.events.get(eventId);
    if (e) e.record = { ...e.record, status: 'done', completedAt: new Date().toISOString() };
  }

  async requeueInFlight(): Promise<number> {
    return 0;
  }

  async get(id: string): Promise<EventRecord | undefined> {
    this.assertOpen();
    return this.events.get(id)?.record;
  }

  async list(query: EventQuery = {}): Promise<EventRecord[]> {
    this.assertOpen();
    const beforeSeq = query.before === undefined ? Infinity : this.events.get(query.before)?.seq;
    if (beforeSeq === undefined) throw new StoreError('STORE_NOT_FOUND', `no event with id '${query.before}' (the 'before' cursor)`);
    const jobId = query.jobId === undefined ? undefined : normalizeGuid(query.jobId);
    const limit = Math.max(1, Math.min(query.limit ?? 50, 1000));
    const jobTypeId = query.jobTypeId === undefined ? undefined : normalizeGuid(query.jobTypeId);
    const from = query.acceptedFrom?.getTime() ?? -Infinity;
    const until = query.acceptedUntil?.getTime() ?? Infinity;
    const matchesOutcome = (r: EventRecord): boolean =>
      (!query.outcome && !query.plugin) || r.outcomes.some((o) => (!query.outcome || o.outcome === query.outcome) && (!query.plugin || o.plugin === query.plugin));
    return [...this.events.values()]
      .filter((e) => e.seq < beforeSeq && (!query.status || e.record.status === query.status) && (!jobId || e.record.event.jobId === jobId))
      .filter((e) => (!jobTypeId || e.record.event.jobTypeId === jobTypeId) && (!query.jobType || e.record.event.jobType.toLowerCase() === query.jobType.toLowerCase()))
      .filter((e) => Date.parse(e.record.acceptedAt) >= from && Date.parse(e.record.acceptedAt) < until && matchesOutcome(e.record))
      .sort((a, b) => b.seq - a.seq)
      .slice(0, limit)
      .map((e) => e.record);
  }

  writeError(): string | null {
    return null;
  }

  async queueDepth(): Promise<QueueDepth> {
    this.assertOpen();
    let dispatching = 0;
    for (const e of this.events.values()) if (e.record.status === 'dispatching') dispatching++;
    return { pending: this.pending.size, dispatching };
  }

  async prune(cutoff: Date): Promise<number> {
    this.assertOpen();
    let n = 0;
    for (const [id, e] of this.events) {
      if (e.record.status === 'done' && e.record.completedAt !== null && Date.parse(e.record.completedAt) < cutoff.getTime()) {
        this.events.delete(id);
        if (e.record.idempotencyKey !== null) this.byKey.delete(e.record.idempotencyKey);
        n++;
      }
    }
    return n;
  }

  async appendPolled(source: string, events: readonly PolledEvent[], cursor: string | null): Promise<AppendResult[]> {
    this.assertOpen();
    const results: AppendResult[] = [];
    for (const { event, idempotencyKey } of events) {
      const firstId = this.byKey.get(idempotencyKey);
      results.push(firstId !== undefined ? { id: firstId, created: false } : await this.append(event, idempotencyKey));
    }
    if (cursor !== null) this.cursors.set(source, cursor);
    return results;
  }

  async pollCursor(source: string): Promise<string | null> {
    this.assertOpen();
    return this.cursors.get(source) ?? null;
  }

  async setPluginDisabled(pluginId: string, disabled: boolean): Promise<void> {
    this.assertOpen();
    if (disabled) this.disabled.add(pluginId);
    else this.disabled.delete(pluginId);
  }

  async disabledPlugins(): Promise<string[]> {
    return [...this.disabled].sort();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private setReplay(eventId: string, replay: number, change: Partial<Pick<ReplayRecord, 'status' | 'completedAt'>>): void {
    const e = this.events.get(eventId);
    if (e) e.record = { ...e.record, replays: e.record.replays.map((r) => (r.replay === replay ? { ...r, ...change } : r)) };
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('STORE_CLOSED', 'the event store is closed');
  }
}
