import type { HostConfig } from '../../config.js';
import { mergeDeep } from '../../config.js';
import { egressFailureJson, type EgressGateway } from '../../egress/egress-gateway.js';
import { PluginLoadError } from '../../errors.js';
import { DisposableStore } from '../../lifecycle/disposable-store.js';
import type { HostLogger } from '../../logging/logger.js';
import { normalizeGuid } from '@jobhook/sdk/contract';
import type { PluginLimits } from '../package/plugin-manifest.js';
import type { PluginPackage } from '../package/read-plugin-package.js';
import type { SandboxFactory, SandboxHostServices } from '../../sandbox/plugin-sandbox.js';
import { NO_PLATFORM_RESOLVER, type JobTypeResolver } from '../../platform/job-type-resolver.js';
import { jobTypesInForce } from './job-types-in-force.js';
import { InvocationBook, PluginInstance } from './plugin-instance.js';

/** What loading a plugin version needs from the host. */
export interface PluginLoaderDeps {
  readonly sandboxFactory: SandboxFactory;
  readonly egress: EgressGateway;
  readonly logger: HostLogger;
  readonly config: HostConfig;
  /** Resolves symbolic job types (`WinCert:Inventory`, `custom:<name>`); default: none can be. */
  readonly jobTypes?: JobTypeResolver;
}

/** How one load happens. */
export interface LoadOptions {
  /** A restart of the same files after a crash: earlier job-type lookups may serve. */
  readonly cachedJobTypes?: boolean;
}

// Keys the host sets on a plugin's log line; a host notice cannot overwrite them.
const RESERVED_LOG_KEYS = new Set(['plugin', 'version', 'handler', 'jobId', 'invocationId', 'source', 'level', 'time', 'msg', 'pid', 'hostname', 'service', 'data']);

/** The manifest's limits over the host defaults, then the admin's overrides, capped by the host maxima. */
export function effectiveLimits(pkgLimits: Partial<PluginLimits> | undefined, config: HostConfig, pluginId: string): PluginLimits {
  const { defaults, max } = config.limits;
  const merged = { ...defaults, ...(pkgLimits ?? {}), ...(config.plugins[pluginId]?.limits ?? {}) };
  return {
    memoryMb: Math.min(merged.memoryMb, max.memoryMb),
    timeoutMs: Math.min(merged.timeoutMs, max.timeoutMs),
    concurrency: Math.min(merged.concurrency, max.concurrency),
  };
}

function parseJobTypes(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(normalizeGuid);
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
};

/**
 * Brings one plugin version to life: the job types in force per handler, its sandbox (runtime +
 * bundle), then the check that the code's handlers (and any `jobTypes` they write) agree with them,
 * which is what routing trusts.
 */
export async function loadPluginInstance(pkg: PluginPackage, deps: PluginLoaderDeps, loadOptions: LoadOptions = {}): Promise<PluginInstance> {
  const { manifest } = pkg;
  const { id, version } = manifest;
  // Before any sandbox exists, so the runtime can inject them and a platform lookup gone wrong costs no isolate.
  const inForce = await jobTypesInForce(manifest, deps.config.plugins[id], deps.jobTypes ?? NO_PLATFORM_RESOLVER, { cached: loadOptions.cachedJobTypes ?? false });
  const limits = effectiveLimits(manifest.limits, deps.config, id);
  const options = mergeDeep({ ...(manifest.config ?? {}) }, deps.config.plugins[id]?.options ?? {});
  const log = deps.logger.child({ plugin: id, version });
  for (const [handler, info] of inForce) {
    if (info.error) log.error({ handler, code: info.error.code, error: info.error.message }, `handler ${handler} of plugin ${id} refused: ${info.error.code}`);
  }
  const book = new InvocationBook();
  // Owns what the version is built from until the version itself takes them over.
  const owned = new DisposableStore(`plugin '${id}' ${version}`);
  const egress = deps.egress.forPlugin(manifest, log);
  owned.add(egress);
  const services: SandboxHostServices = {
    log: (record) => {
      book.logs.add(record);
      const scope = book.get(record.invocationId);
      const line: Record<string, unknown> = { source: 'plugin', handler: scope?.handler, jobId: scope?.jobId, invocationId: record.invocationId ?? undefined };
      // The plugin's fields go under one key, never beside the host's: a field named like a host
      // field, or like an Object.prototype member the logger looks up (valueOf, constructor), is
      // then only data, and cannot forge or break the line.
      if (Object.keys(record.fields).length > 0) line.data = record.fields;
      if (record.notice) for (const [k, v] of Object.entries(record.notice)) if (!RESERVED_LOG_KEYS.has(k)) line[k] = v;
      log[record.level](line, record.message);
    },
    http: async (requestJson, invocationId) => {
      const scope = book.get(invocationId);
      if (!scope) {
        return egressFailureJson('EGRESS_NO_INVOCATION', 'HTTP requests are allowed only while a handler invocation runs');
      }
      return egress.request(requestJson, scope);
    },
  };
  const sandbox = deps.sandboxFactory.create(services);
  owned.add(sandbox);
  const fail = async (code: string, message: string, cause?: unknown): Promise<never> => {
    await owned.dispose();
    throw new PluginLoadError(code, `Loading plugin '${id}' ${version} failed: ${message}`, id, { cause });
  };

  let declared;
  try {
    declared = await sandbox.load({
      pluginId: id,
      version,
      bundleCode: pkg.bundleCode,
      bundleFilename: `plugin:${id}/${manifest.main}`,
      optionsJson: JSON.stringify(options),
      jobTypesJson: JSON.stringify(Object.fromEntries([...inForce].map(([name, h]) => [name, h.jobTypes]))),
      memoryMb: limits.memoryMb,
      loadTimeoutMs: Math.min(limits.timeoutMs, 30_000),
    });
  } catch (e) {
    return fail((e as { code?: string }).code ?? 'PLUGIN_LOAD_FAILED', (e as Error).message, e);
  }

  const handlers = new Map<string, readonly string[]>();
  const problems: string[] = [];
  const inCode = new Map(declared.handlers.map((h) => [h.name, parseJobTypes(h.jobTypes)]));
  for (const h of manifest.handlers) {
    const info = inForce.get(h.name)!;
    const fromCode = inCode.get(h.name);
    // A refused handler (a name that did not resolve) has no job types to agree with: it routes nothing.
    if (fromCode === undefined) {
      problems.push(`handler '${h.name}' is declared in plugin.json but no class is decorated @jobCompleteHandler('${h.name}')`);
    } else if (info.error === undefined && !sameSet(info.jobTypes, fromCode)) {
      const where =
        info.source === 'config'
          ? `the job types in force, set by the host configuration (plugins.${id}.handlers.${h.name}.jobTypes), are`
          : `plugin.json lists job types${info.resolved.length > 0 ? ' (names resolved)' : ''}`;
      problems.push(
        `handler '${h.name}': ${where} [${info.jobTypes.join(', ')}] but the code's jobTypes is [${fromCode.join(', ')}]; drop the jobTypes property from the code (the host supplies the job types in force, injectable as JobTypes) or make them the same`,
      );
    }
    handlers.set(h.name, info.jobTypes);
  }
  for (const name of inCode.keys()) {
    if (!manifest.handlers.some((h) => h.name === name)) problems.push(`handler '${name}' is decorated in code but missing from plugin.json "handlers"`);
  }
  if (problems.length > 0) return fail('PLUGIN_HANDLERS_MISMATCH', problems.join('; '));
  return new PluginInstance(pkg, limits, handlers, sandbox, egress, owned, book, deps.config.limits.queueDepth, inForce);
}
