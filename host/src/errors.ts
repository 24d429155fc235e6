import { boundProblems, type ErrorInfo, type Problem } from '@jobhook/sdk/contract';

/**
 * Base of every JobHook error: a stable `code` to match on, the plugin it concerns (if any), and the
 * underlying `cause`, so each layer can add its own context to a readable chain.
 */
export class JobHookError extends Error {
  override readonly name: string = 'JobHookError';
  constructor(
    readonly code: string,
    message: string,
    readonly pluginId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The problem type and its bound are part of the wire contract (events, HTTP answers, manifests, config). */
export { boundProblems };
export type { Problem };

/** plugin.json is missing, unreadable, invalid, or points at a bundle that is unsafe or wrong. */
export class ManifestError extends JobHookError {
  override readonly name = 'ManifestError';
  /** The problems found, bounded (see boundProblems). */
  readonly problems: readonly Problem[];
  constructor(
    code: string,
    readonly pluginDir: string,
    problems: readonly Problem[],
    pluginId?: string,
    options?: { cause?: unknown },
  ) {
    const bounded = boundProblems(problems);
    super(code, `${pluginDir}: ${bounded.map((p) => `${p.pointer || '/'}: ${p.message}`).join('; ')}`, pluginId, options);
    this.problems = bounded;
  }
}

/** A plugin could not be brought to `active`; the message says which step failed and why. */
export class PluginLoadError extends JobHookError {
  override readonly name = 'PluginLoadError';
}

/** An event failed validation; `problems` name each bad field by JSON pointer. */
export class EventValidationError extends JobHookError {
  override readonly name = 'EventValidationError';
  constructor(readonly problems: readonly Problem[]) {
    super('EVENT_INVALID', `invalid job-completion event: ${problems.map((p) => `${p.pointer}: ${p.message}`).join('; ')}`);
  }
}

/** Host configuration is invalid. */
export class ConfigError extends JobHookError {
  override readonly name = 'ConfigError';
}

/** Describes any caught value as `{ code, message }` for outcomes and logs. */
export function describeError(e: unknown): ErrorInfo {
  if (e instanceof JobHookError) return { code: e.code, message: e.message };
  if (e instanceof Error) return { code: (e as { code?: string }).code ?? 'INTERNAL_ERROR', message: e.message };
  return { code: 'INTERNAL_ERROR', message: String(e) };
}
