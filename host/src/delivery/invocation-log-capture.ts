import type { PluginLogRecord } from '../sandbox/plugin-sandbox.js';
import type { InvocationLogLine, InvocationLogs } from '../store/handler-outcome.js';

export type { InvocationLogLine, InvocationLogs } from '../store/handler-outcome.js';

/** Bounds on what is kept per invocation: the first lines up to a count and a size. */
export const INVOCATION_LOG_LIMITS = { maxLines: 50, maxBytes: 16 * 1024 } as const;

interface Capture {
  lines: InvocationLogLine[];
  bytes: number;
  truncated: boolean;
}

/**
 * Collects the log lines a plugin writes during each invocation, so they can be stored with the
 * outcome and shown next to it. Bounded per invocation: a chatty plugin costs at most
 * `maxLines`/`maxBytes` per outcome, and lines outside an open invocation are not kept.
 */
export class InvocationLogCapture {
  private readonly open = new Map<string, Capture>();

  constructor(private readonly limits: { readonly maxLines: number; readonly maxBytes: number } = INVOCATION_LOG_LIMITS) {}

  begin(invocationId: string): void {
    this.open.set(invocationId, { lines: [], bytes: 0, truncated: false });
  }

  /** Keeps `record` with its invocation if that is open and within bounds. */
  add(record: PluginLogRecord): void {
    const fields = record.fields;
    const capture = record.invocationId === null ? undefined : this.open.get(record.invocationId);
    if (!capture || capture.truncated) return;
    const line: InvocationLogLine = { at: new Date().toISOString(), level: record.level, message: record.message, ...(Object.keys(fields).length > 0 ? { fields } : {}) };
    const bytes = Buffer.byteLength(JSON.stringify(line));
    if (capture.lines.length >= this.limits.maxLines || capture.bytes + bytes > this.limits.maxBytes) {
      capture.truncated = true;
      return;
    }
    capture.lines.push(line);
    capture.bytes += bytes;
  }

  /** Ends the invocation's capture and returns what it kept. */
  end(invocationId: string): InvocationLogs {
    const capture = this.open.get(invocationId);
    this.open.delete(invocationId);
    return { lines: capture?.lines ?? [], truncated: capture?.truncated ?? false };
  }
}
