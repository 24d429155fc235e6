import { EgressError, HTTPError, TimeoutError } from '../http-errors.js';
import type { ErrorInfo } from './protocol.js';

const MAX_TEXT = 4096;
const clip = (s: string): string => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s);

// Reads one property of a thrown value; a hostile getter that throws must not escape the runtime.
function readString(value: unknown, key: string): string | undefined {
  try {
    const v = (value as Record<string, unknown>)[key];
    return typeof v === 'string' ? clip(v) : undefined;
  } catch {
    return undefined;
  }
}

/** Describes any thrown value as plain data, defensively: plugins may throw anything. */
export function toErrorInfo(thrown: unknown, fallbackCode = 'HANDLER_THREW'): ErrorInfo {
  if (thrown !== null && (typeof thrown === 'object' || typeof thrown === 'function')) {
    const message = readString(thrown, 'message') ?? safeString(thrown);
    return {
      name: readString(thrown, 'name') ?? 'Error',
      code: readString(thrown, 'code') ?? fallbackCode,
      message,
      stack: readString(thrown, 'stack'),
    };
  }
  return { name: 'Error', code: fallbackCode, message: `threw a non-Error value: ${safeString(thrown)}` };
}

function safeString(value: unknown): string {
  try {
    return clip(String(value));
  } catch {
    return `[unprintable ${typeof value}]`;
  }
}

/** An error with a stable code, raised by the runtime itself. */
export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** The namespace of codes a plugin chose itself, kept apart from the host's and the SDK's. */
export const PLUGIN_CODE_PREFIX = 'plugin:';
const CODE_CHARS = /[^A-Za-z0-9_.-]/g;

/**
 * Describes what a handler threw. Errors the SDK raises (the runtime's own, HTTP and egress errors)
 * keep their code; any other code is the plugin's and is stored as `plugin:<code>`, so a handler that
 * throws `{ code: 'ISOLATE_CATASTROPHIC' }` cannot pass for a host verdict.
 */
export function handlerErrorInfo(thrown: unknown): ErrorInfo {
  const info = toErrorInfo(thrown);
  if (info.code === 'HANDLER_THREW') return info;
  if (thrown instanceof RuntimeError || thrown instanceof EgressError || thrown instanceof HTTPError || thrown instanceof TimeoutError) return info;
  return { ...info, code: `${PLUGIN_CODE_PREFIX}${info.code.replace(CODE_CHARS, '_').slice(0, 64)}` };
}
