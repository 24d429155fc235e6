// A fake Keyfactor Command for the job-history poller: job history rows that start in process and
// finish later, agents, store types and custom job types, served over real HTTP on 127.0.0.1 with
// Command's paging parameters — and failures on demand.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PLATFORM_API_PREFIX } from './fake-platform.js';

const STATUS = { Unknown: 0, Waiting: 1, InProcess: 2, Completed: 3, Acknowledged: 4, CompletedWillRetry: 5 } as const;
const RESULT = { Unknown: 0, Success: 2, Warning: 3, Failure: 4 } as const;

/** A job-history `Status` member name. */
export type FakeHistoryStatus = keyof typeof STATUS;
/** A job-history `Result` member name. */
export type FakeHistoryResult = keyof typeof RESULT;

/** How the fake fails every request until `fail(null)`. */
export type FakeHistoryFailure = 'down' | 'unauthorized' | 'forbidden' | 'server-error' | 'malformed' | 'not-array';

/** A job-history row as the fake keeps it (Command's PascalCase names). */
export interface FakeHistoryRow {
  JobHistoryId: number;
  AgentMachine: string;
  JobId: string;
  Schedule: { Immediate: boolean };
  JobType: string;
  OperationStart: string;
  OperationEnd: string | null;
  Message: string;
  Result: FakeHistoryResult;
  Status: FakeHistoryStatus;
  StorePath: string;
  ClientMachine: string;
}

/** What a new row is made of; every field has a default. */
export interface FakeRowSpec {
  readonly jobId?: string;
  readonly jobType?: string;
  readonly agentMachine?: string;
  readonly clientMachine?: string;
  readonly storePath?: string;
}

/** A request the fake received. */
export interface FakeHistoryRequest {
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly status: number;
}

/** The running fake: change its data and behaviour at any time; every request sees the current state. */
export interface FakeJobHistory {
  /** The platform API base URL (`…/KeyfactorAPI/`) to configure as `platform.url`. */
  readonly url: string;
  readonly requests: readonly FakeHistoryRequest[];
  /** Rows as stored, by id. */
  readonly rows: ReadonlyMap<number, Readonly<FakeHistoryRow>>;
  /** `numbers` (default) or `names` for Status and Result, as different Command versions send them. */
  enums: 'numbers' | 'names';
  /** When true, each history page also repeats its first row and the row just below the asked range. */
  repeatRows: boolean;
  /** Wait this long before answering a history page. */
  pageDelayMs: number;
  /** Registers an orchestrator; returns its AgentId. */
  addAgent(clientMachine: string, options?: { agentId?: string; username?: string | null }): string;
  /** Registers a store type; each kind given gets a GUID (returned by kind). */
  addStoreType(shortName: string, kinds?: ReadonlyArray<'Inventory' | 'Management' | 'Reenrollment' | 'Discovery'>): Record<string, string>;
  /** Registers a custom job type; returns its Id. */
  addCustomJobType(name: string, id?: string): string;
  /** Creates a row `InProcess` (OperationEnd null); returns its JobHistoryId. */
  begin(spec?: FakeRowSpec): number;
  /** Finishes a row in place: `Completed` unless `status` says otherwise, `Success` unless `result` does. */
  complete(id: number, options?: { result?: FakeHistoryResult; status?: FakeHistoryStatus }): void;
  /** A row created already finished; returns its id. */
  add(spec?: FakeRowSpec & { result?: FakeHistoryResult; status?: FakeHistoryStatus }): number;
  /** Adds `count` finished rows at once (a history to backfill); returns the first and last ids. */
  addMany(count: number, spec?: (i: number) => FakeRowSpec & { result?: FakeHistoryResult; status?: FakeHistoryStatus }): { first: number; last: number };
  /**
   * Fails every request in the given way until called with null. With `only`, fails just the next
   * `times` requests (default 1) whose path matches `path` (e.g. `/^Agents$/`) and whose query string
   * (`pq.queryString`) matches `query`, beside any failure in force.
   */
  fail(mode: FakeHistoryFailure | null, only?: { readonly path?: RegExp; readonly query?: RegExp; readonly times?: number }): void;
  /** Deletes a row, as an admin purging history would: it is no longer returned. */
  remove(id: number): void;
  close(): Promise<void>;
}

const FIELD_OPS: Record<string, (a: number, b: number) => boolean> = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
};

