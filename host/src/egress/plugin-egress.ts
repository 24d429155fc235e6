import { STATUS_CODES } from 'node:http';
import type { EgressResponseData } from '@jobhook/sdk/protocol';
import type { EgressLimits } from '../config.js';
import type { HostLogger } from '../logging/logger.js';
import { Limiter } from '../lifecycle/limiter.js';
import { ABORT_ACKNOWLEDGED, abortKeyOf } from './egress-abort.js';
import { EgressAbortedError, EgressLimitError, EgressTimeoutError, toEgressError } from './egress-error.js';
import type { EgressClient, RequestSecrets } from './egress-client.js';
import { secretList } from './credentials/credential-provider.js';
import type { InvocationScope, PluginEgress } from './egress-gateway.js';
import type { EgressPolicy } from './egress-policy.js';
import { decodeBody, parseEgressRequest } from './parse-egress-request.js';
import type { OriginCredentials } from './credentials/origin-credentials.js';
import { resolveRequestUrl } from './platform-url.js';
import { redactBody, redactHeaders, SecretSet } from './redact-secrets.js';
import { filterRequestHeaders } from './request-headers.js';
import { encodeResponseBody, RequestRecord } from './request-record.js';

/** What a plugin's egress channel shares with the gateway. */
export interface PluginEgressDeps {
  readonly platform: URL;
  readonly policy: EgressPolicy;
  readonly credentials: OriginCredentials;
  readonly client: EgressClient;
  readonly limits: EgressLimits;
  readonly logger: HostLogger;
  /** Called once when the channel is disposed (the gateway forgets it). */
  readonly onDisposed?: () => void;
}

/** Response header naming the request headers the host dropped (comma-separated), so the plugin can know. */
export const DROPPED_HEADERS_HEADER = 'x-jobhook-dropped-headers';

// Past the deadline, `endInvocation` aborts a request; its own timer is a backstop this much later.
const DEADLINE_BACKSTOP_MS = 250;

/**
 * One plugin version's channel to the platform API: parse and check the request,
 * policy before any I/O, filter headers, limit body sizes and time, take a concurrency slot, perform
 * it (the client adds credentials for each hop's origin), scrub secrets, log one line. Each request
 * belongs to an invocation and is aborted when that invocation ends.
 */
export class PlatformPluginEgress implements PluginEgress {
  /** At most maxConcurrentPerPlugin requests at once; maxQueuedPerPlugin more wait in order. */
  private readonly slots: Limiter;
  private readonly inFlight = new Map<string, Set<AbortController>>();
  /** Requests fetch may cancel, by invocation id and abort key. */
  private readonly cancellable = new Map<string, AbortController>();
  private disposed = false;
  private secretSet: { readonly key: string; readonly set: SecretSet } | undefined;

  constructor(private readonly deps: PluginEgressDeps) {
    this.slots = new Limiter(deps.limits.maxConcurrentPerPlugin, deps.limits.maxQueuedPerPlugin);
  }

