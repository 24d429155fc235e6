// The message shapes that cross between the host and the SDK runtime inside an isolate. Everything
// crosses as a JSON string or a primitive: copies, never references to host objects.

/** Log levels a plugin's `Logger` can use. */
export type RuntimeLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A failure described as data, so it survives the isolate boundary (custom classes do not). */
export interface ErrorInfo {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly stack?: string;
}

/** `{ ok, value | error }`: how every runtime call answers the host, JSON-encoded. */
export type Envelope<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorInfo };

/** A handler the plugin bundle declared in code. */
export interface DeclaredHandler {
  readonly name: string;
  /** The handler instance's `jobTypes` string, as written by the plugin (the job types in force when it wrote none). */
  readonly jobTypes: string;
}

/** What `loadPlugin` answers on success. */
export interface LoadedPlugin {
  readonly handlers: readonly DeclaredHandler[];
}

/**
 * A body crossing the bridge: text that is sent (or was received) as UTF-8, or any bytes as base64.
 * Text is the common case (JSON) and needs no encoding work inside the isolate.
 */
export interface EgressBody {
  readonly encoding: 'utf8' | 'base64';
  readonly data: string;
}

/** An HTTP request as the plugin asked for it, before the host applies policy. */
export interface EgressRequestData {
  readonly method: string;
  /** Absolute, or relative to the platform API URL (resolved by the host), query included. */
  readonly url: string;
  /** Header names lower-cased; the host drops credential and hop-by-hop headers. */
  readonly headers: Record<string, string>;
  readonly body: EgressBody | null;
  /** ms; null: the host's default; false: no per-request timeout (the invocation deadline still applies). */
  readonly timeoutMs: number | false | null;
  /** Set by `fetch`: the key an `EgressAbortData` names to cancel this request (unique per invocation). */
  readonly abortKey?: string;
}

/**
 * Sent over the same bridge call as a request: cancels the invocation's request with `abortKey`
 * (fetch's AbortSignal fired). The host answers an empty success and logs nothing more for it; the
 * request itself ends EGRESS_ABORTED, with its one log line.
 */
export interface EgressAbortData {
  readonly abort: string;
}

/** An HTTP response as the host hands it back. */
export interface EgressResponseData {
  readonly status: number;
  readonly statusText: string;
  /** The absolute URL first requested (the input resolved against the platform URL). */
  readonly requestUrl: string;
  /** The final URL, after the redirects the host followed. */
  readonly url: string;
  readonly redirected: boolean;
  readonly headers: Array<[string, string]>;
  /** `utf8` when the bytes are valid UTF-8 (kept exactly, BOM included), else `base64`. */
  readonly body: EgressBody;
}

/** A failed request as the host describes it; `url` is the resolved URL when the host got that far. */
export interface EgressFailure extends ErrorInfo {
  readonly url?: string;
}

/**
 * Host functions handed to the runtime at boot (as isolated-vm Callbacks). The runtime keeps them in
 * its closure; they are never put on `globalThis`.
 */
export interface RuntimeBridge {
  /** Fire-and-forget log line; `fieldsJson` is a JSON object. */
  log(level: RuntimeLogLevel, message: string, fieldsJson: string, invocationId: string | null): void;
  /** Performs an HTTP request for an invocation; answers a JSON `Envelope<EgressResponseData>`. */
  http(requestJson: string, invocationId: string): Promise<string>;
  /** Resolves after `ms`; backs the isolate's timers. Rejects when the plugin has too many pending. */
  sleep(ms: number): Promise<void>;
  /** `n` (1…65536) bytes from the host's CSPRNG, synchronously (backs `crypto.getRandomValues`). */
  randomBytes(n: number): Uint8Array;
  /** Evaluates the web library script in the calling isolate, synchronously; true when it did. */
  loadWebLibrary(): boolean;
  /**
   * Fire-and-forget: answers of invocations that ended after their batch call returned, as
   * `key, envelope, key, envelope, …` (each envelope a JSON `Envelope<boolean>`).
   */
  deliver(...answers: string[]): void;
}

/**
 * An isolated-vm Reference to an async host function, as the runtime receives it. isolated-vm's
 * Callbacks cannot carry a host promise back, so async bridge functions arrive as References.
 */
export interface HostFunctionReference {
  apply(receiver: undefined, args: unknown[], options: { result: { promise: true; copy: true } }): Promise<unknown>;
}

/** Functions the runtime exposes to the host after boot. */
export interface RuntimeApi {
  /** Runs the plugin module factory and reports its handlers; answers a JSON `Envelope<LoadedPlugin>`. */
  loadPlugin(factory: unknown, optionsJson: string, jobTypesJson?: string): string;
  /** Runs one handler on one event; answers a JSON `Envelope<boolean>`. */
  invoke(handlerName: string, eventJson: string, invocationId: string): Promise<string>;
  /**
   * Starts a batch of invocations, given flat as `handler, eventJson, invocationId, key` for each,
   * `key` being the host's name for the invocation. Answers `key, envelope, …` for those that ended
   * within the call's turn; the others answer later through the bridge's `deliver`, each once.
   */
  invokeBatch(batchId: string, ...items: string[]): Promise<string[]>;
  /**
   * After the host stopped batch `batchId` at its synchronous timeout: the key of the invocation
   * whose start was stopped ('' when none was starting), then the keys of those never started.
   */
  recover(batchId: string): string[];
}
