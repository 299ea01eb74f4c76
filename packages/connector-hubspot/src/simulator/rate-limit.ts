/** A rolling-window limiter that remembers when it told the client to wait. */
export class RollingLimiter {
  readonly #hits: number[] = [];
  constructor(public config: { limit: number; windowMs: number } | null) {}
  /** New limits start a fresh window: the client cannot have been told about the new limit before. */
  reset(config: { limit: number; windowMs: number } | null): void {
    this.config = config;
    this.#hits.length = 0;
  }
  #prune(now: number): void {
    const windowMs = this.config?.windowMs ?? 10_000;
    while (this.#hits.length && this.#hits[0]! <= now - windowMs) this.#hits.shift();
  }
  /** Whether a request now is over the limit; records it when not. */
  take(now: number): boolean {
    this.#prune(now);
    if (!this.config) {
      this.#hits.push(now);
      return false;
    }
    if (this.#hits.length >= this.config.limit) return true;
    this.#hits.push(now);
    return false;
  }
  remaining(now: number, fallbackLimit: number): number {
    this.#prune(now);
    return Math.max(0, (this.config?.limit ?? fallbackLimit) - this.#hits.length);
  }
  /** Ms until the oldest hit leaves the window. */
  freeInMs(now: number): number {
    const windowMs = this.config?.windowMs ?? 10_000;
    return this.#hits.length ? Math.max(1, this.#hits[0]! + windowMs - now) : 0;
  }
}
