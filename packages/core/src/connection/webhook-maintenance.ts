import type { AnyConnector } from '../connector/connector.js';
import { CredentialsError } from '../errors/credentials-error.js';
import { HttpError } from '../errors/http-error.js';
import { TicketbridgeError } from '../errors/ticketbridge-error.js';
import { backoffDelay } from '../http/retry.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { StateStore } from '../store/state-store.js';
import type { RecordedError, StoredConnection, WebhookMaintenanceState } from '../store/types.js';
import type { Logger } from '../util/logger.js';
import type { ContextFactory } from './connection-context.js';

/** One run of a connector's webhook upkeep, as the hub reports it in the `webhook.maintained` event. */
export interface WebhookMaintained {
  connectionId: string;
  platform: string;
  /** Whether the registration is alive after this run. */
  ok: boolean;
  /** When the run ended (ISO-8601). */
  at: string;
  /** The connector's note on success ("refreshed until …", "re-registered …"). */
  note?: string;
  /** The redacted error of a failed run. */
  error?: RecordedError;
  /** When the next run is scheduled (ISO-8601): the regular interval after a success, a back-off after a failure. */
  nextRunAt: string;
}

/** How failed runs are tried again: the hub's run retry policy. */
interface MaintenanceRetry {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface WebhookMaintainerOptions {
  store: StateStore;
  scheduler: Scheduler;
  contexts: ContextFactory;
  connector(id: string): AnyConnector | undefined;
  urlFor(connectionId: string): string | null;
  /** The URL every connection shares (`WebhookTarget.sharedUrl`); null without a public URL, like `urlFor`. */
  sharedUrl: string | null;
  retry: MaintenanceRetry;
  /** The hub-held OAuth client secret of a connection, if any: redacted from every recorded error. */
  clientSecret(connector: AnyConnector, credentials: Record<string, unknown>): string | undefined;
  report(event: WebhookMaintained): void;
  logger: Logger;
  now?: () => number;
}

/** Timers cannot wait longer than 2^31 - 1 ms; a longer wait fires early, finds the run not due and waits again. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** After a failure that a retry would not fix (or once retries ran out): try again this soon, so an expiry is not missed. */
const FAILED_RECHECK_MS = 6 * 3_600_000;

/** The scheduler key of a connection's webhook upkeep. */
export const maintenanceKey = (connectionId: string) => `maintain:${connectionId}`;

/**
 * Runs connectors' `webhook.maintain` hooks on the hub's scheduler: one one-off job per connection, rescheduled after
 * each run (the interval after a success, a back-off after a transient failure), due `everyMs` after the stored
 * `maintenance.okAt`, so a restart runs an overdue upkeep soon and a fresh one not at all. Each run's outcome is
 * saved on the stored webhook (redacted) and reported.
 */
export class WebhookMaintainer {
  readonly #o: WebhookMaintainerOptions;
  readonly #now: () => number;

  constructor(options: WebhookMaintainerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** Schedules the upkeep of a connection whose registered webhook its connector maintains; otherwise does nothing. */
  schedule(connection: StoredConnection): void {
    const every = this.#interval(connection);
    if (every === undefined) return;
    const okAt = Date.parse(connection.webhook?.maintenance?.okAt ?? connection.createdAt);
    const due = (Number.isNaN(okAt) ? this.#now() : okAt) + every;
    this.#at(connection.id, due - this.#now(), 1);
  }

  cancel(connectionId: string): void {
    this.#o.scheduler.cancel(maintenanceKey(connectionId));
  }

  /**
   * Runs the connection's upkeep if it is due (or last failed), then schedules the next one: the job a shared
   * scheduler rebuilds from the key `maintain:<connectionId>` in a worker that never scheduled it.
   */
  async runDue(connectionId: string): Promise<void> {
    await this.#run(connectionId, 1).catch((error: unknown) => {
      this.#o.logger.error('webhook upkeep crashed', { connectionId, error: TicketbridgeError.isInstance(error) ? error.code : 'internal' });
    });
  }

  #interval(connection: StoredConnection): number | undefined {
    if (connection.syncMode === 'poll' || !connection.webhook?.registration) return undefined;
    const every = this.#o.connector(connection.platform)?.webhook?.maintain?.everyMs;
    return every === undefined || !(every >= 60_000) ? undefined : every;
  }

