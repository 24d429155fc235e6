// Entry of a sandbox worker process, forked by the host with --no-node-snapshot. It hosts plugin
// isolates (IsolateSandbox) and speaks worker-protocol.ts to the host over IPC. It holds no
// credentials and no event data beyond the invocation in hand: log lines and HTTP requests are
// forwarded to the host, which applies policy and adds credentials.
import type { ErrorInfo } from '@jobhook/sdk/protocol';
import { committedDataBytes } from '../data-limit.js';
import { IsolateSandboxFactory } from '../isolate/isolate-sandbox-factory.js';
import type { IsolateSandbox } from '../isolate/isolate-sandbox.js';
import type { SandboxHostServices } from '../plugin-sandbox.js';
import { IpcBatcher, sendFailure, unbatch } from './ipc-batcher.js';
import { egressFailureJson } from '../../egress/egress-gateway.js';
import type { HostMessage, HostRequest, WorkerMessage, WorkerOptions } from './worker-protocol.js';

const options = JSON.parse(process.argv[2] ?? '{}') as WorkerOptions;
const sandboxes = new Map<string, IsolateSandbox>();
const httpCalls = new Map<number, (responseJson: string) => void>();
let nextCallId = 1;

const outbox = new IpcBatcher<WorkerMessage>(
  // The callback keeps a late failure (the channel closed meanwhile) from becoming an 'error' event;
  // 'disconnect' ends this process then. A synchronous throw is the batcher's to handle.
  (batch) => void process.send?.(batch, undefined, {}, () => {}),
  (message, error) => replaceUnsendable(message, sendFailure(error)),
);

// A message that could not be serialised fails only what waited for it, with a coded error.
function replaceUnsendable(message: WorkerMessage, reason: string): void {
  const code = 'SANDBOX_IPC_SEND_FAILED';
  switch (message.type) {
    case 'reply':
      send({ type: 'reply', id: message.id, ok: false, error: { name: 'SandboxError', code, message: `the answer could not be sent to the host: ${reason}` } });
      return;
    case 'http': {
      const resolve = httpCalls.get(message.callId);
      httpCalls.delete(message.callId);
      resolve?.(egressFailureJson('EGRESS_BRIDGE_FAILED', `the request could not be sent to the host: ${reason}`));
      return;
    }
    case 'log':
      if (message.record.notice?.code === code) return;
      send({ type: 'log', sid: message.sid, record: { level: 'warn', message: `a plugin log line could not be sent to the host and was dropped: ${reason}`, fields: {}, invocationId: message.record.invocationId, notice: { code } } });
      return;
    case 'death':
      if (message.death.code === code) return;
      send({ type: 'death', sid: message.sid, death: { name: 'SandboxCrash', code, message: `the isolate died (${message.death.code}); its description could not be sent: ${reason}` } });
      return;
    case 'poisoned':
      if (message.message === reason) return;
      send({ type: 'poisoned', pluginId: message.pluginId.slice(0, 256), message: reason });
      return;
    case 'ready':
      return;
  }
}

function send(message: WorkerMessage): void {
  outbox.send(message);
}

const factory = new IsolateSandboxFactory(options.limits, {
  spareMemoryMb: options.spareMemoryMb,
  onCatastrophic: (message, pluginId) => send({ type: 'poisoned', pluginId, message }),
});

function servicesFor(sid: string): SandboxHostServices {
  return {
    log: (record) => send({ type: 'log', sid, record }),
    http: (requestJson, invocationId) =>
      new Promise<string>((resolve) => {
        const callId = nextCallId++;
        httpCalls.set(callId, resolve);
        send({ type: 'http', sid, callId, requestJson, invocationId });
      }),
  };
}

function toInfo(e: unknown): ErrorInfo {
  const err = e as { name?: unknown; code?: unknown; message?: unknown };
  return {
    name: typeof err?.name === 'string' ? err.name : 'SandboxError',
    code: typeof err?.code === 'string' ? err.code : 'SANDBOX_WORKER_ERROR',
    message: typeof err?.message === 'string' ? err.message : String(e),
  };
}

