// Runs the real `jobhook` / `jobhook-sdk` commands as child processes, as a user's shell would:
// plain `node` on the committed launchers (bin/*.js), none of the test runner's NODE_OPTIONS, and
// stdout, stderr and the exit code captured for the test to assert.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The `jobhook` launcher. */
export const JOBHOOK = path.join(ROOT, 'host/bin/jobhook.js');
/** The `jobhook-sdk` launcher. */
export const JOBHOOK_SDK = path.join(ROOT, 'sdk/bin/jobhook-sdk.js');

/** How a command ended, and what it wrote. */
export interface CliRun {
  /** Exit code; null when a signal ended it (see `signal`). */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface CliOptions {
  readonly stdin?: string;
  /** The child's whole environment; default `cliEnv()`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Default: the repository root. */
  readonly cwd?: string;
  /** Flags for node itself, before the script (e.g. `--no-node-snapshot` to run dist/main.js directly). */
  readonly nodeArgs?: readonly string[];
  /** Called once the process runs, with a way to read what it has written so far (stdout + stderr). */
  readonly onStart?: (child: ChildProcess, output: () => string) => void;
  /** Killed (SIGKILL) if still running after this long; the test then fails on the result. Default 90 s. */
  readonly killAfterMs?: number;
}

/** This process's environment without what the test runner adds (NODE_OPTIONS, log level and format), plus `extra`. */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _drop, JOBHOOK_LOG_LEVEL: _level, JOBHOOK_LOG_FORMAT: _format, ...env } = process.env;
  return { ...env, ...extra };
}

/** Only PATH and HOME, plus `extra`: a command that must find nothing else in its environment. */
export function bareEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extra };
}

/** Runs `node script args` to its end; rejects only when the process cannot be started. */
export function runCli(script: string, args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], { cwd: options.cwd ?? ROOT, env: options.env ?? cliEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 90_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
    child.stdin.end(options.stdin ?? '');
    options.onStart?.(child, () => stdout + stderr);
  });
}

/** `jobhook args…` */
export function jobhook(args: readonly string[], options?: CliOptions): Promise<CliRun> {
  return runCli(JOBHOOK, args, options);
}

/** `jobhook-sdk args…` */
export function jobhookSdk(args: readonly string[], options?: CliOptions): Promise<CliRun> {
  return runCli(JOBHOOK_SDK, args, options);
}

/** `run`, once it has exited 0; otherwise fails with its output (for setup steps that must work). */
export async function succeeded(run: Promise<CliRun>): Promise<CliRun> {
  const done = await run;
  if (done.code !== 0) throw new Error(`the command failed: ${explain(done)}`);
  return done;
}

/** Resolves once `output()` matches `pattern`; fails after `timeoutMs` showing the output so far. */
export async function waitForOutput(output: () => string, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  await waitFor(() => pattern.test(output()), { what: () => `output matching ${pattern}, got:\n${output()}`, timeoutMs, intervalMs: 25 });
}

/** The output of a run, for assertion messages. */
export function explain(run: Pick<CliRun, 'code' | 'stdout' | 'stderr'> & { signal?: NodeJS.Signals | null }): string {
  return `exit ${run.code ?? run.signal}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

/** The JSON log lines in `text` (other lines are skipped). */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Warning-or-worse log lines, leaving out the load-time notice for unsigned packages (trust.unsigned: warn). */
export function loudLines(text: string): Array<Record<string, unknown>> {
  return jsonLines(text).filter((l) => (l.level as number) >= 40 && l.code !== 'PACKAGE_UNSIGNED');
}
