import type { AnyConnector } from '../connector/connector.js';
import type { PullPage } from '../connector/pull-page.js';
import type { TicketDraft, TicketSource } from '../model/ticket.js';
import { AbortedError, ConfigError, CredentialsError, HttpError, PageLimitError, StuckCursorError, TicketbridgeError } from '../errors/index.js';
import type { Redactor } from '../credentials/redact.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { StateStore } from '../store/state-store.js';
import type { RecordedError, StoredConnection, SyncRun, SyncTrigger } from '../store/types.js';
import { newId } from '../util/ids.js';
import type { JsonValue } from '../util/json.js';
import type { KeyedMutex } from '../util/keyed-mutex.js';
import type { Logger } from '../util/logger.js';
import type { ContextFactory } from '../connection/connection-context.js';
import { backoffDelay } from '../http/retry.js';
import { deliverBatch, type TicketSink } from './deliver.js';
import { LockLease } from './lock-lease.js';
import { newSyncRun } from './new-sync-run.js';

/** How failed runs are retried. */
export interface RetryPolicy {
  /** Runs tried in all before giving up until the next scheduled poll (default 6). */
  maxAttempts: number;
  /** Smallest retry delay (default 30 s); the ceiling doubles each attempt, the delay is drawn below it (jitter). */
  baseDelayMs: number;
  /** Upper bound of the delay (default 30 min). */
  maxDelayMs: number;
}

/** Progress of a running sync, emitted after every page as `sync.progress`. */
export interface SyncProgress {
  connectionId: string;
  runId: string;
  pages: number;
  /** Tickets read so far (delivered + duplicates dropped). */
  tickets: number;
  delivered: number;
  /** The platform's total for this query, where it reports one. */
  total?: number;
  /** Time spent waiting on rate limits so far. */
  rateLimitWaitMs: number;
  /** Observed tickets per second. */
  ticketsPerSecond: number;
  /** Estimated time left, when `total` is known. */
  etaMs?: number;
}

/** Callbacks the engine reports through; the hub turns them into events. */
export interface SyncEngineEvents {
  started(run: SyncRun): void;
  progress(progress: SyncProgress): void;
  finished(run: SyncRun): void;
  failed(run: SyncRun, error: RecordedError, willRetry: boolean): void;
  rateLimited(info: { connectionId: string; waitMs: number; status?: number }): void;
  connectionError(connection: StoredConnection): void;
}

/** Dependencies of the {@link SyncEngine}. */
export interface SyncEngineOptions {
  store: StateStore;
  connector(platform: string): AnyConnector | undefined;
  sink: TicketSink;
  events: SyncEngineEvents;
  scheduler: Scheduler;
  mutex: KeyedMutex;
  /** Where the engine's own warnings go (only redacted values). */
  logger: Logger;
  /** Builds each run's connector context (HTTP client, redacting logger). */
  contexts: ContextFactory;
  retry: RetryPolicy;
  /** Sync history kept per connection (default 100). */
  historyLimit: number;
  /** Lock time-to-live; renewed on a timer at a third of it while the run lasts (default 5 min). */
  lockTtlMs: number;
  /** Pages one run may read before it stops as `page_limit` (default 50 000). */
  maxPagesPerRun: number;
  /** Identifies this process in lock ownership. */
  workerId: string;
  /** Hub-wide abort (close). */
  signal: AbortSignal;
}

const lockLost = Symbol('ticketbridge.lockLost');

