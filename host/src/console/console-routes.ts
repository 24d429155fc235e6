import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * The console's files, committed as plain HTML, CSS and JavaScript (no build step, no CDN). The same
 * relative path holds from `src/console/` (tests under tsx) and `dist/console/` (the built host).
 */
export const CONSOLE_ASSETS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/console/assets');

// Everything the page loads comes from this host; the API is called with fetch on the same origin.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The web console: `/` serves its page and `/console/*` its assets. They are public like any static
 * file; every datum they show comes from the /v1 API, behind the bearer token.
 */
export async function registerConsoleRoutes(app: FastifyInstance): Promise<void> {
  const headers = (res: { setHeader(name: string, value: string): void }): void => {
    res.setHeader('content-security-policy', CSP);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('cache-control', 'no-cache');
  };
  await app.register(fastifyStatic, { root: CONSOLE_ASSETS_DIR, prefix: '/console/', index: false, wildcard: false, setHeaders: headers, cacheControl: false });
  app.get(
    '/',
    {
      schema: {
        summary: 'The web console (plugins, events, replay, live feed); it signs in with the API token',
        tags: ['console'],
        produces: ['text/html'],
        response: { 200: { description: 'The console page', content: { 'text/html': { schema: { type: 'string' } } } } },
      },
    },
    async (_request, reply) => {
      headers(reply.raw);
      return reply.sendFile('index.html');
    },
  );
}
