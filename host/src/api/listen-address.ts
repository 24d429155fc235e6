import { isIP } from 'node:net';
import { ConfigError } from '../errors.js';

/** Where the HTTP API listens. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** Parses `host:port` or `[ipv6]:port` (config `listen`, `--listen`). */
export function parseListen(listen: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(listen.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) {
    throw new ConfigError('CONFIG_LISTEN_INVALID', `listen address '${listen}' is not HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080)`);
  }
  return { host: (m[1] ?? m[2])!, port };
}

/** Whether only this machine can reach `host` (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return isIP(h.slice(7)) === 4 && h.slice(7).startsWith('127.');
  return false;
}

/**
 * Refuses to expose an unauthenticated API beyond this machine: a non-loopback address needs a token
 * (JOBHOOK_TOKEN / JOBHOOK_TOKEN_FILE / apiToken), or an explicit `--insecure`.
 */
export function assertSafeListen(address: ListenAddress, token: string | null, insecure: boolean): void {
  if (token !== null || insecure || isLoopback(address.host)) return;
  throw new ConfigError(
    'SERVE_INSECURE_LISTEN',
    `refusing to listen on ${address.host}:${address.port} without an API token: anyone who can reach it could post events and disable plugins. Set JOBHOOK_TOKEN (or JOBHOOK_TOKEN_FILE), listen on 127.0.0.1, or pass --insecure if a proxy in front authenticates`,
  );
}
