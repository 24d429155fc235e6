import type { FastifyInstance } from 'fastify';
import { BEARER, errorResponses, V1_ERRORS } from '../schemas/common-schemas.js';
import { JobHookError } from '../../errors.js';
import type { LiveFeed, LiveMessage } from '../live/live-feed.js';

/** How often an idle stream gets a comment line, so proxies and the browser keep it open. */
const HEARTBEAT_MS = 15_000;
/** A client that lets this much pile up unread is dropped (it reconnects and reloads). */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Streams open at once; each holds a connection and a buffer, so a leaking client cannot pile them up. */
export const MAX_LIVE_STREAMS = 100;

const frameOf = (m: LiveMessage): string => `event: ${m.type}\ndata: ${JSON.stringify(m)}\n\n`;

/**
 * GET /v1/events/stream: server-sent events of the live feed. Behind the API's bearer token like
 * every /v1 route; the console reads it with fetch (which can send the Authorization header,
 * unlike EventSource), so the token never appears in a URL.
 */
export function registerEventStreamRoutes(app: FastifyInstance, feed: LiveFeed): void {
  // Every open stream is handed the same message object: it is serialised once, by the first stream
  // that sends it, however many consoles are open.
  const frames = new WeakMap<LiveMessage, string>();
  const frame = (m: LiveMessage): string => {
    let text = frames.get(m);
    if (text === undefined) frames.set(m, (text = frameOf(m)));
    return text;
  };
  app.get(
    '/v1/events/stream',
    {
      schema: {
        summary: 'Live feed (server-sent events): accepted events, committed outcomes (replays included), finished events',
        description: 'Each message is `event: accepted|outcome|done` with a JSON `data` line. A comment line every 15 s keeps the stream open.',
        tags: ['live'],
        security: BEARER,
        response: {
          200: { description: 'text/event-stream until the client or the host closes it', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...errorResponses({ ...V1_ERRORS, 503: `${MAX_LIVE_STREAMS} streams are open already (LIVE_STREAM_LIMIT), or the host is stopping` }),
        },
      },
    },
    async (request, reply) => {
      if (feed.subscribers >= MAX_LIVE_STREAMS) {
        throw new JobHookError('LIVE_STREAM_LIMIT', `${MAX_LIVE_STREAMS} live streams are open on this host already; close one (another console tab?) and retry`);
      }
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      raw.write('retry: 3000\n: connected\n\n');
      let ended = false;
      const end = (): void => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        unsubscribe();
        raw.end();
      };
      const send = (chunk: string): void => {
        if (ended) return;
        raw.write(chunk);
        if (raw.writableLength > MAX_BUFFERED_BYTES) {
          request.log.warn({ reqId: request.id }, 'a live-feed client is not reading; closing its stream');
          end();
        }
      };
      const heartbeat = setInterval(() => send(': keep-alive\n\n'), HEARTBEAT_MS);
      const unsubscribe = feed.subscribe((m) => send(frame(m)), end);
      // Either side may report the client going away first.
      request.raw.on('close', end);
      raw.on('close', end);
      raw.on('error', end);
    },
  );
}
