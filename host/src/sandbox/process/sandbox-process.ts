import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { HostLogger } from '../../logging/logger.js';
import type { PluginLogRecord, SandboxDeath } from '../plugin-sandbox.js';
import { SandboxError } from '../sandbox-error.js';
import type { SandboxLimits } from '../sandbox-limits.js';
import { isWorkerMessage, type HostMessage, type RequestType, type WorkerHealth, type WorkerMessage, type WorkerOptions, type WorkerRequests } from './worker-protocol.js';
import { IpcBatcher, sendFailure, unbatch } from './ipc-batcher.js';
import { inPieces, LARGE_MESSAGE_BYTES, MAX_IPC_JSON, payloadBytes, pieceKey } from './large-messages.js';
import { egressFailureJson } from '../../egress/egress-gateway.js';
import { InFlight } from '../../lifecycle/in-flight.js';
import { MemoryTrend } from './memory-trend.js';

// A dedicated process serves one load, so a spare isolate made after it would never be used.
const workerOptions = (role: 'pool' | 'dedicated', options: SandboxProcessOptions): WorkerOptions => ({
  limits: options.limits,
  spareMemoryMb: role === 'dedicated' ? null : options.spareMemoryMb,
});

/** The worker entry, beside this file in the build. */
export const WORKER_ENTRY = fileURLToPath(new URL('./sandbox-worker.js', import.meta.url));

/** How the host supervises one worker. */
export interface SandboxProcessOptions {
  readonly limits: SandboxLimits;
  /** Memory limit of the worker's spare isolate (see SpareIsolate); default: the host's per-plugin default. */
  readonly spareMemoryMb?: number;
  readonly heartbeatIntervalMs: number;
  /** No answer to heartbeats for this long: the process is killed and replaced. */
  readonly heartbeatTimeoutMs: number;
  /** The process's resident memory above which its largest isolate is shed. */
  readonly processMemoryMb: number;
  /** The process's hard memory total (kernel RLIMIT_DATA when `prlimit` is set; always watched). 0: none. */
  readonly processHardMemoryMb: number;
  /** util-linux prlimit to start the worker through, when the kernel limit is available. */
  readonly prlimit: string | null;
  readonly logger: HostLogger;
  /** How long the worker may take to say it is ready before it is killed (default 30 s). */
  readonly startTimeoutMs?: number;
  /** The worker script (default WORKER_ENTRY; tests substitute misbehaving ones). */
  readonly entry?: string;
}

/** A sandbox living in a worker: receives what the worker says about it. */
export interface ProcessEndpoint {
  log(record: PluginLogRecord): void;
  http(requestJson: string, invocationId: string): Promise<string>;
  /** Its isolate died in the worker (a limit, OOM). */
  died(death: SandboxDeath): void;
  /** The whole process is gone. */
  processExited(death: SandboxDeath): void;
  /** The process is being retired: move elsewhere, then let go of it. */
  relocate(): void;
}

/** A live worker as the census shows it. */
export interface SandboxProcessInfo {
  readonly pid: number;
  readonly role: 'pool' | 'dedicated';
  readonly state: SandboxProcess['state'];
  readonly sandboxes: number;
  /** From the last heartbeat answer. */
  readonly isolates: number | null;
  readonly rssBytes: number | null;
}

/** The worker died; every request to it ends with this. */
export class ProcessExitedError extends SandboxError {
  override readonly name = 'SandboxProcessExitedError';
}

// A scrubbed environment: the worker must not inherit the host's secrets (platform credentials,
// API token), even though no plugin can read it.
function workerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'TZ', 'LANG', 'LC_ALL', 'NODE_ENV', 'SYSTEMROOT', 'TMPDIR', 'TEMP', 'TMP']) if (process.env[key] !== undefined) env[key] = process.env[key];
  return env;
}

const MAX_STDERR_LINES = 200;
/** How long a death waits for the rest of its stderr (an out-of-memory report) before it is judged. */
const STDERR_DRAIN_MS = 250;
// A worker not ready by then (a machine so loaded it cannot start one, a native module that hangs
// while loading) is killed, so nothing waits on its `ready` forever; the pool starts another.
const START_TIMEOUT_MS = 30_000;


/**
 * The host's handle on one sandbox worker process: requests and their answers, heartbeats, the
 * memory watch, and what happens when it dies. Owned by the process pool.
 */
