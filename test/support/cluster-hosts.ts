// Several `jobhook serve` processes on one PostgreSQL database, each with its own plugins and data
// folders, and a client that posts events round-robin to them, failing over like a load balancer.
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { parsePgConnection } from '../../host/dist/store/postgres/pg-connection.js';
import type { PostgresServer } from './postgres-server.js';
import { spawnServe, repoRoot, type ServeChild } from './service-harness.js';

export const RECORDER_FIXTURE = path.join(repoRoot, 'test/fixtures/plugins/cluster-run-recorder');
export const RECORDER_JOB_TYPE = 'c1a57e12-6b0d-4f3e-9a21-5d7e8f9a0b1c';

/** One serve process of the cluster. */
export interface ClusterHost {
  readonly name: string;
  readonly pluginsDir: string;
  readonly dataDir: string;
  readonly serve: ServeChild;
}

/** Starts `serve` on `storeUrl` with folders under `root/<name>`; plugin folders in `plugins` are copied in. */
export async function startClusterHost(
  root: string,
  name: string,
  storeUrl: string,
  server: PostgresServer,
  options: { readonly plugins?: readonly string[]; readonly platformUrl?: string; readonly leaseMs?: number; readonly env?: Record<string, string> } = {},
): Promise<ClusterHost> {
  const pluginsDir = path.join(root, name, 'plugins');
  const dataDir = path.join(root, name, 'data');
  await mkdir(pluginsDir, { recursive: true });
  for (const p of options.plugins ?? []) await cp(p, path.join(pluginsDir, path.basename(p)), { recursive: true });
  const configFile = path.join(root, name, 'jobhook.config.json');
  await writeFile(configFile, JSON.stringify({ store: { leaseMs: options.leaseMs ?? 3000, hostId: name } }));
  const serve = await spawnServe(
    ['--plugins', pluginsDir, '--data-dir', dataDir, '--store', storeUrl, '--config', configFile, ...(options.platformUrl ? ['--platform-url', options.platformUrl] : [])],
    { JOBHOOK_STORE_PASSWORD: server.password, JOBHOOK_SANDBOX_MODE: 'in-process', ...options.env },
  );
  return { name, pluginsDir, dataDir, serve };
}

/** Runs one query on `url` with its own connection. */
export async function pgQuery<T extends pg.QueryResultRow>(url: string, server: PostgresServer, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client(parsePgConnection(url, server.password, 1).pool);
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Posts `event` to the host `first` points at; on a network error or a 503 it tries the next host,
 * with the same Idempotency-Key, so an event accepted just before a host died is not stored twice.
 * Resolves with the event id once a host answered 202 (or 200 for a repeated key), or null.
 */
export async function postWithFailover(urls: () => readonly string[], first: number, event: Record<string, unknown>, key: string): Promise<string | null> {
  for (let attempt = 0; attempt < 6; attempt++) {
    const list = urls();
    if (list.length === 0) return null;
    const url = list[(first + attempt) % list.length]!;
    try {
      const res = await fetch(`${url}/v1/job-completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(event) });
      const body = (await res.json()) as { id?: string };
      if ((res.status === 202 || res.status === 200) && body.id) return body.id;
    } catch {
      // The host is gone (killed or stopping): the next one takes the event.
    }
  }
  return null;
}
