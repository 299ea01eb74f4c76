import { compareSortKeys, lowerBound, type SortKey } from './compare-sort-keys.js';

/** Options of {@link TicketTable}. */
export interface TicketTableOptions<T> {
  /** The record's id as the platform prints it. */
  id(record: T): string;
  /**
   * The record's updated time in epoch ms, at the platform's own granularity (truncate to whole seconds for
   * platforms whose API filters by seconds), so ties happen exactly as they do on the real platform.
   */
  updatedAt(record: T): number;
}

interface Entry {
  updatedAt: number;
  id: string;
}

const entryKey = (e: Entry): SortKey => [e.updatedAt, e.id];

/**
 * An in-memory table of platform-shaped records, indexed by id and kept sorted by `(updatedAt, id)`. Simulators
 * build their "changed since" endpoints on {@link TicketTable.changedSince}: records that share an updated time
 * keep a stable order by id, which is what cursor pagination over such feeds needs to never skip or repeat one.
 *
 * @example
 * ```ts
 * const table = new TicketTable<AcmeTicket>({ id: (t) => t.id, updatedAt: (t) => Date.parse(t.updated_at) });
 * table.upsert(ticket);
 * const feed = table.changedSince(Date.parse(since));
 * ```
 */
export class TicketTable<T> {
  readonly #options: TicketTableOptions<T>;
  readonly #byId = new Map<string, { record: T; entry: Entry }>();
  /** Sorted by (updatedAt, id); updated in place so a 100 000-record table never re-sorts. */
  readonly #order: Entry[] = [];
  /**
   * `#order` resolved to records, rebuilt on the first read after a write. Feeds are read page by page far more
   * often than they change; resolving every id on every page request made a 100 000-ticket walk quadratic.
   */
  #records: T[] | undefined;

  constructor(options: TicketTableOptions<T>) {
    this.#options = options;
  }

  /** Inserts or replaces the record with the same id; it moves to its new place in the updated-time order. */
  upsert(record: T): T {
    const id = this.#options.id(record);
    const updatedAt = this.#options.updatedAt(record);
    if (!Number.isFinite(updatedAt)) throw new TypeError(`[ticketbridge] TicketTable: record ${id} has no valid updated time`);
    const old = this.#byId.get(id);
    if (old) this.#order.splice(lowerBound(this.#order, entryKey(old.entry), entryKey, false), 1);
    const entry: Entry = { updatedAt, id };
    this.#order.splice(lowerBound(this.#order, entryKey(entry), entryKey, false), 0, entry);
    this.#byId.set(id, { record, entry });
    this.#records = undefined;
    return record;
  }

  /** The record with this id, if any. */
  get(id: string): T | undefined {
    return this.#byId.get(id)?.record;
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** Removes a record entirely (a hard delete; most platforms keep a tombstone instead: upsert that). */
  remove(id: string): boolean {
    const old = this.#byId.get(id);
    if (!old) return false;
    this.#order.splice(lowerBound(this.#order, entryKey(old.entry), entryKey, false), 1);
    this.#byId.delete(id);
    this.#records = undefined;
    return true;
  }

  /** Number of records. */
  get size(): number {
    return this.#order.length;
  }

  /** Every record, oldest update first (ties by id). */
  all(): T[] {
    return this.#order.map((e) => this.#byId.get(e.id)!.record);
  }

  /**
   * Records updated at or after `since` (epoch ms), oldest first, ties by id. With `exclusive: true`, strictly
   * after: the semantics of platforms whose filter is `>` rather than `>=`.
   */
  changedSince(since: number, options: { exclusive?: boolean } = {}): T[] {
    // A copy: callers may keep or sort what they get without touching the table.
    return this.#ordered().slice(this.#firstChangedAt(since, options));
  }

  /**
   * {@link TicketTable.changedSince} without the copy when every record matches: a read-only view, valid until the
   * next write. For endpoints that serve one page of the feed per request, where copying a 100 000-record feed on
   * every request would cost more than the page itself.
   */
  changedSinceView(since: number, options: { exclusive?: boolean } = {}): readonly T[] {
    const start = this.#firstChangedAt(since, options);
    const ordered = this.#ordered();
    return start === 0 ? ordered : ordered.slice(start);
  }

  /** The sort key of a record: `[updatedAt, id]`, what cursors encode. */
  keyOf(record: T): SortKey {
    return [this.#options.updatedAt(record), this.#options.id(record)];
  }

  /** Orders two records as the table does. */
  compare(a: T, b: T): number {
    return compareSortKeys(this.keyOf(a), this.keyOf(b));
  }

  #firstChangedAt(since: number, options: { exclusive?: boolean }): number {
    let start = 0;
    let hi = this.#order.length;
    while (start < hi) {
      const mid = (start + hi) >>> 1;
      const t = this.#order[mid]!.updatedAt;
      if (t < since || (options.exclusive && t === since)) start = mid + 1;
      else hi = mid;
    }
    return start;
  }

  #ordered(): T[] {
    return (this.#records ??= this.#order.map((e) => this.#byId.get(e.id)!.record));
  }
}
