import { parseArgs } from 'node:util';
import { CertStoreOperationType, OrchestratorJobStatusJobResult } from '@jobhook/sdk';
import { JobHookError } from '../errors.js';
import { EVENT_STATUSES, type EventRecord, type EventStatus } from '../store/event-store.js';
import { SqliteEventStore } from '../store/sqlite-event-store.js';
import { configFromCli, cliErrorText } from './cli-config.js';

const USAGE = `usage:
  jobhook events list [--status pending|dispatching|done] [--job-id GUID] [--limit N] [--before ID] [--json] [--data-dir DIR] [--config FILE]
  jobhook events show <id> [--json] [--data-dir DIR] [--config FILE]`;

const FLAGS = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  status: { type: 'string' },
  'job-id': { type: 'string' },
  limit: { type: 'string' },
  before: { type: 'string' },
  json: { type: 'boolean' },
} as const;

function outcomeSummary(e: EventRecord): string {
  if (e.outcomes.length === 0) return e.status === 'done' ? 'no handler matched' : '-';
  const counts = new Map<string, number>();
  for (const o of e.outcomes) counts.set(o.outcome, (counts.get(o.outcome) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

function describe(e: EventRecord): string {
  const ev = e.event;
  const lines = [
    `event ${e.id}`,
    `  status       ${e.status} (dispatch attempts: ${e.attempts})`,
    `  accepted     ${e.acceptedAt}`,
    `  completed    ${e.completedAt ?? '-'}`,
    ...(e.idempotencyKey ? [`  idempotency  ${e.idempotencyKey}`] : []),
    `  job          ${ev.jobType} ${ev.jobId} (job type ${ev.jobTypeId})`,
    `  result       ${OrchestratorJobStatusJobResult[ev.jobResult] ?? '?'} (${ev.jobResult}), operation ${CertStoreOperationType[ev.operationType] ?? '?'} (${ev.operationType}), retry ${ev.currentRetryCount}, certificate ${ev.certificateId ?? '-'}`,
    `  agent        ${ev.agentId} on ${ev.clientMachine ?? '-'} as ${ev.username ?? '-'}`,
    `outcomes (${e.outcomes.length})`,
  ];
  for (const o of e.outcomes) {
    lines.push(`  ${o.plugin}@${o.version} ${o.handler}: ${o.outcome} in ${o.durationMs} ms (attempt ${o.attempts}, invocation ${o.invocationId})`);
    if (o.error) lines.push(`    ${o.error.code}: ${o.error.message}`);
  }
  return lines.join('\n');
}

/**
 * `jobhook events list|show`: reads the event store of `--data-dir` (also while `serve` runs), for
 * admins without curl. Exit 0 on success, 1 when the event is not found, 2 for bad input.
 */
export async function eventsCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: FLAGS, allowPositionals: true });
  } catch (e) {
    err.write(`jobhook events: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [sub, ...rest] = positionals;
  const status = values.status as EventStatus | undefined;
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  const usage = (problem: string): number => {
    err.write(`jobhook events: ${problem}\n${USAGE}\n`);
    return 2;
  };
  if (sub !== 'list' && sub !== 'show') return usage(sub ? `unknown subcommand '${sub}'` : 'which subcommand?');
  if (sub === 'show' && rest.length !== 1) return usage('show takes exactly one event id');
  if (sub === 'list' && rest.length > 0) return usage(`list takes no positional arguments (got '${rest[0]}')`);
  if (status !== undefined && !EVENT_STATUSES.includes(status)) return usage(`--status must be one of ${EVENT_STATUSES.join(', ')}`);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) return usage('--limit must be an integer from 1 to 1000');

  let store: SqliteEventStore;
  try {
    const config = configFromCli({ config: values.config, 'data-dir': values['data-dir'] });
    store = SqliteEventStore.open(config.dataDir, { mustExist: true });
  } catch (e) {
    err.write(`jobhook events: ${cliErrorText(e)}\n`);
    return 2;
  }
  try {
    if (sub === 'show') {
      const record = await store.get(rest[0]!);
      if (!record) {
        err.write(`jobhook events: no event with id '${rest[0]}' (unknown, or pruned by retention)\n`);
        return 1;
      }
      out.write(values.json ? `${JSON.stringify(record, null, 2)}\n` : `${describe(record)}\n`);
      return 0;
    }
    const events = await store.list({ status, jobId: values['job-id'], limit, before: values.before });
    if (values.json) out.write(`${JSON.stringify(events, null, 2)}\n`);
    else if (events.length === 0) out.write('no events\n');
    else {
      const rows = [['ID', 'STATUS', 'ACCEPTED', 'JOB TYPE', 'JOB ID', 'OUTCOMES'], ...events.map((e) => [e.id, e.status, e.acceptedAt, e.event.jobType, e.event.jobId, outcomeSummary(e)])];
      out.write(`${table(rows)}\n`);
    }
    return 0;
  } catch (e) {
    err.write(`jobhook events: ${cliErrorText(e)}\n`);
    return e instanceof JobHookError && e.code === 'STORE_NOT_FOUND' ? 1 : 2;
  } finally {
    await store.close();
  }
}
