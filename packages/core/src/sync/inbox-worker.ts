import type { Scheduler } from '../scheduler/scheduler.js';
import type { StateStore } from '../store/state-store.js';
import type { InboxEntry } from '../store/types.js';
import { backoffDelay } from '../http/retry.js';
import type { KeyedMutex } from '../util/keyed-mutex.js';
import { deliverBatch, type TicketSink } from './deliver.js';
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
    const work = this.#process(entry);
    this.#inflight.add(work);
    void work.finally(() => this.#inflight.delete(work));
  }

  /** Delivers every entry still pending (for one connection, or all): after a restart, or when a connection resumes. */
  async replay(connectionId?: string): Promise<void> {
    for (const entry of await this.#o.store.inboxPending(connectionId)) this.enqueue(entry);
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
      await store.inboxAttempt(entry.id).catch(() => undefined);
      const attempts = entry.attempts + 1;
      const delay = backoffDelay(attempts, this.#o.retry.baseDelayMs, this.#o.retry.maxDelayMs);
      this.#o.failed({
        connectionId: entry.connectionId,
        inboxId: entry.id,
        message: error instanceof Error ? error.message : String(error),
        attempts,
        nextRetryAt: new Date(Date.now() + delay).toISOString(),
      });
      this.#o.scheduler.once(`inbox:${entry.id}`, delay, async () => {
        this.enqueue({ ...entry, attempts });
      });
    }
  }
}
