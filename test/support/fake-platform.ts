// The SDK's fake platform, extended for the host's own tests: Keyfactor Command's built-in routes
// over a little state (job history, certificates), routes that misbehave on purpose (slow,
// redirecting, oversized, echoing headers), and a record of each request that says whether its
// response completed or the client went away first (what the egress limits are judged by).
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { startFakePlatform as startSdkFakePlatform } from '@jobhook/sdk/testing';
import { keyfactorError, keyfactorRoutes } from './fake-platform-routes.js';

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

function sendJson(res: http.ServerResponse, status: number, value: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
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
  let nextHistoryId = 1000;

  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };

  // Replies a PlatformReply cannot describe: timed against the client, streamed, binary. True when answered.
  function misbehave(req: RecordedRequest, res: http.ServerResponse): boolean {
    switch (req.route) {
      case 'Test/Slow': {
        const ms = Number(req.query.ms ?? 1000);
        const t = later(ms, () => sendJson(res, 200, { slept: ms }));
        res.on('close', () => {
          clearTimeout(t);
          timers.delete(t);
        });
        return true;
      }
      case 'Test/WaitFor': {
        // Answers once a request for `route` has been received (or 404 after `ms`): lets a plugin
        // wait until another of its requests is certainly in flight.
        const wanted = req.query.route ?? '';
        const deadline = Date.now() + Number(req.query.ms ?? 5000);
        const poll = (): void => {
          if (res.destroyed) return;
          if (requests.some((r) => r.route === wanted)) return void res.writeHead(204).end();
          if (Date.now() > deadline) return sendJson(res, 404, keyfactorError(404, `no request for ${wanted} arrived`).json);
          later(5, poll);
        };
        poll();
        return true;
      }
      case 'Test/Oversized': {
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
        return true;
      }
      case 'Test/Echo':
        sendJson(res, 200, { method: req.method, url: req.url, query: req.query, contentType: req.headers['content-type'] ?? null, accept: req.headers.accept ?? null, body: req.body, bodyBytes: req.bodyBytes });
        return true;
      case 'Test/Bytes': {
        const bytes = Buffer.from(req.query.hex ?? '', 'hex');
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length }).end(bytes);
        return true;
      }
      default:
        return false;
    }
  }

  async function intercept(raw: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<boolean> {
    const parsed = new URL(raw.url ?? '/', 'http://fake.invalid');
    const record: RecordedRequest = {
      method: raw.method ?? 'GET',
      url: raw.url ?? '/',
      route: parsed.pathname.startsWith(basePath) ? parsed.pathname.slice(basePath.length) : null,
      query: Object.fromEntries(parsed.searchParams),
      headers: raw.headers,
      body: body.subarray(0, MAX_RECORDED_BODY).toString('utf8'),
      bodyBytes: body.length,
      receivedAt: Date.now(),
      completed: false,
      aborted: false,
    };
    requests.push(record);
    res.on('finish', () => (record.completed = true));
    res.on('close', () => {
      if (!res.writableFinished) record.aborted = true;
    });
    for (const w of [...waiters]) {
      if (w.predicate(record)) {
        waiters.delete(w);
        w.resolve(record);
      }
    }
    if (options.requireAuthorization !== undefined && record.route !== null && raw.headers.authorization !== options.requireAuthorization) {
      sendJson(res, 401, keyfactorError(401, 'Unauthorized').json);
      return true;
    }
    const hit = custom.find((c) => c.method === record.method && (typeof c.route === 'string' ? c.route === record.route : c.route.test(record.route ?? '')));
    if (hit === undefined) return misbehave(record, res);
    try {
      await hit.handler(record, res);
    } catch (e) {
      if (!res.headersSent) sendJson(res, 500, keyfactorError(500, `fake platform route failed: ${(e as Error).message}`).json);
    }
    return true;
  }

  const server = await startSdkFakePlatform(keyfactorRoutes(history, certificates), { prefix: basePath, intercept });
  const origin = new URL(server.url).origin;
  let closing: Promise<void> | undefined;

  return {
    origin,
    url: server.url,
    requests,
    requestsTo: (method, route) => requests.filter((r) => r.method === method && r.route === route),
    waitFor(predicate, timeoutMs = 5000) {
      const seen = requests.find(predicate);
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
      closing ??= (async () => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        await server.close();
      })();
      return closing;
    },
  };
}