/** Where a value failed a zod schema, briefly, for history notes. */
function zodIssues(error: { issues: Array<{ path: PropertyKey[]; code: string }> }): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : '(root)'}: ${issue.code}`)
    .join(', ');
}

/** Refused records kept in one run's history (all are counted in `rejected`). */
const MAX_RECORDED_REJECTIONS = 100;

/** One batch of tickets the host hands to `hub.importTickets`, with the records it refused on the way. */
export interface ImportBatch {
  tickets: TicketDraft[];
  /** Records that could not become tickets (a CSV row with a bad date): counted and listed in the run, never emitted. */
  rejected?: readonly RejectedRecord[];
  /**
   * The drafts were made for this import and nothing uses them once yielded: each new version's draft becomes its
   * event's ticket itself (`connectionId` added) instead of a copy. Leave it unset for drafts you keep or reuse;
   * those are copied, so your objects are never changed.
   */
  handOver?: boolean;
}

/** A record an import refused, located so the user can fix it. */
export interface RejectedRecord {
  /** Where it is: `row 12`, `payload 3`. */
  at: string;
  /** The column or path at fault, when one is. */
  field?: string;
  reason: string;
}

/** What {@link SyncEngine.ingest} delivers. */
export interface IngestInput {
  trigger: SyncTrigger;
  source: TicketSource;
  batches: AsyncIterable<ImportBatch> | Iterable<ImportBatch>;
  signal?: AbortSignal;
}

/** A page the run loop reads: a pull page, or an imported batch with what the import said of its drafts. */
type ImportedPage = PullPage<unknown> & { rejected?: readonly RejectedRecord[]; handOver?: boolean };

/** Imported batches as pages the run loop reads (no cursor: an import leaves the connection's cursor alone). */
async function* importedPages(batches: AsyncIterable<ImportBatch> | Iterable<ImportBatch>): AsyncIterable<ImportedPage> {
  for await (const batch of batches) yield { tickets: batch.tickets, nextCursor: null, handOver: batch.handOver === true, ...(batch.rejected ? { rejected: batch.rejected } : {}) };
}

/**
 * Yields what `source` yields, asking it for the next page as soon as one is handed out: the platform prepares and
 * sends page N+1 while the host handles page N and the store commits it, so a sync runs at the pace of the slower
 * of the two instead of their sum. Only reading runs ahead: page N+1 reaches the host after page N is committed,
 * as before, so one page at most is ever uncommitted (the crash window is unchanged). When the consumer stops
 * early, a read still under way is left to finish (it may hold the run's last request) and the source is closed
 * after it, without delaying the run's end.
 */
async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | undefined = iterator.next();
  let finished = false;
  try {
    while (pending) {
      const step: IteratorResult<T> = await pending;
      if (step.done) {
        finished = true;
        return;
      }
      pending = iterator.next();
      // Its failure is reported when the consumer gets to it, not as an unhandled rejection meanwhile.
      pending.catch(() => undefined);
      yield step.value;
    }
  } finally {
    if (!finished) {
      const close = () => iterator.return?.(undefined);
      if (pending) void pending.then(close, close).catch(() => undefined);
      else await close();
    }
  }
}

/** Request retries kept in one run's history; a run retrying more than this is failing anyway. */
const MAX_RECORDED_RETRIES = 100;

/** Another worker holds the sync lock now (ours expired during a long page): this run stops before delivering. */
class LockLost extends Error {
  readonly [lockLost] = true;
  static isInstance(error: unknown): error is LockLost {
    return typeof error === 'object' && error !== null && lockLost in error;
  }
}

const handlerFailure = Symbol('ticketbridge.handlerFailure');

/**
 * Notices a pull that comes back to a cursor it was already at (the start cursor, or any page's): that page is
 * still delivered (its versions are deduplicated), but a page after it means a loop, so the run stops there.
 */
class CursorLoopCheck {
  readonly #seen = new Set<string>();
  readonly #platform: string;
  #repeated: string | undefined;

  constructor(start: unknown, platform: string) {
    this.#seen.add(JSON.stringify(start));
    this.#platform = platform;
  }

  beforePage(): void {
    if (this.#repeated === undefined) return;
    const shown = this.#repeated.length > 200 ? `${this.#repeated.slice(0, 200)}...` : this.#repeated;
    throw new StuckCursorError(`the cursor ${shown} came back after it had already been read; stopping instead of reading the same pages again`, {
      platform: this.#platform,
      cursor: shown,
    });
  }

  see(cursor: unknown): void {
    const key = JSON.stringify(cursor);
    if (this.#seen.has(key)) this.#repeated = key;
    else this.#seen.add(key);
  }
}

/** Thrown when the host's handler failed; retried like a transient error (the host may be briefly down). */
class HandlerFailure extends TicketbridgeError {
  readonly [handlerFailure] = true;
  static override isInstance(error: unknown): error is HandlerFailure {
    return typeof error === 'object' && error !== null && handlerFailure in error;
  }

