// `jobhook`: the host's command line, started by bin/jobhook.js (or `node host/dist/main.js`).
// The commands are the entries of cli/command-table.ts.
import { readFileSync } from 'node:fs';
import { reportUnexpected, runProgram, type Program } from '@jobhook/sdk/command-line';
import { COMMANDS } from './cli/command-table.js';
import { finishProcess } from './cli/finish-process.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** The `jobhook` program. */
export const JOBHOOK_PROGRAM: Program = {
  name: 'jobhook',
  version,
  summary: 'JobHook: a sandboxed plugin host for job-complete handlers.',
  commands: COMMANDS,
  logLevelEnv: 'JOBHOOK_LOG_LEVEL',
};

// An error nothing caught (in a timer, a stream, a stray promise) ends the process as Node would,
// but in one line with a details file rather than a stack trace on the terminal.
const debug = ['debug', 'trace'].includes(process.env.JOBHOOK_LOG_LEVEL ?? '') || process.argv.some((a, i) => a === '--log-level=debug' || (a === '--log-level' && ['debug', 'trace'].includes(process.argv[i + 1] ?? '')));
const crash = (e: unknown): void => process.exit(reportUnexpected(JOBHOOK_PROGRAM, `jobhook ${process.argv[2] ?? ''}`.trim(), e, { stdout: process.stdout, stderr: process.stderr }, debug));
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

finishProcess(await runProgram(JOBHOOK_PROGRAM, process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }));
