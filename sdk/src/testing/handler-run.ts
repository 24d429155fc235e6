import { AssertionError } from 'node:assert';
import { levelOf, type HostLogLine, type PluginLogLine } from './log-sink.js';
import type { HostHandlerOutcome, Outcome } from './load-host.js';
import { compilePath, type PlatformRequest } from './platform-routes.js';

/** What one handler invocation did, as a test sees it. */
export interface HandlerRun {
  readonly plugin: string;
  readonly version: string;
  readonly handler: string;
  /** How the invocation ended, as the host records it. */
  readonly outcome: Outcome;
  /** What `runHandler` returned; null when it did not return (threw, timed out, crashed). */
  readonly result: boolean | null;
  /** Why it did not return, when it did not. */
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly durationMs: number;
  /** The event as sent to the host (before normalisation). */
  readonly event: Readonly<Record<string, unknown>>;
  /** The plugin's log lines during this invocation. */
  readonly logs: readonly PluginLogLine[];
  /** Requests that reached the fake platform during this invocation (allowed by the egress policy). */
  readonly requests: readonly PlatformRequest[];
  /** The host's own log lines about this invocation (e.g. egress denials), for diagnosis. */
  readonly hostLogs: readonly HostLogLine[];
  /** A readable account of the invocation: outcome, error, requests, logs. Put it in assertion messages. */
  report(): string;
}

function short(value: unknown, max = 160): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? '' : text.length > max ? `${text.slice(0, max)}…` : text;
}

function describeRequest(r: PlatformRequest): string {
  const query = new URLSearchParams(r.query as Record<string, string>).toString();
  const answer = r.route === null ? `${r.status} (no route in the test's platform routes)` : `${r.status}`;
  const body = r.body.length > 0 ? `  body ${short(r.json ?? r.body)}` : '';
  return `${r.method} ${r.path}${query ? `?${query}` : ''} → ${answer}${body}`;
}

function describeHostLine(line: HostLogLine): string {
  if (line.source === 'egress' && typeof line.method === 'string' && typeof line.url === 'string') {
    // An egress line: the request the host refused or failed, which never reached the platform.
    return `${levelOf(line).padEnd(5)} ${String(line.msg ?? '')}: ${line.method} ${line.url}${typeof line.code === 'string' ? ` (${line.code})` : ''}`;
  }
  const { level: _l, time: _t, pid: _p, hostname: _h, service: _s, msg, plugin: _pl, version: _v, invocationId: _i, ...rest } = line;
  const extra = Object.keys(rest).length > 0 ? ` ${short(rest, 300)}` : '';
  return `${levelOf(line).padEnd(5)} ${String(msg ?? '')}${extra}`;
}

/** Builds the report text of a run. */
export function formatReport(run: Omit<HandlerRun, 'report'>): string {
  const lines = [
    `plugin '${run.plugin}' ${run.version}, handler '${run.handler}': ${run.outcome}${run.result === null ? '' : ` (runHandler returned ${run.result})`} in ${run.durationMs} ms`,
  ];
  if (run.error) lines.push(`error: ${run.error.code}: ${run.error.message}`);
  lines.push(`event: ${short(run.event, 400)}`);
  lines.push(`platform requests (${run.requests.length}):`, ...run.requests.map((r) => `  ${describeRequest(r)}`));
  lines.push(
    `plugin logs (${run.logs.length}):`,
    ...run.logs.map((l) => `  ${l.level.padEnd(5)} ${l.message}${Object.keys(l.fields).length > 0 ? ` ${short(l.fields, 300)}` : ''}`),
  );
  // The dispatcher's own summary line (it carries `outcome`) repeats the first line; leave it out.
  const notable = run.hostLogs.filter((l) => (typeof l.level === 'number' ? l.level >= 40 : true) && l.outcome === undefined);
  if (notable.length > 0) lines.push(`host warnings (${notable.length}):`, ...notable.map((l) => `  ${describeHostLine(l)}`));
  return lines.join('\n');
}

/** Assembles a HandlerRun from the host's outcome and what the harness captured. */
export function handlerRun(
  outcome: HostHandlerOutcome,
  captured: Pick<HandlerRun, 'event' | 'logs' | 'requests' | 'hostLogs'>,
): HandlerRun {
  const data: Omit<HandlerRun, 'report'> = {
    plugin: outcome.plugin,
    version: outcome.version,
    handler: outcome.handler,
    outcome: outcome.outcome,
    result: outcome.outcome === 'succeeded' ? true : outcome.outcome === 'failed' ? false : null,
    error: outcome.error ?? null,
    durationMs: outcome.durationMs,
    ...captured,
  };
  return { ...data, report: () => formatReport(data) };
}

/** Asserts how the run ended; the failure message carries the whole report. */
export function expectOutcome(run: HandlerRun, expected: Outcome): void {
  if (run.outcome === expected) return;
  throw new AssertionError({
    message: `expected handler '${run.handler}' to end '${expected}' but it ended '${run.outcome}'\n${run.report()}`,
    actual: run.outcome,
    expected,
    operator: 'strictEqual',
  });
}

/**
 * Finds the first platform request matching `'METHOD path'` (path relative to `/KeyfactorAPI/`,
 * `*` for one segment, `**` for any suffix, as in route keys) and returns it; fails with the report when there is none.
 */
export function expectRequest(run: HandlerRun, key: string): PlatformRequest {
  const [method = '', pattern = ''] = key.trim().split(/\s+/, 2);
  const re = compilePath(pattern);
  const hit = run.requests.find((r) => (method === '*' || r.method === method.toUpperCase()) && re.test(r.path));
  if (hit !== undefined) return hit;
  throw new AssertionError({
    message: `expected the plugin to request '${key}' but it did not\n${run.report()}`,
    actual: run.requests.map((r) => `${r.method} ${r.path}`),
    expected: key,
    operator: 'includes',
  });
}

/** Finds the first plugin log line whose message contains `text` (or matches it); fails with the report. */
export function expectLog(run: HandlerRun, text: string | RegExp, level?: PluginLogLine['level']): PluginLogLine {
  const hit = run.logs.find((l) => (level === undefined || l.level === level) && (typeof text === 'string' ? l.message.includes(text) : text.test(l.message)));
  if (hit !== undefined) return hit;
  throw new AssertionError({
    message: `expected a plugin log line${level ? ` at level '${level}'` : ''} matching ${String(text)}\n${run.report()}`,
    actual: run.logs.map((l) => `${l.level} ${l.message}`),
    expected: String(text),
    operator: 'includes',
  });
}
