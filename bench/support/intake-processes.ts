// The processes bench/intake runs beside the host: the load generators (autocannon's closed loop and
// quota, the paced open loop) and the bare servers that give the generator's own floor.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/** What a load generator measured (ms for latencies); `sent` and `lateStarts` only from the paced one. */
export interface LoadResult {
  readonly latency: { readonly p50: number; readonly p99: number };
  readonly sent?: { readonly p50: number; readonly p99: number };
  readonly requests: { readonly average: number; readonly total: number };
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly duration: number;
  readonly lateStarts?: number;
}

/** How to load a server: `rate` absent is autocannon's closed loop. */
export interface LoadOptions {
  readonly url: string;
  readonly bodies: readonly string[];
  readonly connections: number;
  readonly seconds: number;
  readonly rate?: number;
  /** autocannon (closed loop, or its per-second quota with `rate`) or the paced open loop. */
  readonly generator: 'autocannon' | 'paced';
  /** Paced only: seconds sent at the rate before measuring. */
  readonly warmupSeconds?: number;
}

/** Runs a load generator in a child process against `options.url`; rejects on any non-2xx or error. */
export function load(options: LoadOptions): Promise<LoadResult> {
  const { generator, ...rest } = options;
  const script = here(generator === 'paced' ? './paced-load.mjs' : './intake-load.mjs');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, JSON.stringify(rest)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`the load generator (${generator}) exited with ${code}`));
      const result = JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
      if (result.non2xx > 0 || result.errors > 0) return reject(new Error(`load run (${generator}) had ${result.non2xx} non-2xx answers and ${result.errors} errors`));
      resolve(result);
    });
  });
}

/** A bare server in its own process; `close` ends it. */
export interface BareServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts `bare-intake-server.mjs` of `kind` and waits for its URL. */
export function startBareServer(kind: 'http' | 'fastify'): Promise<BareServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [here('./bare-intake-server.mjs'), kind], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    let out = '';
    child.on('error', reject);
    child.once('exit', (code) => reject(new Error(`the bare ${kind} server exited with ${code} before listening`)));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n');
      if (line.length < 2) return;
      resolve({
        url: line[0]!.trim(),
        close: async () => {
          child.stdin.end();
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        },
      });
    });
  });
}
