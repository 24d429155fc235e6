// A real service for HTTP tests: real plugins in a temp folder, a real host, the SQLite store in a
// temp data dir, and the Fastify API on 127.0.0.1 (port 0). Everything is torn down by close().
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHost, type Host, type HostConfigInput } from '@jobhook/host';
import { startService } from '../../host/dist/composition/start-service.js';
import type { Service, ServiceOptions } from '../../host/dist/composition/service-options.js';
import { ServiceMetrics } from '../../host/dist/api/metrics/service-metrics.js';
import type { EventStore } from '../../host/dist/store/event-store.js';
import { SqliteEventStore } from '../../host/dist/store/sqlite/sqlite-event-store.js';
import { ClusterNode } from '../../host/dist/cluster/cluster-node.js';
import { clusterRoutes } from '../../host/dist/api/routes/cluster-routes.js';
import { SqliteClusterStore } from '../../host/dist/store/sqlite/sqlite-cluster-store.js';
import { captureLogs, type LogCapture } from './log-capture.js';
import { waitFor } from './wait-for.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A running host + store + service. */
export interface TestService {
  readonly url: string;
  readonly host: Host;
  readonly store: EventStore;
  readonly service: Service;
  readonly logs: LogCapture;
  /** Service, then host, then store (the order `serve` uses). */
  close(): Promise<void>;
}

/** Starts a service over `pluginsDir` with its store in `dataDir` (reopened if it exists). */
export async function startTestService(
  pluginsDir: string,
  dataDir: string,
  extra: Partial<Omit<ServiceOptions, 'host' | 'store' | 'logger'>> & {
    store?: EventStore;
    hostConfig?: HostConfigInput;
    /** Mount the cluster routes (GET /v1/cluster, PUT/DELETE /v1/plugins/:id) over a SQLite cluster store in `dataDir`, as `serve` does. */
    cluster?: boolean;
  } = {},
): Promise<TestService> {
  const logs = captureLogs('info');
  const metrics = extra.metrics ?? new ServiceMetrics();
  const config = { ...extra.hostConfig, pluginsDir, dataDir, listen: '127.0.0.1:0' };
  const host = await createHost({ config, logger: logs.logger, onPluginChange: (c) => metrics.pluginChanged(c) });
  let store: EventStore;
  try {
    store = extra.store ?? SqliteEventStore.open(dataDir);
  } catch (e) {
    await host.close();
    throw e;
  }
  let service: Service;
  let node: ClusterNode | null = null;
  let clusterStore: SqliteClusterStore | null = null;
  try {
    const { hostConfig: _hostConfig, cluster, ...serviceOptions } = extra;
    if (cluster) {
      clusterStore = SqliteClusterStore.open(dataDir);
      node = new ClusterNode({
        cluster: clusterStore,
        store: 'sqlite',
        hostId: 'test-host',
        version: 'test',
        plugins: () => host.plugins(),
        pluginsDir,
        dataDir,
        heartbeatMs: 1000,
        logger: logs.logger,
      });
      await node.start();
    }
    const clusterOptions = node && clusterStore ? { extraRoutes: [clusterRoutes(node, clusterStore)], degraded: () => node!.degradedReason() } : {};
    service = await startService({ shutdownDeadlineMs: 2000, ...clusterOptions, ...serviceOptions, metrics, host, store, logger: logs.logger });
  } catch (e) {
    await node?.close();
    await clusterStore?.close();
    await host.close();
    await store.close();
    throw e;
  }
  return {
    url: service.url,
    host,
    store,
    service,
    logs,
    close: async () => {
      await node?.close();
      await service.close();
      await host.close();
      await store.close();
      await clusterStore?.close();
    },
  };
}

/** A JSON answer: status, headers and parsed body. */
export interface JsonAnswer<T = any> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/** One HTTP request; the body (if an object) is sent as JSON. */
export async function request<T = any>(url: string, init: { method?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {}): Promise<JsonAnswer<T>> {
  const headers: Record<string, string> = { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers };
  const res = await fetch(url, { method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'), headers, body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (e.g. /metrics): keep the text.
  }
  return { status: res.status, headers: res.headers, body: body as T };
}

/** Polls `GET /v1/job-completions/:id` until the event is done (or throws after `timeoutMs`). */
export async function waitDone(url: string, id: string, timeoutMs = 10_000, headers: Record<string, string> = {}): Promise<any> {
  let last: JsonAnswer | undefined;
  return waitFor(
    async () => {
      last = await request(`${url}/v1/job-completions/${id}`, { headers });
      return last.status === 200 && last.body.status === 'done' ? last.body : undefined;
    },
    { what: () => `event ${id} to be done, have ${JSON.stringify(last?.body)}`, timeoutMs, intervalMs: 25 },
  );
}

/** `jobhook serve` as a child process, with its JSON log lines and the URL it listens on. */
export interface ServeChild {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: Array<Record<string, unknown>>;
  readonly url: string;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

/** Spawns `node --no-node-snapshot host/dist/main.js serve …` and waits until its API listens. */
export async function spawnServe(args: string[], env: Record<string, string> = {}): Promise<ServeChild> {
  const child = spawn(process.execPath, ['--no-node-snapshot', path.join(repoRoot, 'host/dist/main.js'), 'serve', '--listen', '127.0.0.1:0', ...args], {
    cwd: repoRoot,
    env: { ...process.env, JOBHOOK_LOG_LEVEL: 'info', ...env },
  });
  const lines: Array<Record<string, unknown>> = [];
  let buffer = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.trim()) continue;
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        if (typeof parsed.url === 'string' && String(parsed.msg).startsWith('HTTP API listening')) resolve(parsed.url);
      }
    });
  });
  // Bounded here, so a serve that never listens is killed rather than left behind by a mocha timeout.
  let timer: NodeJS.Timeout | undefined;
  const tooLate = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not listen within 15 s: ${stderr}`));
    }, 15_000);
  });
  const url = await Promise.race([listening, tooLate, exited.then((code) => Promise.reject(new Error(`serve exited (${code}) before listening: ${stderr}`)))]).finally(() =>
    clearTimeout(timer),
  );
  return { child, lines, url, exited, stderr: () => stderr };
}
