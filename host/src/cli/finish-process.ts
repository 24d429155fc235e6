// Once a command has answered, the process must end, even if something it started (a worker that
// will not exit, a handle nobody closed) would keep Node's event loop alive: a CLI that printed its
// result and then hangs is worse than one that names what it left behind and exits.

/** How long the process may linger after the command answered before it is ended. */
export const LINGER_MS = 3_000;

/** Sets the exit code; if the event loop has not emptied within LINGER_MS, says what holds it and exits. */
export function finishProcess(code: number, stderr: NodeJS.WritableStream = process.stderr): void {
  process.exitCode = code;
  setTimeout(() => {
    const holding = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout' && r !== 'TTYWrap');
    stderr.write(`jobhook: still running ${LINGER_MS} ms after the command finished (held by: ${holding.join(', ') || 'timers'}); exiting\n`);
    process.exit(code);
  }, LINGER_MS).unref();
}
