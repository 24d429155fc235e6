import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compileRoutes, matchRoute, type PlatformReply, type PlatformRequest, type PlatformRoutes } from './platform-routes.js';

/** The path prefix of Keyfactor Command's REST API; plugins' relative paths resolve under it. */
export const PLATFORM_API_PREFIX = '/KeyfactorAPI/';
const DEFAULT_PREFIX = PLATFORM_API_PREFIX;

/** A platform API served on 127.0.0.1 from a routes table; records every request it receives. */
export interface FakePlatform {
  /** Base URL to configure as the host's `platform.url`, ending in `/KeyfactorAPI/`. */
  readonly url: string;
  /** Requests received so far, in arrival order. */
  readonly requests: readonly PlatformRequest[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function send(res: ServerResponse, reply: PlatformReply): void {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  const has = (name: string): boolean => Object.keys(headers).some((k) => k.toLowerCase() === name);
  let body = '';
  if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    if (!has('content-type')) headers['content-type'] = 'application/json; charset=utf-8';
  } else if (reply.body !== undefined) {
    body = reply.body;
    if (!has('content-type')) headers['content-type'] = 'text/plain; charset=utf-8';
  }
  res.writeHead(reply.status ?? 200, headers);
  res.end(body);
}

/** Where a fake serves its routes: the platform API under `/KeyfactorAPI/`, another origin from `/`. */
export interface FakeServerOptions {
  /** Path prefix the route keys are relative to; default `/KeyfactorAPI/`. */
  readonly prefix?: string;
  /**
   * Sees every request, body read, before the routes table, and may answer it itself (a streamed,
   * binary or deliberately broken reply that a `PlatformReply` cannot describe): true when it did,
   * and the request is then not recorded in `requests`.
   */
  readonly intercept?: (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean | Promise<boolean>;
}

/** Starts a fake platform on an ephemeral loopback port. */
export async function startFakePlatform(routes: PlatformRoutes = {}, serverOptions: FakeServerOptions = {}): Promise<FakePlatform> {
  const PLATFORM_API_PREFIX = serverOptions.prefix ?? DEFAULT_PREFIX;
  const compiled = compileRoutes(routes);
  const requests: PlatformRequest[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://platform.invalid');
      const bytes = await readBody(req);
      if (serverOptions.intercept && (await serverOptions.intercept(req, res, bytes))) return;
      const body = bytes.toString('utf8');
      const method = (req.method ?? 'GET').toUpperCase();
      const inApi = url.pathname.startsWith(PLATFORM_API_PREFIX);
      const path = inApi ? decodeURIComponent(url.pathname.slice(PLATFORM_API_PREFIX.length)) : url.pathname;
      const query = Object.fromEntries(url.searchParams.entries());
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const seen = { method, path, query, headers, body, json: parseJson(body) };
      const route = inApi ? matchRoute(compiled, method, path, query) : undefined;
      let reply: PlatformReply;
      if (route === undefined) {
        reply = { status: 404, json: { Message: `the test's platform routes have no entry for '${method} ${path}'` } };
      } else {
        try {
          reply = typeof route.route === 'function' ? await route.route(seen) : route.route;
        } catch (e) {
          reply = { status: 500, json: { Message: `the test's route '${route.key}' threw: ${(e as Error).message}` } };
        }
      }
      if (reply.delayMs) await sleep(reply.delayMs);
      requests.push({ ...seen, status: reply.status ?? 200, route: route?.key ?? null });
      if (!res.destroyed) send(res, reply);
    })().catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}${PLATFORM_API_PREFIX}`,
    requests,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
