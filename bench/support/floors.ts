// The floors the host is measured against, built from the same handler code: a direct call in this
// process, a raw isolated-vm apply into an isolate holding the handler, a raw child-process IPC echo.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import ivm from 'isolated-vm';
import { NOOP_HANDLER_CLASS } from './noop-plugins.js';

/** One call of some floor: resolves when the round trip is complete. */
export type Call = (payload: string) => Promise<unknown>;

/** The no-op handler instantiated in this process and called directly (no isolate, no copy). */
export function directCall(): Call {
  const Handler = new Function('JOB_TYPES', `${NOOP_HANDLER_CLASS}\nreturn NoopHandler;`)('x') as new () => { runHandler(c: unknown): Promise<boolean> };
  const handler = new Handler();
  return (payload) => handler.runHandler(payload);
}

/** A bare isolate holding the handler; each call is one `apply` with the payload copied in and the promise's result copied out. */
export class RawIsolate {
  private constructor(
    private readonly isolate: ivm.Isolate,
    private readonly fn: ivm.Reference<(payload: string) => Promise<boolean>>,
  ) {}

  static async create(memoryMb = 64): Promise<RawIsolate> {
    const isolate = new ivm.Isolate({ memoryLimit: memoryMb });
    const context = await isolate.createContext();
    const fn = (await context.eval(
      `const JOB_TYPES = 'x';\n${NOOP_HANDLER_CLASS}\nconst handler = new NoopHandler();\n(function (payload) { return handler.runHandler(payload); })`,
      { reference: true },
    )) as ivm.Reference<(payload: string) => Promise<boolean>>;
    return new RawIsolate(isolate, fn);
  }

  readonly call: Call = (payload) => this.fn.apply(undefined, [payload], { result: { promise: true, copy: true }, timeout: 5000 });

  dispose(): void {
    this.fn.release();
    this.isolate.dispose();
  }
}

// The child answers every message with the same message: the cheapest round trip over Node's IPC channel.
const ECHO_CHILD = `process.on('message', (m) => process.send(m)); process.on('disconnect', () => process.exit(0));`;

/** A child process echoing IPC messages; each call sends `{id, payload}` and waits for its echo. */
export class IpcEcho {
  private readonly pending = new Map<number, () => void>();
  private nextId = 0;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: { id: number }) => {
      const done = this.pending.get(m.id);
      this.pending.delete(m.id);
      done?.();
    });
  }

  /** `serialization` as in child_process options: 'json' (the default) or 'advanced' (structured clone). */
  static async start(serialization: 'json' | 'advanced' = 'json'): Promise<IpcEcho> {
    const child = spawn(process.execPath, ['-e', ECHO_CHILD], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    const echo = new IpcEcho(child);
    await echo.call('warm');
    return echo;
  }

  readonly call: Call = (payload) =>
    new Promise<void>((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, resolve);
      this.child.send({ id, payload });
    });

  async dispose(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.disconnect();
    await exited;
  }
}

// A child holding raw isolates with the handler; each message is answered after one `apply` into
// isolate `m.i`: the process hop and the isolate hop composed, with nothing of the host around them.
const ISOLATE_CHILD = (ivmPath: string, isolates: number): string => `
const ivm = require(${JSON.stringify(ivmPath)});
(async () => {
  const fns = [];
  for (let i = 0; i < ${isolates}; i++) {
    const isolate = new ivm.Isolate({ memoryLimit: 64 });
    const context = await isolate.createContext();
    fns.push(await context.eval(${JSON.stringify(`const JOB_TYPES = 'x';
${NOOP_HANDLER_CLASS}
const handler = new NoopHandler();
(function (payload) { return handler.runHandler(payload); })`)}, { reference: true }));
  }
  process.on('message', (m) => {
    fns[m.i].apply(undefined, [m.payload], { result: { promise: true, copy: true }, timeout: 5000 }).then(() => process.send({ id: m.id }));
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ id: -1 });
})();
`;

/**
 * Child processes holding raw isolates (a pool, like the sandbox processes): each call is one IPC
 * round trip wrapped around one `apply`. The floor of process sandboxes, measured composed, because
 * the two hops cost more together (two sleeping threads to wake) than their separate floors add up to.
 */
export class IpcIsolatePool {
  private readonly pending = new Map<number, () => void>();
  private nextId = 0;

  private constructor(private readonly children: ChildProcess[], private readonly perChild: number) {
    for (const child of children) {
      child.on('message', (m: { id: number }) => {
        const done = this.pending.get(m.id);
        this.pending.delete(m.id);
        done?.();
      });
    }
  }

  /** `isolates` spread over `processes` children (isolate k lives in child k % processes). */
  static async start(isolates: number, processes: number): Promise<IpcIsolatePool> {
    const count = Math.min(isolates, processes);
    const perChild = Math.ceil(isolates / count);
    const ivmPath = createRequire(import.meta.url).resolve('isolated-vm');
    const children = await Promise.all(
      Array.from({ length: count }, async () => {
        const child = spawn(process.execPath, ['--no-node-snapshot', '-e', ISOLATE_CHILD(ivmPath, perChild)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        await new Promise<void>((resolve, reject) => {
          child.once('message', () => resolve());
          child.once('error', reject);
          child.once('exit', (code) => reject(new Error(`isolate floor child exited with ${code}`)));
        });
        return child;
      }),
    );
    return new IpcIsolatePool(children, perChild);
  }

  /** One call into isolate `k` (round-robin callers pass their index). */
  call(k: number, payload: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, resolve);
      const child = this.children[k % this.children.length]!;
      child.send({ id, i: Math.floor(k / this.children.length) % this.perChild, payload });
    });
  }

  async dispose(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.disconnect();
        await exited;
      }),
    );
  }
}

/** Spreads calls round-robin over several callees (one per plugin). */
export function roundRobin(calls: readonly Call[]): (i: number, payload: string) => Promise<unknown> {
  return (i, payload) => calls[i % calls.length]!(payload);
}
