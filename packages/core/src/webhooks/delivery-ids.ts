/**
 * Delivery ids a webhook router has accepted recently, per connection: a platform that names each delivery and keeps
 * the name on its retries (Jira's `X-Atlassian-Webhook-Identifier` with `X-Atlassian-Webhook-Retry`) has its retries
 * answered 200 without being parsed, hydrated or queued again. In memory and bounded: after a restart, or on another
 * worker, a retry is processed once more and the version dedupe drops what it delivers, so this only saves work.
 */
export class RecentDeliveries {
  readonly #seen = new Map<string, number>();
  readonly #max: number;
  readonly #ttlMs: number;

  /**
   * @param max - Most ids kept; the oldest go first.
   * @param ttlMs - How long an id is remembered (platforms retry for a bounded time: Jira for about 30 minutes).
   */
  constructor(max = 10_000, ttlMs = 60 * 60_000) {
    this.#max = max;
    this.#ttlMs = ttlMs;
  }

  /** Whether this connection accepted a delivery of this id within the last `ttlMs`. */
  has(connectionId: string, deliveryId: string, now = Date.now()): boolean {
    const at = this.#seen.get(`${connectionId}\u0000${deliveryId}`);
    return at !== undefined && now - at < this.#ttlMs;
  }

  /** Records an accepted delivery. */
  add(connectionId: string, deliveryId: string, now = Date.now()): void {
    const key = `${connectionId}\u0000${deliveryId}`;
    this.#seen.delete(key);
    this.#seen.set(key, now);
    while (this.#seen.size > this.#max) this.#seen.delete(this.#seen.keys().next().value!);
  }
}
