import { constants } from 'node:os';

/** Why a command was asked to stop. */
export type StopReason = 'SIGINT' | 'SIGTERM' | 'deadline';

/** The exit code of a process ended by `signal`, as shells report it (128 + the signal's number). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 15);
}

/**
 * SIGINT and SIGTERM, listened to from the moment a command starts: the first asks the command to
 * stop (`signal` aborts, `stopped` resolves), a second ends the process at once. Also the place a
 * deadline stops a command through. Dispose removes the listeners.
 */
export class StopSignals {
  private readonly controller = new AbortController();
  private resolveStopped!: (reason: StopReason) => void;
  /** Resolves with the first stop request. */
  readonly stopped = new Promise<StopReason>((r) => (this.resolveStopped = r));
  private readonly onInt = (): void => this.receive('SIGINT');
  private readonly onTerm = (): void => this.receive('SIGTERM');

  /**
   * `signals` is where SIGINT and SIGTERM arrive: the process, or (in tests) an emitter of their own,
   * since emitting a signal on the real process also runs every other library's exit hook.
   */
  constructor(
    private readonly exitNow: (code: number) => void = (code) => process.exit(code),
    private readonly signals: NodeJS.EventEmitter = process,
  ) {
    signals.on('SIGINT', this.onInt);
    signals.on('SIGTERM', this.onTerm);
  }

  /** Aborted at the first stop request. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The first stop request, or null while none came. */
  get reason(): StopReason | null {
    return this.controller.signal.aborted ? (this.controller.signal.reason as StopReason) : null;
  }

  /** Asks to stop, as a signal would (used for deadlines); later requests change nothing. */
  stop(reason: StopReason): void {
    if (this.controller.signal.aborted) return;
    this.controller.abort(reason);
    this.resolveStopped(reason);
  }

  dispose(): void {
    this.signals.off('SIGINT', this.onInt);
    this.signals.off('SIGTERM', this.onTerm);
  }

  private receive(signal: 'SIGINT' | 'SIGTERM'): void {
    if (this.controller.signal.aborted) this.exitNow(signalExitCode(signal));
    else this.stop(signal);
  }
}
