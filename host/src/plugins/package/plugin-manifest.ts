/** A permission rule of `permissions.http`. */
export interface HttpPermissionRule {
  readonly url: string;
  readonly methods: readonly string[];
}

/** Per-plugin resource limits (all optional in plugin.json; the host fills defaults and caps). */
export interface PluginLimits {
  readonly memoryMb: number;
  readonly timeoutMs: number;
  readonly concurrency: number;
}

/** A handler entry of plugin.json. */
export interface ManifestHandler {
  readonly name: string;
  readonly description?: string;
  readonly jobTypes: readonly string[];
}

/** A validated plugin.json. */
export interface PluginManifest {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly version: string;
  readonly engine: string;
  readonly main: string;
  readonly handlers: readonly ManifestHandler[];
  readonly permissions?: { readonly http?: readonly HttpPermissionRule[] };
  readonly limits?: Partial<PluginLimits>;
  readonly config?: Readonly<Record<string, unknown>>;
  readonly integrity?: string;
}