  async request(requestJson: string, scope: InvocationScope): Promise<string> {
    const abortKey = abortKeyOf(requestJson);
    if (abortKey !== null) {
      this.cancellable.get(`${scope.invocationId}\0${abortKey}`)?.abort(new EgressAbortedError('EGRESS_ABORTED', 'the plugin aborted the request (its AbortSignal fired)'));
      return ABORT_ACKNOWLEDGED;
    }
    const { limits, policy, credentials } = this.deps;
    const record = new RequestRecord(this.deps.logger, scope);
    let controller: AbortController | undefined;
    let cancelKey: string | undefined;
    try {
      if (this.disposed) throw new EgressAbortedError('EGRESS_ABORTED', 'the plugin version was unloaded');
      const request = parseEgressRequest(requestJson, limits.maxRequestBytes);
      const method = (record.method = request.method);
      const url = (record.url = resolveRequestUrl(request.url, this.deps.platform));
      record.platformOrigin = this.deps.platform.origin;
      policy.check(method, url);
      const { headers, dropped } = filterRequestHeaders(request.headers, credentials.headerNames());
      record.droppedHeaders = dropped;
      const body = decodeBody(request.body, limits.maxRequestBytes, url.href);
      record.bytesOut = body?.byteLength ?? 0;

      const signal = (controller = this.track(scope.invocationId)).signal;
      if (request.abortKey !== undefined) this.cancellable.set((cancelKey = `${scope.invocationId}\0${request.abortKey}`), controller);
      // Looked up when needed: a token the credentials fetch or refresh during the request counts too,
      // and so does each one the request was sent with, even if it was replaced meanwhile.
      const sent = new Set<string>();
      const inForce: RequestSecrets = { carries: (text) => this.secretsInForce(sent).carries(text), sent: (values) => values.forEach((v) => sent.add(v)) };
      const result = await this.perform(controller, scope, request.timeoutMs, method, url, () =>
        this.deps.client.perform({ method, url, headers, body }, signal, (m, u) => policy.check(m, u), credentials, inForce),
      );
      const secrets = this.secretsInForce(sent);
      const shown = redactHeaders(result.headers, secrets);
      const safe = redactBody(result.body, secrets);
      // The plugin is told which of its headers were not sent (a header, so ky-style and fetch code alike
      // can read it); only the host sets it, so a server cannot fake or hide the report.
      const headersOut = shown.headers.filter(([name]) => name !== DROPPED_HEADERS_HEADER);
      if (dropped.length > 0) headersOut.push([DROPPED_HEADERS_HEADER, dropped.join(', ')]);
      const value: EgressResponseData = {
        status: result.status,
        // The server's own reason phrase is free text it may fill with anything, a credential
        // included: the plugin gets the standard phrase for the status.
        statusText: STATUS_CODES[result.status] ?? '',
        requestUrl: url.href,
        url: result.url.href,
        redirected: result.redirects > 0,
        headers: headersOut,
        body: encodeResponseBody(safe.body),
      };
      record.succeeded({
        status: result.status,
        bytesIn: result.body.byteLength,
        redirects: result.redirects,
        withheldHeaders: shown.withheld,
        redactedInBody: safe.occurrences,
        reauthenticated: result.reauthenticated,
      });
      return JSON.stringify({ ok: true, value });
    } catch (e) {
      const error = toEgressError(e, controller?.signal, record.url?.href);
      record.failed(error);
      return JSON.stringify({ ok: false, error: error.toFailure() });
    } finally {
      if (controller) this.untrack(scope.invocationId, controller);
      if (cancelKey !== undefined) this.cancellable.delete(cancelKey);
    }
  }

  /**
   * The secrets of this channel's credentials (platform, per-origin, OAuth tokens as they are now),
   * plus those a request was `sent` with, with their encoded forms, rebuilt only when the set changes
   * (what was sent is almost always still in force, so the set is shared).
   */
  private secretsInForce(sent: ReadonlySet<string>): SecretSet {
    const current = this.deps.credentials.secrets();
    const secrets = [...sent].every((v) => current.includes(v)) ? current : secretList([...current, ...sent]);
    const key = secrets.join('\0');
    if (this.secretSet?.key !== key) this.secretSet = { key, set: new SecretSet(secrets) };
    return this.secretSet.set;
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
      // A waiter leaves the queue when its signal aborts (timeout, invocation end).
      release = await this.slots.acquire(controller.signal);
      if (release === undefined) {
        // Refused only when every slot is held and the queue is at its depth, so these are the counts.
        const { maxConcurrentPerPlugin, maxQueuedPerPlugin } = this.deps.limits;
        throw new EgressLimitError(
          'EGRESS_QUEUE_FULL',
          `the plugin already has ${maxConcurrentPerPlugin} requests in flight and ${maxQueuedPerPlugin} waiting (egress.maxConcurrentPerPlugin / maxQueuedPerPlugin)`,
        );
      }
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
    this.cancellable.clear();
    this.deps.onDisposed?.();
  }
}
