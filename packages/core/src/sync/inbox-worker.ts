import type { Scheduler } from '../scheduler/scheduler.js';
import type { StateStore } from '../store/state-store.js';
import type { InboxEntry } from '../store/types.js';
import { backoffDelay } from '../http/retry.js';
import type { KeyedMutex } from '../util/keyed-mutex.js';
import { deliverBatch, type TicketSink } from './deliver.js';
import { LockLease } from './lock-lease.js';
import type { RetryPolicy } from './sync-engine.js';

/** A webhook delivery to the host that failed and will be tried again. */
export interface InboxFailure {
  connectionId: string;
  inboxId: string;
  /** The handler's error message. */
  message: string;
  /** Deliveries tried so far, this one included. */
  attempts: number;
  /** When the next one starts (ISO-8601). */
  nextRetryAt: string;
}

/** Dependencies of the {@link InboxWorker}. */
export interface InboxWorkerOptions {
  store: StateStore;
  sink: TicketSink;
  /** Shared with the sync engine: one delivery per connection at a time, poll or webhook. */
  mutex: KeyedMutex;
  scheduler: Scheduler;
  /**
   * The sync engine's run policy: the same back-off formula and ceiling. Attempts are not capped: an entry was
   * answered 2xx, so it stays in the durable inbox and is tried again at most `maxDelayMs` apart until the host
   * takes it.
   */
  retry: RetryPolicy;
  failed(failure: InboxFailure): void;
  /**
   * Set when the scheduler is shared by several worker processes ({@link Scheduler.bind}): deliveries then run as
   * scheduler jobs keyed `inbox:<connectionId>`, each delivering the connection's pending entries in order under the
   * same store lock as the sync engine's runs (`sync:<connectionId>`), so a webhook delivery never interleaves with
   * another worker's page. Without it, deliveries run in this process under {@link InboxWorkerOptions.mutex}.
   */
  shared?: {
    /** Lock owner prefix of this process. */
    workerId: string;
    /** The sync lock's time-to-live (renewed while the deliveries last). */
    lockTtlMs: number;
    /** Delay before trying again when another worker holds the lock (default 1000 ms). */
    lockBusyDelayMs?: number;
  };
}

/**
 * Delivers accepted webhooks from the durable inbox to the host, beside the sync engine and through the same
 * {@link deliverBatch}: dedupe against what polls delivered, then the host's handler, then the acknowledgement in
 * the same store transaction. The router hands it each entry after the 2xx; on start it replays what a crash left.
 */
export class InboxWorker {
  readonly #o: InboxWorkerOptions;
  readonly #inflight = new Set<Promise<void>>();

  constructor(options: InboxWorkerOptions) {
    this.#o = options;
  }

