import { readFileSync } from 'node:fs';
import { ConfigError } from '../../errors.js';

/**
 * The value of a secret in host configuration: `env:NAME` from the environment, `file:/path` from a
 * file (trimmed), anything else as written. `where` names the setting in errors (never the value).
 */
export function readSecretRef(ref: string, where: string, env: NodeJS.ProcessEnv = process.env, pluginId?: string): string {
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const value = env[name];
    if (value === undefined || value === '') {
      throw new ConfigError('CONFIG_SECRET_MISSING', `${where} reads the environment variable ${name}, which is not set`, pluginId);
    }
    return value;
  }
  if (ref.startsWith('file:')) {
    const file = ref.slice(5);
    let value: string;
    try {
      value = readFileSync(file, 'utf8').trim();
    } catch (e) {
      throw new ConfigError('CONFIG_SECRET_FILE', `${where} reads the file '${file}', which could not be read: ${(e as Error).message}`, pluginId, { cause: e });
    }
    if (value === '') throw new ConfigError('CONFIG_SECRET_MISSING', `${where} reads the file '${file}', which is empty`, pluginId);
    return value;
  }
  return ref;
}
