import type { DeadLetter, DeliveredVersion, InboxEntry, PageCommit, StoredConnection, StoredTokens, SyncRun } from './types.js';
import type { JsonValue } from '../util/json.js';

/**
 * Everything the core persists. `MemoryStore` implements it for tests and single-process demos; durable stores
 * (SQLite, PostgreSQL) implement it for production. `describeStoreConformance` in `@ticketbridge/core/conformance`
 * checks an implementation.
 *
 * All methods may be called concurrently; each must be atomic on its own.
 */
export interface StateStore {
  // Connections
  saveConnection(connection: StoredConnection): Promise<void>;
  getConnection(id: string): Promise<StoredConnection | undefined>;
  listConnections(): Promise<StoredConnection[]>;
  /** Deletes the connection and everything keyed by it (cursor, runs, versions, inbox, dead letters, locks, tokens). */
  deleteConnection(id: string): Promise<void>;
  /**
   * Ids of the connections of `platform` whose stored webhook registration lists one of `keys` among its `routeKeys`
   * (read them with `webhookRouteKeys`), at most `limit`, in the order the connections were first saved. The index
   * follows `saveConnection` (keys replaced) and `deleteConnection`, so every process sharing the store routes alike.
   */
  findConnectionsByWebhookRoute(platform: string, keys: readonly string[], limit: number): Promise<string[]>;

  // OAuth tokens
  /** The connection's OAuth tokens, if it has any. */
  getTokens(connectionId: string): Promise<StoredTokens | undefined>;
  /**
   * Writes the connection's tokens only if the stored generation is `expectedGeneration` (`null`: none stored yet),
   * atomically; returns whether it wrote. Sealed at rest like credentials. `saveConnection` never touches tokens.
   */
  saveTokens(connectionId: string, tokens: StoredTokens, expectedGeneration: number | null): Promise<boolean>;

  // Cursors
  getCursor(connectionId: string): Promise<JsonValue | null>;
  /** Sets or clears (null) the cursor outside a page commit, e.g. for a full resync. */
  setCursor(connectionId: string, cursor: JsonValue | null): Promise<void>;

  // Seen versions
  /** The last delivered version of each of these tickets, keyed by external id (missing = never delivered). */
  getVersions(connectionId: string, externalIds: string[]): Promise<Map<string, DeliveredVersion>>;
  /** Atomically writes a page's versions, its cursor and its inbox acknowledgement. */
  commitPage(connectionId: string, commit: PageCommit): Promise<void>;
  /**
   * Forgets versions delivered before `before` (ISO); returns how many were removed. Optional: the core never calls
   * it; a store that bounds its dedupe state offers it for its own retention or for the host's maintenance jobs.
   */
  pruneVersions?(before: string): Promise<number>;

  // Sync history
  /** Inserts or replaces a run by id. */
  saveRun(run: SyncRun): Promise<void>;
  /** Newest first. */
  listRuns(connectionId: string, options?: { limit?: number }): Promise<SyncRun[]>;
  /** Keeps the newest `keep` runs of a connection; returns how many were removed. */
  pruneRuns(connectionId: string, keep: number): Promise<number>;

  // Webhook inbox
  inboxPut(entry: InboxEntry): Promise<void>;
  /** Entries not yet acknowledged, oldest first. */
  inboxPending(connectionId?: string): Promise<InboxEntry[]>;
  /** Records a failed processing attempt. */
  inboxAttempt(id: string): Promise<void>;

  // Webhook event ids
  /** Whether a webhook delivery with this sender id was accepted for the connection and is still remembered. */
  webhookEventSeen(connectionId: string, eventId: string): Promise<boolean>;
  /**
   * Remembers an accepted delivery's sender id until `expiresAt` (ISO-8601). Stores drop expired ids and keep at most
   * 100 000 per connection (the oldest go first).
   */
  rememberWebhookEvent(connectionId: string, eventId: string, expiresAt: string): Promise<void>;

  // Dead letters
  /** Keeps a refused payload; past 1000 for its connection, the oldest are dropped. */
  deadLetterPut(entry: DeadLetter): Promise<void>;
  /** A connection's dead letters, oldest first. */
  deadLetters(connectionId: string, options?: { limit?: number }): Promise<DeadLetter[]>;
  deadLetterDelete(id: string): Promise<void>;

  // Locks
  /** Takes the lock if free or expired. True when `owner` now holds it. */
  acquireLock(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends a lock `owner` holds. False if it was lost (expired and taken). */
  renewLock(key: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseLock(key: string, owner: string): Promise<void>;

  /** Releases resources (file handles, pools). */
  close(): Promise<void>;
}
