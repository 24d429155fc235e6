import pg from 'pg';

/** Channels JobHook hosts NOTIFY each other on; the payload is the sending host's id. */
export const CHANNELS = { events: 'jobhook_events', deployments: 'jobhook_deployments' } as const;
export type Channel = keyof typeof CHANNELS;

const COALESCE_MS = 10;

/**
 * One dedicated connection LISTENing on JobHook's channels. Notifications from other hosts wake the
 * listeners at once; a slow fallback timer wakes them too, so that a notification lost while the
 * connection was down (or a server that drops them) delays work by seconds, never forever. The
 * connection is re-made with backoff after it fails, and a reconnect wakes every listener.
 */
export class PgNotifier {
  private readonly listeners: Record<Channel, Set<() => void>> = { events: new Set(), deployments: new Set() };
  private client: pg.Client | null = null;
  private closed = false;
  private retryMs = 250;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly fallback: NodeJS.Timeout;
  private coalescing: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly hostId: string,
    fallbackMs: number,
    private readonly onError: (message: string) => void,
  ) {
    this.fallback = setInterval(() => this.fire('events', 'deployments'), fallbackMs);
    this.fallback.unref();
  }

  /** Connects and LISTENs; resolves once listening (or rejects: the caller decides whether that is fatal). */
  async start(): Promise<void> {
    await this.connect();
  }

  /** Calls `listener` when another host notifies `channel` (and on the fallback timer); returns the unsubscribe. */
  on(channel: Channel, listener: () => void): () => void {
    this.listeners[channel].add(listener);
    return () => this.listeners[channel].delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.fallback);
    clearTimeout(this.retryTimer);
    clearTimeout(this.coalescing);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on('error', (e) => this.lost(client, e));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    client.on('notification', (n) => {
      if (n.payload === this.hostId) return;
      const channel = (Object.keys(CHANNELS) as Channel[]).find((c) => CHANNELS[c] === n.channel);
      if (channel === 'events') this.fireSoon();
      else if (channel) this.fire(channel);
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNELS.events}; LISTEN ${CHANNELS.deployments}`);
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = 250;
  }

  private lost(client: pg.Client, e: Error): void {
    if (this.closed || this.client !== client) return;
    this.client = null;
    this.onError(`the store's LISTEN connection failed (${e.message}); reconnecting`);
    void client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.connect().then(
        () => this.fire('events', 'deployments'),
        (e: Error) => {
          this.onError(`reconnecting the store's LISTEN connection failed (${e.message}); retrying in ${Math.round(this.retryMs / 1000)} s`);
          this.retryMs = Math.min(this.retryMs * 2, 10_000);
          if (!this.closed) this.scheduleReconnect();
        },
      );
    }, this.retryMs);
    this.retryTimer.unref();
  }

  // Other hosts commit new events many times a second under load; one wake per few milliseconds
  // lets this host claim them in one batch instead of one claim (one transaction) per notification.
  private fireSoon(): void {
    if (this.coalescing) return;
    this.coalescing = setTimeout(() => {
      this.coalescing = undefined;
      this.fire('events');
    }, COALESCE_MS);
  }

  private fire(...channels: Channel[]): void {
    for (const c of channels) for (const l of this.listeners[c]) l();
  }
}
