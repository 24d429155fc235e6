import type { SandboxDeath } from '../../sandbox/plugin-sandbox.js';
import type { PluginErrorRecord } from './plugin-state.js';

/** Restart and quarantine policy for versions whose sandbox dies. */
export interface FaultPolicy {
  readonly maxFaults: number;
  readonly windowMs: number;
  readonly baseBackoffMs: number;
}

/** Three deaths within five minutes quarantine a plugin; restarts wait 100 ms, then twice as long each time. */
export const DEFAULT_FAULT_POLICY: FaultPolicy = { maxFaults: 3, windowMs: 5 * 60_000, baseBackoffMs: 100 };

/** What follows a death: a restart after a backoff, or quarantine; `error` is the plugin's lastError either way. */
export type FaultVerdict =
  | { readonly quarantined: false; readonly backoffMs: number; readonly error: PluginErrorRecord }
  | { readonly quarantined: true; readonly error: PluginErrorRecord };

/**
 * One plugin's recent sandbox deaths, its quarantine, and the restart waiting for its backoff. A dead
 * sandbox is replaced, each time after a longer wait; too many deaths within the window quarantine
 * the plugin until its files change or an admin re-enables it.
 */
export class PluginFaults {
  private times: number[] = [];
  private quarantine = false;
  private restart: NodeJS.Timeout | null = null;

  constructor(private readonly policy: FaultPolicy = DEFAULT_FAULT_POLICY) {}

  /** Whether the plugin is quarantined: loaded, but neither routed nor invoked. */
  get quarantined(): boolean {
    return this.quarantine;
  }

  /** Deaths counted within the window, as of the last one recorded. */
  get count(): number {
    return this.times.length;
  }

  /** Counts the death of `version` and says what follows it. */
  record(death: SandboxDeath, version: string, now = Date.now()): FaultVerdict {
    // A collateral death (the shared sandbox process died while this plugin ran nothing) restarts
    // the plugin but is not held against it: a neighbour's crash must not quarantine it.
    this.times = this.times.filter((t) => now - t < this.policy.windowMs);
    if (!death.collateral) this.times.push(now);
    const error: PluginErrorRecord = { code: death.code, message: death.message, at: new Date(now).toISOString(), version };
    if (!death.collateral && this.times.length >= this.policy.maxFaults) {
      this.quarantine = true;
      return {
        quarantined: true,
        error: {
          ...error,
          code: 'PLUGIN_QUARANTINED',
          message: `quarantined after ${this.times.length} faults within ${this.policy.windowMs / 1000} s; last: ${death.code}: ${death.message}. Change its files or re-enable it.`,
        },
      };
    }
    return { quarantined: false, error, backoffMs: this.policy.baseBackoffMs * 2 ** Math.max(0, this.times.length - 1) };
  }

  /** Runs `restart` after `ms`, unless `cancelRestart` comes first. */
  scheduleRestart(ms: number, restart: () => void): void {
    this.cancelRestart();
    this.restart = setTimeout(() => {
      this.restart = null;
      restart();
    }, ms);
  }

  /** Drops a restart still waiting for its backoff (new files supersede it; an unload or close ends it). */
  cancelRestart(): void {
    if (this.restart) clearTimeout(this.restart);
    this.restart = null;
  }

  /** New files (or an admin's enable) start over: no quarantine and no deaths held against them. */
  reset(): void {
    this.quarantine = false;
    this.times = [];
  }
}
