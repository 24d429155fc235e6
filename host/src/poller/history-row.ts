import { PollerError } from './poller-error.js';

/** Job history `Status` (Keyfactor's numbers; some Command versions send the names). */
export const HistoryStatus = { Unknown: 0, Waiting: 1, InProcess: 2, Completed: 3, Acknowledged: 4, CompletedWillRetry: 5 } as const;
/** Job history `Result` (`OrchestratorJobStatusJobResult`). */
export const HistoryResult = { Unknown: 0, Success: 2, Warning: 3, Failure: 4 } as const;

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

const TERMINAL: ReadonlySet<number> = new Set([HistoryStatus.Completed, HistoryStatus.Acknowledged, HistoryStatus.CompletedWillRetry]);

/** Whether the platform will not update the row again (it is a finished attempt). */
export function isTerminal(row: HistoryRow): boolean {
  return TERMINAL.has(row.status);
}

const GUID = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/;

function enumValue(members: Readonly<Record<string, number>>, value: unknown): number | undefined {
  const numbers = Object.values(members);
  if (typeof value === 'number') return numbers.includes(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return numbers.includes(Number(v)) ? Number(v) : undefined;
  const hit = Object.entries(members).find(([name]) => name.toLowerCase() === v.toLowerCase());
  return hit?.[1];
}

/** Command sends zone-less times (server-local); they are read as UTC, with a zone when one is given. */
function time(value: unknown): string | null | undefined {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
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
 * Validates one job-history row. Throws PollerError `POLL_PAGE_MALFORMED` naming the bad fields;
 * the caller knows the row's id from `historyIdOf`.
 */
export function parseHistoryRow(raw: unknown): HistoryRow {
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
  const jobId = jobIdText === null ? null : (GUID.exec(jobIdText.trim())?.[1]?.toLowerCase() ?? null);
  if (jobIdText !== null && jobId === null) problems.push(`JobId must be a GUID (got ${JSON.stringify(jobIdText)})`);
  const status = enumValue(HistoryStatus, f.get('status'));
  if (status === undefined) problems.push(`Status must be one of ${Object.entries(HistoryStatus).map(([k, v]) => `${v} (${k})`).join(', ')} (got ${JSON.stringify(f.get('status'))})`);
  const result = enumValue(HistoryResult, f.get('result') ?? 0);
  if (result === undefined) problems.push(`Result must be one of ${Object.entries(HistoryResult).map(([k, v]) => `${v} (${k})`).join(', ')} (got ${JSON.stringify(f.get('result'))})`);
  const operationStart = time(f.get('operationstart'));
  const operationEnd = time(f.get('operationend'));
  if (operationStart === undefined) problems.push(`OperationStart must be a date-time or null (got ${JSON.stringify(f.get('operationstart'))})`);
  if (operationEnd === undefined) problems.push(`OperationEnd must be a date-time or null (got ${JSON.stringify(f.get('operationend'))})`);
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
