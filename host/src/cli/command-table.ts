// Every `jobhook` command: one entry each, with its flags and help text. A command's module is
// imported only when it runs: loading all of them (Fastify, SQLite, the sandbox) costs about a
// second that `validate` or `events` should not pay. To add a command, add an entry here.
import { command, type AnyCommand } from '@jobhook/sdk/command-line';
import { CONFIG_FLAG, DATA_DIR_FLAG, HOST_FLAGS, STORE_FLAG } from './cli-config.js';
import { needsRelaunch, relaunch } from './relaunch.js';
import { StopSignals } from './stop-signals.js';

/** `jobhook serve`'s flags. */
export const SERVE_FLAGS = {
  ...HOST_FLAGS,
  listen: { type: 'string', value: 'HOST:PORT', description: 'where the HTTP API listens (default: 127.0.0.1:8080)' },
  ...DATA_DIR_FLAG,
  ...STORE_FLAG,
  retention: { type: 'string', value: 'AGE', description: 'how long finished events are kept, e.g. 30d (default), 12h' },
  insecure: { type: 'boolean', description: 'allow a non-loopback --listen without JOBHOOK_TOKEN (trusted networks only)' },
  poll: { type: 'boolean', description: "also pull finished jobs from the platform's job history (platform.poll; needs --platform-url)" },
} as const;

/** `jobhook dispatch`'s flags. */
export const DISPATCH_FLAGS = {
  ...HOST_FLAGS,
  timeout: { type: 'string', value: 'DURATION', description: 'give up after this long in all, e.g. 30s, 2m (default: 2m); exit 1' },
} as const;

/** `jobhook events list`'s flags. */
export const EVENTS_LIST_FLAGS = {
  ...CONFIG_FLAG,
  ...DATA_DIR_FLAG,
  status: { type: 'string', value: 'STATUS', description: 'only events in this state: pending, dispatching or done' },
  'job-id': { type: 'string', value: 'GUID', description: "only this platform job's events" },
  limit: { type: 'string', value: 'N', description: 'at most N events, 1 to 1000 (default: 50)' },
  before: { type: 'string', value: 'ID', description: 'events accepted before this one (the next page)' },
  json: { type: 'boolean', description: 'print JSON instead of a table' },
} as const;

/** `jobhook events show`'s flags. */
export const EVENTS_SHOW_FLAGS = {
  ...CONFIG_FLAG,
  ...DATA_DIR_FLAG,
  json: { type: 'boolean', description: 'print the record as JSON' },
} as const;

/** `jobhook deploy`'s and `undeploy`'s flags. */
export const DEPLOY_FLAGS = {
  url: { type: 'string', value: 'URL', description: "a host's API (env JOBHOOK_URL; default: http://127.0.0.1:8080)" },
  'token-file': { type: 'string', value: 'FILE', description: "file holding the host's API token (default: env JOBHOOK_TOKEN)" },
} as const;

/** The `jobhook` command table. */
export const COMMANDS: readonly AnyCommand[] = [
  command({
    name: 'serve',
    summary: 'run the host: load plugins, watch the folder, serve the HTTP API',
    description: `Loads every plugin in the plugins folder, watches it (new, changed and removed plugins are
picked up live), accepts events on POST /v1/job-completions and keeps them in the event store.
Runs until SIGINT or SIGTERM (a second one ends it at once), also during start-up. Logs go to
stdout: JSON, or human-readable when stdout is a terminal (--log-format).`,
    flags: SERVE_FLAGS,
    run: async (input) => {
      if (needsRelaunch(input.values)) return relaunch();
      // Listening before the (slow) import of everything serve runs, so no signal is missed.
      const stop = new StopSignals();
      try {
        return await (await import('./serve-command.js')).serveCommand(input, stop);
      } finally {
        stop.dispose();
      }
    },
  }),
  command({
    name: 'dispatch',
    summary: 'load the plugins, dispatch one event, print the outcomes',
    args: '<event.json | ->',
    description: `Loads the plugins, dispatches one event (a file, or - for stdin) and prints the outcomes as JSON
on stdout; logs and refused plugins go to stderr. Exit 0 when every matched handler succeeded
(or none matched), 1 when one did not or --timeout passed, 2 for bad input or when a plugin the
event's job type routes to could not be loaded.`,
    flags: DISPATCH_FLAGS,
    positionals: { min: 1, max: 1 },
    run: async (input) => (needsRelaunch(input.values) ? relaunch() : (await import('./dispatch-command.js')).dispatchCommand(input)),
  }),
  command({
    name: 'validate',
    summary: 'check plugin packages without running them',
    args: '<plugin-dir>…',
    description: 'Checks each plugin package (plugin.json against the schema, its bundle, integrity) and prints\nevery problem as <dir>: <pointer>: <message>. Exit 2 if any has a problem.',
    positionals: { min: 1, max: Infinity },
    run: async (input) => (await import('./validate-command.js')).validateCommand(input),
  }),
  command({
    name: 'platform',
    summary: 'check the connection to the platform API',
    commands: [
      command({
        name: 'check',
        summary: 'call GET Status/Endpoints with the configured credentials; print the Command version',
        description: `Calls GET Status/Endpoints on platform.url with platform.auth (bearer, Basic with DOMAIN\\user, a
header or OAuth 2 client credentials) and prints the Command version the platform reports
(x-keyfactor-product-version). Exit 1 with a precise error when it is unreachable, the TLS
handshake or the token endpoint fails, or the credentials are refused (saying which).`,
        flags: { ...CONFIG_FLAG, 'platform-url': HOST_FLAGS['platform-url'] },
        run: async (input) => (await import('./platform-command.js')).platformCheckCommand(input),
      }),
    ],
  }),
  command({
    name: 'events',
    summary: 'read the event store (also while serve runs)',
    description: "Reads the event store of --data-dir: what was accepted, dispatched and each handler's outcome.",
    commands: [
      command({
        name: 'list',
        summary: 'the latest events, newest first',
        flags: EVENTS_LIST_FLAGS,
        run: async (input) => (await import('./events-command.js')).eventsListCommand(input),
      }),
      command({
        name: 'show',
        summary: 'one event with every outcome',
        args: '<id>',
        flags: EVENTS_SHOW_FLAGS,
        positionals: { min: 1, max: 1 },
        run: async (input) => (await import('./events-command.js')).eventsShowCommand(input),
      }),
    ],
  }),
  command({
    name: 'deploy',
    summary: 'deploy a plugin to every host sharing the store',
    args: '<plugin-folder | package.tgz>',
    description: `Sends a plugin package (a built folder, packed on the way, or a .tgz from jobhook-sdk pack) to
the host at --url, which checks it and stores it; every host sharing that host's event store
installs it into its plugins folder within seconds, through the same path as a folder drop.`,
    flags: DEPLOY_FLAGS,
    positionals: { min: 1, max: 1 },
    run: async (input) => (await import('./deploy-command.js')).deployCommand(input),
  }),
  command({
    name: 'undeploy',
    summary: 'remove a deployed plugin from every host',
    args: '<plugin-id>',
    flags: DEPLOY_FLAGS,
    positionals: { min: 1, max: 1 },
    run: async (input) => (await import('./deploy-command.js')).undeployCommand(input),
  }),
];