async function answer(request: HostRequest): Promise<unknown> {
  switch (request.type) {
    case 'load': {
      const sandbox = factory.create(servicesFor(request.sid));
      sandboxes.set(request.sid, sandbox);
      sandbox.onDeath((death) => {
        sandboxes.delete(request.sid);
        send({ type: 'death', sid: request.sid, death });
      });
      try {
        return await sandbox.load(request.spec);
      } catch (e) {
        sandboxes.delete(request.sid);
        throw e;
      }
    }
    case 'invoke': {
      const sandbox = sandboxes.get(request.sid);
      if (!sandbox) return { outcome: 'crashed', error: { name: 'SandboxError', code: 'SANDBOX_NOT_READY', message: 'the sandbox is not loaded in this process' } };
      return sandbox.invoke(request.request);
    }
    case 'stats': {
      const sandbox = sandboxes.get(request.sid);
      return sandbox ? sandbox.stats() : { heapUsedBytes: 0, heapLimitBytes: 0, cpuTimeMs: 0, inFlight: 0 };
    }
    case 'dispose': {
      const sandbox = sandboxes.get(request.sid);
      sandboxes.delete(request.sid);
      await sandbox?.dispose();
      return null;
    }
    case 'ping':
      return { rssBytes: process.memoryUsage.rss(), dataBytes: committedDataBytes(), isolates: factory.census().live, heldChunks: chunks.size };
    case 'shed':
      return shedLargest(request.reason);
  }
}

// The process is over its memory total: the isolate holding the most is the one to go.
async function shedLargest(reason: string): Promise<string | null> {
  let largest: { sandbox: IsolateSandbox; bytes: number } | undefined;
  for (const sandbox of sandboxes.values()) {
    const { heapUsedBytes } = await sandbox.stats().catch(() => ({ heapUsedBytes: 0 }));
    if (!largest || heapUsedBytes > largest.bytes) largest = { sandbox, bytes: heapUsedBytes };
  }
  if (!largest) return null;
  largest.sandbox.terminate({
    name: 'SandboxCrash',
    code: 'SANDBOX_PROCESS_MEMORY',
    message: `the plugin held the most memory (${Math.round(largest.bytes / 1048576)} MiB) when its sandbox process passed its memory total (${reason}); its isolate was disposed`,
  });
  return largest.sandbox.plugin;
}

// Pieces of large strings on their way (see HostMessage), by key.
const chunks = new Map<string, string[]>();

function withChunks(key: string, last: string, chunked: boolean | undefined): string {
  const pieces = chunks.get(key);
  chunks.delete(key);
  return chunked && pieces ? pieces.join('') + last : last;
}

function receive(message: HostMessage): void {
  if (message.type === 'chunk') {
    const pieces = chunks.get(message.key);
    if (pieces) pieces.push(message.data);
    else chunks.set(message.key, [message.data]);
    return;
  }
  if (message.type === 'drop-chunks') {
    chunks.delete(message.key);
    return;
  }
  if (message.type === 'http-result') {
    const resolve = httpCalls.get(message.callId);
    httpCalls.delete(message.callId);
    resolve?.(withChunks(`h${message.callId}`, message.responseJson, message.chunked));
    return;
  }
  if (message.type === 'load') {
    const bundleCode = withChunks(`l${message.id}`, message.spec.bundleCode, message.chunked);
    if (message.chunked) message = { ...message, spec: { ...message.spec, bundleCode } };
  }
  answer(message).then(
    (value) => send({ type: 'reply', id: message.id, ok: true, value: value ?? null }),
    (e: unknown) => send({ type: 'reply', id: message.id, ok: false, error: toInfo(e) }),
  );
}

process.on('message', (raw: unknown) => {
  for (const message of unbatch(raw)) {
    try {
      receive(message as HostMessage);
    } catch (e) {
      // One bad message must not end a process that serves other plugins; stderr reaches the host log.
      process.stderr.write(`a message from the host could not be handled: ${(e as Error)?.message ?? String(e)}\n`);
    }
  }
});

// A stray rejection (a host promise whose isolate died before it settled) must not end a process that
// serves other plugins: it is reported on stderr, which the host logs.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection in the sandbox process: ${(reason as Error)?.stack ?? String(reason)}\n`);
});

// Without its host this process has no purpose (and must not outlive it).
process.on('disconnect', () => {
  outbox.dispose();
  void factory.dispose().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
});

send({ type: 'ready' });
