// The cost of the egress proxy: the same GET against the same local server, made (a) with ky directly
// from the host process — the floor — and (b) by a handler inside an isolate through the proxy
// (bridge → policy → credentials hook → ky → limits → back), in both sandbox modes, in one run.
// Each request's latency is the time between consecutive arrivals at the server of a serial loop,
// measured the same way for both, so loop and parse costs count on both sides.
// Run: node --no-node-snapshot --import tsx bench/egress.ts [--quick] [--mode process|in-process]
// (`--mode` measures one sandbox mode only, beside the floor: for a profile of one path.)
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { openSync, closeSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import ky from 'ky';
import { Agent, request } from 'undici';
import { createHost, createHostLogger, type Host } from '@jobhook/host';
import { emitSummary, isQuick, row, type BenchRow } from './support/report.js';
import { median, summarize, type Summary } from './support/stats.js';
import { treeCpuMs } from './support/process-tree.js';

const quick = isQuick();
const PER_ROUND = quick ? 200 : 2000;
const WARMUP = quick ? 50 : 500;
const ROUNDS = quick ? 1 : 5;
const JOB_TYPE = 'e0000000-0000-4000-8000-000000000001';
const TOKEN = 'bench-token-0123456789';
const CERT = JSON.stringify({ Id: 42, Thumbprint: '6C3023D7635A464B9E0EC31AF5C1176C', IssuedCN: 'cert-42.example.com', Metadata: { Owner: 'pki-team' } });
const ALL_MODES = [
  { key: 'in-process', label: 'in-process isolates' },
  { key: 'process', label: 'process sandboxes' },
] as const;
const onlyMode = process.argv.includes('--mode') ? process.argv[process.argv.indexOf('--mode') + 1] : undefined;
const MODES = ALL_MODES.filter((m) => onlyMode === undefined || m.key === onlyMode);
if (MODES.length === 0) throw new Error(`--mode must be one of ${ALL_MODES.map((m) => m.key).join(', ')}`);

// The platform stand-in runs in its own process, as a real API does, so that neither side shares an
// event loop with it. It records the arrival time (ns) of every request and hands them over on ask.
const SERVER_SOURCE = `
const http = require('node:http');
const [cert, token] = [process.env.CERT, process.env.TOKEN];
let arrivals = [];
let connections = 0;
const server = http.createServer((req, res) => {
  arrivals.push(process.hrtime.bigint());
  if (req.headers.authorization !== 'Bearer ' + token) return void res.writeHead(401).end();
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(cert) }).end(cert);
});
server.on('connection', () => connections++);
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  if (m === 'reset') { arrivals = []; connections = 0; process.send({ reset: true }); }
  if (m === 'take') { const a = arrivals; arrivals = []; process.send({ deltasUs: a.slice(1).map((t, i) => Number(t - a[i]) / 1000), connections }); }
  if (m === 'stop') server.close(() => process.exit(0));
});
`;

/** The server process: one small JSON resource; measures the time between consecutive arrivals. */
class ArrivalServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}
  get pid(): number | undefined {
    return this.child.pid;
  }
  static async start(): Promise<ArrivalServer> {
    const child = spawn(process.execPath, ['-e', SERVER_SOURCE], { env: { ...process.env, CERT, TOKEN }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const { port } = await ArrivalServer.next<{ port: number }>(child);
    return new ArrivalServer(child, `http://127.0.0.1:${port}/KeyfactorAPI/`);
  }
  private static next<T>(child: ChildProcess): Promise<T> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`the bench server exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (m) => {
        child.off('exit', onExit);
        resolve(m as T);
      });
    });
  }
  /** Runs `loop` and returns the µs between consecutive arrivals it caused, and the connections it opened. */
  async measure(loop: () => Promise<void>): Promise<{ deltasUs: number[]; connections: number }> {
    this.child.send('reset');
    await ArrivalServer.next(this.child);
    await loop();
    this.child.send('take');
    return ArrivalServer.next<{ deltasUs: number[]; connections: number }>(this.child);
  }
  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send('stop');
    await exited;
  }
}

/** A plugin package whose handler makes `count` serial GETs (count from its options). */
async function writeBenchPlugin(root: string): Promise<void> {
  const dir = path.join(root, 'egress-bench');
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'plugin.json'),
    JSON.stringify({
      id: 'bench.egress',
      name: 'Egress bench',
      version: '1.0.0',
      engine: '^0.1.0',
      main: 'bundle.js',
      handlers: [{ name: 'Get', jobTypes: [JOB_TYPE] }],
      permissions: { http: [{ url: 'Certificates/*', methods: ['GET'] }] },
      limits: { timeoutMs: 300_000 },
      config: { count: 1 },
    }),
  );
  await writeFile(
    path.join(dir, 'bundle.js'),
    `'use strict';
const sdk = require('@jobhook/sdk');
class Get {
  constructor(options) { this.options = options; this.jobTypes = ${JSON.stringify(JOB_TYPE)}; }
  async runHandler(ctx) {
    for (let i = 0; i < this.options.count; i++) {
      const cert = await ctx.client.get('Certificates/42').json();
      if (cert.Id !== 42) return false;
    }
    return true;
  }
}
sdk.inject(sdk.PluginOptions)(Get, undefined, 0);
sdk.jobCompleteHandler('Get')(Get);
`,
  );
}

const event = {
  agentId: '7f1c2b9e-3d4a-4e5f-8a6b-1c2d3e4f5a6b',
  jobId: '5d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a',
  jobTypeId: JOB_TYPE,
  jobType: 'PEMManagement',
  jobResult: 2,
  operationType: 2,
  certificateId: 42,
  clientMachine: 'orch-01',
  username: null,
  requestTimestamp: null,
  currentRetryCount: 0,
};

async function main(): Promise<void> {
  const server = await ArrivalServer.start();
  const root = await mkdtemp(path.join(os.tmpdir(), 'jobhook-bench-egress-'));
  // Request log lines are part of the proxy's cost: written, at info, to /dev/null.
  const devNull = openSync('/dev/null', 'w');
  const hosts: Host[] = [];
  const pool = new Agent({ keepAliveTimeout: 10_000 });
  try {
    await writeBenchPlugin(root);
    const direct = ky.create({ prefixUrl: server.url, retry: 0, headers: { authorization: `Bearer ${TOKEN}`, 'x-keyfactor-requested-with': 'APIClient' } });
    const kyLoop = (n: number) => async (): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const cert = await direct.get('Certificates/42').json<{ Id: number }>();
        if (cert.Id !== 42) throw new Error('ky: unexpected body');
      }
    };
    // The transport alone (Node's fetch, keep-alive by default), beside ky: what ky itself costs.
    const fetchHeaders = { authorization: `Bearer ${TOKEN}`, 'x-keyfactor-requested-with': 'APIClient', accept: 'application/json' };
    const fetchLoop = (n: number) => async (): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const cert = (await (await fetch(`${server.url}Certificates/42`, { headers: fetchHeaders })).json()) as { Id: number };
        if (cert.Id !== 42) throw new Error('fetch: unexpected body');
      }
    };
    // The client the proxy itself sends with (undici's request over a keep-alive pool), called directly:
    // what is left when only the isolation (bridge, policy, credentials, limits, redaction) is taken away.
    const undiciLoop = (n: number) => async (): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const res = await request(`${server.url}Certificates/42`, { headers: fetchHeaders, dispatcher: pool });
        const cert = (await res.body.json()) as { Id: number };
        if (cert.Id !== 42) throw new Error('undici: unexpected body');
      }
    };
    const proxied = new Map<string, (n: number) => () => Promise<void>>();
    for (const mode of MODES) {
      const hostFor = async (count: number): Promise<Host> => {
        const host = await createHost({
          config: {
            pluginsDir: root,
            platform: { url: server.url, auth: { type: 'bearer', token: TOKEN } },
            sandbox: { mode: mode.key },
            plugins: { 'bench.egress': { options: { count } } },
          } as never,
          logger: createHostLogger({ level: 'info', destination: devNull }),
        });
        hosts.push(host);
        return host;
      };
      const warm = await hostFor(WARMUP);
      const measured = await hostFor(PER_ROUND);
      const run = (host: Host) => async (): Promise<void> => {
        const { outcomes } = await host.dispatch(event);
        if (outcomes[0]?.outcome !== 'succeeded') throw new Error(`proxied loop failed: ${JSON.stringify(outcomes)}`);
      };
      proxied.set(mode.key, (n) => run(n === WARMUP ? warm : measured));
    }

    // Latency per request (µs between arrivals), and this process's CPU per request (µs, all its
    // threads: the in-process isolates' too). CPU time does not depend on how busy the machine is,
    // so it shows the work the proxy adds even when wall-clock figures are inflated by contention.
    // Connections the server saw opened: whether each side keeps its connections to the platform alive.
    const latency = new Map<string, number[]>();
    const cpu = new Map<string, number[]>();
    const opened = new Map<string, number>();
    const sandboxCpu = new Map<string, number[]>();
    const sample = async (key: string, loop: () => Promise<void>, n: number): Promise<void> => {
      // The sandbox processes' CPU: this process's tree, less the server's and this process's own.
      const treeUs = (): number => (treeCpuMs(process.pid) - treeCpuMs(server.pid ?? -1)) * 1000;
      const before = process.cpuUsage();
      const treeBefore = treeUs();
      const { deltasUs: deltas, connections } = await server.measure(loop);
      const used = process.cpuUsage(before);
      const sandboxUs = treeUs() - treeBefore - (used.user + used.system);
      sandboxCpu.set(key, [...(sandboxCpu.get(key) ?? []), Math.max(0, sandboxUs) / n]);
      opened.set(key, (opened.get(key) ?? 0) + connections);
      latency.set(key, [...(latency.get(key) ?? []), ...deltas]);
      cpu.set(key, [...(cpu.get(key) ?? []), (used.user + used.system) / n]);
    };
    await server.measure(kyLoop(WARMUP));
    await server.measure(fetchLoop(WARMUP));
    await server.measure(undiciLoop(WARMUP));
    for (const mode of MODES) await server.measure(proxied.get(mode.key)!(WARMUP));
    // Rounds interleave floor and proxy, so a burst of load from elsewhere hits both alike.
    for (let r = 0; r < ROUNDS; r++) {
      await sample('ky', kyLoop(PER_ROUND), PER_ROUND);
      await sample('fetch', fetchLoop(PER_ROUND), PER_ROUND);
      await sample('undici', undiciLoop(PER_ROUND), PER_ROUND);
      for (const mode of MODES) await sample(mode.key, proxied.get(mode.key)!(PER_ROUND), PER_ROUND);
    }

    const kyL: Summary = summarize(latency.get('ky')!);
    const kyCpu = median(cpu.get('ky')!);
    const rows: BenchRow[] = [
      row('floor: ky GET from the host p50', kyL.p50, 'µs'),
      row('floor: ky GET from the host p99', kyL.p99, 'µs'),
      row('floor: ky GET, host CPU per request', kyCpu, 'µs'),
      row('floor: ky GET, platform connections opened per 1,000 requests', (opened.get('ky')! * 1000) / (ROUNDS * PER_ROUND), ''),
      row('transport alone: fetch GET from the host p50', summarize(latency.get('fetch')!).p50, 'µs', { label: 'ky direct p50', value: kyL.p50 }),
      row('transport alone: fetch GET, host CPU per request', median(cpu.get('fetch')!), 'µs', { label: 'ky direct CPU', value: kyCpu }),
      row("proxy's own client: undici request GET from the host p50", summarize(latency.get('undici')!).p50, 'µs', { label: 'ky direct p50', value: kyL.p50 }),
      row("proxy's own client: undici request GET, host CPU per request", median(cpu.get('undici')!), 'µs', { label: 'ky direct CPU', value: kyCpu }),
    ];
    for (const mode of MODES) {
      const l = summarize(latency.get(mode.key)!);
      const c = median(cpu.get(mode.key)!);
      rows.push(row(`proxied GET p50, ${mode.label}`, l.p50, 'µs', { label: 'ky direct p50', value: kyL.p50 }));
      rows.push(row(`proxied GET p99, ${mode.label}`, l.p99, 'µs', { label: 'ky direct p99', value: kyL.p99 }));
      rows.push(row(`added by the proxy p50, ${mode.label}`, l.p50 - kyL.p50, 'µs', null, { text: '≤ 250 µs', met: (v) => v <= 250 }));
      rows.push(row(`added by the proxy over bare fetch p50, ${mode.label}`, l.p50 - summarize(latency.get('fetch')!).p50, 'µs'));
      rows.push(row(`added by the isolation alone (over the proxy's own client) p50, ${mode.label}`, l.p50 - summarize(latency.get('undici')!).p50, 'µs'));
      const where = mode.key === 'in-process' ? 'host CPU per request (isolate included)' : 'host-process CPU per request (isolate elsewhere)';
      rows.push(row(`proxied GET, ${where}, ${mode.label}`, c, 'µs', { label: 'ky direct CPU', value: kyCpu }));
      if (mode.key === 'process') {
        rows.push(row(`proxied GET, sandbox-process CPU per request (isolate included), ${mode.label}`, median(sandboxCpu.get(mode.key)!), 'µs'));
      }
      rows.push(row(`proxied GET, platform connections opened per 1,000 requests, ${mode.label}`, (opened.get(mode.key)! * 1000) / (ROUNDS * PER_ROUND), ''));
    }
    emitSummary({ bench: 'egress', quick, rows });
  } finally {
    for (const h of hosts) await h.close();
    await pool.destroy();
    await server.close();
    closeSync(devNull);
    await rm(root, { recursive: true, force: true });
  }
}

await main();
