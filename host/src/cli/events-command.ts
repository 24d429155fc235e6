import { UsageError, type CommandInput, type FlagSpecs } from '@jobhook/sdk/command-line';
import { CertStoreOperationType, OrchestratorJobStatusJobResult } from '@jobhook/sdk';
import { JobHookError } from '../errors.js';
import { EVENT_STATUSES, type EventRecord, type EventStatus } from '../store/event-store.js';
import { SqliteEventStore } from '../store/sqlite/sqlite-event-store.js';
import { configFromCli, cliErrorText } from './cli-config.js';
import type { EVENTS_LIST_FLAGS, EVENTS_SHOW_FLAGS } from './command-table.js';

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
    lines.push(`  ${o.plugin}@${o.version} ${o.handler}: ${o.outcome} in ${o.durationMs} ms (${o.replay > 0 ? `replay ${o.replay}, ` : ''}attempt ${o.attempts}, invocation ${o.invocationId})`);
    if (o.error) lines.push(`    ${o.error.code}: ${o.error.message}`);
  }
  return lines.join('\n');
}

type EventsValues = CommandInput<typeof EVENTS_LIST_FLAGS>['values'];

// Opens the store of --data-dir (it must exist: `events` never creates one), runs `use`, closes it.
async function withStore(values: EventsValues, input: CommandInput<FlagSpecs>, use: (store: SqliteEventStore) => Promise<number>): Promise<number> {
  let store: SqliteEventStore;
  try {
    const config = configFromCli({ config: values.config, 'data-dir': values['data-dir'] });
    store = SqliteEventStore.open(config.dataDir, { mustExist: true });
  } catch (e) {
    input.io.stderr.write(`${input.path}: ${cliErrorText(e)}\n`);
    return 2;
  }
  try {
    return await use(store);
  } catch (e) {
    input.io.stderr.write(`${input.path}: ${cliErrorText(e)}\n`);
    return e instanceof JobHookError && e.code === 'STORE_NOT_FOUND' ? 1 : 2;
  } finally {
    await store.close();
  }
}

/**
 * `jobhook events list`: reads the event store of `--data-dir` (also while `serve` runs), for
 * admins without curl. Exit 0 on success, 2 for bad input.
 */
export async function eventsListCommand(input: CommandInput<typeof EVENTS_LIST_FLAGS>): Promise<number> {
  const { values, io } = input;
  const status = values.status as EventStatus | undefined;
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (status !== undefined && !EVENT_STATUSES.includes(status)) throw new UsageError(`--status must be one of ${EVENT_STATUSES.join(', ')}`);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) throw new UsageError('--limit must be an integer from 1 to 1000');
  return withStore(values, input, async (store) => {
    const events = await store.list({ status, jobId: values['job-id'], limit, before: values.before });
    if (values.json) io.stdout.write(`${JSON.stringify(events, null, 2)}\n`);
    else if (events.length === 0) io.stdout.write('no events\n');
    else {
      const rows = [['ID', 'STATUS', 'ACCEPTED', 'JOB TYPE', 'JOB ID', 'OUTCOMES'], ...events.map((e) => [e.id, e.status, e.acceptedAt, e.event.jobType, e.event.jobId, outcomeSummary(e)])];
      io.stdout.write(`${table(rows)}\n`);
    }
    return 0;
  });
}

/** `jobhook events show <id>`: one event with its outcomes. Exit 1 when it is not found. */
export async function eventsShowCommand(input: CommandInput<typeof EVENTS_SHOW_FLAGS>): Promise<number> {
  const { values, positionals, io } = input;
  const id = positionals[0]!;
  return withStore(values, input, async (store) => {
    const record = await store.get(id);
    if (!record) {
      io.stderr.write(`${input.path}: no event with id '${id}' (unknown, or pruned by retention)\n`);
      return 1;
    }
    io.stdout.write(values.json ? `${JSON.stringify(record, null, 2)}\n` : `${describe(record)}\n`);
    return 0;
  });
}