/** Command's query language, the part the poller uses: `Field -op value` clauses joined by AND. */
function compileQuery(query: string): (item: Record<string, unknown>) => boolean {
  if (query.trim() === '') return () => true;
  const clauses = query.split(/\s+AND\s+/i).map((clause) => {
    const m = /^\s*(\w+)\s+-(eq|ne|gt|ge|lt|le)\s+(?:"((?:[^"\\]|\\.)*)"|(\S+))\s*$/i.exec(clause);
    if (!m) throw new Error(`unsupported query clause '${clause}'`);
    const field = m[1]!.toLowerCase();
    const op = FIELD_OPS[m[2]!.toLowerCase()]!;
    const raw = m[3] !== undefined ? m[3].replace(/\\"/g, '"') : m[4]!;
    const number = Number(raw);
    const text = raw.toLowerCase();
    // Items of one list share their keys: the field's spelling is looked up once per shape.
    let shape: object | null = null;
    let key: string | undefined;
    return (item: Record<string, unknown>): boolean => {
      if (shape === null || !(key !== undefined ? key in item : true)) {
        shape = item;
        key = Object.keys(item).find((k) => k.toLowerCase() === field);
      }
      const v = key === undefined ? undefined : item[key];
      if (typeof v === 'number') return op(v, number);
      if (typeof v !== 'string') return false;
      return op(v.toLowerCase().localeCompare(text), 0);
    };
  });
  return (item) => clauses.every((c) => c(item));
}

const localTime = (ms: number): string => new Date(ms).toISOString().replace(/Z$/, '');

