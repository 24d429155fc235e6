import { readFileSync } from 'node:fs';

let cached: string | null = null;

/** This SDK's package version (what `engine` ranges and scaffolded dependencies refer to). */
export function sdkVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
