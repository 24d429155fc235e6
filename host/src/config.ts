import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ConfigError } from './errors.js';
import { toProblems } from './plugins/package/manifest-schema.js';
import type { PluginLimits } from './plugins/package/plugin-manifest.js';
import { DEFAULT_PLUGIN_MEMORY_MB, DEFAULT_SANDBOX_LIMITS, type SandboxLimits } from './sandbox/sandbox-limits.js';
import { DEFAULT_TRUST, type TrustConfig } from './plugins/trust/trust-store.js';

/** How the host authenticates to the platform API. Never sent into an isolate. */
export type PlatformAuth =
  | { readonly type: 'none' }
  | { readonly type: 'bearer'; readonly token: string }
  | { readonly type: 'basic'; readonly username: string; readonly password: string; readonly domain?: string }
  | { readonly type: 'header'; readonly name: string; readonly value: string }
  | OAuthClientCredentialsAuth;

/** OAuth 2 client credentials, as Command deployments behind an identity provider use them. */
export interface OAuthClientCredentialsAuth {
  readonly type: 'oauth';
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Default `openid`. */
  readonly scope?: string;
  readonly audience?: string;
  /** How the client authenticates to the token endpoint: form fields (default) or a Basic header. */
  readonly clientAuth?: 'body' | 'basic';
}

/**
 * A secret in host configuration: `env:NAME` (read from the environment), `file:/path` (read from a
 * file, trimmed), anything else is the value itself. Read when a plugin version loads, so a rotated
 * file is picked up by the next reload.
 */
export type SecretRef = string;

/** Credentials the host attaches to one plugin's requests for one origin; the plugin never sees them. */
export type OriginCredentialConfig = { readonly origin: string } & (
  | { readonly bearer: SecretRef }
  | { readonly basic: { readonly username: string; readonly password: SecretRef } }
  | { readonly header: { readonly name: string; readonly value: SecretRef } }
);

/** An admin's change to a plugin's `permissions.http`, without touching its package. */
export interface PermissionOverrides {
  /** Rules added after the manifest's. */
  readonly grant?: ReadonlyArray<{ readonly url: string; readonly methods: readonly string[] }>;
  /** Manifest rules removed: by their exact `url`, all methods or only those listed. */
  readonly revoke?: ReadonlyArray<{ readonly url: string; readonly methods?: readonly string[] }>;
}

/** Limits of the platform HTTP client plugins use; one set per host. */
export interface EgressLimits {
  /** Largest request body a plugin may send, in bytes. */
  readonly maxRequestBytes: number;
  /** Largest response body read for a plugin, in bytes; past it the download is aborted. */
  readonly maxResponseBytes: number;
  /** Timeout of a request that sets none (ky's default); every request is also capped by its invocation's deadline. */
  readonly defaultTimeoutMs: number;
  /** Requests one plugin version has in flight at once; more wait (within their timeout). */
  readonly maxConcurrentPerPlugin: number;
  /** Requests that may wait for a slot per plugin version; past it a request fails at once. */
  readonly maxQueuedPerPlugin: number;
  /** Redirects followed per request (each one checked against the plugin's permissions). */
  readonly maxRedirects: number;
}

/**
 * The job-history poller (`platform.poll`): reads finished jobs from the platform API, so nothing
 * needs installing on the platform server.
 */
export interface PollConfig {
  readonly enabled: boolean;
  /** Pause between polls once caught up, in ms. */
  readonly intervalMs: number;
  /** Rows asked for per page. */
  readonly pageSize: number;
  /**
   * Where a store without a cursor starts: `now` (jobs that start from now on), an ISO time (jobs
   * that started at or after it), or a JobHistoryId (rows after it; 0 reads the whole history).
   */
  readonly since: string | number;
  /** Timeout of one platform API request, in ms. */
  readonly requestTimeoutMs: number;
  /** Longest pause between tries while the platform fails, in ms. */
  readonly maxBackoffMs: number;
  /** Polls a finished row that cannot be mapped (unknown agent or job type) is held before it is skipped. */
  readonly unmappedAttempts: number;
  /**
   * The Command server's time zone, in which it writes zone-less times (OperationStart/End):
   * `UTC` or a fixed offset such as `+02:00`. Default `UTC`.
   */
  readonly timeZone: PollTimeZone;
}

