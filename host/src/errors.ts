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

/** A problem at one place of a plugin package, e.g. `/handlers/0/jobTypes/1`. */
export interface ManifestProblem {
  /** JSON pointer into plugin.json (or `/main` for the bundle file). */
  readonly pointer: string;
  readonly message: string;
}

// A hostile manifest can have thousands of bad entries: reports keep the first few, each clipped,
// so a log line or API answer stays small whatever the input.
const MAX_REPORTED_PROBLEMS = 20;
const MAX_PROBLEM_CHARS = 300;

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** At most 20 problems, each clipped, plus one saying how many more were left out. */
export function boundProblems(problems: readonly ManifestProblem[]): ManifestProblem[] {
  const shown = problems.slice(0, MAX_REPORTED_PROBLEMS).map((p) => ({ pointer: clip(p.pointer, 200), message: clip(p.message, MAX_PROBLEM_CHARS) }));
  const more = problems.length - shown.length;
  if (more > 0) shown.push({ pointer: '', message: `and ${more} more problem(s) not listed` });
  return shown;
}

/** plugin.json is missing, unreadable, invalid, or points at a bundle that is unsafe or wrong. */
export class ManifestError extends JobHookError {
  override readonly name = 'ManifestError';
  /** The problems found, bounded (see boundProblems). */
  readonly problems: readonly ManifestProblem[];
  constructor(
    code: string,
    readonly pluginDir: string,
    problems: readonly ManifestProblem[],
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
  constructor(readonly problems: readonly ManifestProblem[]) {
    super('EVENT_INVALID', `invalid job-completion event: ${problems.map((p) => `${p.pointer}: ${p.message}`).join('; ')}`);
  }
}

/** Host configuration is invalid. */
export class ConfigError extends JobHookError {
  override readonly name = 'ConfigError';
}

/** Describes any caught value as `{ code, message }` for outcomes and logs. */
export function describeError(e: unknown): { code: string; message: string } {
  if (e instanceof JobHookError) return { code: e.code, message: e.message };
  if (e instanceof Error) return { code: (e as { code?: string }).code ?? 'INTERNAL_ERROR', message: e.message };
  return { code: 'INTERNAL_ERROR', message: String(e) };
}
