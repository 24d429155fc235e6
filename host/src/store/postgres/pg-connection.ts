import type { PoolConfig } from 'pg';
import { StoreError } from '../store-error.js';

/** Where and how to connect, parsed from `store.url` and `store.password`. */
export interface PgConnection {
  /** The URL with any password replaced by `***`: safe for logs, errors and `/v1/cluster`. */
  readonly display: string;
  /** Node-postgres pool settings (holds the password: never log it). */
  readonly pool: PoolConfig;
  /** Removes the password from a message that might quote it (a driver error, a stack). */
  redact(text: string): string;
}

const SSL_MODES = new Set(['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']);

/** `postgres://user:pass@host/db` → `postgres://user:***@host/db` (also for unparseable input). */
export function redactStoreUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

/**
 * Parses a `postgres://` URL. Fields are passed to the pool one by one (not as `connectionString`),
 * so that a password from the environment is the one used, whatever the URL says.
 */
export function parsePgConnection(url: string, password: string | null, poolSize: number): PgConnection {
  const display = redactStoreUrl(url);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StoreError('STORE_URL_INVALID', `store.url '${display}' is not a URL; expected postgres://user@host:5432/database`);
  }
  if (!/^postgres(ql)?:$/.test(u.protocol)) throw new StoreError('STORE_URL_INVALID', `store.url '${display}' must start with postgres://`);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!u.hostname || !database) throw new StoreError('STORE_URL_INVALID', `store.url '${display}' needs a host and a database name (postgres://user@host:5432/database)`);
  const sslmode = u.searchParams.get('sslmode') ?? 'prefer';
  if (!SSL_MODES.has(sslmode)) throw new StoreError('STORE_URL_INVALID', `store.url '${display}': sslmode '${sslmode}' is not one of ${[...SSL_MODES].join(', ')}`);
  const secret = password ?? (u.password ? decodeURIComponent(u.password) : null);
  const ssl = sslmode === 'disable' || sslmode === 'prefer' ? undefined : { rejectUnauthorized: sslmode === 'verify-full' || sslmode === 'verify-ca' };
  const pool: PoolConfig = {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 5432,
    database,
    user: u.username ? decodeURIComponent(u.username) : undefined,
    ...(secret !== null ? { password: secret } : {}),
    ...(ssl ? { ssl } : {}),
    max: poolSize,
    application_name: u.searchParams.get('application_name') ?? 'jobhook',
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  };
  const redact = (text: string): string => {
    let out = text.split(url).join(display);
    if (secret) out = out.split(secret).join('***');
    return out;
  };
  return { display, pool, redact };
}