/** Starts a fake Command job history on an ephemeral loopback port. */
export async function startFakeJobHistory(): Promise<FakeJobHistory> {
  const rows = new Map<number, FakeHistoryRow>();
  const agents: Array<{ AgentId: string; ClientMachine: string; Username: string | null; Status: number }> = [];
  const storeTypes: Array<Record<string, unknown>> = [];
  const customTypes: Array<{ Id: string; JobTypeName: string; Description: string }> = [];
  const requests: FakeHistoryRequest[] = [];
  let nextId = 1;
  let failure: FakeHistoryFailure | null = null;
  const targeted: Array<{ mode: FakeHistoryFailure; path?: RegExp; query?: RegExp; left: number }> = [];
  const failureFor = (path: string, queryString: string): FakeHistoryFailure | null => {
    const hit = targeted.find((t) => t.left > 0 && (t.path === undefined || t.path.test(path)) && (t.query === undefined || t.query.test(queryString)));
    if (!hit) return failure;
    hit.left--;
    return hit.mode;
  };

  const wire = (r: FakeHistoryRow): Record<string, unknown> =>
    fake.enums === 'names' ? { ...r } : { ...r, Result: RESULT[r.Result], Status: STATUS[r.Status] };

  function page<T extends object>(query: Record<string, string>, items: readonly T[], defaultSort: string | null, inOrder = false): T[] {
    const param = (name: string): string | undefined => query[`pq.${name}`] ?? query[name];
    const filter = compileQuery(param('queryString') ?? '');
    let out = items.filter((i) => filter(i as Record<string, unknown>));
    const sortField = (param('sortField') ?? defaultSort)?.toLowerCase();
    const desc = param('sortAscending') === '1';
    // Rows are kept in id order: sorting them by id ascending again would only cost time.
    if (sortField && !(inOrder && sortField === defaultSort?.toLowerCase() && !desc)) {
      const get = (i: T): unknown => (i as Record<string, unknown>)[Object.keys(i).find((k) => k.toLowerCase() === sortField) ?? ''];
      out = out.sort((a, b) => {
        const x = get(a);
        const y = get(b);
        const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
        return desc ? -c : c;
      });
    }
    const limit = Math.max(1, Number(param('returnLimit') ?? 50));
    const pageNo = Math.max(1, Number(param('pageReturned') ?? 1));
    return out.slice((pageNo - 1) * limit, pageNo * limit);
  }

  function history(query: Record<string, string>): Array<Record<string, unknown>> {
    const all = [...rows.values()];
    const got = page(query, all, 'JobHistoryId', true);
    if (!fake.repeatRows || got.length === 0) return got.map(wire);
    // A paging bug of the kind offset paging has: rows seen before come again.
    const firstId = got[0]!.JobHistoryId;
    const below = all.filter((r) => r.JobHistoryId < firstId).pop();
    return [...(below ? [below] : []), got[0]!, ...got].map(wire);
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://platform.invalid');
    const query = Object.fromEntries(url.searchParams.entries());
    const path = url.pathname.startsWith(PLATFORM_API_PREFIX) ? decodeURIComponent(url.pathname.slice(PLATFORM_API_PREFIX.length)) : url.pathname;
    const answer = (status: number, body: string, type = 'application/json; charset=utf-8'): void => {
      requests.push({ path, query, headers: req.headers, status });
      res.writeHead(status, { 'content-type': type, 'x-keyfactor-product-version': '24.4.0.0' });
      res.end(body);
    };
    const failing = failureFor(path, query['pq.queryString'] ?? query.queryString ?? '');
    if (failing === 'down') {
      requests.push({ path, query, headers: req.headers, status: 0 });
      req.socket.destroy();
      return;
    }
    if (failing === 'unauthorized') return answer(401, JSON.stringify({ Message: 'Unauthorized' }));
    if (failing === 'forbidden') return answer(403, JSON.stringify({ Message: 'The user does not have the required permission' }));
    if (failing === 'server-error') return answer(500, JSON.stringify({ Message: 'Internal Server Error' }));
    if (failing === 'malformed') return answer(200, '<html>maintenance</html>', 'text/html');
    if (failing === 'not-array') return answer(200, JSON.stringify({ Message: 'not a list' }));
    if (req.headers['x-keyfactor-requested-with'] !== 'APIClient') return answer(400, JSON.stringify({ Message: 'x-keyfactor-requested-with header is required' }));
    let body: unknown;
    try {
      if (/^OrchestratorJobs\/JobHistory$/i.test(path)) body = history(query);
      else if (/^Agents$/i.test(path)) body = page(query, agents, null);
      else if (/^CertificateStoreTypes$/i.test(path)) body = page(query, storeTypes, null);
      else if (/^JobTypes\/Custom$/i.test(path)) body = page(query, customTypes, null);
      else return answer(404, JSON.stringify({ Message: `no fake for '${path}'` }));
    } catch (e) {
      return answer(400, JSON.stringify({ Message: (e as Error).message }));
    }
    const delay = /JobHistory/i.test(path) ? fake.pageDelayMs : 0;
    if (delay > 0) setTimeout(() => answer(200, JSON.stringify(body)), delay);
    else answer(200, JSON.stringify(body));
  });

  const newRow = (spec: FakeRowSpec = {}): FakeHistoryRow => ({
    JobHistoryId: nextId++,
    AgentMachine: spec.agentMachine ?? 'orch-01.example.com',
    JobId: spec.jobId ?? randomUUID(),
    Schedule: { Immediate: true },
    JobType: spec.jobType ?? 'PEMInventory',
    OperationStart: localTime(Date.now()),
    OperationEnd: null,
    Message: '',
    Result: 'Unknown',
    Status: 'InProcess',
    StorePath: spec.storePath ?? '/etc/ssl/certs',
    ClientMachine: spec.clientMachine ?? 'web-01.example.com',
  });

  const fake: FakeJobHistory = {
    url: '',
    requests,
    rows,
    enums: 'numbers',
    repeatRows: false,
    pageDelayMs: 0,
    addAgent(clientMachine, options = {}) {
      const agentId = options.agentId ?? randomUUID();
      agents.push({ AgentId: agentId, ClientMachine: clientMachine, Username: options.username === undefined ? `KEYFACTOR\\${clientMachine.split('.')[0]}` : options.username, Status: 2 });
      return agentId;
    },
    addStoreType(shortName, kinds = ['Inventory', 'Management', 'Reenrollment', 'Discovery']) {
      const ids: Record<string, string> = {};
      const entry: Record<string, unknown> = { StoreType: storeTypes.length + 100, Name: shortName, ShortName: shortName };
      const fields = { Inventory: 'InventoryJobType', Management: 'ManagementJobType', Reenrollment: 'EnrollmentJobType', Discovery: 'DiscoveryJobType' } as const;
      for (const kind of Object.keys(fields) as Array<keyof typeof fields>) {
        if (kinds.includes(kind)) entry[fields[kind]] = ids[kind] = randomUUID();
        else entry[fields[kind]] = '00000000-0000-0000-0000-000000000000';
      }
      storeTypes.push(entry);
      return ids;
    },
    addCustomJobType(name, id = randomUUID()) {
      customTypes.push({ Id: id, JobTypeName: name, Description: `custom job type ${name}` });
      return id;
    },
    begin(spec) {
      const row = newRow(spec);
      rows.set(row.JobHistoryId, row);
      return row.JobHistoryId;
    },
    complete(id, options = {}) {
      const row = rows.get(id);
      if (!row) throw new Error(`the fake job history has no row ${id}`);
      row.Status = options.status ?? 'Completed';
      row.Result = options.result ?? 'Success';
      row.OperationEnd = localTime(Date.now());
      row.Message = row.Result === 'Failure' ? 'The job failed' : '';
    },
    add(spec = {}) {
      const id = fake.begin(spec);
      fake.complete(id, spec);
      return id;
    },
    addMany(count, spec) {
      const first = nextId;
      for (let i = 0; i < count; i++) fake.add(spec?.(i));
      return { first, last: nextId - 1 };
    },
    fail(mode, only) {
      if (only === undefined) failure = mode;
      else if (mode !== null) targeted.push({ mode, path: only.path, query: only.query, left: only.times ?? 1 });
    },
    remove(id) {
      if (!rows.delete(id)) throw new Error(`the fake job history has no row ${id}`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  (fake as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${PLATFORM_API_PREFIX}`;
  return fake;
}
