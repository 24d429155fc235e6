import { parsePlatformTimestamp, type PlatformZone } from '@jobhook/sdk/platform';
import { historyIdOf } from './history-row.js';
import type { JobHistoryClient } from './job-history-client.js';
import { PollerError } from './poller-error.js';

/** Where the poller stands, as kept in the event store with the events it covers. */
export interface PollCursor {
  /** Every history row with a JobHistoryId up to this one is stored (or was skipped). */
  readonly after: number;
  /** The newest OperationEnd of a row stored so far (ISO), for the lag figure. */
  readonly newestEnd: string | null;
}

/** The cursor as stored (opaque text to the store). */
export function encodeCursor(c: PollCursor): string {
  return JSON.stringify(c);
}

/** A stored cursor; throws POLL_CURSOR_INVALID when the text is not one this code wrote. */
export function decodeCursor(text: string): PollCursor {
  try {
    const c = JSON.parse(text) as PollCursor;
    if (Number.isSafeInteger(c.after) && c.after >= 0 && (c.newestEnd === null || typeof c.newestEnd === 'string')) return { after: c.after, newestEnd: c.newestEnd };
  } catch {
    // reported below
  }
  throw new PollerError('POLL_CURSOR_INVALID', `the stored job-history cursor ${JSON.stringify(text.slice(0, 100))} is not readable; delete its row from poll_cursors to start again from platform.poll.since`);
}

/**
 * The first cursor of a store that has none, from `platform.poll.since`: a JobHistoryId as given;
 * `now` after the newest row the platform has; an ISO time before the first row that started then or later.
 */
export async function initialCursor(since: string | number, client: JobHistoryClient, zone: PlatformZone): Promise<PollCursor> {
  if (typeof since === 'number') return { after: since, newestEnd: null };
  if (since === 'now') {
    const [newest] = await client.historyPage('JobHistoryId -ge 0', 1, false);
    return { after: newest === undefined ? 0 : idOrThrow(newest), newestEnd: null };
  }
  // Command compares OperationStart in its own (zone-less) local time: the instant is written so.
  const eastMs = -parsePlatformTimestamp('1970-01-01T00:00:00', { zone })!.getTime();
  const local = new Date(Date.parse(since) + eastMs).toISOString().replace(/Z$/, '');
  const [first] = await client.historyPage(`OperationStart -ge "${local}"`, 1, true);
  if (first !== undefined) return { after: idOrThrow(first) - 1, newestEnd: null };
  return initialCursor('now', client, zone);
}

function idOrThrow(raw: unknown): number {
  const id = historyIdOf(raw);
  if (id === undefined) throw new PollerError('POLL_PAGE_MALFORMED', `a job-history row has no usable JobHistoryId: ${JSON.stringify(raw)?.slice(0, 200)}`);
  return id;
}
