// The messages between the host and a sandbox worker process (over Node's IPC channel, JSON). Every
// request carries an `id` the worker answers with one `reply`; the worker also sends unsolicited
// messages: plugin log lines, HTTP requests for the host to perform, isolate deaths, heartbeats.
import { SANDBOX_OUTCOMES } from '@jobhook/sdk/contract';
import type { ErrorInfo, LoadedPlugin } from '@jobhook/sdk/protocol';
import type { PluginLogRecord, SandboxDeath, SandboxInvokeRequest, SandboxInvokeResult, SandboxLoadSpec, SandboxStats } from '../plugin-sandbox.js';
import type { SandboxLimits } from '../sandbox-limits.js';
import { isErrorInfo } from '../isolate/envelope.js';

/** What a worker is started with (as its one command-line argument, JSON). */
export interface WorkerOptions {
  readonly limits: SandboxLimits;
  /** Memory limit of the isolate the worker makes ahead of its next load; null: none (a dedicated process). */
  readonly spareMemoryMb?: number | null;
}

/** Requests the host sends, and the value each is answered with. */
export interface WorkerRequests {
  /** `chunked`: `spec.bundleCode` is the last piece; the others came first as `chunk` messages keyed `l<id>`. */
  load: { readonly sid: string; readonly spec: SandboxLoadSpec; readonly chunked?: true; readonly answer: LoadedPlugin };
  invoke: { readonly sid: string; readonly request: SandboxInvokeRequest; readonly answer: SandboxInvokeResult };
  stats: { readonly sid: string; readonly answer: SandboxStats };
  dispose: { readonly sid: string; readonly answer: null };
  ping: { readonly answer: WorkerHealth };
  /** Dispose the isolate using the most memory (the process is over its total); answers its plugin id. */
  shed: { readonly reason: string; readonly answer: string | null };
}

export type RequestType = keyof WorkerRequests;
type RequestBody<T extends RequestType> = Omit<WorkerRequests[T], 'answer'>;

/** A request as sent. */
export type HostRequest = { [T in RequestType]: { readonly type: T; readonly id: number } & RequestBody<T> }[RequestType];

/**
 * Host → worker. A large string crosses as `chunk` messages, each its own IPC write, then the message
 * itself with `chunked` and the last piece: Node's JSON channel rescans its whole read buffer at every
 * read, so one 14 MB line costs the worker hundreds of milliseconds, and 256 KiB pieces almost nothing.
 */
export type HostMessage =
  | HostRequest
  /** `chunked`: `responseJson` is the last piece; the others came first as `chunk` messages keyed `h<callId>`. */
  | { readonly type: 'http-result'; readonly callId: number; readonly responseJson: string; readonly chunked?: true }
  | { readonly type: 'chunk'; readonly key: string; readonly data: string }
  /** The message whose pieces went ahead under `key` will not come (it could not be sent): drop them. */
  | { readonly type: 'drop-chunks'; readonly key: string };

/** A worker's answer to a ping. */
export interface WorkerHealth {
  readonly rssBytes: number;
  /** Writable memory committed (what the kernel's data limit counts); null where not reported. */
  readonly dataBytes: number | null;
  /** Plugin isolates alive in the worker (loaded or loading; its spare isolate is not one). */
  readonly isolates: number;
  /** Chunked messages whose pieces the worker holds, waiting for the message itself. */
  readonly heldChunks: number;
}

/** Worker → host. */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: ErrorInfo }
  | { readonly type: 'log'; readonly sid: string; readonly record: PluginLogRecord }
  | { readonly type: 'http'; readonly sid: string; readonly callId: number; readonly requestJson: string; readonly invocationId: string }
  | { readonly type: 'death'; readonly sid: string; readonly death: SandboxDeath }
  /** V8 lost control of an isolate: the process must stop serving and be replaced. */
  | { readonly type: 'poisoned'; readonly pluginId: string; readonly message: string };

const LOG_LEVELS: ReadonlySet<string> = new Set(['debug', 'info', 'warn', 'error']);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const NOTICE_KEYS: ReadonlySet<string> = new Set(['code', 'limitPerSecond', 'limitBytesPerSecond', 'dropped', 'droppedBytes']);
// A notice's keys land beside the host's own on the log line: only the few host code writes pass.
const isNotice = (v: unknown): boolean =>
  isObject(v) && isString(v.code) && Object.entries(v).every(([k, x]) => NOTICE_KEYS.has(k) && (typeof x === 'number' || isString(x)));


/**
 * Checks the shape of a message from a worker. Workers run host code, but they also run plugin code
 * in V8: if a V8 flaw ever let a plugin take over its worker, the host still reads nothing unchecked.
 */
export function isWorkerMessage(m: unknown): m is WorkerMessage {
  if (!isObject(m) || !isString(m.type)) return false;
  switch (m.type) {
    case 'ready':
      return true;
    case 'reply':
      return typeof m.id === 'number' && (m.ok === true || (m.ok === false && isErrorInfo(m.error)));
    case 'log':
      // The level becomes a logger method name on the host: only the four a plugin may use pass.
      return (
        isString(m.sid) &&
        isObject(m.record) &&
        isString(m.record.level) &&
        LOG_LEVELS.has(m.record.level) &&
        isString(m.record.message) &&
        isObject(m.record.fields) &&
        (m.record.invocationId === null || m.record.invocationId === undefined || isString(m.record.invocationId)) &&
        (m.record.notice === undefined || isNotice(m.record.notice))
      );
    case 'http':
      return isString(m.sid) && typeof m.callId === 'number' && isString(m.requestJson) && isString(m.invocationId);
    case 'death':
      return isString(m.sid) && isErrorInfo(m.death);
    case 'poisoned':
      return isString(m.pluginId) && isString(m.message);
    default:
      return false;
  }
}

const OUTCOMES: ReadonlySet<string> = new Set(SANDBOX_OUTCOMES);

/** Checks an invoke answer before it becomes an outcome. */
export function isInvokeResult(v: unknown): v is SandboxInvokeResult {
  if (!isObject(v) || !isString(v.outcome) || !OUTCOMES.has(v.outcome)) return false;
  return v.outcome === 'succeeded' || v.outcome === 'failed' || isErrorInfo(v.error);
}