  constructor(cause: unknown) {
    super('transient', `the host's ticket handler failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'HandlerFailure';
  }
}

/**
 * Runs syncs: one per connection at a time (store lock with expiry), pages delivered and checkpointed one by one,
 * errors classified once, failed runs retried with back-off, and a history record for every run.
 */
export class SyncEngine {
  readonly #o: SyncEngineOptions;
  readonly #running = new Map<string, { controller: AbortController; done: Promise<SyncRun> }>();

  constructor(options: SyncEngineOptions) {
    this.#o = options;
  }

  /** True while a sync of this connection runs in this process. */
  isRunning(connectionId: string): boolean {
    return this.#running.has(connectionId);
  }

  /** Aborts a running sync of this connection (pause, disconnect) and waits for it to stop. */
  async abort(connectionId: string, reason: 'paused' | 'disconnected'): Promise<void> {
    const running = this.#running.get(connectionId);
    if (!running) return;
    running.controller.abort(new AbortedError(`sync aborted: the connection was ${reason}`, { reason }));
    await running.done.catch(() => undefined);
  }

  /** Waits for every running sync. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#running.values()].map((r) => r.done));
  }

  /**
   * Runs one sync of a connection now. Resolves with its history record, also for failures (the record says
   * why); rejects only for an unknown connection.
   */
  async run(connectionId: string, trigger: SyncTrigger, attempt = 1): Promise<SyncRun> {
    const existing = this.#running.get(connectionId);
    if (existing) return existing.done;
    const controller = new AbortController();
    // Follows the hub's signal without a listener on it: one listener per concurrent run on that one signal would
    // trip Node's MaxListenersExceededWarning past ten connections syncing at once.
    const signal = AbortSignal.any([this.#o.signal, controller.signal]);
    const done = this.#run(connectionId, trigger, attempt, signal).finally(() => {
      this.#running.delete(connectionId);
    });
    this.#running.set(connectionId, { controller, done });
    return done;
  }

  /**
   * Delivers tickets the host hands over (a CSV file, a replayed payload) as one run of the connection: the same
   * lock, dedupe, history and progress as a poll, with `source` on every event. The cursor is left as it is. Waits
   * for a running sync of the connection to finish first; resolves with the run's record, also for failures.
   */
  async ingest(connectionId: string, input: IngestInput): Promise<SyncRun> {
    for (;;) {
      const existing = this.#running.get(connectionId);
      if (!existing) break;
      await existing.done.catch(() => undefined);
    }
    const controller = new AbortController();
    const signal = AbortSignal.any([this.#o.signal, controller.signal, ...(input.signal ? [input.signal] : [])]);
    const done = this.#run(connectionId, input.trigger, 1, signal, input).finally(() => {
      this.#running.delete(connectionId);
    });
    this.#running.set(connectionId, { controller, done });
    return done;
  }

  async #run(connectionId: string, trigger: SyncTrigger, attempt: number, signal: AbortSignal, ingest?: IngestInput): Promise<SyncRun> {
    const { store } = this.#o;
    const connection = await store.getConnection(connectionId);
    if (!connection) throw new ConfigError(`unknown connection "${connectionId}"`);
    const connector = this.#o.connector(connection.platform);
    if (!connector) throw new ConfigError(`no connector registered for platform "${connection.platform}"`);

    const runId = newId('run');
    const owner = `${this.#o.workerId}:${runId}`;
    const lockKey = `sync:${connectionId}`;
    const now = () => new Date().toISOString();
    const cursorBefore = await store.getCursor(connectionId);
    const run = newSyncRun({ id: runId, connectionId, trigger, startedAt: now(), attempt, cursor: cursorBefore });

    if (connection.status !== 'active' && trigger !== 'manual' && !ingest) {
      return this.#finishSkipped(run, `connection is ${connection.status}`);
    }
    if (!ingest && connector.polls === false) return this.#finishSkipped(run, `${connector.displayName} has nothing to poll: its tickets arrive by webhook or import`);
    const lease = await LockLease.acquire(store, lockKey, owner, this.#o.lockTtlMs);
    if (!lease) return this.#finishSkipped(run, 'another worker is syncing this connection');
    // The lease renews itself while pages are fetched and while the host handles them; once it is no longer held
    // another worker may have taken over, so nothing more is delivered or committed.
    const guard = () => {
      if (!lease.held) throw new LockLost();
    };

    let redactor: Redactor | undefined;
    try {
      await store.saveRun(run);
      this.#o.events.started({ ...run });
      const { ctx, redactor: r } = this.#o.contexts.create(connector, connection, {
        signal,
        observer: {
          onRequest: () => {
            run.requests++;
          },
          onRateLimited: ({ waitMs, status }) => {
            run.rateLimited++;
            this.#o.events.rateLimited({ connectionId, waitMs, ...(status === undefined ? {} : { status }) });
          },
          onRateLimitWait: (ms) => {
            run.rateLimitWaitMs += ms;
          },
          onRetry: ({ attempt, delayMs, error }) => {
            const retries = (run.retries ??= []);
            if (retries.length >= MAX_RECORDED_RETRIES) return;
            retries.push({
              at: new Date().toISOString(),
              ...(error.request ? { request: error.request } : {}),
              attempt,
              delayMs,
              code: error.code,
              ...(error.status === undefined ? {} : { status: error.status }),
              message: redactor ? redactor.string(error.message) : error.code,
            });
          },
        },
      });
      redactor = r;
      const started = Date.now();
      let total: number | undefined;
      const start = ingest ? null : this.#resumeFrom(connector, cursorBefore, run);
      const loop = new CursorLoopCheck(start, connector.id);
      const pages: AsyncIterable<ImportedPage> = ingest ? importedPages(ingest.batches) : readAhead(connector.pull(ctx, { cursor: start }));
      for await (const page of pages) {
        signal.throwIfAborted();
        guard();
        if (ingest) {
          this.#recordRejected(run, page.rejected);
        } else {
          // Before delivering: a page that follows a repeated cursor is the platform (or connector) going round in
          // circles, and the pages after it would be the same ones again.
          loop.beforePage();
          if (run.pages >= this.#o.maxPagesPerRun) {
            throw new PageLimitError(`stopped after ${run.pages} pages (maxPagesPerRun); the next run resumes from the last page's cursor`, {
              platform: connector.id,
              limit: this.#o.maxPagesPerRun,
            });
          }
          const shape = connector.cursor.safeParse(page.nextCursor);
          if (!shape.success) {
            // Committed, it would be refused on the next resume and every run would start over: stop here instead.
            throw new ConfigError(`the connector yielded a cursor that does not fit its own cursor schema (${zodIssues(shape.error)}); nothing after the last page was committed`, {
              platform: connector.id,
            });
          }
          loop.see(page.nextCursor);
        }
        const receivedAt = now();
        const result = await this.#o.mutex.run(connectionId, () =>
          deliverBatch({
            store,
            connectionId,
            tickets: page.tickets,
            source: ingest?.source ?? 'poll',
            receivedAt,
            ...(ingest ? {} : { cursor: page.nextCursor as JsonValue }),
            guard,
            // A pull page's drafts are the engine's to hand on; imported ones are the host's unless handed over.
            ownsDrafts: !ingest || page.handOver === true,
            // The history record is committed with the page (one store transaction per page, and a crash cannot
            // leave the history and the cursor disagreeing); this process's copy is updated below once it is.
            runAfter: (r) => ({
              ...run,
              pages: run.pages + 1,
              ticketsSynced: run.ticketsSynced + r.delivered,
              duplicatesDropped: run.duplicatesDropped + r.duplicates,
              ...(ingest ? {} : { cursorAfter: page.nextCursor as JsonValue }),
            }),
            sink: (event) => {
              let pending: Promise<void> | void;
              try {
                pending = this.#o.sink(event);
              } catch (error) {
                throw new HandlerFailure(error);
              }
              // Only a handler that returned a promise costs one here.
              if (pending) {
                return pending.catch((error: unknown) => {
                  throw new HandlerFailure(error);
                });
              }
            },
          }),
        );
        run.pages++;
        run.ticketsSynced += result.delivered;
        run.duplicatesDropped += result.duplicates;
        if (!ingest) run.cursorAfter = page.nextCursor as JsonValue;
        if (page.total !== undefined) total = page.total;
        const seen = run.ticketsSynced + run.duplicatesDropped;
        const elapsed = Math.max(1, Date.now() - started);
        const rate = (seen / elapsed) * 1000;
        this.#o.events.progress({
          connectionId,
          runId,
          pages: run.pages,
          tickets: seen,
          delivered: run.ticketsSynced,
          ...(total === undefined ? {} : { total, ...(rate > 0 ? { etaMs: Math.max(0, ((total - seen) / rate) * 1000) } : {}) }),
          rateLimitWaitMs: run.rateLimitWaitMs,
          ticketsPerSecond: Math.round(rate * 10) / 10,
        });
      }
      run.status = 'succeeded';
      run.finishedAt = now();
      await store.saveRun(run);
      await store.pruneRuns(connectionId, this.#o.historyLimit);
      this.#o.events.finished({ ...run });
      return run;
    } catch (error) {
      if (LockLost.isInstance(error)) {
        // Not a failure: the worker that took over resumes from the last committed page, so nothing is lost.
        return this.#finishSkipped(run, `stopped after ${run.pages} pages: the sync lock expired and another worker is syncing this connection`);
      }
      return await this.#fail(run, connection, error, redactor, signal, ingest !== undefined);
    } finally {
      await lease.release().catch(() => undefined);
    }
  }

  /**
   * The stored cursor, if it fits the connector's cursor schema. One that does not (written by another connector or
   * version, or corrupt) is never handed to `pull`: the run starts from the beginning, says so in its note, and
   * dedupe drops every version already delivered. The same for every connector.
   */
  #recordRejected(run: SyncRun, rejected: readonly RejectedRecord[] | undefined): void {
    if (!rejected?.length) return;
    run.rejected = (run.rejected ?? 0) + rejected.length;
    for (const r of rejected) {
      if (run.errors.length >= MAX_RECORDED_REJECTIONS) break;
      run.errors.push({ code: 'rejected_record', message: `${r.at}${r.field ? `, ${r.field}` : ''}: ${r.reason}`, at: new Date().toISOString(), ...(r.field ? { field: r.field } : {}) });
    }
  }

  #resumeFrom(connector: AnyConnector, stored: JsonValue | null, run: SyncRun): unknown {
    if (stored === null) return null;
    const parsed = connector.cursor.safeParse(stored);
    if (parsed.success) return parsed.data;
    run.note = `the stored cursor does not fit the ${connector.id} connector's cursor schema (${zodIssues(parsed.error)}); started over from the beginning, and versions already delivered are dropped as duplicates`;
    this.#o.logger.warn('unreadable cursor; starting over', { connectionId: run.connectionId, platform: connector.id });
    return null;
  }

  async #finishSkipped(run: SyncRun, note: string): Promise<SyncRun> {
    run.status = 'skipped';
    run.note = note;
    run.finishedAt = new Date().toISOString();
    await this.#o.store.saveRun(run);
    return run;
  }

  async #fail(run: SyncRun, connection: StoredConnection, thrown: unknown, redactor: Redactor | undefined, signal: AbortSignal, imported = false): Promise<SyncRun> {
    const { store } = this.#o;
    // Whatever surfaced (a fetch AbortError, a half-read body), an aborted run stopped because it was told to.
    const error: unknown = signal.aborted && AbortedError.isInstance(signal.reason) ? signal.reason : thrown;
    const plain = redactor ? redactor.error(error) : { name: 'Error', message: 'error (details withheld: no redactor)' };
    const recorded: RecordedError = {
      code: TicketbridgeError.isInstance(error) ? error.code : 'internal',
      message: plain.message,
      at: new Date().toISOString(),
      ...(CredentialsError.isInstance(error) && error.field ? { field: error.field } : {}),
      ...(HttpError.isInstance(error) && error.status !== undefined ? { status: error.status } : {}),
    };
    run.errors.push(recorded);
    run.finishedAt = recorded.at;

    if (signal.aborted) {
      run.status = 'failed';
      run.note = 'aborted';
      await store.saveRun(run);
      this.#o.events.failed({ ...run }, recorded, false);
      return run;
    }

    if (TicketbridgeError.isInstance(error) && error.code === 'credentials') {
      // Credentials never fix themselves: stop, mark the connection, no retry.
      run.status = 'failed';
      const fresh = (await store.getConnection(connection.id)) ?? connection;
      const marked: StoredConnection = {
        ...fresh,
        status: 'error',
        statusReason: { code: recorded.code, message: recorded.message, ...(recorded.field ? { field: recorded.field } : {}) },
        updatedAt: recorded.at,
      };
      await store.saveConnection(marked);
      await store.saveRun(run);
      this.#o.events.failed({ ...run }, recorded, false);
      this.#o.events.connectionError(marked);
      return run;
    }

    // A stuck cursor or the page limit would only repeat: the next scheduled poll tries again, a retry would not.
    const retryable =
      HandlerFailure.isInstance(error) ||
      (HttpError.isInstance(error) ? error.retryable : TicketbridgeError.isInstance(error) && (error.code === 'transient' || error.code === 'rate_limit'));
    // An import's batches cannot be read twice, and a retry would be a poll: the host imports again instead.
    if (retryable && !imported && run.attempt < this.#o.retry.maxAttempts) {
      // The same formula as the HTTP layer's and the inbox's; a platform that asked for longer (Retry-After) wins.
      const backoff = backoffDelay(run.attempt, this.#o.retry.baseDelayMs, this.#o.retry.maxDelayMs);
      const delay = Math.max(backoff, HttpError.isInstance(error) ? (error.retryAfterMs ?? 0) : 0);
      run.status = 'retrying';
      run.nextRetryAt = new Date(Date.now() + delay).toISOString();
      await store.saveRun(run);
      this.#o.scheduler.once(`retry:${run.connectionId}`, delay, async () => {
        await this.run(run.connectionId, 'retry', run.attempt + 1);
      });
      this.#o.events.failed({ ...run }, recorded, true);
      return run;
    }
    // Permanent (or out of retries): the run fails, the cursor stays where the last good page left it.
    run.status = 'failed';
    await store.saveRun(run);
    await store.pruneRuns(run.connectionId, this.#o.historyLimit);
    this.#o.events.failed({ ...run }, recorded, false);
    return run;
  }
}
