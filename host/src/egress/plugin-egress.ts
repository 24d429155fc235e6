import type { EgressBody, EgressResponseData } from '@jobhook/sdk/protocol';
import type { EgressLimits } from '../config.js';
import type { HostLogger } from '../logging/logger.js';
import { EgressAbortedError, EgressConnectionError, EgressDeniedError, EgressError, EgressTimeoutError } from './egress-error.js';
import type { EgressClient } from './egress-client.js';
import type { InvocationScope, PluginEgress } from './egress-gateway.js';
import type { EgressPolicy } from './egress-policy.js';
import { decodeBody, parseEgressRequest } from './parse-egress-request.js';
import type { PlatformCredentials } from './platform-credentials.js';
import { loggableUrl, resolveRequestUrl } from './platform-url.js';
import { redactBody, redactHeaders } from './redact-secrets.js';
import { filterRequestHeaders } from './request-headers.js';
import { RequestSlots } from './request-slots.js';

/** What a plugin's egress channel shares with the gateway. */
export interface PluginEgressDeps {
  readonly pluginId: string;
  readonly platform: URL;
  readonly policy: EgressPolicy;
  readonly credentials: PlatformCredentials;
  readonly client: EgressClient;
  readonly limits: EgressLimits;
  readonly logger: HostLogger;
  /** Called once when the channel is disposed (the gateway forgets it). */
  readonly onDisposed?: () => void;
}

const DEADLINE_BACKSTOP_MS = 250;

// Reused: decoding without `stream` starts afresh each call. `fatal` tells text from bytes exactly,
// and `ignoreBOM` keeps a BOM so the isolate can rebuild the bytes; its `text()` drops it as fetch does.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function encodeBody(bytes: Buffer): EgressBody {
  if (bytes.byteLength === 0) return { encoding: 'utf8', data: '' };
  try {
    return { encoding: 'utf8', data: strictUtf8.decode(bytes) };
  } catch {
    return { encoding: 'base64', data: bytes.toString('base64') };
  }
}

// Causes meaning the server was never reached, as opposed to a connection that broke mid-exchange.
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Maps anything a request can throw to an EgressError; an aborted signal's reason wins. */
function toEgressError(e: unknown, signal: AbortSignal | undefined, url: string | undefined): EgressError {
  if (signal?.aborted && signal.reason instanceof EgressError) return signal.reason;
  if (e instanceof EgressError) return e;
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  if (e instanceof TypeError && cause) {
    const where = url ? new URL(url).origin : 'the server';
    const why = cause.code ?? cause.message ?? 'connection failed';
    const message = UNREACHABLE.has(why)
      ? `could not reach ${where}: ${why} (check platform.url and that the API is up)`
      : `the connection to ${where} failed: ${why}${cause.code && cause.message ? ` (${cause.message})` : ''}`;
    return new EgressConnectionError('EGRESS_CONNECTION_FAILED', message, url, { cause: e });
  }
  return new EgressError('EGRESS_FAILED', `the request failed: ${(e as Error)?.message ?? String(e)}`, url, { cause: e });
}

/**
 * One plugin version's channel to the platform API (design §3.3): parse and check the request,
 * policy before any I/O, filter headers, limit body sizes and time, take a concurrency slot, perform
 * it with ky (credentials added by the client's hook), scrub secrets, log one line. Each request
 * belongs to an invocation and is aborted when that invocation ends.
 */
export class PlatformPluginEgress implements PluginEgress {
  private readonly slots: RequestSlots;
  private readonly inFlight = new Map<string, Set<AbortController>>();
  private disposed = false;

  constructor(private readonly deps: PluginEgressDeps) {
    this.slots = new RequestSlots(deps.limits.maxConcurrentPerPlugin, deps.limits.maxQueuedPerPlugin);
  }