/** `platform.poll.timeZone`: `UTC` or a fixed offset `±HH:MM`. */
export type PollTimeZone = 'UTC' | `${'+' | '-'}${string}`;

/** Admin overrides for one plugin. */
export interface PluginOverrides {
  readonly options?: Readonly<Record<string, unknown>>;
  readonly limits?: Partial<PluginLimits>;
  /** Per handler name: the job types in force, replacing the manifest's list. */
  readonly handlers?: Readonly<Record<string, { readonly jobTypes: readonly string[] }>>;
  readonly credentials?: readonly OriginCredentialConfig[];
  readonly permissions?: PermissionOverrides;
}

/** The host's configuration: defaults ← jobhook.config.json ← environment ← flags, validated. */
export interface HostConfig {
  readonly pluginsDir: string;
  readonly listen: string;
  readonly dataDir: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly platform: { readonly url: string | null; readonly auth: PlatformAuth; readonly poll: PollConfig };
  readonly egress: EgressLimits;
  /** Defaults for what a manifest leaves out, and the maxima a manifest cannot exceed. */
  readonly limits: { readonly defaults: PluginLimits; readonly max: PluginLimits; readonly queueDepth: number };
  readonly plugins: Readonly<Record<string, PluginOverrides>>;
  /** Bearer token required by the host's own HTTP API, or null. */
  readonly apiToken: string | null;
  /** Where plugin isolates run, and the bounds every sandbox applies. */
  readonly sandbox: SandboxConfig;
  /** Size caps of plugin packages, checked before a file is read. */
  readonly packages: { readonly maxManifestBytes: number; readonly maxBundleBytes: number };
  /** Package signing keys and what to do with unsigned packages. */
  readonly trust: TrustConfig;
  /** Limits of the host's own HTTP API. */
  readonly api: {
    /** A request (headers and body) not fully received this long after it began gets 408 and its connection closed. */
    readonly requestTimeoutMs: number;
  };
  /** Where events are kept: SQLite in `dataDir` (url null), or a PostgreSQL server several hosts share. */
  readonly store: StoreConfig;
}

/** The event store's settings. The password never appears in logs or errors. */
export interface StoreConfig {
  /** `postgres://user@host:5432/db[?sslmode=require]`; null: the embedded SQLite store in `dataDir`. */
  readonly url: string | null;
  /** Overrides a password in `url` (from JOBHOOK_STORE_PASSWORD or JOBHOOK_STORE_PASSWORD_FILE). */
  readonly password: string | null;
  /** Connections in this host's PostgreSQL pool. */
  readonly poolSize: number;
  /** How long a claimed event stays this host's without a renewal; a dead host's events are reclaimed after it. */
  readonly leaseMs: number;
  /** This host's id in the cluster; null: `<hostname>-<pid>-<random>`, new at every start. */
  readonly hostId: string | null;
}

/**
 * `process` (default): isolates run in supervised worker processes; `in-process`: in the host's own
 * process (tests, tools). The numbers after `processMemoryMb` bound every plugin alike.
 */
export type SandboxConfig = {
  readonly mode: 'process' | 'in-process';
  /** Size of the shared pool of sandbox processes; 0: one per CPU. */
  readonly processes: number;
  /** Plugin ids that each run alone in a dedicated process. */
  readonly dedicated: readonly string[];
  readonly heartbeatIntervalMs: number;
  /** A process silent this long is killed and replaced. */
  readonly heartbeatTimeoutMs: number;
  /** Resident memory of one process above which its largest isolate is disposed. */
  readonly processMemoryMb: number;
  /**
   * Memory the kernel lets one sandbox process commit (RLIMIT_DATA where available); past it the
   * process's allocations fail and it is replaced. 0: no kernel limit.
   */
  readonly processHardMemoryMb: number;
  // A mapped copy (not the interface itself), so that a partial `sandbox` block type-checks as input.
} & { readonly [K in keyof SandboxLimits]: SandboxLimits[K] };

/** A deep-partial HostConfig, the shape of the config file and of `createHost`'s argument. */
export type HostConfigInput = {
  [K in keyof HostConfig]?: HostConfig[K] extends Readonly<Record<string, unknown>> ? Partial<HostConfig[K]> & Record<string, unknown> : HostConfig[K];
};

