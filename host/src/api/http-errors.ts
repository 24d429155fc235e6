import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { EventValidationError, JobHookError, type Problem } from '../errors.js';
import type { HostLogger } from '../logging/logger.js';

/** The body of every error answer: a stable code, a message for people, and field problems if any. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly problems?: readonly Problem[] };
}

/** HTTP status for JobHook error codes the API can meet. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  EVENT_INVALID: 400,
  REQUEST_INVALID: 400,
  IDEMPOTENCY_KEY_INVALID: 400,
  IDEMPOTENCY_KEY_REPEATED: 400,
  AUTH_REQUIRED: 401,
  AUTH_INVALID: 401,
  EVENT_NOT_FOUND: 404,
  PLUGIN_NOT_FOUND: 404,
  STORE_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  IDEMPOTENCY_KEY_REUSED: 422,
  EVENT_NOT_DONE: 409,
  REPLAY_NO_HANDLER: 409,
  STORE_CLOSED: 503,
  STORE_WRITE_FAILED: 503,
  STORE_UNAVAILABLE: 503,
  REGISTRY_CLOSED: 503,
  SERVICE_CLOSING: 503,
  LIVE_STREAM_LIMIT: 503,
};

// Fastify's own request errors, renamed into JobHook's vocabulary.
const FASTIFY_CODES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BODY_NOT_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BODY_NOT_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'REQUEST_INVALID',
  FST_ERR_VALIDATION: 'REQUEST_INVALID',
};

/** Sends an error answer. */
export function sendError(reply: FastifyReply, status: number, code: string, message: string, problems?: readonly Problem[]): FastifyReply {
  const body: ApiErrorBody = { error: { code, message, ...(problems ? { problems } : {}) } };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/**
 * One error handler for the whole API: known errors keep their code and message; anything else is
 * logged with its stack and answered as a bare `INTERNAL_ERROR` naming the request id, so no stack
 * trace or internal detail ever reaches a client.
 */
export function installErrorHandling(app: FastifyInstance, logger: HostLogger): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof EventValidationError) return sendError(reply, 400, error.code, error.message, error.problems);
    if (error instanceof JobHookError && STATUS_BY_CODE[error.code] !== undefined) {
      return sendError(reply, STATUS_BY_CODE[error.code]!, error.code, error.message);
    }
    if (error.validation) {
      const problems = error.validation.map((v) => ({ pointer: `${error.validationContext ? `/${error.validationContext}` : ''}${v.instancePath || (v.params?.missingProperty ? `/${String(v.params.missingProperty)}` : '')}`, message: v.message ?? 'is invalid' }));
      return sendError(reply, 400, 'REQUEST_INVALID', `invalid request: ${problems.map((p) => `${p.pointer}: ${p.message}`).join('; ')}`, problems);
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      const code = FASTIFY_CODES[error.code] ?? (error instanceof JobHookError ? error.code : 'REQUEST_INVALID');
      return sendError(reply, status, code, error.message);
    }
    logger.error({ reqId: request.id, method: request.method, url: request.url, err: error }, 'request failed with an internal error');
    return sendError(reply, 500, 'INTERNAL_ERROR', `internal error; the host log has the details under reqId ${request.id}`);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}; see /openapi.json`));
}
