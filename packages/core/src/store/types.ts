import type { TicketDraft, TicketPriority, TicketSource, TicketStatus } from '../model/ticket.js';
import type { JsonObject, JsonValue } from '../util/json.js';
import type { WebhookInstructions, WebhookRegistration } from '../connector/webhook.js';

/** How a connection receives tickets. */
export type SyncMode = 'poll' | 'webhook' | 'both';

/** Lifecycle state of a connection. */
export type ConnectionStatus = 'active' | 'paused' | 'error';

/** The webhook side of a stored connection. */
export interface StoredWebhook {
  /** The signing secret (sealed at rest by durable stores). */
  secret: string;
  /**
   * Secrets replaced by `hub.rotateWebhookSecret` that still verify until `until` (ISO-8601), so senders can switch
   * without losing a request. Expired ones are dropped at the next rotation.
   */
  previousSecrets?: Array<{ secret: string; until: string }>;
  /** What `register` created, when the connector registered it. */
  registration?: WebhookRegistration;
  /** Manual steps, when the platform cannot register by API. */
  instructions?: WebhookInstructions;
  /**
   * `oauth_client`: `secret` is the hub-held OAuth client's secret (see `ConnectorWebhook.signedWithOAuthClientSecret`),
   * brought in step with the hub's configuration when it changes. Absent: the secret came from `secretSource`.
   */
  secretFrom?: 'oauth_client';
  /** The last runs of the connector's `maintain` hook, for registrations that expire. */
  maintenance?: WebhookMaintenanceState;
}

/** How the upkeep of a registered webhook went (see `ConnectorWebhook.maintain`). */
export interface WebhookMaintenanceState {
  /** When the registration was created or last kept alive successfully (ISO-8601); the next run is due `everyMs` after it. */
  okAt: string;
  /** The last run (ISO-8601), successful or not. */
  lastRunAt?: string;
  /** The last run's note, when it succeeded. */
  note?: string;
  /** The last run's error (redacted), when it failed; cleared by the next success. */
  error?: RecordedError;
  /** Failed runs in a row. */
  failures?: number;
}

/** A connection as the store keeps it. Durable stores seal `credentials` and `webhook.secret` at rest. */
export interface StoredConnection {
  id: string;
  /** The connector id. */
  platform: string;
  /** Optional label the host chose. */
  name?: string;
  /** Account name reported by `testConnection`. */
  accountName: string;
  syncMode: SyncMode;
  status: ConnectionStatus;
  /** Why the connection is in `error` (a redacted error), e.g. credentials revoked. */
  statusReason?: { code: string; message: string; field?: string };
  credentials: Record<string, unknown>;
  /** Names of the credential fields that are secret, so stores and views can redact them without the connector. */
  secretFields: string[];
  /** What `testConnection` returned. */
  metadata: JsonObject;
  /** Origin override (custom domain, proxy, simulator). */
  baseUrl?: string;
  pollIntervalMs: number;
  webhook?: StoredWebhook;
  createdAt: string;
  updatedAt: string;
}

/**
 * The OAuth tokens of a connection, as the core obtained them. Stores keep them apart from the connection record
 * (written only through `saveTokens`, compare-and-set on `generation`) and seal them at rest like credentials: a
 * platform that rotates refresh tokens deletes the old pair, so a rotation must never be overwritten by a stale copy.
 */
export interface StoredTokens {
  accessToken: string;
  /** Absent for grants without one (client credentials). */
  refreshToken?: string;
  /** When the access token expires (ISO-8601); absent when the platform said nothing (`expires_in` missing). */
  expiresAt?: string;
  /** When the refresh token expires (ISO-8601), when the platform says. */
  refreshExpiresAt?: string;
  /** The scopes granted, space-separated, as the platform answered. */
  scope?: string;
  /** Starts at 1 and grows by one with every rotation; `saveTokens` writes only over the generation it expects. */
  generation: number;
  /** When this pair was obtained (ISO-8601). */
  obtainedAt: string;
}

/**
 * The last version of a ticket delivered to the host. It is both the dedupe key (a version is `updatedAt` plus a
 * fingerprint of the fields that matter) and the "previous" side of `changes`.
 */
export interface DeliveredVersion {
  externalId: string;
  updatedAt: string;
  /** Hash of the normalized fields that define a version, so same-second edits are not mistaken for repeats. */
  fingerprint: string;
  status: TicketStatus;
  priority: TicketPriority | null;
  assigneeId: string | null;
  tags: string[];
  deleted: boolean;
  /** When it was delivered; retention prunes by this. */
  deliveredAt: string;
}

