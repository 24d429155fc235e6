/**
 * Lets at most `limit` callers in at once; up to `queueDepth` more wait in order; past that, callers
 * are turned away at once (outcome `rejected`).
 */
export class ConcurrencyGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly limit: number,
    private readonly queueDepth: number,
  ) {}

  /** Resolves true when the caller may run, false when the queue is full. */
  acquire(): Promise<boolean> {
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve(true);
    }
    if (this.waiting.length >= this.queueDepth) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => this.waiting.push(() => resolve(true)));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
