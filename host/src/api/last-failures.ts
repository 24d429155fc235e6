import type { HandlerOutcome } from '../store/handler-outcome.js';

/** The latest invocation of a plugin that did not succeed, as the plugins view shows it. */
export interface LastFailure {
  readonly handler: string;
  readonly version: string;
  readonly outcome: HandlerOutcome['outcome'];
  readonly code: string | null;
  readonly message: string | null;
  readonly at: string;
}

/**
 * Remembers each plugin's latest invocation that did not succeed since the service started, so an
 * admin sees why a plugin is failing next to its counters (its `lastError` is about loading and
 * crashes of the plugin itself, not about what its handlers answered).
 */
export class LastFailures {
  private readonly byPlugin = new Map<string, LastFailure>();

  observe(o: HandlerOutcome): void {
    if (o.outcome === 'succeeded') return;
    this.byPlugin.set(o.plugin, { handler: o.handler, version: o.version, outcome: o.outcome, code: o.error?.code ?? null, message: o.error?.message ?? null, at: new Date().toISOString() });
  }

  of(plugin: string): LastFailure | null {
    return this.byPlugin.get(plugin) ?? null;
  }
}