  #at(connectionId: string, delayMs: number, attempt: number): void {
    this.#o.scheduler.once(maintenanceKey(connectionId), Math.min(MAX_TIMER_MS, Math.max(0, delayMs)), async () => {
      await this.#run(connectionId, attempt).catch((error: unknown) => {
        this.#o.logger.error('webhook upkeep crashed', { connectionId, error: TicketbridgeError.isInstance(error) ? error.code : 'internal' });
      });
    });
  }

  async #run(connectionId: string, attempt: number): Promise<WebhookMaintained | undefined> {
    const { store } = this.#o;
    const connection = await store.getConnection(connectionId);
    const connector = connection && this.#o.connector(connection.platform);
    const maintain = connector?.webhook?.maintain;
    const registration = connection?.webhook?.registration;
    const url = connection && this.#o.urlFor(connection.id);
    const every = connection && this.#interval(connection);
    const sharedUrl = this.#o.sharedUrl;
    if (!connection || !connector || !maintain || !registration || !url || !sharedUrl || every === undefined) return undefined;
    const state = connection.webhook!.maintenance;
    if (attempt === 1 && !state?.error) {
      // Fired early (a long wait split by the timer limit) or another worker already ran it: wait for the due time.
      const due = Date.parse(state?.okAt ?? connection.createdAt) + every;
      if (due - this.#now() > 1000) {
        this.#at(connectionId, due - this.#now(), 1);
        return undefined;
      }
    }
    const { ctx, redactor } = this.#o.contexts.create(connector, connection);
    const secrets = redactor.with([connection.webhook!.secret, registration.secret, this.#o.clientSecret(connector, connection.credentials)]);
    let next: number;
    let outcome: WebhookMaintained;
    try {
      const result = await maintain.run(ctx, { registration, url, sharedUrl, secret: connection.webhook!.secret });
      // One reading of the clock: the next run is reported exactly `every` after this one.
      const ranAt = this.#now();
      const at = new Date(ranAt).toISOString();
      const maintenance: WebhookMaintenanceState = { okAt: at, lastRunAt: at, ...(result.note ? { note: secrets.string(result.note) } : {}) };
      await this.#save(connectionId, (webhook) => ({
        ...webhook,
        ...(result.registration ? { registration: result.registration, secret: result.registration.secret } : {}),
        maintenance,
      }));
      next = every;
      outcome = { connectionId, platform: connection.platform, ok: true, at, ...(maintenance.note ? { note: maintenance.note } : {}), nextRunAt: new Date(ranAt + next).toISOString() };
    } catch (thrown) {
      const at = new Date(this.#now()).toISOString();
      const plain = secrets.error(thrown);
      const error: RecordedError = {
        code: TicketbridgeError.isInstance(thrown) ? thrown.code : 'internal',
        message: plain.message,
        at,
        ...(CredentialsError.isInstance(thrown) && thrown.field ? { field: thrown.field } : {}),
        ...(HttpError.isInstance(thrown) && thrown.status !== undefined ? { status: thrown.status } : {}),
      };
      const retryable = HttpError.isInstance(thrown) ? thrown.retryable : TicketbridgeError.isInstance(thrown) && (thrown.code === 'transient' || thrown.code === 'rate_limit');
      const retry = retryable && attempt < this.#o.retry.maxAttempts;
      next = retry ? backoffDelay(attempt, this.#o.retry.baseDelayMs, this.#o.retry.maxDelayMs) : Math.min(every, FAILED_RECHECK_MS);
      await this.#save(connectionId, (webhook) => ({
        ...webhook,
        maintenance: { ...(webhook.maintenance ?? { okAt: connection.createdAt }), lastRunAt: at, error, failures: (webhook.maintenance?.failures ?? 0) + 1 },
      }));
      this.#o.logger.warn('webhook upkeep failed', { connectionId, platform: connection.platform, code: error.code, message: error.message, attempt, retryInMs: next });
      outcome = { connectionId, platform: connection.platform, ok: false, at, error, nextRunAt: new Date(this.#now() + next).toISOString() };
      if (retry) {
        this.#at(connectionId, next, attempt + 1);
        this.#o.report(outcome);
        return outcome;
      }
    }
    this.#at(connectionId, next, 1);
    this.#o.report(outcome);
    return outcome;
  }

  /** Writes over the freshest copy, so a concurrent settings update is not undone. */
  async #save(connectionId: string, change: (webhook: NonNullable<StoredConnection['webhook']>) => NonNullable<StoredConnection['webhook']>): Promise<void> {
    const fresh = await this.#o.store.getConnection(connectionId);
    if (!fresh?.webhook) return;
    await this.#o.store.saveConnection({ ...fresh, webhook: change(fresh.webhook), updatedAt: new Date(this.#now()).toISOString() });
  }
}
