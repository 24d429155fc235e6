/**
 * Bounds every sandbox applies on its own, beside the manifest's memory, deadline and concurrency.
 * They come from the admin's `sandbox.limits` and are the same for every plugin of a host.
 */
export interface SandboxLimits {
  /** Timers (host sleeps) one isolate may have pending at once. */
  readonly maxPendingTimers: number;
  /** How long a timed-out isolate gets to answer a ping before it is judged stuck and disposed. */
  readonly unresponsiveAfterMs: number;
  /** Isolate CPU time one invocation may use (capped by its deadline); past it the isolate is disposed. */
  readonly cpuTimeMs: number;
  /**
   * CPU an isolate may use, in percent of one core averaged over a second, while no invocation of
   * it is in flight (work left running after a handler returned); past it the isolate is disposed.
   */
  readonly backgroundCpuPercent: number;
  /** Plugin log lines per second the host writes; the excess is dropped and counted. */
  readonly logLinesPerSecond: number;
  /** Lines a quiet plugin may write at once before the rate applies. */
  readonly logBurst: number;
  /** Plugin log bytes (message + fields) per second the host writes; the excess is dropped and counted. */
  readonly logBytesPerSecond: number;
  /** Bytes a quiet plugin may write at once before the byte rate applies. */
  readonly logBytesBurst: number;
  /** Largest answer (a JSON envelope) the host accepts from an isolate's load or invoke. */
  readonly maxResultBytes: number;
  /** Largest value a plugin may hand a host function (an HTTP request description, log fields). */
  readonly maxBridgeBytes: number;
  /**
   * Largest message, as IPC JSON, the host sends a sandbox process (a bundle at load, a response
   * body); a larger one fails only what it carried, before it is serialised.
   */
  readonly maxBridgeMessageBytes: number;
  /** Nesting depth of plugin log fields; deeper values are cut inside the isolate. */
  readonly maxLogFieldDepth: number;
  /** Largest `maxByteLength` of a resizable ArrayBuffer, in bytes (their memory is outside the heap limit). */
  readonly maxResizableBufferBytes: number;
}

/**
 * A plugin's memory limit when neither its manifest nor the admin sets one (the host's
 * `limits.defaults.memoryMb`); sandbox factories make their spare isolate with it.
 */
export const DEFAULT_PLUGIN_MEMORY_MB = 64;

/** The embedded defaults. */
export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = {
  maxPendingTimers: 1000,
  unresponsiveAfterMs: 500,
  cpuTimeMs: 10_000,
  backgroundCpuPercent: 25,
  logLinesPerSecond: 100,
  logBurst: 200,
  maxResultBytes: 64 * 1024,
  maxBridgeBytes: 1024 * 1024,
  logBytesPerSecond: 256 * 1024,
  logBytesBurst: 1024 * 1024,
  maxBridgeMessageBytes: 64 * 1024 * 1024,
  maxLogFieldDepth: 16,
  maxResizableBufferBytes: 16 * 1024 * 1024,
};

/** The limits found in `source` (which may hold other settings), the defaults for the rest. */
export function sandboxLimits(source: Partial<SandboxLimits> = {}): SandboxLimits {
  const out: Record<string, number> = { ...DEFAULT_SANDBOX_LIMITS };
  for (const key of Object.keys(DEFAULT_SANDBOX_LIMITS)) {
    const v = (source as Record<string, unknown>)[key];
    if (typeof v === 'number') out[key] = v;
  }
  return out as unknown as SandboxLimits;
}
