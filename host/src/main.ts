// `jobhook`: the host's command line, started by bin/jobhook.js (or `node host/dist/main.js`).
// The commands are the entries of cli/command-table.ts.
import { readFileSync } from 'node:fs';
import { runProgram, type Program } from '@jobhook/sdk/command-line';
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

finishProcess(await runProgram(JOBHOOK_PROGRAM, process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }));
