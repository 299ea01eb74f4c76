import type { Ticket, TicketDraft, TicketEvent, TicketSource } from '../model/ticket.js';
import type { StateStore } from '../store/state-store.js';
import type { DeliveredVersion, PageCommit, SyncRun } from '../store/types.js';
import type { JsonValue } from '../util/json.js';
import { diffVersions, idempotencyKey, judgeVersion, toDeliveredVersion, versionFingerprint } from './versioning.js';

/**
 * Receives each new version; the page is committed only after every call returned (and the promise it returned, if
 * any, resolved). A sink whose host handlers are all synchronous returns nothing, so a ticket costs no promise.
 */
export type TicketSink = (event: TicketEvent) => Promise<void> | void;

/** Result of delivering one batch. */
export interface DeliveryResult {
  delivered: number;
  duplicates: number;
}

/** What {@link deliverBatch} delivers, and how. */
interface DeliverBatchOptions {
  store: StateStore;
  connectionId: string;
  tickets: TicketDraft[];
  source: TicketSource;
  receivedAt: string;
  sink: TicketSink;
  cursor?: JsonValue | null;
  ackInboxId?: string;
  /**
   * Called before each ticket is handed to the sink and before the commit; throwing abandons the batch uncommitted
   * (the sync engine throws when its lock lease is no longer held, so a worker that lost the lock commits nothing).
   */
  guard?: () => void;
  /**
   * The run's history record as it will stand once this batch is committed, given the batch's counts: committed in
   * the same transaction as the versions and the cursor (see {@link PageCommit.run}).
   */
  runAfter?: (result: DeliveryResult) => SyncRun;
  /**
   * The drafts were made for this delivery and nobody else holds them (a connector's pull page): each becomes its
   * event's ticket itself, `connectionId` added, instead of being copied. Drafts the host handed over (an import) are
   * copied, so the host's objects are never changed.
   */
  ownsDrafts?: boolean;
}

/**
 * Delivers one page (or one webhook batch) to the host exactly once per version:
 * read the previous versions → emit the new ones in order, awaiting the host → commit versions, cursor and inbox
 * acknowledgement in one store transaction. A crash before the commit replays the page; the host sees the
 * replayed versions again with the same idempotency keys (the documented crash window).
 *
 * Callers serialize calls per connection (see `KeyedMutex`).
 */
export async function deliverBatch(options: DeliverBatchOptions): Promise<DeliveryResult> {
  const { store, connectionId, tickets } = options;
  const previous = await store.getVersions(connectionId, [...new Set(tickets.map((t) => t.externalId))]);
  const page = new PageDelivery(options, previous);
  // The per-ticket loop runs synchronously until a handler returns a promise. It lives apart from this per-page code
  // so that V8 optimizes it alone: compiled together, the per-page steps (the store calls run once a page and have
  // little type feedback in a new process) made the optimized loop deoptimize and compile again mid-sync.
  for (let pending = page.run(); pending; pending = page.run()) await pending;
  const { written, delivered, duplicates } = page;
  const commit: PageCommit = { versions: [...written.values()] };
  if (options.cursor !== undefined) commit.cursor = options.cursor;
  if (options.ackInboxId) commit.ackInboxId = options.ackInboxId;
  const result: DeliveryResult = { delivered, duplicates };
  if (options.runAfter) commit.run = options.runAfter(result);
  options.guard?.();
  await store.commitPage(connectionId, commit);
  return result;
}

/**
 * The tickets of one batch, delivered in order. {@link PageDelivery.run} goes on from where it stopped: it returns
 * the promise of a handler still running (the ticket is recorded as delivered on the next call, so only after the
 * promise resolved) or undefined once every ticket went through.
 */
class PageDelivery {
  readonly written = new Map<string, DeliveredVersion>();
  delivered = 0;
  duplicates = 0;
  #next = 0;
  /** The ticket whose handler's promise was handed out by the last call. */
  #awaited: TicketDraft | undefined;
  #awaitedFingerprint = '';
  readonly #o: DeliverBatchOptions;
  readonly #previous: Map<string, DeliveredVersion>;

  constructor(options: DeliverBatchOptions, previous: Map<string, DeliveredVersion>) {
    this.#o = options;
    this.#previous = previous;
  }

  run(): Promise<void> | undefined {
    const { connectionId, tickets, source, receivedAt, sink, guard, ownsDrafts } = this.#o;
    const written = this.written;
    if (this.#awaited) {
      this.#record(this.#awaited, this.#awaitedFingerprint);
      this.#awaited = undefined;
    }
    while (this.#next < tickets.length) {
      const draft = tickets[this.#next++]!;
      const fingerprint = versionFingerprint(draft);
      const prior = written.get(draft.externalId) ?? this.#previous.get(draft.externalId);
      if (judgeVersion(draft, fingerprint, prior) !== 'new') {
        this.duplicates++;
        continue;
      }
      let ticket: Ticket;
      if (ownsDrafts) {
        ticket = draft as Ticket;
        ticket.connectionId = connectionId;
      } else {
        ticket = { ...draft, connectionId };
      }
      const type = draft.deleted ? 'ticket.deleted' : prior && !prior.deleted ? 'ticket.updated' : 'ticket.created';
      const changes = type === 'ticket.updated' && prior ? diffVersions(prior, draft) : undefined;
      const event: TicketEvent = {
        type,
        ticket,
        source,
        connectionId,
        receivedAt,
        idempotencyKey: idempotencyKey(connectionId, draft, fingerprint),
      };
      // Set only when there are changes (no empty object spread into every new ticket's event).
      if (changes) event.changes = changes;
      guard?.();
      const pending = sink(event);
      if (pending) {
        this.#awaited = draft;
        this.#awaitedFingerprint = fingerprint;
        return pending;
      }
      this.#record(draft, fingerprint);
    }
    return undefined;
  }

  #record(draft: TicketDraft, fingerprint: string): void {
    // The page's receive time stands for the delivery time: retention prunes by days, and one clock read per ticket
    // was measurable.
    this.written.set(draft.externalId, toDeliveredVersion(draft, fingerprint, this.#o.receivedAt));
    this.delivered++;
  }
}