/** The embedded defaults: example plugins folder, loopback, no platform. */
export const DEFAULT_CONFIG: HostConfig = {
  pluginsDir: './plugins',
  listen: '127.0.0.1:8080',
  dataDir: './.jobhook',
  logLevel: 'info',
  platform: {
    url: null,
    auth: { type: 'none' },
    poll: { enabled: false, intervalMs: 10_000, pageSize: 200, since: 'now', requestTimeoutMs: 15_000, maxBackoffMs: 300_000, unmappedAttempts: 5, timeZone: 'UTC' },
  },
  egress: {
    maxRequestBytes: 1024 * 1024,
    maxResponseBytes: 10 * 1024 * 1024,
    defaultTimeoutMs: 10_000,
    maxConcurrentPerPlugin: 8,
    maxQueuedPerPlugin: 256,
    maxRedirects: 5,
  },
  limits: {
    defaults: { memoryMb: DEFAULT_PLUGIN_MEMORY_MB, timeoutMs: 30_000, concurrency: 4 },
    max: { memoryMb: 512, timeoutMs: 300_000, concurrency: 64 },
    queueDepth: 256,
  },
  plugins: {},
  apiToken: null,
  sandbox: {
    mode: 'process',
    processes: 0,
    dedicated: [],
    heartbeatIntervalMs: 1000,
    heartbeatTimeoutMs: 3000,
    processMemoryMb: 2048,
    processHardMemoryMb: 4096,
    ...DEFAULT_SANDBOX_LIMITS,
  },
  packages: { maxManifestBytes: 256 * 1024, maxBundleBytes: 16 * 1024 * 1024 },
  trust: DEFAULT_TRUST,
  api: { requestTimeoutMs: 30_000 },
  store: { url: null, password: null, poolSize: 10, leaseMs: 30_000, hostId: null },
};

const limitsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    memoryMb: { type: 'integer', minimum: 8 },
    timeoutMs: { type: 'integer', minimum: 1 },
    concurrency: { type: 'integer', minimum: 1 },
  },
};

const guidSchema = { type: 'string', pattern: '^\\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\}?$' };
const methodsSchema = { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] } };
const grantRuleSchema = { type: 'object', additionalProperties: false, required: ['url', 'methods'], properties: { url: { type: 'string', minLength: 1 }, methods: methodsSchema } };
const secretSchema = { type: 'string', minLength: 1 };
const credentialSchema = {
  type: 'object',
  required: ['origin'],
  properties: { origin: { type: 'string', pattern: '^https?://[^/?#@\\s]+$' } },
  oneOf: [
    { required: ['bearer'], properties: { origin: true, bearer: secretSchema }, additionalProperties: false },
    {
      required: ['basic'],
      properties: {
        origin: true,
        basic: { type: 'object', additionalProperties: false, required: ['username', 'password'], properties: { username: { type: 'string', minLength: 1 }, password: secretSchema } },
      },
      additionalProperties: false,
    },
    {
      required: ['header'],
      properties: {
        origin: true,
        header: { type: 'object', additionalProperties: false, required: ['name', 'value'], properties: { name: { type: 'string', pattern: '^[!#$%&\'*+.^_`|~0-9A-Za-z-]+$' }, value: secretSchema } },
      },
      additionalProperties: false,
    },
  ],
};

