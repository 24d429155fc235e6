import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { EventValidationError } from '../errors.js';
import { createHost } from '../host.js';
import { createHostLogger } from '../logging/logger.js';
import { HOST_FLAGS, configFromCli, cliErrorText } from './cli-config.js';
import { logPluginChange } from './log-plugin-change.js';

async function readEventText(source: string): Promise<string> {
  if (source !== '-') return readFile(source, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `jobhook dispatch [--plugins DIR] EVENT.json|-`: loads the plugins, dispatches one event, prints the
 * outcomes as JSON on stdout. Exit 0 when every matched handler succeeded (or none matched), 1
 * otherwise, 2 for bad input. Logs go to stderr.
 */
export async function dispatchCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: HOST_FLAGS, allowPositionals: true });
  } catch (e) {
    err.write(`jobhook dispatch: ${(e as Error).message}\n`);
    return 2;
  }
  const [source] = parsed.positionals;
  if (!source || parsed.positionals.length > 1) {
    err.write('usage: jobhook dispatch [--plugins DIR] [--platform-url URL] [--config FILE] <event.json | ->\n');
    return 2;
  }
  let event: unknown;
  try {
    event = JSON.parse(await readEventText(source));
  } catch (e) {
    err.write(`jobhook dispatch: cannot read the event from '${source}': ${(e as Error).message}\n`);
    return 2;
  }
  let host;
  try {
    const config = configFromCli(parsed.values);
    const logger = createHostLogger({ level: config.logLevel, destination: 2 });
    host = await createHost({ config, logger, onPluginChange: (c) => logPluginChange(logger, c) });
  } catch (e) {
    err.write(`jobhook dispatch: ${cliErrorText(e)}\n`);
    return 2;
  }
  try {
    const { outcomes } = await host.dispatch(event);
    out.write(`${JSON.stringify(outcomes, null, 2)}\n`);
    return outcomes.every((o) => o.outcome === 'succeeded') ? 0 : 1;
  } catch (e) {
    if (e instanceof EventValidationError) {
      for (const p of e.problems) err.write(`${source}: ${p.pointer || '/'}: ${p.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    await host.close();
  }
}
