import { JobHookError } from '../errors.js';
import { configFromEnv, configFromFile, defaultConfigFile, resolveConfig, type HostConfig, type HostConfigInput } from '../config.js';

/** Flags every command that runs a host accepts (design §3.4a names). */
export const HOST_FLAGS = {
  config: { type: 'string' },
  plugins: { type: 'string' },
  listen: { type: 'string' },
  'data-dir': { type: 'string' },
  'platform-url': { type: 'string' },
  'log-level': { type: 'string' },
  store: { type: 'string' },
} as const;

/** Values parsed from HOST_FLAGS. */
export type HostFlagValues = { [K in keyof typeof HOST_FLAGS]?: string };

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
