// A small fake of the Keyfactor Command API (keyfactor-reference.md) on 127.0.0.1, for tests, demos
// and benchmarks. It records every request it receives, serves the calls real handlers make, and has
// a few routes that misbehave on purpose (slow, redirecting, oversized, echoing headers).
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake received it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query as sent, e.g. `/KeyfactorAPI/Certificates/42`. */
  readonly url: string;
  /** Path under the API base, e.g. `Certificates/42`; null outside it. */
  readonly route: string | null;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: http.IncomingHttpHeaders;
  /** Body as UTF-8 text (the first 2 MiB). */
  body: string;
  bodyBytes: number;
  readonly receivedAt: number;
  /** The response was fully written. */
  completed: boolean;
  /** The client went away before the response was complete (e.g. a request aborted by the host). */
  aborted: boolean;
}

/** A job history entry, as `GET OrchestratorJobs/JobHistory` answers. */
export interface JobHistoryEntry {
  JobHistoryId: number;
  AgentMachine: string;
  JobID: string;
  Schedule: { Immediate: boolean };
  JobType: string;
  OperationStart: string;
  OperationEnd: string;
  Message: string;
  Result: number;
  Status: number;
  StorePath: string;
  ClientMachine: string;
}

/** A certificate, as `GET Certificates/{id}` answers (the fields handlers use). */
export interface FakeCertificate {
  Id: number;
  Thumbprint: string;
  IssuedCN: string;
  Metadata: Record<string, string>;
}

/** Handles a request on a custom route; `body` is the UTF-8 request body. */
export type RouteHandler = (req: RecordedRequest, res: http.ServerResponse) => void | Promise<void>;

export interface FakePlatformOptions {
  /** API base path; default `/KeyfactorAPI/`. */
  readonly basePath?: string;
  /** When set, API routes answer 401 unless the request's Authorization header equals it. */
  readonly requireAuthorization?: string;
}

export interface FakePlatform {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** The API base URL, what `platform.url` is set to, e.g. `http://127.0.0.1:<port>/KeyfactorAPI/`. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: readonly RecordedRequest[];
  /** Requests for `method` on `route` (a path under the base, query excluded). */
  requestsTo(method: string, route: string): RecordedRequest[];
  /** Resolves with the first request (past or future) that matches, or rejects after `timeoutMs`. */
  waitFor(predicate: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  addJobHistory(entry: Partial<JobHistoryEntry> & { JobID: string }): JobHistoryEntry;
  addCertificate(cert: Partial<FakeCertificate> & { Id: number }): FakeCertificate;
  certificate(id: number): FakeCertificate | undefined;
  /** Serves `method route` (exact path under the base, or a RegExp on it) with `handler`, before the built-ins. Returns its removal. */
  route(method: string, route: string | RegExp, handler: RouteHandler): () => void;
  /** Forgets the recorded requests only. */
  clearRequests(): void;
  /** Forgets recorded requests, data and custom routes. */
  reset(): void;
  /** Stops listening and drops every open connection; idempotent. */
  close(): Promise<void>;
}

const MAX_RECORDED_BODY = 2 * 1024 * 1024;
const JOB_ID_QUERY = /JobID\s+-eq\s+"([^"]+)"/i;