export class SandboxProcess {
  state: 'starting' | 'ready' | 'retiring' | 'exited' = 'starting';
  /** The host asked this process to end (shutdown): its exit and last words are expected, not news. */
  shuttingDown = false;
  readonly ready: Promise<void>;
  readonly exited: Promise<SandboxDeath>;
  readonly startedAt = performance.now();
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void; timer: NodeJS.Timeout; leave(): void }>();
  // Requests awaiting an answer, so the pool can end a process only once nothing is owed.
  private readonly answersOwed = new InFlight();
  private readonly endpoints = new Map<string, ProcessEndpoint>();
  private nextId = 1;
  private nextSid = 1;
  private reserved = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private lastAnswerAt = performance.now();
  private lastShedAt = 0;
  private health: WorkerHealth | null = null;
  private resolveExited!: (d: SandboxDeath) => void;
  private readonly outbox = new IpcBatcher<HostMessage>(
    (batch) => this.write(batch),
    (message, error) => this.unsendable(message, sendFailure(error)),
  );
  // Until when silence is excused: the worker is busy parsing a large message sent to it.
  private transferCreditUntil = 0;
  private lastBeatAt = performance.now();
  // Keys of chunked messages one of whose pieces could not be sent.
  private readonly lostChunks = new Set<string>();
  // Why the process ran out of memory, once it did (V8's fatal report, the hard total passed, or a
  // crash with its committed memory at the kernel's limit).
  private memoryDeath: string | null = null;
  private readonly memoryTrend: MemoryTrend;

  constructor(
    readonly role: 'pool' | 'dedicated',
    private readonly options: SandboxProcessOptions,
    private readonly onRetire: (proc: SandboxProcess) => void,
  ) {
    this.exited = new Promise((r) => (this.resolveExited = r));
    // Started through prlimit (which execs node, keeping pid and IPC channel), the limit holds from
    // the process's first instruction: no window in which a plugin could run unbounded.
    const hardBytes = options.processHardMemoryMb * 1024 * 1024;
    const viaPrlimit = options.prlimit !== null && hardBytes > 0;
    this.memoryTrend = new MemoryTrend(viaPrlimit ? hardBytes : 0, options.heartbeatIntervalMs);
    this.child = fork(options.entry ?? WORKER_ENTRY, [JSON.stringify(workerOptions(role, options))], {
      ...(viaPrlimit ? { execPath: options.prlimit!, execArgv: [`--data=${hardBytes}:${hardBytes}`, process.execPath, '--no-node-snapshot'] } : { execArgv: ['--no-node-snapshot'] }),
      env: workerEnv(),
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.forwardStderr();
    const startTimeoutMs = options.startTimeoutMs ?? START_TIMEOUT_MS;
    const startTimer = setTimeout(() => {
      this.options.logger.warn({ pid: this.pid, startTimeoutMs }, 'sandbox process did not become ready in time; killing it');
      this.kill();
    }, startTimeoutMs);
    startTimer.unref();
    let markReady!: () => void;
    let failReady!: (e: unknown) => void;
    this.ready = new Promise<void>((resolve, reject) => ((markReady = resolve), (failReady = reject)));
    this.ready.catch(() => {});
    this.child.on('message', (raw: unknown) => {
      this.lastAnswerAt = performance.now();
      for (const m of unbatch(raw)) {
        if (!isWorkerMessage(m)) {
          this.options.logger.error({ pid: this.pid, code: 'SANDBOX_MALFORMED_MESSAGE' }, 'sandbox process sent a malformed message; killing it');
          this.kill();
          return;
        }
        if (m.type === 'ready' && this.state === 'starting') {
          clearTimeout(startTimer);
          this.state = 'ready';
          this.startHeartbeat();
          markReady();
        } else this.handle(m);
      }
    });
    const gone = (how: string, signal: NodeJS.Signals | null = null, at = performance.now()): void => {
      if (this.state === 'exited') return;
      clearTimeout(startTimer);
      // No V8 report, but the last heartbeats had the process at its kernel limit: a malloc outside
      // V8 (ICU's) failed there, and such a failure ends the process by SIGSEGV or SIGABRT.
      this.memoryDeath ??= this.memoryTrend.judge(signal, at);
      const death: SandboxDeath = this.memoryDeath
        ? { name: 'SandboxCrash', code: 'SANDBOX_PROCESS_MEMORY', message: `the sandbox process (pid ${this.pid}) ${how}: ${this.memoryDeath}` }
        : { name: 'SandboxCrash', code: 'SANDBOX_PROCESS_EXITED', message: `the sandbox process (pid ${this.pid}) ${how}` };
      this.outbox.dispose();
      failReady(new ProcessExitedError(death.code, death.message));
      this.onExit(death);
    };
    this.child.on('error', (e) => {
      this.options.logger[this.shuttingDown ? 'debug' : 'warn']({ pid: this.pid, err: e.message }, 'sandbox process error');
      // A process that could not be spawned emits no 'exit': without this, its `exited` never settles.
      if (this.child.pid === undefined) gone(`could not be started: ${e.message}`);
    });
    this.child.on('exit', (code, signal) => {
      const at = performance.now();
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      // V8's out-of-memory report may still sit unread in the stderr pipe when 'exit' arrives: wait
      // briefly for the pipe to drain so the death is named for what it was. Bounded, because the
      // pipe's end is not guaranteed to follow (the 'close' event can lag far behind).
      const stderr = this.child.stderr;
      if (this.memoryDeath !== null || !stderr || stderr.readableEnded) return gone(how, signal, at);
      const drained = (): void => {
        clearTimeout(timer);
        gone(how, signal, at);
      };
      const timer = setTimeout(() => {
        stderr.off('end', drained);
        gone(how, signal, at);
      }, STDERR_DRAIN_MS);
      stderr.once('end', drained);
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get sandboxCount(): number {
    return this.endpoints.size;
  }

  /** Sandboxes here plus those on their way (placed, not yet attached): what placement balances. */
  get load(): number {
    return this.endpoints.size + this.reserved;
  }

  /** Holds a place for a sandbox about to attach, so concurrent placements spread out. */
  reserve(): void {
    this.reserved++;
  }

  unreserve(): void {
    if (this.reserved > 0) this.reserved--;
  }

  /** Sends a request and waits (at most `timeoutMs`) for its answer. */
  request<T extends RequestType>(type: T, body: Omit<WorkerRequests[T], 'answer'>, timeoutMs: number): Promise<WorkerRequests[T]['answer']> {
    if (this.state === 'exited' || !this.child.connected) {
      return Promise.reject(new ProcessExitedError('SANDBOX_PROCESS_EXITED', `the sandbox process (pid ${this.pid}) has exited or is shutting down`));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settled(id);
        reject(new SandboxError('SANDBOX_PROCESS_NO_ANSWER', `the sandbox process (pid ${this.pid}) did not answer '${type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer, leave: this.answersOwed.enter() });
      this.send({ type, id, ...body } as HostMessage);
    });
  }

  /** Resolves once no request to this process awaits an answer (at once if none does). */
  async idle(): Promise<void> {
    await this.answersOwed.idle();
  }

  /** Registers a sandbox living in this process; answers its id here. */
  attach(endpoint: ProcessEndpoint): string {
    this.unreserve();
    const sid = `s${this.nextSid++}`;
    this.endpoints.set(sid, endpoint);
    return sid;
  }

  detach(sid: string): void {
    this.endpoints.delete(sid);
  }

  /** Stops placing sandboxes here and asks each to move; the pool ends the process once empty. */
  retire(reason: string): void {
    if (this.state !== 'ready' && this.state !== 'starting') return;
    this.state = 'retiring';
    this.options.logger.warn({ pid: this.pid, reason }, 'retiring sandbox process');
    this.onRetire(this);
    for (const endpoint of [...this.endpoints.values()]) endpoint.relocate();
  }

  /** Ends the process at once. */
  kill(): void {
    if (this.state !== 'exited') this.child.kill('SIGKILL');
  }

  /** Ends the process: closes the channel (the worker disposes its isolates and exits), then kills. */
  async shutdown(graceMs = 1000): Promise<void> {
    if (this.state === 'exited') return;
    this.shuttingDown = true;
    this.outbox.flush();
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  info(): SandboxProcessInfo {
    return { pid: this.pid, role: this.role, state: this.state, sandboxes: this.endpoints.size, isolates: this.health?.isolates ?? null, rssBytes: this.health?.rssBytes ?? null };
  }

  /** Pings now and answers the worker's health. */
  async probe(timeoutMs = 2000): Promise<WorkerHealth> {
    this.health = await this.request('ping', {}, timeoutMs);
    this.memoryTrend.record(this.health);
    return this.health;
  }

  private send(message: HostMessage): void {
    const limit = Math.min(this.options.limits.maxBridgeMessageBytes, MAX_IPC_JSON);
    const bytes = payloadBytes(message, limit);
    if (bytes > limit) {
      const bound = limit === MAX_IPC_JSON ? `past the longest string V8 can build (${MAX_IPC_JSON} characters)` : `over sandbox.maxBridgeMessageBytes (${limit})`;
      const reason = `its payload is about ${bytes} bytes of IPC JSON, ${bound}`;
      if (message.type === 'http-result') {
        this.outbox.send({ type: 'http-result', callId: message.callId, responseJson: egressFailureJson('EGRESS_BRIDGE_TOO_LARGE', `the response cannot cross into the sandbox: ${reason}`) });
      } else if (message.type !== 'chunk' && message.type !== 'drop-chunks') {
        queueMicrotask(() => this.fail(message.id, new SandboxError('SANDBOX_MESSAGE_TOO_LARGE', `the '${message.type}' message was not sent to the sandbox process: ${reason}`)));
      }
      return;
    }
    // Parsing a large message holds the worker's event loop, heartbeats included: that time is excused
    // (at a pessimistic 20 MB/s) rather than mistaken for a hung process.
    if (bytes > LARGE_MESSAGE_BYTES) {
      this.transferCreditUntil = Math.max(this.transferCreditUntil, performance.now()) + bytes / 20_000;
      this.sendChunked(message);
      return;
    }
    this.outbox.send(message);
  }

  // Each piece is its own write. A lost piece (sendAlone reports it at once) fails the whole message
  // rather than corrupting it, and the worker is told to drop the pieces it holds for the key.
  private sendChunked(message: HostMessage): void {
    const { key, writes } = inPieces(message);
    const last = writes.pop()!;
    for (const piece of writes) this.outbox.sendAlone(piece);
    if (key !== null && this.lostChunks.delete(key)) {
      this.outbox.send({ type: 'drop-chunks', key });
      this.unsendable(message, 'a piece of it could not be sent');
    } else this.outbox.sendAlone(last);
  }

  private write(batch: HostMessage[]): void {
    if (!this.child.connected) return;
    this.child.send(batch, (e) => {
      if (e) this.options.logger.debug({ pid: this.pid, err: e.message }, 'sending to the sandbox process failed');
    });
  }

  // A message that could not be serialised fails only what waited for it, with a coded error.
  private unsendable(message: HostMessage, reason: string): void {
    this.options.logger.warn({ pid: this.pid, code: 'SANDBOX_IPC_SEND_FAILED', type: message.type, err: reason }, 'a message could not be sent to the sandbox process');
    if (message.type === 'chunk') {
      this.lostChunks.add(message.key);
      return;
    }
    if (message.type === 'drop-chunks') return;
    // The last piece of a chunked message was lost: the pieces that went ahead are not needed.
    const key = 'chunked' in message && message.chunked ? pieceKey(message) : null;
    if (key !== null) this.outbox.send({ type: 'drop-chunks', key });
    if (message.type === 'http-result') {
      this.send({ type: 'http-result', callId: message.callId, responseJson: egressFailureJson('EGRESS_BRIDGE_FAILED', `the response could not be sent to the sandbox: ${reason}`) });
      return;
    }
    this.fail(message.id, new SandboxError('SANDBOX_IPC_SEND_FAILED', `the '${message.type}' message could not be sent to the sandbox process (pid ${this.pid}): ${reason}`));
  }

  private fail(id: number, error: Error): void {
    const waiter = this.pending.get(id);
    if (!waiter) return;
    this.settled(id);
    clearTimeout(waiter.timer);
    waiter.reject(error);
  }

  // Answers from a worker come from plugin-facing code: whatever one does to a handler (a logger
  // that throws on a field, a listener's bug), it must cost that message only, never the host.
  private handle(m: WorkerMessage): void {
    try {
      this.onMessage(m);
    } catch (e) {
      this.options.logger.error({ pid: this.pid, code: 'SANDBOX_MESSAGE_FAILED', type: m.type, err: (e as Error)?.message ?? String(e) }, 'handling a message of the sandbox process failed');
    }
  }

  private onMessage(m: WorkerMessage): void {
    switch (m.type) {
      case 'reply': {
        const waiter = this.pending.get(m.id);
        if (!waiter) return;
        this.settled(m.id);
        clearTimeout(waiter.timer);
        if (m.ok) waiter.resolve(m.value);
        else waiter.reject(new SandboxError(m.error.code, m.error.message));
        return;
      }
      case 'log':
        this.endpoints.get(m.sid)?.log(m.record);
        return;
      case 'http': {
        const endpoint = this.endpoints.get(m.sid);
        const answer = endpoint ? Promise.resolve().then(() => endpoint.http(m.requestJson, m.invocationId)) : Promise.resolve(egressFailureJson('EGRESS_NO_INVOCATION', 'the sandbox is gone'));
        // The worker waits for every answer: a failure here must still produce one.
        void answer
          .catch((e: unknown) => egressFailureJson('EGRESS_FAILED', (e as Error)?.message ?? String(e)))
          .then((responseJson) => this.send({ type: 'http-result', callId: m.callId, responseJson }));
        return;
      }
      case 'death': {
        const endpoint = this.endpoints.get(m.sid);
        this.endpoints.delete(m.sid);
        endpoint?.died(m.death);
        return;
      }
      case 'poisoned':
        this.options.logger.error({ pid: this.pid, plugin: m.pluginId, reason: m.message }, 'V8 lost control of an isolate; the sandbox process will be replaced');
        this.retire(`catastrophic error in plugin '${m.pluginId}'`);
        return;
    }
  }

  private settled(id: number): void {
    this.pending.get(id)?.leave();
    this.pending.delete(id);
  }

  private startHeartbeat(): void {
    this.heartbeat = setInterval(() => void this.beat(), this.options.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  private async beat(): Promise<void> {
    if (this.state === 'exited') return;
    // A beat late by far was held up by this process's own event loop (a long synchronous task):
    // answers that arrived meanwhile are still unread, so silence cannot be judged until they are.
    const now = performance.now();
    const late = now - this.lastBeatAt > 2 * this.options.heartbeatIntervalMs + 100;
    this.lastBeatAt = now;
    if (late) this.transferCreditUntil = Math.max(this.transferCreditUntil, now);
    if (performance.now() - Math.max(this.lastAnswerAt, this.transferCreditUntil) > this.options.heartbeatTimeoutMs) {
      this.options.logger.warn({ pid: this.pid, silentMs: Math.round(performance.now() - this.lastAnswerAt) }, 'sandbox process stopped answering heartbeats; killing it');
      this.kill();
      return;
    }
    let health: WorkerHealth;
    try {
      health = await this.probe(this.options.heartbeatTimeoutMs);
    } catch {
      return; // the next beat judges the silence
    }
    await this.watchMemory(health);
  }

  // isolated-vm's memory limits are soft (an isolate can pass its own 2-3x): the process total is
  // watched too. Over it, the largest isolate goes; if there is none to shed, the process is retired.
  private async watchMemory(health: WorkerHealth): Promise<void> {
    const hard = this.options.processHardMemoryMb * 1024 * 1024;
    if (hard > 0 && health.rssBytes > hard) {
      this.memoryDeath = `${Math.round(health.rssBytes / 1048576)} MiB resident, over its hard total of ${this.options.processHardMemoryMb} MiB; killed at once`;
      this.options.logger.error({ pid: this.pid, code: 'SANDBOX_PROCESS_MEMORY', rssBytes: health.rssBytes }, 'sandbox process over its hard memory total; killing it');
      this.kill();
      return;
    }
    const limit = this.options.processMemoryMb * 1024 * 1024;
    if (health.rssBytes <= limit || performance.now() - this.lastShedAt < Math.max(1000, 2 * this.options.heartbeatIntervalMs)) return;
    this.lastShedAt = performance.now();
    const reason = `${Math.round(health.rssBytes / 1048576)} MiB resident, limit ${this.options.processMemoryMb} MiB`;
    const shed = await this.request('shed', { reason }, this.options.heartbeatTimeoutMs).catch(() => null);
    this.options.logger.warn({ pid: this.pid, plugin: shed ?? undefined, rssBytes: health.rssBytes }, `sandbox process over its memory total (${reason})`);
    if (shed === null) this.retire(`over its memory total with no isolate to shed (${reason})`);
  }

  private onExit(death: SandboxDeath): void {
    this.state = 'exited';
    clearInterval(this.heartbeat);
    for (const [id, waiter] of this.pending) {
      clearTimeout(waiter.timer);
      waiter.reject(new ProcessExitedError(death.code, death.message));
      this.settled(id);
    }
    const endpoints = [...this.endpoints.values()];
    this.endpoints.clear();
    for (const endpoint of endpoints) endpoint.processExited(death);
    this.resolveExited(death);
  }

  // A V8 fatal error prints its report on stderr: keep it, as structured lines, bounded.
  private forwardStderr(): void {
    const stderr = this.child.stderr;
    if (!stderr) return;
    let lines = 0;
    createInterface({ input: stderr }).on('line', (line) => {
      // V8's report when an allocation failed under the kernel's limit (or the machine's).
      if (this.memoryDeath === null && /out of memory|allocation failed/i.test(line)) this.memoryDeath = `V8 could not allocate memory (${line.trim().slice(0, 200)})`;
      if (++lines <= MAX_STDERR_LINES && line.trim()) this.options.logger[this.shuttingDown ? 'debug' : 'warn']({ pid: this.pid, source: 'sandbox-process' }, line);
    });
  }
}
