// Entry of the SDK runtime: bundled into one script that the host evaluates in every plugin isolate
// before the plugin's own bundle. It owns the tsyringe container the plugin's handlers resolve from.
import 'reflect-metadata';
import * as tsyringe from 'tsyringe';
import { container, type DependencyContainer } from 'tsyringe';
import * as sdk from '../index.js';
import { handlerRegistrations, type HandlerClass, type JobCompleteHandler } from '../handler.js';
import { HttpClient } from '../http-client.js';
import { JobContext, JobTypes, Logger, PluginOptions } from '../tokens.js';
import { BridgeHttpClient } from './http-client.js';
import { BridgeLogger, LogBudget, makeConsole } from './plugin-logger.js';
import { createJobContext, createLoadTimeContext, type WireEvent } from './job-context.js';
import { installTimers } from './timers.js';
import { installWebGlobals } from './web/install-web-globals.js';
import { handlerErrorInfo, RuntimeError, toErrorInfo } from './error-info.js';
import { boundOffHeapMemory } from './memory-bounds.js';
import { asInjectionToken } from '../di.js';
import { InvocationBatches, type RunInvocation } from './invocation-batches.js';
import type { DeclaredHandler, HostFunctionReference, LoadedPlugin, RuntimeApi, RuntimeBridge } from './protocol.js';

// Captured before any plugin code runs, so a plugin that replaces JSON or Object on its own global
// cannot change how the runtime answers the host.
const stringify = JSON.stringify;
const parse = JSON.parse;
const freeze = Object.freeze;
const assign = Object.assign;
const create = Object.create;
const apply = Reflect.apply;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

const METADATA_HINT =
  'the bundle was built without decorator metadata: compile with TypeScript "emitDecoratorMetadata": true ' +
  '(jobhook-sdk build does; esbuild, tsx and swc alone do not), or name each parameter with @inject(Token)';

/** Throws a clear error when a handler's constructor parameters cannot be known at run time. */
function checkDecoratorMetadata(name: string, target: HandlerClass): void {
  if (target.length === 0) return;
  const types = Reflect.getMetadata('design:paramtypes', target) as unknown[] | undefined;
  const tokens = (Reflect.getOwnMetadata('injectionTokens', target) ?? {}) as Record<number, unknown>;
  for (let i = 0; i < target.length; i++) {
    if (tokens[i] === undefined && (types === undefined || types[i] === undefined)) {
      throw new RuntimeError(
        'PLUGIN_NO_DECORATOR_METADATA',
        `handler '${name}' (class ${target.name}) takes ${target.length} constructor parameter(s) but parameter #${i} has no type information: ${METADATA_HINT}`,
      );
    }
  }
}

function explainResolveError(e: unknown, name: string, phase: string): RuntimeError {
  const info = toErrorInfo(e);
  if (/TypeInfo not known/.test(info.message)) {
    return new RuntimeError('PLUGIN_NO_DECORATOR_METADATA', `handler '${name}' could not be ${phase}: ${info.message} — ${METADATA_HINT}`);
  }
  return new RuntimeError('HANDLER_CONSTRUCTION_FAILED', `handler '${name}' could not be ${phase}: ${info.message}`);
}

/** Bounds the host hands the runtime at boot (JSON); the host enforces its own copy of each. */
interface RuntimeLimits {
  readonly maxPendingTimers: number;
  readonly logLinesPerSecond: number;
  readonly logBurst: number;
  readonly maxLogFieldDepth: number;
  readonly maxResizableBufferBytes: number;
}

const DEFAULT_LIMITS: RuntimeLimits = { maxPendingTimers: 1000, logLinesPerSecond: 200, logBurst: 400, maxLogFieldDepth: 16, maxResizableBufferBytes: 16 * 1024 * 1024 };

function readLimits(json: unknown): RuntimeLimits {
  let raw: Record<string, unknown> = {};
  try {
    if (typeof json === 'string') raw = parse(json) as Record<string, unknown>;
  } catch {
    // defaults below
  }
  const pick = (key: keyof RuntimeLimits): number => {
    const v = raw?.[key];
    return typeof v === 'number' && v >= 0 && Number.isFinite(v) ? v : DEFAULT_LIMITS[key];
  };
  return {
    maxPendingTimers: pick('maxPendingTimers'),
    logLinesPerSecond: pick('logLinesPerSecond'),
    logBurst: pick('logBurst'),
    maxLogFieldDepth: pick('maxLogFieldDepth'),
    maxResizableBufferBytes: pick('maxResizableBufferBytes'),
  };
}

