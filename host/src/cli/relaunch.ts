import { spawn } from 'node:child_process';
import { configFromCli, type HostFlagValues } from './cli-config.js';
import { signalExitCode } from './stop-signals.js';

/** Whether this process runs with --no-node-snapshot (flag or NODE_OPTIONS), which isolated-vm needs. */
export function hasNoNodeSnapshot(): boolean {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].includes('--no-node-snapshot');
}

/**
 * Sandboxes normally run in worker processes, which the host starts with --no-node-snapshot; only a
 * host configured to run them in its own process needs the flag itself. A configuration that cannot
 * be read is the command's to report, so it does not ask for a relaunch.
 */
export function needsRelaunch(flags: HostFlagValues): boolean {
  if (hasNoNodeSnapshot()) return false;
  try {
    return configFromCli(flags).sandbox.mode === 'in-process';
  } catch {
    return false;
  }
}

/**
 * Runs this same command line again in a child Node with --no-node-snapshot and answers its exit
 * code. SIGTERM and SIGHUP are forwarded; SIGINT only when no standard stream is a terminal, since a
 * terminal's Ctrl-C already reaches the child (same process group), and twice would mean "at once".
 */
export function relaunch(): Promise<number> {
  const child = spawn(process.execPath, ['--no-node-snapshot', ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  const fromTerminal = process.stdin.isTTY || process.stdout.isTTY || process.stderr.isTTY;
  const forward = (signal: NodeJS.Signals) => (): void => {
    if (signal !== 'SIGINT' || !fromTerminal) child.kill(signal);
  };
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  return new Promise((resolve) => {
    const done = (code: number): void => {
      for (const [s, h] of handlers) process.off(s, h);
      resolve(code);
    };
    child.on('error', () => done(1));
    child.on('exit', (code, signal) => done(code ?? signalExitCode(signal ?? 'SIGTERM')));
  });
}