  /** Delivers an entry that is already in the store's inbox. */
  enqueue(entry: InboxEntry): void {
    if (this.#o.shared) {
      this.#o.scheduler.once(`inbox:${entry.connectionId}`, 0, () => this.deliverPending(entry.connectionId));
      return;
    }
    const work = this.#process(entry);
    this.#inflight.add(work);
    void work.finally(() => this.#inflight.delete(work));
  }

  /** Delivers every entry still pending (for one connection, or all): after a restart, or when a connection resumes. */
  async replay(connectionId?: string): Promise<void> {
    const pending = await this.#o.store.inboxPending(connectionId);
    if (this.#o.shared) {
      // One job per connection delivers all of its entries.
      const seen = new Set<string>();
      for (const entry of pending) if (!seen.has(entry.connectionId) && seen.add(entry.connectionId)) this.enqueue(entry);
      return;
    }
    for (const entry of pending) this.enqueue(entry);
  }

  /**
   * The shared-scheduler job `inbox:<connectionId>`: delivers the connection's pending entries oldest first under the
   * store's sync lock. Another worker holding the lock (a sync run, or this same job there) makes it try again after
   * `lockBusyDelayMs`; a failed delivery stops it (later entries wait: order is kept) and schedules it again after the
   * retry policy's back-off.
   */
  deliverPending(connectionId: string): Promise<void> {
    const work = this.#deliverPending(connectionId);
    this.#inflight.add(work);
    void work.finally(() => this.#inflight.delete(work));
    return work;
  }

  async #deliverPending(connectionId: string): Promise<void> {
    const { store, scheduler } = this.#o;
    const shared = this.#o.shared!;
    const again = (delayMs: number) => scheduler.once(`inbox:${connectionId}`, delayMs, () => this.deliverPending(connectionId));
    let lease: LockLease | undefined;
    try {
      const connection = await store.getConnection(connectionId);
      // Paused: kept in the inbox and replayed on resume. Disconnected: the store dropped the entries with it.
      if (!connection || connection.status === 'paused') return;
      if ((await store.inboxPending(connectionId)).length === 0) return;
      lease = await LockLease.acquire(store, `sync:${connectionId}`, `${shared.workerId}:inbox`, shared.lockTtlMs);
    } catch {
      // The store is away: the entries are safe in it; try again after the first back-off step.
      again(this.#o.retry.baseDelayMs);
      return;
    }
    if (!lease) {
      const busy = shared.lockBusyDelayMs ?? 1000;
      again(busy + Math.floor(Math.random() * busy * 0.2));
      return;
    }
    try {
      // Read under the lock: entries another worker delivered before it released the lock are acknowledged already.
      for (const entry of await store.inboxPending(connectionId)) {
        if (!lease.held) {
          again(0);
          return;
        }
        try {
          await this.#o.mutex.run(connectionId, () =>
            deliverBatch({
              store,
              connectionId,
              tickets: entry.tickets,
              source: entry.source,
              receivedAt: entry.receivedAt,
              sink: this.#o.sink,
              ackInboxId: entry.id,
              guard: () => {
                if (!lease.held) throw new Error('the sync lock expired during the delivery; another worker delivers this entry');
              },
            }),
          );
        } catch (error) {
          // A lost lock is no failure of the host: whoever holds the lock now delivers the entry.
          if (!lease.held) again(0);
          else again(await this.#failed(entry, error));
          return;
        }
      }
    } finally {
      await lease.release().catch(() => undefined);
    }
  }

  /** Counts a failed attempt, reports it, and returns the delay before the next one. */
  async #failed(entry: InboxEntry, error: unknown): Promise<number> {
    await this.#o.store.inboxAttempt(entry.id).catch(() => undefined);
    const attempts = entry.attempts + 1;
    const delay = backoffDelay(attempts, this.#o.retry.baseDelayMs, this.#o.retry.maxDelayMs);
    this.#o.failed({
      connectionId: entry.connectionId,
      inboxId: entry.id,
      message: error instanceof Error ? error.message : String(error),
      attempts,
      nextRetryAt: new Date(Date.now() + delay).toISOString(),
    });
    return delay;
  }

  /** Waits for the deliveries under way (scheduled retries are the scheduler's to cancel). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#inflight]);
  }

  async #process(entry: InboxEntry): Promise<void> {
    const { store } = this.#o;
    const connection = await store.getConnection(entry.connectionId).catch(() => undefined);
    // Paused: kept in the inbox and replayed on resume. Disconnected: the store dropped the entry with it.
    if (!connection || connection.status === 'paused') return;
    try {
      await this.#o.mutex.run(entry.connectionId, () =>
        deliverBatch({ store, connectionId: entry.connectionId, tickets: entry.tickets, source: entry.source, receivedAt: entry.receivedAt, sink: this.#o.sink, ackInboxId: entry.id }),
      );
    } catch (error) {
      const delay = await this.#failed(entry, error);
      const attempts = entry.attempts + 1;
      this.#o.scheduler.once(`inbox:${entry.id}`, delay, async () => {
        this.enqueue({ ...entry, attempts });
      });
    }
  }
}