interface LoadedState {
  readonly options: Readonly<Record<string, unknown>>;
  readonly handlers: ReadonlyMap<string, HandlerClass>;
  readonly jobTypes: ReadonlyMap<string, JobTypes>;
}

const GUID_BRACES = /^\{|\}$/g;

/** The frozen `JobTypes` a handler gets; null when the host sent none for it. */
function jobTypesOf(json: unknown, name: string): JobTypes | null {
  const list = (json as Record<string, unknown> | null)?.[name];
  if (!Array.isArray(list) || !list.every((g) => typeof g === 'string')) return null;
  const ids = freeze(list.map((g: string) => g.trim().replace(GUID_BRACES, '').toLowerCase()));
  const value = ids.join(',');
  const has = (jobTypeId: string): boolean => typeof jobTypeId === 'string' && ids.includes(jobTypeId.trim().replace(GUID_BRACES, '').toLowerCase());
  return freeze(assign(create(JobTypes.prototype) as JobTypes, { ids, value, has, toString: () => value }));
}

/**
 * Boots the runtime with the host's bridge (a log Callback, References to the async host functions)
 * and answers the API the host calls. The bridge stays in this closure, never on `globalThis`.
 */
export function boot(
  log: RuntimeBridge['log'],
  httpRef: HostFunctionReference,
  sleepRef: HostFunctionReference,
  limitsJson: string | undefined,
  randomBytes: RuntimeBridge['randomBytes'],
  loadWebLibrary: RuntimeBridge['loadWebLibrary'],
  deliver: RuntimeBridge['deliver'] = () => {},
): RuntimeApi {
  // isolated-vm reads these options inside the host call: without a prototype, no getter a plugin
  // put on Object.prototype can run there (and look at the call's stack frames).
  const settle = freeze(assign(create(null), { result: freeze(assign(create(null), { promise: true, copy: true })) })) as {
    readonly result: { readonly promise: true; readonly copy: true };
  };
  const http: RuntimeBridge['http'] = (requestJson, invocationId) => httpRef.apply(undefined, [requestJson, invocationId], settle) as Promise<string>;
  const sleep: RuntimeBridge['sleep'] = (ms) => sleepRef.apply(undefined, [ms], settle).then(() => undefined);
  const limits = readLimits(limitsJson);
  // One budget for every logger of this isolate, the timers' error reports included.
  const budget = new LogBudget(limits.logLinesPerSecond, limits.logBurst);
  const newLogger = (invocationId: string | null): BridgeLogger => new BridgeLogger(log, invocationId, stringify, budget, limits.maxLogFieldDepth);
  const global = globalThis as unknown as Record<string, unknown>;
  boundOffHeapMemory(global, limits.maxResizableBufferBytes);
  const timerLog = newLogger(null);
  const report = (e: unknown): void => timerLog.error('uncaught error in a timer callback', { error: toErrorInfo(e) });
  installTimers(global, sleep, report, limits.maxPendingTimers);
  global.console = makeConsole(newLogger(null));
  // Invocations in flight, oldest first: a global `fetch` cannot tell which one called it (the isolate
  // has no async context), so it is attributed to the most recent (see docs/plugin-authors.md).
  const running: string[] = [];
  installWebGlobals(global, {
    http,
    randomBytes: (n) => randomBytes(n),
    loadLibrary: () => loadWebLibrary(),
    report: (e) => timerLog.error('uncaught error in a web API callback', { error: toErrorInfo(e) }),
    currentInvocation: () => running[running.length - 1] ?? null,
    stringify,
    parse,
  });

  const modules: Readonly<Record<string, unknown>> = freeze({ '@jobhook/sdk': sdk, tsyringe, 'reflect-metadata': {} });
  const requireForPlugin = (id: unknown): unknown => {
    const key = String(id);
    if (Object.prototype.hasOwnProperty.call(modules, key)) return modules[key];
    throw new RuntimeError(
      'MODULE_NOT_AVAILABLE',
      `the plugin bundle requires '${key}', which does not exist in the JobHook sandbox (no Node built-ins, no fs, no network): bundle the package into the plugin or remove the import`,
    );
  };

  let loaded: LoadedState | null = null;

  function registerServices(scope: typeof container, context: ReturnType<typeof createJobContext>, logger: Logger, options: LoadedState['options'], jobTypes: JobTypes | null): void {
    if (jobTypes !== null) scope.register(asInjectionToken(JobTypes), { useValue: jobTypes });
    scope.register(asInjectionToken(JobContext), { useValue: context as unknown as JobContext });
    scope.register(asInjectionToken(HttpClient), { useValue: context.client });
    scope.register(asInjectionToken(Logger), { useValue: logger });
    scope.register(asInjectionToken(PluginOptions), { useValue: options as PluginOptions });
  }

  function loadPlugin(factory: unknown, optionsJson: string, jobTypesJson?: string): string {
    try {
      if (loaded !== null) throw new RuntimeError('PLUGIN_ALREADY_LOADED', 'this isolate already holds a plugin');
      if (typeof factory !== 'function') throw new RuntimeError('PLUGIN_BUNDLE_INVALID', 'the plugin bundle did not evaluate to a module factory');
      const module = { exports: {} as unknown };
      try {
        (factory as (r: unknown, m: unknown, e: unknown) => void)(requireForPlugin, module, module.exports);
      } catch (e) {
        const info = toErrorInfo(e);
        throw new RuntimeError(info.code === 'MODULE_NOT_AVAILABLE' ? info.code : 'PLUGIN_BUNDLE_THREW', `evaluating the plugin bundle threw: ${info.message}`);
      }
      const registrations = handlerRegistrations();
      if (registrations.length === 0) {
        throw new RuntimeError('PLUGIN_NO_HANDLERS', "the bundle declares no handler: decorate a class with @jobCompleteHandler('<name from plugin.json>')");
      }
      const options = deepFreeze(parse(optionsJson) as Record<string, unknown>);
      const inForce: unknown = typeof jobTypesJson === 'string' ? parse(jobTypesJson) : null;
      const handlers = new Map<string, HandlerClass>();
      const jobTypesByHandler = new Map<string, JobTypes>();
      const declared: DeclaredHandler[] = [];
      for (const { name, target } of registrations) {
        if (handlers.has(name)) throw new RuntimeError('PLUGIN_DUPLICATE_HANDLER', `two classes are decorated @jobCompleteHandler('${name}')`);
        checkDecoratorMetadata(name, target);
        // Construct once at load: reads jobTypes and proves the dependency graph resolves before routing.
        const scope = container.createChildContainer();
        const client = new BridgeHttpClient(null, null);
        const types = jobTypesOf(inForce, name);
        if (types !== null) jobTypesByHandler.set(name, types);
        registerServices(scope, createLoadTimeContext(client), newLogger(null), options, types);
        let instance: JobCompleteHandler;
        try {
          instance = scope.resolve(target as unknown as new () => JobCompleteHandler);
        } catch (e) {
          throw explainResolveError(e, name, 'constructed at load');
        }
        // Left out, the handler runs for the job types in force; written, the host checks it agrees.
        const written: unknown = instance.jobTypes;
        const jobTypes = written === undefined || written === null ? types?.value : written;
        if (typeof jobTypes !== 'string') {
          throw new RuntimeError(
            'HANDLER_NO_JOB_TYPES',
            `handler '${name}' has ${written === undefined ? "no 'jobTypes' property and the host sent no job types for it" : "a 'jobTypes' property that is not a string"} (comma-separated job-type GUIDs; or leave it out and list them in plugin.json)`,
          );
        }
        if (typeof instance.runHandler !== 'function') {
          throw new RuntimeError('HANDLER_NO_RUN', `handler '${name}' has no runHandler(context) method`);
        }
        handlers.set(name, target);
        declared.push({ name, jobTypes });
      }
      loaded = { options, handlers, jobTypes: jobTypesByHandler };
      const value: LoadedPlugin = { handlers: declared };
      return stringify({ ok: true, value });
    } catch (e) {
      return stringify({ ok: false, error: toErrorInfo(e, 'PLUGIN_LOAD_FAILED') });
    }
  }

  /**
   * Ends an invocation's container: tsyringe calls `dispose()` on every instance that container
   * constructed (its transient, resolution- and container-scoped services and the handler itself;
   * values registered with `useValue` are the runtime's and are left alone). A service whose
   * `dispose()` fails does not change how the invocation ended: the failure goes to the plugin's log.
   */
  async function disposeScope(scope: DependencyContainer, logger: Logger): Promise<void> {
    try {
      if (!holdsDisposables(scope)) return;
      await scope.dispose();
    } catch (e) {
      logger.error("disposing the invocation's services failed", { error: toErrorInfo(e) });
    }
  }

  /**
   * Whether a container constructed anything with a `dispose()`. tsyringe keeps those in a Set; with
   * none (most handlers), its `dispose()` would run only its async machinery, which was half the
   * runtime's CPU per invocation (measured in the isolate with isolate.cpuTime). A tsyringe whose
   * container does not look so is always asked to dispose.
   */
  function holdsDisposables(scope: DependencyContainer): boolean {
    const disposables: unknown = (scope as { disposables?: unknown }).disposables;
    return !(disposables instanceof Set) || disposables.size > 0;
  }

  // Resolved once: the per-invocation path only looks them up.
  const jobContextToken = asInjectionToken(JobContext);
  const httpClientToken = asInjectionToken(HttpClient);
  const loggerToken = asInjectionToken(Logger);
  const optionsToken = asInjectionToken(PluginOptions);
  const jobTypesToken = asInjectionToken(JobTypes);

  async function runOne(handlerName: string, eventJson: string, invocationId: string, done: (envelope: string) => void): Promise<void> {
    let scope: DependencyContainer | undefined;
    let logger: Logger | undefined;
    let answer: string;
    try {
      const state = loaded;
      if (state === null) throw new RuntimeError('PLUGIN_NOT_LOADED', 'no plugin is loaded in this isolate');
      const target = state.handlers.get(handlerName);
      if (target === undefined) throw new RuntimeError('HANDLER_NOT_FOUND', `the plugin has no handler named '${handlerName}'`);
      const client = new BridgeHttpClient(http, invocationId);
      const context = createJobContext(parse(eventJson) as WireEvent, client);
      running.push(invocationId);
      scope = container.createChildContainer();
      logger = newLogger(invocationId);
      const jobTypes = state.jobTypes.get(handlerName);
      if (jobTypes !== undefined) scope.register(jobTypesToken, { useValue: jobTypes });
      scope.register(jobContextToken, { useValue: context as unknown as JobContext });
      scope.register(httpClientToken, { useValue: client });
      scope.register(loggerToken, { useValue: logger });
      scope.register(optionsToken, { useValue: state.options as PluginOptions });
      let handler: JobCompleteHandler;
      try {
        handler = scope.resolve(target as unknown as new () => JobCompleteHandler);
      } catch (e) {
        throw explainResolveError(e, handlerName, 'constructed');
      }
      let result: unknown = handler.runHandler(context);
      // A handler that answers synchronously needs no turn through a promise.
      if (typeof result !== 'boolean') result = await result;
      if (typeof result !== 'boolean') {
        const shown = result === null ? 'null' : typeof result;
        throw new RuntimeError('HANDLER_BAD_RESULT', `runHandler returned ${shown}; it must return a boolean (or a Promise of one)`);
      }
      answer = stringify({ ok: true, value: result });
    } catch (e) {
      answer = stringify({ ok: false, error: handlerErrorInfo(e) });
    }
    try {
      // Before answering, so what the services hold is released while the invocation still counts
      // against the plugin's concurrency, and what their dispose() logs carries this invocation.
      if (scope !== undefined && logger !== undefined) await disposeScope(scope, logger);
    } finally {
      const at = running.lastIndexOf(invocationId);
      if (at >= 0) running.splice(at, 1);
    }
    done(answer);
  }

  // Every invocation answers, even when encoding its answer threw (a plugin can make JSON.stringify
  // throw through a toJSON on a prototype): then with this fixed text, which needs no encoding.
  const UNANSWERABLE = '{"ok":false,"error":{"name":"RuntimeError","code":"RUNTIME_ANSWER_FAILED","message":"the runtime could not encode the invocation\'s answer"}}';
  const run: RunInvocation = async (handlerName, eventJson, invocationId, done) => {
    let answered = false;
    const once = (envelope: string): void => {
      answered = true;
      done(envelope);
    };
    try {
      await runOne(handlerName, eventJson, invocationId, once);
    } catch {
      if (!answered) done(UNANSWERABLE);
    }
  };

  /** Runs one handler on one event; answers its JSON envelope. */
  function invoke(handlerName: string, eventJson: string, invocationId: string): Promise<string> {
    return new Promise<string>((resolve) => run(handlerName, eventJson, invocationId, resolve));
  }

  const batches = new InvocationBatches(run, (answers) => {
    apply(deliver, undefined, answers);
  });

  /** Starts a batch of invocations (`[handler, eventJson, invocationId, key]` each, flattened). */
  function invokeBatch(batchId: string, ...items: string[]): Promise<string[]> {
    return batches.start(batchId, items);
  }

  function recover(batchId: string): string[] {
    return batches.recover(String(batchId));
  }

  return freeze({ loadPlugin, invoke, invokeBatch, recover });
}