const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['pluginsDir', 'listen', 'dataDir', 'logLevel', 'platform', 'limits', 'plugins'],
  properties: {
    $schema: { type: 'string' },
    pluginsDir: { type: 'string', minLength: 1 },
    listen: { type: 'string', pattern: '^(\\[[0-9a-fA-F:.]+\\]|[^:\\s]+):\\d{1,5}$' },
    dataDir: { type: 'string', minLength: 1 },
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    platform: {
      type: 'object',
      additionalProperties: false,
      properties: {
        url: { type: ['string', 'null'], pattern: '^https?://' },
        auth: {
          oneOf: [
            { type: 'object', additionalProperties: false, required: ['type'], properties: { type: { const: 'none' } } },
            { type: 'object', additionalProperties: false, required: ['type', 'token'], properties: { type: { const: 'bearer' }, token: { type: 'string', minLength: 1 } } },
            {
              type: 'object',
              additionalProperties: false,
              required: ['type', 'username', 'password'],
              properties: { type: { const: 'basic' }, username: { type: 'string' }, password: { type: 'string' }, domain: { type: 'string', pattern: '^[^\\\\:]+$' } },
            },
            {
              type: 'object',
              additionalProperties: false,
              required: ['type', 'tokenUrl', 'clientId', 'clientSecret'],
              properties: {
                type: { const: 'oauth' },
                tokenUrl: { type: 'string', pattern: '^https?://' },
                clientId: { type: 'string', minLength: 1 },
                clientSecret: { type: 'string', minLength: 1 },
                scope: { type: 'string' },
                audience: { type: 'string' },
                clientAuth: { enum: ['body', 'basic'] },
              },
            },
            {
              type: 'object',
              additionalProperties: false,
              required: ['type', 'name', 'value'],
              properties: { type: { const: 'header' }, name: { type: 'string', minLength: 1 }, value: { type: 'string' } },
            },
          ],
        },
        poll: {
          type: 'object',
          additionalProperties: false,
          properties: {
            enabled: { type: 'boolean' },
            intervalMs: { type: 'integer', minimum: 10 },
            pageSize: { type: 'integer', minimum: 1, maximum: 5000 },
            since: {
              oneOf: [
                { const: 'now' },
                { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}(T[0-9:.]+(Z|[+-]\\d{2}:?\\d{2})?)?$' },
                { type: 'integer', minimum: 0 },
              ],
            },
            requestTimeoutMs: { type: 'integer', minimum: 1 },
            maxBackoffMs: { type: 'integer', minimum: 10 },
            unmappedAttempts: { type: 'integer', minimum: 1 },
            timeZone: { type: 'string', pattern: '^(UTC|[+-](0\\d|1[0-4]):?[0-5]\\d)$' },
          },
        },
      },
    },
    egress: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxRequestBytes: { type: 'integer', minimum: 0 },
        maxResponseBytes: { type: 'integer', minimum: 0 },
        defaultTimeoutMs: { type: 'integer', minimum: 1 },
        maxConcurrentPerPlugin: { type: 'integer', minimum: 1 },
        maxQueuedPerPlugin: { type: 'integer', minimum: 0 },
        maxRedirects: { type: 'integer', minimum: 0, maximum: 20 },
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: { defaults: limitsSchema, max: limitsSchema, queueDepth: { type: 'integer', minimum: 0 } },
    },
    plugins: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          options: { type: 'object' },
          limits: limitsSchema,
          handlers: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              additionalProperties: false,
              required: ['jobTypes'],
              properties: { jobTypes: { type: 'array', minItems: 1, uniqueItems: true, items: guidSchema } },
            },
          },
          credentials: { type: 'array', items: credentialSchema },
          permissions: {
            type: 'object',
            additionalProperties: false,
            properties: {
              grant: { type: 'array', items: grantRuleSchema },
              revoke: {
                type: 'array',
                items: { type: 'object', additionalProperties: false, required: ['url'], properties: { url: { type: 'string', minLength: 1 }, methods: methodsSchema } },
              },
            },
          },
        },
      },
    },
    apiToken: { type: ['string', 'null'] },
    sandbox: {
      type: 'object',
      additionalProperties: false,
      properties: {
        mode: { enum: ['process', 'in-process'] },
        processes: { type: 'integer', minimum: 0, maximum: 256 },
        dedicated: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
        heartbeatIntervalMs: { type: 'integer', minimum: 10 },
        heartbeatTimeoutMs: { type: 'integer', minimum: 50 },
        processMemoryMb: { type: 'integer', minimum: 64 },
        maxPendingTimers: { type: 'integer', minimum: 1 },
        unresponsiveAfterMs: { type: 'integer', minimum: 10 },
        cpuTimeMs: { type: 'integer', minimum: 1 },
        backgroundCpuPercent: { type: 'number', exclusiveMinimum: 0, maximum: 100 },
        logLinesPerSecond: { type: 'number', exclusiveMinimum: 0 },
        logBurst: { type: 'integer', minimum: 1 },
        maxResultBytes: { type: 'integer', minimum: 1024 },
        maxBridgeBytes: { type: 'integer', minimum: 1024 },
        logBytesPerSecond: { type: 'number', exclusiveMinimum: 0 },
        logBytesBurst: { type: 'integer', minimum: 1024 },
        maxBridgeMessageBytes: { type: 'integer', minimum: 65536 },
        maxLogFieldDepth: { type: 'integer', minimum: 1, maximum: 64 },
        maxResizableBufferBytes: { type: 'integer', minimum: 0 },
        processHardMemoryMb: { type: 'integer', minimum: 0 },
      },
    },
    packages: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxManifestBytes: { type: 'integer', minimum: 1024, maximum: 16 * 1024 * 1024 },
        maxBundleBytes: { type: 'integer', minimum: 1024, maximum: 256 * 1024 * 1024 },
      },
    },
    trust: {
      type: 'object',
      additionalProperties: false,
      properties: {
        keys: { type: 'object', additionalProperties: { type: 'string', minLength: 1 }, propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' } },
        revoked: { type: 'array', items: { type: 'string', minLength: 1 } },
        unsigned: { enum: ['allow', 'warn', 'refuse'] },
      },
    },
    api: {
      type: 'object',
      additionalProperties: false,
      properties: { requestTimeoutMs: { type: 'integer', minimum: 100, maximum: 3_600_000 } },
    },
    store: {
      type: 'object',
      additionalProperties: false,
      properties: {
        url: { type: ['string', 'null'], pattern: '^postgres(ql)?://' },
        password: { type: ['string', 'null'] },
        poolSize: { type: 'integer', minimum: 2, maximum: 200 },
        leaseMs: { type: 'integer', minimum: 500 },
        hostId: { type: ['string', 'null'], pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$' },
      },
    },
  },
};

