// Runs the real `jobhook` / `jobhook-sdk` launchers (bin/*.js) as a user's shell would: plain
// `node`, no --no-node-snapshot, none of the test runner's NODE_OPTIONS.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const JOBHOOK = path.join(ROOT, 'host/bin/jobhook.js');
export const JOBHOOK_SDK = path.join(ROOT, 'sdk/bin/jobhook-sdk.js');

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface CliOptions {
  readonly stdin?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Called once the process runs, with a way to wait for a line on stdout or stderr. */
  readonly onStart?: (child: ChildProcess, output: () => string) => void;
  /** Killed (SIGKILL) if still running after this long; the test then fails on the result. */
  readonly killAfterMs?: number;
}

export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _drop, JOBHOOK_LOG_LEVEL: _level, JOBHOOK_LOG_FORMAT: _format, ...env } = process.env;
  return { ...env, ...extra };
}

/** Runs `script args` to its end. */
export function runCli(script: string, args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [script, ...args], { cwd: options.cwd ?? ROOT, env: options.env ?? cliEnv() });
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

/** Resolves once `output()` matches `pattern` (polls; rejects after `timeoutMs`). */
export function waitForOutput(output: () => string, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (pattern.test(output())) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms:\n${output()}`));
      else setTimeout(poll, 25);
    };
    poll();
  });
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