function sendJson(res: http.ServerResponse, status: number, value: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function keyfactorError(res: http.ServerResponse, status: number, message: string): void {
  sendJson(res, status, { ErrorCode: '0xA0110002', Message: message });
}

function parseJsonBody(req: RecordedRequest): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(req.body) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the fake on 127.0.0.1 on an ephemeral port. */
export async function startFakePlatform(options: FakePlatformOptions = {}): Promise<FakePlatform> {
  const basePath = options.basePath ?? '/KeyfactorAPI/';
  const requests: RecordedRequest[] = [];
  const history: JobHistoryEntry[] = [];
  const certificates = new Map<number, FakeCertificate>();
  const custom: Array<{ method: string; route: string | RegExp; handler: RouteHandler }> = [];
  const waiters = new Set<{ predicate: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }>();
  const timers = new Set<NodeJS.Timeout>();
  // Requests whose body has been read: the ones `waitFor` may answer with.
  const ready = new WeakSet<RecordedRequest>();
  let nextHistoryId = 1000;

  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };

  // Built-in routes, keyed by "METHOD route" or matched by pattern.
  async function builtIn(req: RecordedRequest, res: http.ServerResponse): Promise<void> {
    const route = req.route ?? '';
    const m = req.method;
    if (m === 'GET' && route === 'OrchestratorJobs/JobHistory') {
      const wanted = JOB_ID_QUERY.exec(req.query['pq.queryString'] ?? '')?.[1]?.toLowerCase();
      return sendJson(res, 200, wanted === undefined ? history : history.filter((h) => h.JobID.toLowerCase() === wanted));
    }
    if (m === 'PUT' && route === 'Certificates/Metadata') {
      const body = parseJsonBody(req);
      const id = body?.Id;
      const metadata = body?.Metadata;
      if (typeof id !== 'number' || typeof metadata !== 'object' || metadata === null) return keyfactorError(res, 400, 'Body must be { "Id": <int>, "Metadata": { … } }');
      const cert = certificates.get(id);
      if (!cert) return keyfactorError(res, 404, `Certificate ID ${id} was not found`);
      for (const [k, v] of Object.entries(metadata)) cert.Metadata[k] = String(v);
      res.writeHead(204).end();
      return;
    }
    let match = /^Certificates\/(\d+)$/.exec(route);
    if (m === 'GET' && match) {
      const cert = certificates.get(Number(match[1]));
      return cert ? sendJson(res, 200, cert) : keyfactorError(res, 404, `Certificate ID ${match[1]} was not found`);
    }
    match = /^Workflow\/Instances\/([0-9a-fA-F-]{36})\/Signals$/.exec(route);
    if (m === 'POST' && match) {
      const body = parseJsonBody(req);
      if (typeof body?.SignalKey !== 'string') return keyfactorError(res, 400, 'SignalKey is required');
      res.writeHead(204).end();
      return;
    }
    if (m === 'POST' && route === 'OrchestratorJobs/Custom') {
      const body = parseJsonBody(req);
      if (typeof body?.JobTypeName !== 'string' && typeof body?.JobType !== 'string') return keyfactorError(res, 400, 'JobTypeName is required');
      return sendJson(res, 200, { JobId: randomUUID(), ...body });
    }
    // Misbehaving routes for tests.
    if (route === 'Test/Slow') {
      const ms = Number(req.query.ms ?? 1000);
      const t = later(ms, () => sendJson(res, 200, { slept: ms }));
      res.on('close', () => {
        clearTimeout(t);
        timers.delete(t);
      });
      return;
    }
    if (route === 'Test/WaitFor') {
      // Answers once a request for `route` has been received (or 404 after `ms`): lets a plugin
      // wait until another of its requests is certainly in flight.
      const wanted = req.query.route ?? '';
      const arrived = (): boolean => requests.some((r) => r.route === wanted);
      const deadline = Date.now() + Number(req.query.ms ?? 5000);
      const poll = (): void => {
        if (res.destroyed) return;
        if (arrived()) return void res.writeHead(204).end();
        if (Date.now() > deadline) return keyfactorError(res, 404, `no request for ${wanted} arrived`);
        later(5, poll);
      };
      poll();
      return;
    }
    if (route === 'Test/Redirect') {
      const status = Number(req.query.status ?? 302);
      res.writeHead(status, { location: req.query.to ?? '/' }).end();
      return;
    }
    if (route === 'Test/Oversized') {
      const bytes = Number(req.query.bytes ?? 1024);
      const chunk = Buffer.alloc(64 * 1024, 0x78);
      res.writeHead(200, { 'content-type': 'application/octet-stream', ...(req.query.declare === '1' ? { 'content-length': bytes } : {}) });
      let left = bytes;
      const pump = (): void => {
        while (left > 0 && !res.destroyed) {
          const n = Math.min(left, chunk.length);
          left -= n;
          if (!res.write(chunk.subarray(0, n))) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
      return;
    }
    if (route === 'Test/EchoHeaders') {
      // A hostile server: everything the host sent comes back, in headers and in the body.
      const echoed: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') echoed[`x-echo-${k}`] = v;
      return sendJson(res, 200, { headers: req.headers }, { ...echoed, 'set-cookie': `session=${req.headers.authorization ?? 'none'}` });
    }
    match = /^Test\/Status\/(\d{3})$/.exec(route);
    if (match) return keyfactorError(res, Number(match[1]), `status ${match[1]} as requested`);
    if (route === 'Test/Echo') {
      return sendJson(res, 200, { method: m, url: req.url, query: req.query, contentType: req.headers['content-type'] ?? null, accept: req.headers.accept ?? null, body: req.body, bodyBytes: req.bodyBytes });
    }
    if (route === 'Test/Bytes') {
      const bytes = Buffer.from(req.query.hex ?? '', 'hex');
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length }).end(bytes);
      return;
    }
    if (route === 'Test/Empty') {
      res.writeHead(Number(req.query.status ?? 200)).end();
      return;
    }
    keyfactorError(res, 404, `No route for ${m} ${req.url}`);
  }

  async function handle(raw: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const parsed = new URL(raw.url ?? '/', 'http://fake.invalid');
    const record: RecordedRequest = {
      method: raw.method ?? 'GET',
      url: raw.url ?? '/',
      route: parsed.pathname.startsWith(basePath) ? parsed.pathname.slice(basePath.length) : null,
      query: Object.fromEntries(parsed.searchParams),
      headers: raw.headers,
      body: '',
      bodyBytes: 0,
      receivedAt: Date.now(),
      completed: false,
      aborted: false,
    };
    requests.push(record);
    res.on('finish', () => (record.completed = true));
    res.on('close', () => {
      if (!res.writableFinished) record.aborted = true;
    });
    const chunks: Buffer[] = [];
    let kept = 0;
    try {
      for await (const chunk of raw) {
        const buf = chunk as Buffer;
        record.bodyBytes += buf.length;
        if (kept < MAX_RECORDED_BODY) {
          chunks.push(buf);
          kept += buf.length;
        }
      }
    } catch {
      return;
    }
    record.body = Buffer.concat(chunks).toString('utf8').slice(0, MAX_RECORDED_BODY);
    ready.add(record);
    for (const w of [...waiters]) {
      if (w.predicate(record)) {
        waiters.delete(w);
        w.resolve(record);
      }
    }
    if (options.requireAuthorization !== undefined && record.route !== null && raw.headers.authorization !== options.requireAuthorization) {
      return keyfactorError(res, 401, 'Unauthorized');
    }
    const hit = custom.find((c) => c.method === record.method && (typeof c.route === 'string' ? c.route === record.route : c.route.test(record.route ?? '')));
    try {
      await (hit ? hit.handler(record, res) : builtIn(record, res));
    } catch (e) {
      if (!res.headersSent) keyfactorError(res, 500, `fake platform route failed: ${(e as Error).message}`);
    }
  }

  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;

  return {
    origin,
    url: `${origin}${basePath}`,
    requests,
    requestsTo: (method, route) => requests.filter((r) => r.method === method && r.route === route),
    waitFor(predicate, timeoutMs = 5000) {
      const seen = requests.find((r) => ready.has(r) && predicate(r));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (r: RecordedRequest) => {
            clearTimeout(timer);
            resolve(r);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching request reached the fake platform within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    addJobHistory(entry) {
      const full: JobHistoryEntry = {
        JobHistoryId: nextHistoryId++,
        AgentMachine: 'pem-orch-01.corp.example.com',
        Schedule: { Immediate: true },
        JobType: 'PEMManagement',
        OperationStart: '2026-11-30T02:05:01Z',
        OperationEnd: '2026-11-30T02:05:04Z',
        Message: '',
        Result: 2,
        Status: 3,
        StorePath: '/etc/ssl/certs/app.pem',
        ClientMachine: 'pem-orch-01.corp.example.com',
        ...entry,
      };
      history.push(full);
      return full;
    },
    addCertificate(cert) {
      const full: FakeCertificate = { Thumbprint: randomUUID().replace(/-/g, '').toUpperCase(), IssuedCN: `cert-${cert.Id}.example.com`, Metadata: {}, ...cert };
      certificates.set(full.Id, full);
      return full;
    },
    certificate: (id) => certificates.get(id),
    route(method, route, handler) {
      const entry = { method: method.toUpperCase(), route, handler };
      custom.unshift(entry);
      return () => {
        const i = custom.indexOf(entry);
        if (i >= 0) custom.splice(i, 1);
      };
    },
    clearRequests() {
      requests.length = 0;
    },
    reset() {
      requests.length = 0;
      history.length = 0;
      certificates.clear();
      custom.length = 0;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