const validateConfig = new Ajv2020({ allErrors: true, strict: false }).compile(CONFIG_SCHEMA);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Merges `over` into `base`: objects key by key, everything else replaced. */
export function mergeDeep<T>(base: T, over: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v !== undefined) out[k] = isPlainObject(out[k]) && isPlainObject(v) ? mergeDeep(out[k], v) : v;
  }
  return out as T;
}

function readSecretFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new ConfigError('CONFIG_SECRET_FILE', `${what} file '${file}' could not be read: ${(e as Error).message}`, undefined, { cause: e });
  }
}

/** `platform.auth` of type oauth from JOBHOOK_PLATFORM_OAUTH_* (the secret inline or from a file). */
function oauthFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const secretFile = env.JOBHOOK_PLATFORM_OAUTH_CLIENT_SECRET_FILE;
  const clientSecret = env.JOBHOOK_PLATFORM_OAUTH_CLIENT_SECRET ?? (secretFile ? readSecretFile(secretFile, 'JOBHOOK_PLATFORM_OAUTH_CLIENT_SECRET_FILE') : undefined);
  const auth: Record<string, unknown> = { type: 'oauth', tokenUrl: env.JOBHOOK_PLATFORM_OAUTH_TOKEN_URL, clientId: env.JOBHOOK_PLATFORM_OAUTH_CLIENT_ID, clientSecret };
  if (env.JOBHOOK_PLATFORM_OAUTH_SCOPE !== undefined) auth.scope = env.JOBHOOK_PLATFORM_OAUTH_SCOPE;
  if (env.JOBHOOK_PLATFORM_OAUTH_AUDIENCE) auth.audience = env.JOBHOOK_PLATFORM_OAUTH_AUDIENCE;
  if (env.JOBHOOK_PLATFORM_OAUTH_CLIENT_AUTH) auth.clientAuth = env.JOBHOOK_PLATFORM_OAUTH_CLIENT_AUTH;
  return auth;
}

