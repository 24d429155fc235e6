import { JobHistoryStatus, parseJobHistoryStatus, parseJobResult, parsePlatformTimestamp, type PlatformZone } from '@jobhook/sdk/platform';
import { normalizeGuid } from '@jobhook/sdk/contract';
import { PLATFORM_GUID } from '../../platform/job-type-names.js';
import { PollerError } from './poller-error.js';

export { JobHistoryStatus };

/** One row of `GET OrchestratorJobs/JobHistory`, validated; enum members as numbers. */
export interface HistoryRow {
  readonly jobHistoryId: number;
  /** The orchestrator that ran the job (the handler context's `clientMachine`). */
  readonly agentMachine: string;
  readonly jobId: string;
  readonly jobType: string;
  readonly operationStart: string | null;
  readonly operationEnd: string | null;
  readonly result: number;
  readonly status: number;
  /** The certificate store's host (not the context's `clientMachine`). */
  readonly clientMachine: string | null;
  readonly storePath: string | null;
}

const TERMINAL: ReadonlySet<number> = new Set([JobHistoryStatus.Completed, JobHistoryStatus.Acknowledged, JobHistoryStatus.CompletedWillRetry]);

/** Whether the platform will not update the row again (it is a finished attempt). */
export function isTerminal(row: HistoryRow): boolean {
  return TERMINAL.has(row.status);
}

/** The SDK parser's answer, or its complaint added to `problems`. */
function parsed<T>(problems: string[], field: string, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (e) {
    problems.push(`${field}: ${(e as Error).message}`);
    return undefined;
  }
}

/** A Command time as ISO (UTC); zone-less ones are read in the server's zone (`platform.poll.timeZone`). */
function time(value: unknown, zone: PlatformZone): string | null {
  if (value !== null && value !== undefined && typeof value !== 'string') throw new TypeError(`${JSON.stringify(value)} is not a timestamp`);
  return parsePlatformTimestamp(value, { zone })?.toISOString() ?? null;
}

/** Field values by lower-cased name: Command spells them PascalCase, some clients camelCase. */
function fields(raw: Record<string, unknown>): Map<string, unknown> {
  return new Map(Object.entries(raw).map(([k, v]) => [k.toLowerCase(), v]));
}

/** The row's JobHistoryId, or undefined when it has none usable (the page is then malformed). */
export function historyIdOf(raw: unknown): number | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const id = fields(raw as Record<string, unknown>).get('jobhistoryid');
  const n = typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : id;
  return Number.isSafeInteger(n) && (n as number) >= 0 ? (n as number) : undefined;
}

/**
 * Validates one job-history row, reading zone-less times in `zone` (the Command server's). Throws
 * PollerError `POLL_PAGE_MALFORMED` naming the bad fields; the caller knows the row's id from `historyIdOf`.
 */
export function parseHistoryRow(raw: unknown, zone: PlatformZone): HistoryRow {
  const id = historyIdOf(raw);
  if (id === undefined) throw new PollerError('POLL_PAGE_MALFORMED', `a job-history row has no usable JobHistoryId: ${JSON.stringify(raw)?.slice(0, 200)}`);
  const f = fields(raw as Record<string, unknown>);
  const problems: string[] = [];
  const text = (name: string, required: boolean): string | null => {
    const v = f.get(name.toLowerCase());
    if (typeof v === 'string' && v.length > 0) return v;
    if (!required && (v === null || v === undefined || v === '')) return null;
    problems.push(`${name} must be a ${required ? 'non-empty ' : ''}string (got ${JSON.stringify(v)})`);
    return null;
  };
  const jobIdText = text('JobId', true);
  const jobId = jobIdText !== null && PLATFORM_GUID.test(jobIdText.trim()) ? normalizeGuid(jobIdText) : null;
  if (jobIdText !== null && jobId === null) problems.push(`JobId must be a GUID (got ${JSON.stringify(jobIdText)})`);
  const status = parsed(problems, 'Status', () => parseJobHistoryStatus(f.get('status')));
  const result = parsed(problems, 'Result', () => parseJobResult(f.get('result') ?? 0));
  const operationStart = parsed(problems, 'OperationStart', () => time(f.get('operationstart'), zone));
  const operationEnd = parsed(problems, 'OperationEnd', () => time(f.get('operationend'), zone));
  const row = {
    jobHistoryId: id,
    agentMachine: text('AgentMachine', true) ?? '',
    jobId: jobId ?? '',
    jobType: text('JobType', true) ?? '',
    operationStart: operationStart ?? null,
    operationEnd: operationEnd ?? null,
    result: result ?? 0,
    status: status ?? 0,
    clientMachine: text('ClientMachine', false),
    storePath: text('StorePath', false),
  };
  if (problems.length > 0) throw new PollerError('POLL_PAGE_MALFORMED', `job-history row ${id} is malformed: ${problems.join('; ')}`);
  return row;
}