  async request(requestJson: string, scope: InvocationScope): Promise<string> {
    const started = performance.now();
    const { limits, logger } = this.deps;
    let method = '?';
    let url: URL | undefined;
    let controller: AbortController | undefined;
    let dropped: readonly string[] = [];
    let bytesOut = 0;
    try {
      if (this.disposed) throw new EgressAbortedError('EGRESS_ABORTED', 'the plugin version was unloaded');
      const request = parseEgressRequest(requestJson, limits.maxRequestBytes);
      method = request.method;
      url = resolveRequestUrl(request.url, this.deps.platform);
      this.deps.policy.check(method, url);
      const filtered = filterRequestHeaders(request.headers, this.deps.credentials.customHeader);
      dropped = filtered.dropped;
      const body = decodeBody(request.body, limits.maxRequestBytes, url.href);
      bytesOut = body?.byteLength ?? 0;

      controller = this.track(scope.invocationId);
      const result = await this.perform(controller, scope, request.timeoutMs, method, url, () =>
        this.deps.client.perform({ method, url: url!, headers: filtered.headers, body }, controller!.signal, (m, u) => this.deps.policy.check(m, u)),
      );
      const { headers, withheld } = redactHeaders(result.headers, this.deps.credentials.secrets);
      const { body: safeBody, occurrences } = redactBody(result.body, this.deps.credentials.secrets);
      const value: EgressResponseData = {
        status: result.status,
        statusText: result.statusText,
        requestUrl: url.href,
        url: result.url.href,
        redirected: result.redirects > 0,
        headers,
        body: encodeBody(safeBody),
      };
      logger.info(
        {
          source: 'egress',
          handler: scope.handler,
          jobId: scope.jobId,
          invocationId: scope.invocationId,
          method,
          url: loggableUrl(url),
          status: result.status,
          bytesOut,
          bytesIn: result.body.byteLength,
          redirects: result.redirects,
          durationMs: Math.round((performance.now() - started) * 1000) / 1000,
          ...(dropped.length > 0 ? { droppedHeaders: dropped } : {}),
          ...(withheld.length > 0 ? { withheldHeaders: withheld } : {}),
          ...(occurrences > 0 ? { redactedInBody: occurrences } : {}),
        },
        'platform request',
      );
      return JSON.stringify({ ok: true, value });
    } catch (e) {
      const error = toEgressError(e, controller?.signal, url?.href);
      logger.warn(
        {
          source: 'egress',
          handler: scope.handler,
          jobId: scope.jobId,
          invocationId: scope.invocationId,
          method,
          url: url ? loggableUrl(url) : undefined,
          code: error.code,
          error: error.message,
          bytesOut,
          durationMs: Math.round((performance.now() - started) * 1000) / 1000,
          ...(dropped.length > 0 ? { droppedHeaders: dropped } : {}),
        },
        error instanceof EgressDeniedError ? 'platform request denied' : 'platform request failed',
      );
      return JSON.stringify({ ok: false, error: error.toFailure() });
    } finally {
      if (controller) this.untrack(scope.invocationId, controller);
    }
  }

  /** Runs `work` within a slot and a timer: the request's timeout, capped by the invocation's deadline. */
  private async perform<T>(controller: AbortController, scope: InvocationScope, requested: number | false | null, method: string, url: URL, work: () => Promise<T>): Promise<T> {
    const wanted = requested === null ? this.deps.limits.defaultTimeoutMs : requested === false ? Infinity : requested;
    const remaining = Math.max(0, scope.deadlineAt - Date.now());
    // A request cannot outlive its invocation: at the deadline the invocation ends (outcome `timeout`)
    // and `endInvocation` aborts it. The timer is then only a backstop, a little later, so the outcome
    // does not depend on which of two timers set for the same instant fires first.
    if (remaining === 0) throw new EgressTimeoutError(`Request timed out: ${method} ${url.href} (the invocation's deadline passed)`, url.href);
    const byDeadline = remaining <= wanted;
    const ms = byDeadline ? remaining + DEADLINE_BACKSTOP_MS : wanted;
    const timer = setTimeout(() => {
      // ky's wording first, so plugin code and log searches written for ky keep working.
      const why = byDeadline ? " (the invocation's deadline passed)" : '';
      controller.abort(new EgressTimeoutError(`Request timed out: ${method} ${url.href}${why}`, url.href));
    }, ms);
    let release: (() => void) | undefined;
    try {
      release = await this.slots.acquire(controller.signal);
      return await work();
    } finally {
      clearTimeout(timer);
      release?.();
    }
  }

  private track(invocationId: string): AbortController {
    const controller = new AbortController();
    let set = this.inFlight.get(invocationId);
    if (!set) this.inFlight.set(invocationId, (set = new Set()));
    set.add(controller);
    return controller;
  }

  private untrack(invocationId: string, controller: AbortController): void {
    const set = this.inFlight.get(invocationId);
    if (!set) return;
    set.delete(controller);
    if (set.size === 0) this.inFlight.delete(invocationId);
  }

  /** Requests the plugin has in flight now, across invocations. */
  get pending(): number {
    let n = 0;
    for (const set of this.inFlight.values()) n += set.size;
    return n;
  }

  endInvocation(invocationId: string): void {
    const set = this.inFlight.get(invocationId);
    if (!set) return;
    this.inFlight.delete(invocationId);
    for (const controller of set) controller.abort(new EgressAbortedError('EGRESS_ABORTED', 'the invocation ended before the request completed'));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const id of [...this.inFlight.keys()]) {
      for (const controller of this.inFlight.get(id) ?? []) controller.abort(new EgressAbortedError('EGRESS_ABORTED', 'the plugin version was unloaded'));
    }
    this.inFlight.clear();
    this.deps.onDisposed?.();
  }
}
