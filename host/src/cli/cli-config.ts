import type { FlagSpecs } from '@jobhook/sdk/command-line';
import { JobHookError } from '../errors.js';
import { configFromEnv, configFromFile, defaultConfigFile, resolveConfig, type HostConfig, type HostConfigInput } from '../config.js';

/** The configuration file flag, which every command that reads configuration accepts. */
export const CONFIG_FLAG = {
  config: { type: 'string', value: 'FILE', description: 'configuration file (default: ./jobhook.config.json if present)' },
} as const satisfies FlagSpecs;

/** Flags every command that runs a host accepts (the same names as the configuration file). */
export const HOST_FLAGS = {
  ...CONFIG_FLAG,
  plugins: { type: 'string', value: 'DIR', description: 'the plugins folder (default: ./plugins)' },
  'platform-url': { type: 'string', value: 'URL', description: "the platform API's base URL (env JOBHOOK_PLATFORM_URL)" },
  'log-level': { type: 'string', value: 'LEVEL', description: 'fatal, error, warn, info (default), debug, trace or silent (env JOBHOOK_LOG_LEVEL);\ndebug also prints unexpected errors in full' },
  'log-format': { type: 'string', value: 'FORMAT', description: 'json, or pretty (human-readable; the default when logs go to a terminal);\nNO_COLOR turns colours off' },
} as const satisfies FlagSpecs;

/** The event store's folder. */
export const DATA_DIR_FLAG = {
  'data-dir': { type: 'string', value: 'DIR', description: 'where the event store lives (default: ./.jobhook)' },
} as const satisfies FlagSpecs;

/** Where `serve` keeps its events when several hosts share one queue. */
export const STORE_FLAG = {
  store: { type: 'string', value: 'URL', description: 'a PostgreSQL event store several hosts share, postgres://user@host:5432/db\n(env JOBHOOK_STORE_URL; password from JOBHOOK_STORE_PASSWORD[_FILE]); default: SQLite in --data-dir' },
} as const satisfies FlagSpecs;

/** Values the configuration is built from (any subset of the flags above, plus --listen). */
export type HostFlagValues = {
  readonly config?: string;
  readonly plugins?: string;
  readonly listen?: string;
  readonly 'data-dir'?: string;
  readonly 'platform-url'?: string;
  readonly 'log-level'?: string;
  readonly store?: string;
};

/** defaults ← config file ← environment ← flags. */
export function configFromCli(flags: HostFlagValues, env: NodeJS.ProcessEnv = process.env): HostConfig {
  const file = flags.config ? configFromFile(flags.config, true) : configFromFile(defaultConfigFile(), false);
  const fromFlags: Record<string, unknown> = {};
  if (flags.plugins) fromFlags.pluginsDir = flags.plugins;
  if (flags.listen) fromFlags.listen = flags.listen;
  if (flags['data-dir']) fromFlags.dataDir = flags['data-dir'];
  if (flags['log-level']) fromFlags.logLevel = flags['log-level'];
  if (flags['platform-url']) fromFlags.platform = { url: flags['platform-url'] };
  if (flags.store) fromFlags.store = { url: flags.store };
  return resolveConfig(file, configFromEnv(env), fromFlags as HostConfigInput);
}

/** An error as the CLI prints it: `<code>: <message>` for JobHook errors, the message otherwise. */
export function cliErrorText(e: unknown): string {
  return `${e instanceof JobHookError ? `${e.code}: ` : ''}${(e as Error)?.message ?? String(e)}`;
}
