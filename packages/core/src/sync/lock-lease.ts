import type { StateStore } from '../store/state-store.js';

/**
 * A store lock held for the length of one piece of work, kept alive by renewing it on a timer at a third of its
 * time-to-live. The work asks {@link LockLease.held} before each step that must not happen twice (delivering a
 * ticket, committing a page): a lease whose renewal was refused, or whose expiry passed while the event loop was
 * busy, is no longer held, because another worker may have taken the lock over.
 */
export class LockLease {
  readonly #store: StateStore;
  readonly #key: string;
  readonly #owner: string;
  readonly #ttlMs: number;
  /** Expiry as of the last acquire or renewal the store confirmed, measured from before the store call. */
  #heldUntil: number;
  #lost = false;
  #renewing = false;
  readonly #timer: ReturnType<typeof setInterval>;

  private constructor(store: StateStore, key: string, owner: string, ttlMs: number, heldUntil: number) {
    this.#store = store;
    this.#key = key;
    this.#owner = owner;
    this.#ttlMs = ttlMs;
    this.#heldUntil = heldUntil;
    this.#timer = setInterval(() => void this.#renew(), Math.max(10, Math.floor(ttlMs / 3)));
    // A lease must never keep a host process alive on its own.
    this.#timer.unref?.();
  }

  /** Takes the lock and starts renewing it; undefined when another owner holds it. */
  static async acquire(store: StateStore, key: string, owner: string, ttlMs: number): Promise<LockLease | undefined> {
    const asked = Date.now();
    if (!(await store.acquireLock(key, owner, ttlMs))) return undefined;
    return new LockLease(store, key, owner, ttlMs, asked + ttlMs);
  }

  /** True while no other owner can have taken the lock. */
  get held(): boolean {
    return !this.#lost && Date.now() < this.#heldUntil;
  }

  async #renew(): Promise<void> {
    if (this.#renewing || this.#lost) return;
    this.#renewing = true;
    const asked = Date.now();
    try {
      if (await this.#store.renewLock(this.#key, this.#owner, this.#ttlMs)) this.#heldUntil = asked + this.#ttlMs;
      else this.#lost = true;
    } catch {
      // A store hiccup: the expiry is not extended, so `held` turns false by itself if the store stays away.
    } finally {
      this.#renewing = false;
    }
  }

  /** Stops renewing and releases the lock if this owner still holds it. */
  async release(): Promise<void> {
    clearInterval(this.#timer);
    this.#lost = true;
    await this.#store.releaseLock(this.#key, this.#owner);
  }
}