/** The part of the configuration the environment sets (`JOBHOOK_*` names). */
export function configFromEnv(env: NodeJS.ProcessEnv): HostConfigInput {
  const out: Record<string, unknown> = {};
  const platform: Record<string, unknown> = {};
  if (env.JOBHOOK_PLUGINS_DIR) out.pluginsDir = env.JOBHOOK_PLUGINS_DIR;
  if (env.JOBHOOK_LISTEN) out.listen = env.JOBHOOK_LISTEN;
  if (env.JOBHOOK_DATA_DIR) out.dataDir = env.JOBHOOK_DATA_DIR;
  if (env.JOBHOOK_LOG_LEVEL) out.logLevel = env.JOBHOOK_LOG_LEVEL;
  if (env.JOBHOOK_PLATFORM_URL) platform.url = env.JOBHOOK_PLATFORM_URL;
  if (env.JOBHOOK_POLL) platform.poll = { enabled: /^(1|true|yes|on)$/i.test(env.JOBHOOK_POLL) };
  const token = env.JOBHOOK_PLATFORM_TOKEN ?? (env.JOBHOOK_PLATFORM_TOKEN_FILE ? readSecretFile(env.JOBHOOK_PLATFORM_TOKEN_FILE, 'JOBHOOK_PLATFORM_TOKEN_FILE') : undefined);
  if (token) platform.auth = { type: 'bearer', token };
  else if (env.JOBHOOK_PLATFORM_OAUTH_TOKEN_URL) platform.auth = oauthFromEnv(env);
  else if (env.JOBHOOK_PLATFORM_USER) {
    const password = env.JOBHOOK_PLATFORM_PASSWORD ?? (env.JOBHOOK_PLATFORM_PASSWORD_FILE ? readSecretFile(env.JOBHOOK_PLATFORM_PASSWORD_FILE, 'JOBHOOK_PLATFORM_PASSWORD_FILE') : '');
    platform.auth = { type: 'basic', username: env.JOBHOOK_PLATFORM_USER, password, ...(env.JOBHOOK_PLATFORM_DOMAIN ? { domain: env.JOBHOOK_PLATFORM_DOMAIN } : {}) };
  }
  if (Object.keys(platform).length > 0) out.platform = platform;
  const apiToken = env.JOBHOOK_TOKEN ?? (env.JOBHOOK_TOKEN_FILE ? readSecretFile(env.JOBHOOK_TOKEN_FILE, 'JOBHOOK_TOKEN_FILE') : undefined);
  if (apiToken) out.apiToken = apiToken;
  if (env.JOBHOOK_SANDBOX_MODE) out.sandbox = { mode: env.JOBHOOK_SANDBOX_MODE };
  const store: Record<string, unknown> = {};
  if (env.JOBHOOK_STORE_URL) store.url = env.JOBHOOK_STORE_URL;
  const storePassword = env.JOBHOOK_STORE_PASSWORD ?? (env.JOBHOOK_STORE_PASSWORD_FILE ? readSecretFile(env.JOBHOOK_STORE_PASSWORD_FILE, 'JOBHOOK_STORE_PASSWORD_FILE') : undefined);
  if (storePassword) store.password = storePassword;
  if (Object.keys(store).length > 0) out.store = store;
  return out as HostConfigInput;
}

/** Reads a config file; `required` makes a missing file an error (an explicit --config). */
export function configFromFile(file: string, required: boolean): HostConfigInput {
  if (!existsSync(file)) {
    if (required) throw new ConfigError('CONFIG_FILE_MISSING', `config file '${file}' does not exist`);
    return {};
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as HostConfigInput;
  } catch (e) {
    throw new ConfigError('CONFIG_FILE_INVALID', `config file '${file}' is not valid JSON: ${(e as Error).message}`, undefined, { cause: e });
  }
}

/** Merges the layers over the defaults and validates the result; paths stay as given. */
export function resolveConfig(...layers: HostConfigInput[]): HostConfig {
  let merged = layers.reduce<HostConfig>((acc, layer) => mergeDeep(acc, layer), DEFAULT_CONFIG);
  // An auth method is one choice, not fields to blend: the last layer that names one wins whole.
  const lastAuth = layers.map((l) => (l.platform as { auth?: PlatformAuth } | undefined)?.auth).filter((a) => a !== undefined).pop();
  if (lastAuth) merged = { ...merged, platform: { ...merged.platform, auth: lastAuth } };
  if (!validateConfig(merged)) {
    const problems = toProblems(validateConfig.errors);
    throw new ConfigError('CONFIG_INVALID', `invalid host configuration: ${problems.map((p) => `${p.pointer}: ${p.message}`).join('; ')}`);
  }
  if (merged.platform.poll.enabled && !merged.platform.url) {
    throw new ConfigError('CONFIG_INVALID', 'invalid host configuration: /platform/poll/enabled: polling the job history needs the platform API URL (platform.url, --platform-url or JOBHOOK_PLATFORM_URL)');
  }
  return merged;
}

/** Where `jobhook.config.json` is looked for when no --config is given. */
export function defaultConfigFile(cwd: string = process.cwd()): string {
  return path.join(cwd, 'jobhook.config.json');
}
