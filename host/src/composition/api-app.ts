import { createServer } from 'node:http';
import { fastify, LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { BearerAuth } from '../api/bearer-auth.js';
import { installErrorHandling, sendError } from '../api/http-errors.js';
import type { HostLogger } from '../logging/logger.js';

/** The HTTP server's own limits and the token its /v1 routes require. */
export interface ApiAppOptions {
  readonly logger: HostLogger;
  /** Bearer token for /v1 routes, or null for none. */
  readonly token: string | null;
  readonly bodyLimitBytes: number;
  /** A request not fully received this long after it began gets 408 and is closed. */
  readonly requestTimeoutMs: number;
}

/** A Fastify instance (not listening, no routes yet) with the API's limits, error replies and bearer check. */
export function createApiApp(options: ApiAppOptions): FastifyInstance {
  const { logger, token } = options;
  // Fastify's default is no limit, so a client that sends headers and then a body that never ends
  // holds a connection (and its parser) forever. Node checks the deadline every
  // `connectionsCheckingInterval` (30 s by default); a quarter of the timeout keeps the cut close to it.
  const requestTimeout = options.requestTimeoutMs;
  const serverOptions = {
    requestTimeout,
    headersTimeout: Math.min(60_000, requestTimeout),
    connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(requestTimeout / 4))),
  };
  const app: FastifyInstance = fastify({
    serverFactory: (handler) => createServer(serverOptions, handler),
    loggerInstance: logger.child({ component: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    forceCloseConnections: 'idle',
    // A field or query parameter the schema does not know is refused, not silently dropped: a typo
    // in a replay selection must not widen what runs again.
    ajv: { customOptions: { removeAdditional: false } },
    return503OnClosing: true,
  });
  installErrorHandling(app, logger);
  if (token !== null) {
    const auth = new BearerAuth(token);
    app.addHook('onRequest', async (request, reply) => {
      // By the matched route and by the raw path, so no spelling of a /v1 URL slips past.
      const rawPath = request.url.split('?', 1)[0]!;
      const v1 = (request.routeOptions.url ?? '').startsWith('/v1/') || rawPath === '/v1' || rawPath.startsWith('/v1/');
      if (!v1) return;
      const result = auth.check(request.headers.authorization);
      if (result === 'ok') return;
      reply.header('www-authenticate', `Bearer realm="jobhook"${result === 'invalid' ? ', error="invalid_token"' : ''}`);
      return result === 'missing'
        ? sendError(reply, 401, 'AUTH_REQUIRED', 'this host requires "Authorization: Bearer <token>" (the JOBHOOK_TOKEN it was started with)')
        : sendError(reply, 401, 'AUTH_INVALID', 'the bearer token is not the one this host was started with');
    });
  }
  return app;
}
