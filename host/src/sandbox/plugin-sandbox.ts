import type { ErrorInfo, LoadedPlugin, RuntimeLogLevel } from '@jobhook/sdk/protocol';

/** What a sandbox needs to load one plugin version. Plain data, so it can cross a process boundary. */
export interface SandboxLoadSpec {
  readonly pluginId: string;
  readonly version: string;
  /** The plugin bundle (CommonJS) as text. */
  readonly bundleCode: string;
  /** Shown in stack traces, e.g. `plugin:acme.x/dist/plugin.js`. */
  readonly bundleFilename: string;
  /** The merged options object as JSON. */
  readonly optionsJson: string;
  /** Handler name → job-type GUIDs in force, as JSON; the runtime injects them (`JobTypes`). */
  readonly jobTypesJson?: string;
  readonly memoryMb: number;
  /** Bound on evaluating the runtime and the bundle and constructing handlers. */
  readonly loadTimeoutMs: number;
}

/** One handler invocation. */
export interface SandboxInvokeRequest {
  readonly invocationId: string;
  readonly handler: string;
  /** The normalised event as the JSON text the store holds: handed to the isolate as it is, and parsed only there. */
  readonly eventJson: string;
  /** Wall-clock deadline of the invocation, from the manifest's `timeoutMs`. */
  readonly timeoutMs: number;
}

/** How an invocation ended, as the sandbox sees it (dispatch adds plugin, version, duration). */
export type SandboxInvokeResult =
  | { readonly outcome: 'succeeded' | 'failed' }
  | { readonly outcome: 'error' | 'timeout' | 'crashed'; readonly error: ErrorInfo };

/** Resource figures of a sandbox. */
export interface SandboxStats {
  readonly heapUsedBytes: number;
  readonly heapLimitBytes: number;
  readonly cpuTimeMs: number;
  readonly inFlight: number;
}

/** Why a sandbox can no longer serve: it was disposed by a limit, or its isolate died. */
export interface SandboxDeath {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  /**
   * True when the sandbox died only because something it shared failed (its sandbox process died
   * while it ran nothing): it should be restarted, but the death is not held against the plugin.
   */
  readonly collateral?: boolean;
  /**
   * True when the sandbox outlived the failure: it moved to a live sandbox process and still serves.
   * The death is recorded and counted as any other; the plugin is not restarted.
   */
  readonly survived?: boolean;
}

/** A log line a plugin wrote, tagged by the sandbox with the invocation it belongs to. */
export interface PluginLogRecord {
  readonly level: RuntimeLogLevel;
  readonly message: string;
  /** The plugin's own fields: written under `data` on the host's line, never beside its fields. */
  readonly fields: Record<string, unknown>;
  readonly invocationId: string | null;
  /** Set only by host code (the rate limit, the bridge) on a line it writes about the plugin: `code` and figures. */
  readonly notice?: Readonly<Record<string, string | number>>;
}

/**
 * Capabilities the host lends a sandbox. Every call is async and message-shaped, so a sandbox can
 * live in another process; credentials stay behind `http`.
 */
export interface SandboxHostServices {
  log(record: PluginLogRecord): void;
  /** Performs a plugin's HTTP request; answers a JSON `Envelope<EgressResponseData>`, never rejects. */
  http(requestJson: string, invocationId: string): Promise<string>;
}

/**
 * One plugin version in isolation. Message-shaped and async so the isolate can
 * move into a supervised child process without touching dispatch.
 */
export interface PluginSandbox {
  load(spec: SandboxLoadSpec): Promise<LoadedPlugin>;
  invoke(request: SandboxInvokeRequest): Promise<SandboxInvokeResult>;
  stats(): Promise<SandboxStats>;
  /**
   * Called once if the sandbox dies on its own (limit, crash); not called by `dispose`. A death it
   * `survived` may come first, any number of times.
   */
  onDeath(listener: (death: SandboxDeath) => void): void;
  /** Releases everything; idempotent; in-flight invocations end `crashed`. */
  dispose(): Promise<void>;
}

/** Which memory limits hold on a host, and how: logged at start, reported by `/readyz`. */
export interface MemoryEnforcement {
  /** The kernel's hard limit on each sandbox process (RLIMIT_DATA through prlimit), or none. */
  readonly kernel: 'rlimit-data' | 'none';
  /** Its size in MiB, when there is one. */
  readonly kernelLimitMb: number | null;
  /** Why there is none, when there is none. */
  readonly kernelReason: string | null;
  /** The host's own watch: resident memory past which the largest isolate is shed (null in-process). */
  readonly processMemoryMb: number | null;
  /** What the SDK runtime turns off or caps inside every isolate (memory outside the V8 heap). */
  readonly inIsolate: readonly string[];
}

/** Creates sandboxes; the in-process isolate factory or a process-pool one. */
export interface SandboxFactory {
  create(services: SandboxHostServices): PluginSandbox;
  /** The memory limits this factory's sandboxes run under (absent on test fakes). */
  readonly memoryEnforcement?: MemoryEnforcement;
  /** Releases shared resources (processes, caches). */
  dispose(): Promise<void>;
}
