import type { Envelope, ErrorInfo, LoadedPlugin } from '@jobhook/sdk/protocol';
import { errorInfo } from '../sandbox-error.js';

/** Checks the shape of what `loadPlugin` answers, wherever it crossed from (isolate or process). */
export function isLoadedPlugin(v: unknown): v is LoadedPlugin {
  const handlers = (v as LoadedPlugin)?.handlers;
  return Array.isArray(handlers) && handlers.every((h) => typeof h?.name === 'string' && typeof h?.jobTypes === 'string');
}

/** Checks the shape of an error described as data. */
export function isErrorInfo(v: unknown): v is ErrorInfo {
  const e = v as ErrorInfo;
  return typeof e === 'object' && e !== null && typeof e.code === 'string' && typeof e.message === 'string' && typeof e.name === 'string';
}

const MAX_STACK_LINES = 12;

/**
 * Parses a JSON envelope that came out of an isolate. The runtime can be tampered with by the plugin
 * sharing its isolate, so nothing is trusted: every shape is checked before use.
 */
export function parseEnvelope<T>(raw: unknown, isValue: (v: unknown) => v is T): Envelope<T> {
  if (typeof raw !== 'string') {
    return { ok: false, error: errorInfo('SANDBOX_BAD_ENVELOPE', `the sandbox answered ${typeof raw} instead of an envelope`) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ok: false, error: errorInfo('SANDBOX_BAD_ENVELOPE', 'the sandbox answered text that is not JSON') };
  }
  const env = parsed as { ok?: unknown; value?: unknown; error?: unknown };
  if (env?.ok === true && isValue(env.value)) return { ok: true, value: env.value };
  if (env?.ok === false && isErrorInfo(env.error)) {
    const { name, code, message, stack } = env.error;
    const trimmed = typeof stack === 'string' ? stack.split('\n').slice(0, MAX_STACK_LINES).join('\n') : undefined;
    return { ok: false, error: { name, code, message, ...(trimmed ? { stack: trimmed } : {}) } };
  }
  return { ok: false, error: errorInfo('SANDBOX_BAD_ENVELOPE', 'the sandbox answered an envelope of the wrong shape') };
}
