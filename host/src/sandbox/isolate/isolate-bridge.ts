import { randomFillSync } from 'node:crypto';
import ivm from 'isolated-vm';
import type { RuntimeLogLevel } from '@jobhook/sdk/protocol';
import { LogRateLimiter } from './log-rate-limiter.js';
import type { PluginLogRecord, SandboxHostServices } from '../plugin-sandbox.js';
import type { SandboxLimits } from '../sandbox-limits.js';
import type { SleepTimers } from './sleep-timers.js';
import { egressFailureJson } from '../../egress/egress-gateway.js';

const LEVELS: ReadonlySet<string> = new Set(['debug', 'info', 'warn', 'error']);
const MAX_LOG_MESSAGE = 8192;

// Iterative, so that measuring a hostile value cannot itself overflow the stack.
function depthExceeds(value: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(v as Record<string, unknown>)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

// The runtime cuts deep nesting first; this is the host's own check (the runtime shares its isolate
// with plugin code). A value nested past the bound must not reach IPC or the logger, whose
// recursive serialisers would overflow the stack on it.
function parseFields(json: unknown, maxBytes: number, maxDepth: number): Record<string, unknown> {
  if (typeof json !== 'string') return {};
  if (json.length > maxBytes) return { fieldsDropped: `log fields of ${json.length} characters exceed the limit of ${maxBytes}` };
  try {
    const v = JSON.parse(json) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return {};
    if (depthExceeds(v, maxDepth)) return { fieldsDropped: `log fields nested deeper than ${maxDepth} levels` };
    return v as Record<string, unknown>;
  } catch {
    return {};
  }
}

const MAX_RANDOM_BYTES = 65536;

/**
 * `crypto.getRandomValues` inside the isolate draws from this: the host's CSPRNG, synchronously (the
 * runtime pools the bytes, so it is called once per 4 KiB). A fresh array each time, so the copy into
 * the isolate can carry nothing else of the host's memory.
 */
export function randomBytesCallback(): ivm.Callback {
  return new ivm.Callback((n: unknown) => {
    const size = typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= MAX_RANDOM_BYTES ? n : 0;
    return randomFillSync(new Uint8Array(size));
  });
}

/** The host functions one isolate's runtime is booted with, and what releases them. */
export interface IsolateBridge {
  /**
   * Boot arguments: the log Callback, References to http and sleep, the runtime's limits as JSON, the
   * random-bytes and web-library Callbacks, the Callback that delivers late invocation answers.
   */
  readonly bootArgs: ReadonlyArray<ivm.Callback | ivm.Reference<unknown> | string>;
  /** The References to release before the isolate is disposed. */
  readonly references: ReadonlyArray<ivm.Reference<unknown>>;
  /** Writes the count of log lines the rate limit dropped, if any. */
  flush(): void;
}

/**
 * Builds the bridge. Only the runtime's closure holds these functions: on `globalThis` they would
 * be a way back into the host for plugin code. Every value a plugin hands
 * in is checked on the host: type, size, and the log rate. The runtime bounds the same things first,
 * but plugin code shares its isolate, so only the host's checks are trusted.
 */
export function createIsolateBridge(
  services: SandboxHostServices,
  timers: SleepTimers,
  limits: SandboxLimits,
  loadWebLibrary: () => boolean = () => false,
  onAnswers: (answers: unknown[]) => void = () => {},
): IsolateBridge {
  const limiter = new LogRateLimiter(limits.logLinesPerSecond, limits.logBurst, undefined, { perSecond: limits.logBytesPerSecond, burst: limits.logBytesBurst });
  const write = (record: PluginLogRecord): void => {
    try {
      services.log(record);
    } catch {
      // A log line must never fail the plugin; the host logger reports its own problems.
    }
  };
  const log = new ivm.Callback(
    (level: unknown, message: unknown, fieldsJson: unknown, invocationId: unknown) => {
      let text = typeof message === 'string' ? message : String(message);
      if (text.length > MAX_LOG_MESSAGE) text = `${text.slice(0, MAX_LOG_MESSAGE)}…`;
      const size = text.length + (typeof fieldsJson === 'string' ? fieldsJson.length : 0);
      limiter.admit(
        {
          level: (typeof level === 'string' && LEVELS.has(level) ? level : 'info') as RuntimeLogLevel,
          message: text,
          fields: parseFields(fieldsJson, Math.min(limits.maxBridgeBytes, 64 * 1024), limits.maxLogFieldDepth),
          invocationId: typeof invocationId === 'string' && invocationId.length <= 128 ? invocationId : null,
        },
        write,
        size,
      );
    },
    { ignored: true },
  );
  // Host functions that return promises must never throw synchronously (isolated-vm #417, #314).
  const http = new ivm.Reference((requestJson: unknown, invocationId: unknown): Promise<string> => {
    if (typeof requestJson !== 'string' || typeof invocationId !== 'string') {
      return Promise.resolve(egressFailureJson('EGRESS_BAD_REQUEST', 'malformed request from the sandbox'));
    }
    if (requestJson.length > limits.maxBridgeBytes) {
      const message = `the request description is ${requestJson.length} characters, over the limit of ${limits.maxBridgeBytes}: send a smaller body`;
      return Promise.resolve(egressFailureJson('EGRESS_REQUEST_TOO_LARGE', message));
    }
    try {
      return services
        .http(requestJson, invocationId)
        .catch((e: unknown) => egressFailureJson('EGRESS_FAILED', (e as Error)?.message ?? String(e)));
    } catch (e) {
      return Promise.resolve(egressFailureJson('EGRESS_FAILED', (e as Error)?.message ?? String(e)));
    }
  });
  const sleep = new ivm.Reference((ms: unknown) => {
    const waited = timers.sleep(ms);
    // Marked handled here: if the isolate dies before isolated-vm delivers a rejection (TIMER_LIMIT),
    // it must not surface as an unhandled rejection that ends this process.
    waited.catch(() => {});
    return waited;
  });
  const runtimeLimits = JSON.stringify({
    maxPendingTimers: limits.maxPendingTimers,
    // Twice the host's rate: the runtime's budget guards the queue, the host's is the one that reports.
    logLinesPerSecond: limits.logLinesPerSecond * 2,
    logBurst: limits.logBurst * 2,
    maxLogFieldDepth: limits.maxLogFieldDepth,
    maxResizableBufferBytes: limits.maxResizableBufferBytes,
  });
  // Fire-and-forget, like the log: the runtime's thread does not wait for this one. The answers are
  // copies (strings), checked by the sandbox before any becomes an outcome.
  const deliver = new ivm.Callback(
    (...answers: unknown[]) => {
      try {
        onAnswers(answers);
      } catch {
        // an answer the sandbox cannot take ends its invocation at its deadline instead
      }
    },
    { ignored: true },
  );
  return {
    bootArgs: [log, http, sleep, runtimeLimits, randomBytesCallback(), new ivm.Callback(() => loadWebLibrary() === true), deliver],
    references: [http, sleep],
    flush: () => limiter.flush(write),
  };
}
