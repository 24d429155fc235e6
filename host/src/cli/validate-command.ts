import type { CommandInput, FlagSpecs } from '@jobhook/sdk/command-line';
import { ManifestError } from '../errors.js';
import { ManifestSchema } from '../plugins/package/manifest-schema.js';
import { readPluginPackage } from '../plugins/package/read-plugin-package.js';
import { cliErrorText } from './cli-config.js';

/** `jobhook validate <plugin-dir>…`: prints every problem as `<dir>: <pointer>: <message>`; 2 if any. */
export async function validateCommand({ positionals: dirs, io }: CommandInput<FlagSpecs>): Promise<number> {
  const { stdout: out, stderr: err } = io;
  const schema = new ManifestSchema();
  let failed = false;
  for (const dir of dirs) {
    try {
      const pkg = await readPluginPackage(dir, schema);
      out.write(`${dir}: ok (${pkg.manifest.id} ${pkg.manifest.version}, ${pkg.manifest.handlers.length} handler(s))\n`);
    } catch (e) {
      failed = true;
      if (e instanceof ManifestError) for (const p of e.problems) err.write(`${dir}: ${p.pointer || '/'}: ${p.message}\n`);
      else err.write(`${dir}: ${cliErrorText(e)}\n`);
    }
  }
  return failed ? 2 : 0;
}
