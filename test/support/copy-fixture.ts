import { cp } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/fixtures/plugins: tiny real plugin packages, one per scenario. */
export const FIXTURE_PLUGINS = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));

/** Copies fixture package `name` into `pluginsDir/<folder>` (default: the fixture's name). */
export async function copyFixture(name: string, pluginsDir: string, folder = name): Promise<string> {
  const target = path.join(pluginsDir, folder);
  await cp(path.join(FIXTURE_PLUGINS, name), target, { recursive: true });
  return target;
}