/** What triggered a sync run. */
/**
 * What triggered a sync run: a poll (`initial`, `schedule`, `manual`, `retry`), tickets handed to the hub by the host
 * (`csv`: `hub.importTickets`), or a pushed payload that was dead-lettered or replayed (`webhook`).
 */
export type SyncTrigger = 'initial' | 'schedule' | 'manual' | 'retry' | 'csv' | 'webhook';

/** Outcome of a sync run. */
export type SyncRunStatus = 'running' | 'succeeded' | 'failed' | 'retrying' | 'skipped';

/** A redacted error as recorded in history. */
export interface RecordedError {
  code: string;
  message: string;
  at: string;
  field?: string;
  status?: number;
}

/** A request the HTTP layer tried again within a run, as recorded in history (secrets redacted). */
export interface RecordedRetry {
  /** When the failed attempt ended (ISO-8601). */
  at: string;
  /** `METHOD /path` of the request. */
  request?: string;
  /** The attempt that failed, from 1. */
  attempt: number;
  /** How long the HTTP layer waited before the next attempt. */
  delayMs: number;
  code: string;
  status?: number;
  message: string;
}

/** One entry of a connection's sync history. */
export interface SyncRun {
  id: string;
  connectionId: string;
  trigger: SyncTrigger;
  status: SyncRunStatus;
  startedAt: string;
  finishedAt?: string;
  /** Tickets delivered to the host (new versions). */
  ticketsSynced: number;
  /** Versions read but dropped as already delivered. */
  duplicatesDropped: number;
  pages: number;
  requests: number;
  /** 429 answers received. */
  rateLimited: number;
  /** Milliseconds spent waiting on rate limits (pre-emptive and after 429). */
  rateLimitWaitMs: number;
  errors: RecordedError[];
  /**
   * Every request the HTTP layer retried during this run (the first 100), so a platform that failed and recovered
   * within the run still shows in history. Absent on runs recorded by versions before it existed.
   */
  retries?: RecordedRetry[];
  /** 1 for the first try; increments on each automatic retry of a failed run. */
  attempt: number;
  /** When the engine will retry, for status `retrying`. */
  nextRetryAt?: string;
  cursorBefore: JsonValue | null;
  cursorAfter: JsonValue | null;
  /** Why a run was skipped (e.g. another worker holds the lock). */
  note?: string;
  /**
   * Records an import refused (a CSV row, a pushed payload that failed the mapping): they emit nothing; the first
   * 100 are in `errors` with code `rejected_record`. Absent on runs that read a platform.
   */
  rejected?: number;
}

/**
 * A verified webhook whose body the connector could not turn into tickets (a Webhook Push payload that does not fit
 * the mapping): answered 400, emitted nothing, and kept so `hub.replayDeadLetters` can deliver it once the mapping
 * is fixed. Stores keep the newest 1000 per connection.
 */
export interface DeadLetter {
  id: string;
  connectionId: string;
  receivedAt: string;
  /** Why the connector refused it (each failing path, for a mapping). */
  reason: string;
  /** The request's headers, minus credentials (`authorization`, `cookie`). */
  headers: Record<string, string>;
  /** The raw body, as UTF-8 text. */
  body: string;
}

/** A webhook delivery accepted (2xx) but not yet delivered to the host. */
export interface InboxEntry {
  id: string;
  connectionId: string;
  receivedAt: string;
  source: TicketSource;
  /** Hydrated tickets (deletions as `deleted: true`). */
  tickets: TicketDraft[];
  /** Processing attempts so far. */
  attempts: number;
}

/** Writes of one page, applied atomically: a crash leaves either all of them or none. */
export interface PageCommit {
  /** New cursor; `undefined` leaves it as it is (webhook deliveries). */
  cursor?: JsonValue | null;
  /** Versions delivered to the host in this page. */
  versions: DeliveredVersion[];
  /** An inbox entry finished by this commit. */
  ackInboxId?: string;
  /**
   * The history record of the run this page belongs to, as it stands once the page is committed: written in the same
   * transaction, replacing the record `saveRun` stored under its id, so the history never counts a page the cursor
   * does not include (or misses one it does), and a durable store pays one transaction per page instead of two. The
   * sync engine always saves the run with `saveRun` first; pruning the history is left to `saveRun` and `pruneRuns`.
   */
  run?: SyncRun;
}
