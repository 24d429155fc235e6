/** Why the test harness could not run a plugin (not a plugin outcome: those are values). */
export class HarnessError extends Error {
  override readonly name = 'HarnessError';
  constructor(
    /** Stable code, e.g. `HARNESS_NOT_BUILT`, `HARNESS_PLUGIN_REFUSED`. */
    readonly code: string,
    message: string,
    /** The host's own error when it refused the plugin, e.g. `{ code: 'PLUGIN_HANDLERS_MISMATCH', … }`. */
    readonly hostError?: { readonly code: string; readonly message: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
