import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import {
  ConfigError,
  TransientError,
  silentLogger,
  type DeliveredVersion,
  type InboxEntry,
  type JsonValue,
  type Logger,
  type PageCommit,
  type StateStore,
  type StoredConnection,
  type StoredTokens,
  type DeadLetter,
  MAX_DEAD_LETTERS,
  MAX_WEBHOOK_EVENT_IDS,
  type StoredWebhook,
  type SyncRun,
  DEFAULT_SEALING_KDF,
  resolveSealingKey,
  openKeyCheck,
  sealKeyCheck,
  sealValue,
  sealedKeyId,
  unsealValue,
  webhookRouteKeys,
  type KdfParams,
  type SealingKey,
  type StoreKey,
  type TicketPriority,
  type TicketStatus,
} from '@ticketbridge/core';
import { canonicalInstant } from '@ticketbridge/core/toolkit';
import { migrate, SCHEMA_VERSION } from './migrations.js';

/** The label of this store's key fingerprints (never change it: sealed values name their key by it). */
const KEY_ID_LABEL = 'ticketbridge/store-sqlite key id';

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** The database file (created if missing; its directory must exist). `':memory:'` works for tests but is not durable. */
  path: string;
  /**
   * Seals `credentials` and `webhook` at rest with AES-256-GCM. Either 32 random bytes (`crypto.randomBytes(32)`)
   * or a passphrase string of at least 16 characters (`openssl rand -base64 32`), stretched with scrypt and a salt
   * kept in the file. `undefined` (e.g. an unset environment variable) counts as no key.
   */
  key?: StoreKey | undefined;
  /**
   * Keys the store may have been sealed with before `key`. When the file was sealed with one of them, opening
   * re-seals everything with `key` in one transaction: deploy the new key with the old one here, then drop it.
   */
  previousKeys?: readonly StoreKey[];
  /**
   * Store credentials in plain JSON when no `key` is given. Required to say so explicitly: a store that silently
   * keeps API tokens in clear text is the failure this option exists to prevent.
   */
  allowPlaintext?: boolean;
  /** How long a write waits for another process's write lock before failing with a `TransientError`. Default 5000. */
  busyTimeoutMs?: number;
  /** Sync runs kept per connection; older ones are pruned on every `saveRun`. Default 100. */
  runRetention?: number;
  /**
   * Seen versions older than this (by delivery time) are pruned: in one pass at open, and by an hourly sweep that
   * page commits carry out a slice (5000 rows) each.
   * Default 90 days; at least one day, so a poll's overlap window never loses its dedupe rows; `null` keeps
   * versions forever.
   */
  versionRetentionMs?: number | null;
  /**
   * `'full'` (default): every commit is fsynced before it returns, so a delivered page is never replayed, even
   * after power loss. `'normal'`: in WAL mode a process crash loses nothing, but an OS crash or power loss may roll
   * back the last commits (the file stays consistent; those pages are delivered again).
   */
  durability?: 'full' | 'normal';
  /**
   * Memory for SQLite's page cache, in MiB. Default 8 ({@link DEFAULT_PAGE_CACHE_MIB}). A page of 1000 tickets in
   * random id order reads about 1000 table pages before delivery and writes the same ones in its commit; 8 MiB keeps
   * them (and the tree's upper levels) between the two. More makes a sync faster only while the whole table fits (a
   * 100,000-ticket table is about 10 MiB); pages not in the cache are read from the operating system's file cache.
   * The cache fills as the file grows and stays at this size: it is the store's main memory besides the JavaScript
   * heap.
   */
  pageCacheMiB?: number;
  /** Receives migrations, key rotations and prunes. Never secrets. */
  logger?: Logger;
}

/** What {@link SqliteStore.info} reports. */
export interface SqliteStoreInfo {
  path: string;
  schemaVersion: number;
  /** Credentials sealed at rest (a key was given). */
  sealed: boolean;
  /** `wal` for a file; `memory` for `:memory:`. */
  journalMode: string;
  synchronous: 'off' | 'normal' | 'full' | 'extra';
  foreignKeys: boolean;
  secureDelete: boolean;
  busyTimeoutMs: number;
  /** SQLite's page cache limit for this handle, in MiB. */
  pageCacheMiB: number;
  runRetention: number;
  versionRetentionMs: number | null;
}

/** Default number of sync runs kept per connection. */
export const DEFAULT_RUN_RETENTION = 100;
/** Default age after which seen versions are pruned (90 days). */
export const DEFAULT_VERSION_RETENTION_MS = 90 * 24 * 3600_000;
const MIN_VERSION_RETENTION_MS = 24 * 3600_000;
/**
 * Default page cache, in MiB (see {@link SqliteStoreOptions.pageCacheMiB}). better-sqlite3 builds SQLite with 16 MB,
 * SQLite's own default is 2: 8 holds what one page of a sync reads and then writes, and keeps the store's memory
 * growth from 10,000 to 1,000,000 tickets at 8 MiB instead of 16 (store-sqlite's `pnpm bench`). At 2 or 4 MiB the
 * page's table pages were evicted between its read and its write: a 100,000-ticket Zendesk sync cost 28.1 and 28.6 us
 * of CPU per ticket against 26.5 at 16 and 27.5 at 8.
 */
export const DEFAULT_PAGE_CACHE_MIB = 8;
const VERSION_PRUNE_INTERVAL_MS = 3600_000;
/** The plaintext of the verification record: opening it proves the key is the one the store was sealed with. */
const KEY_CHECK = 'ticketbridge/store-sqlite key check';

/**
 * A durable {@link StateStore} in one SQLite file: connections, cursors, sync history, seen versions, the webhook
 * inbox and locks. WAL mode lets readers and one writer work at once, across processes sharing the file; each
 * method is one transaction, and `commitPage` writes a page's versions, cursor, inbox acknowledgement and run record together.
 * Credentials and webhook secrets are sealed with a key the host provides.
 *
 * better-sqlite3 is synchronous: methods return promises to fit the interface, but do their work before returning,
 * and a write blocked by another process waits up to `busyTimeoutMs` on the calling thread.
 *
 * @example
 * ```ts
 * const store = new SqliteStore({ path: 'ticketbridge.db', key: process.env.TICKETBRIDGE_KEY });
 * const hub = createHub({ connectors: [zendesk()], store });
 * ```
 */
export class SqliteStore implements StateStore {
  /** The database file. */
  readonly path: string;
  readonly #db: Database.Database;
  readonly #logger: Logger;
  readonly #runRetention: number;
  readonly #versionRetentionMs: number | null;
  readonly #salt: Buffer;
  readonly #kdf: KdfParams;
  /** The key new values are sealed with; undefined for a plain store. */
  #key: SealingKey | undefined;
  /** Keys values may still be sealed with (the current one first). */
  #readKeys: SealingKey[];
  #lastVersionPrune = 0;
  /** The retention sweep under way, if any: where it goes on from and the delivery time it prunes before. */
  #sweep: { conn: number; externalId: string; before: number } | undefined;
  readonly #q: Statements;
  /** Route lookups by number of keys (see #routeLookup). */
  readonly #routeLookups = new Map<number, Database.Statement>();

  /** Opens (creating and migrating if needed) the store; throws `ConfigError` on a wrong key or a newer schema. */
  constructor(options: SqliteStoreOptions) {
    const { path, key, previousKeys = [], allowPlaintext = false } = options;
    if (typeof path !== 'string' || path === '') throw new ConfigError('SqliteStore needs a `path` to a database file', { field: 'path' });
    if (key === undefined && !allowPlaintext) {
      throw new ConfigError(
        'SqliteStore needs a `key` to seal credentials at rest (32 random bytes, or a passphrase such as the output of `openssl rand -base64 32`), or `allowPlaintext: true` to store them unencrypted on purpose',
        { field: 'key' },
      );
    }
    const runRetention = options.runRetention ?? DEFAULT_RUN_RETENTION;
    if (!Number.isInteger(runRetention) || runRetention < 1) throw new ConfigError(`runRetention must be a whole number of runs, at least 1 (got ${runRetention})`, { field: 'runRetention' });
    const versionRetentionMs = options.versionRetentionMs === undefined ? DEFAULT_VERSION_RETENTION_MS : options.versionRetentionMs;
    if (versionRetentionMs !== null && !(versionRetentionMs >= MIN_VERSION_RETENTION_MS)) {
      throw new ConfigError(`versionRetentionMs must be at least one day (${MIN_VERSION_RETENTION_MS}), or null to keep versions forever: shorter retention lets overlapping polls deliver duplicates`, {
        field: 'versionRetentionMs',
      });
    }
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    if (!(busyTimeoutMs >= 0)) throw new ConfigError(`busyTimeoutMs must be 0 or more (got ${busyTimeoutMs})`, { field: 'busyTimeoutMs' });
    const pageCacheMiB = options.pageCacheMiB ?? DEFAULT_PAGE_CACHE_MIB;
    if (!(pageCacheMiB >= 1 && pageCacheMiB <= 65_536)) throw new ConfigError(`pageCacheMiB must be from 1 to 65536 (got ${pageCacheMiB})`, { field: 'pageCacheMiB' });

    this.path = path;
    this.#logger = options.logger ?? silentLogger;
    this.#runRetention = runRetention;
    this.#versionRetentionMs = versionRetentionMs;

    try {
      this.#db = new Database(path, { timeout: busyTimeoutMs });
    } catch (error) {
      throw new ConfigError(`cannot open ${path}: ${(error as Error).message}`, { field: 'path', cause: error });
    }
    try {
      const db = this.#db;
      const journal = db.pragma('journal_mode = WAL', { simple: true });
      if (journal !== 'wal' && !db.memory) this.#logger.warn('store-sqlite: WAL is unavailable, concurrent readers will wait', { journal });
      db.pragma(`synchronous = ${options.durability === 'normal' ? 'NORMAL' : 'FULL'}`);
      db.pragma('foreign_keys = ON');
      // Checkpoint the WAL into the database every WAL_CHECKPOINT_PAGES pages instead of SQLite's 1000: a page commit
      // of a thousand tickets in random id order dirties about that many B-tree pages, so the default copied every
      // commit's pages back at once; a longer WAL lets a page changed by several commits be copied once (100k tickets:
      // 21 -> 18 us of store CPU per ticket at 4000 pages; a 1M-ticket sync, whose table outgrows what 4000 pages of
      // commits revisit: 17.3 -> 15.2 us at 16000). The WAL file grows to about 64 MiB and is reused, not regrown;
      // opening after a crash reads it once to rebuild its index.
      db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
      // Sealing a plain store or rotating keys overwrites old values; zero the freed pages instead of leaving them.
      db.pragma('secure_delete = ON');
      // Statement journals (and any temporary index) in memory: a page commit's multi-row upserts each keep one, at
      // most the pages that statement changes, and as temporary files they doubled the writes of a commit.
      db.pragma('temp_store = MEMORY');
      // A negative cache_size is a limit in KiB rather than in pages.
      db.pragma(`cache_size = -${Math.round(pageCacheMiB * 1024)}`);
      migrate(db, path, this.#logger);

      const kdf = db
        .transaction((): { salt: string } & KdfParams => {
          const stored = db.prepare("SELECT value FROM meta WHERE key = 'kdf'").pluck().get() as string | undefined;
          if (stored) return JSON.parse(stored) as { salt: string } & KdfParams;
          const fresh = { ...DEFAULT_SEALING_KDF, salt: randomBytes(16).toString('base64') };
          db.prepare("INSERT INTO meta (key, value) VALUES ('kdf', ?)").run(JSON.stringify(fresh));
          return fresh;
        })
        .immediate();
      this.#salt = Buffer.from(kdf.salt, 'base64');
      this.#kdf = { N: kdf.N, r: kdf.r, p: kdf.p };
      // Derived outside any transaction: scrypt takes a moment and must not hold the write lock.
      const current = key === undefined ? undefined : resolveSealingKey(key, this.#salt, this.#kdf, 'key', KEY_ID_LABEL);
      const previous = previousKeys.map((k, i) => resolveSealingKey(k, this.#salt, this.#kdf, `previousKeys[${i}]`, KEY_ID_LABEL));
      this.#key = current;
      this.#readKeys = current ? [current, ...previous] : [];
      this.#q = prepareStatements(db);
      if (db.transaction(() => this.#settleKeys(current, previous)).immediate()) this.#truncateWal();
    } catch (error) {
      this.#db.close();
      throw this.#translate(error);
    }
    this.#pruneAtOpen();
  }

  /** Async factory, for hosts that prefer `await SqliteStore.open(...)`; same as the constructor. */
  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    return new SqliteStore(options);
  }

  /** True when credentials are sealed at rest; false for a store opened with `allowPlaintext` and no key. */
  get sealed(): boolean {
    return this.#key !== undefined;
  }

  /** The schema version of the file (this package's newest, once opened). */
  get schemaVersion(): number {
    return SCHEMA_VERSION;
  }

  /**
   * What this handle runs with, read back from SQLite: for a host's health check or a support request, since these
   * settings are per connection and invisible from outside the process.
   */
  info(): SqliteStoreInfo {
    return this.#exec(() => {
      const pragma = (name: string) => this.#db.pragma(name, { simple: true }) as string | number;
      const synchronous = pragma('synchronous');
      return {
        path: this.path,
        schemaVersion: SCHEMA_VERSION,
        sealed: this.sealed,
        journalMode: String(pragma('journal_mode')),
        synchronous: synchronous === 2 ? 'full' : synchronous === 1 ? 'normal' : synchronous === 3 ? 'extra' : 'off',
        foreignKeys: pragma('foreign_keys') === 1,
        secureDelete: pragma('secure_delete') === 1,
        busyTimeoutMs: Number(pragma('busy_timeout')),
        pageCacheMiB: -Number(pragma('cache_size')) / 1024,
        runRetention: this.#runRetention,
        versionRetentionMs: this.#versionRetentionMs,
      };
    });
  }

  // Connections

  async saveConnection(connection: StoredConnection): Promise<void> {
    this.#exec(() => {
      const { credentials, webhook, ...rest } = connection;
      const routes = webhookRouteKeys(connection);
      this.#db
        .transaction(() => {
          this.#q.upsertConnection.run(
            connection.id,
            connection.platform,
            connection.status,
            JSON.stringify(rest),
            this.#protect(JSON.stringify(credentials), connection.id, 'credentials'),
            webhook === undefined ? null : this.#protect(JSON.stringify(webhook), connection.id, 'webhook'),
            connection.createdAt,
            connection.updatedAt,
          );
          this.#q.deleteRoutes.run(connection.id);
          for (const key of routes) this.#q.insertRoute.run(connection.platform, key, connection.id);
        })
        .immediate();
    });
  }

  async findConnectionsByWebhookRoute(platform: string, keys: readonly string[], limit: number): Promise<string[]> {
    if (keys.length === 0 || limit <= 0) return [];
    return this.#exec(() => this.#routeLookup(keys.length).all(platform, ...keys, limit).map((row) => (row as { id: string }).id));
  }

  /** The route lookup for `n` keys, prepared once per key count (a delivery names at most 50): it runs per webhook. */
  #routeLookup(n: number): Database.Statement {
    let statement = this.#routeLookups.get(n);
    if (!statement) {
      statement = this.#db.prepare(
        `SELECT DISTINCT c.id, c.seq FROM webhook_routes r JOIN connections c ON c.id = r.connection_id
         WHERE r.platform = ? AND r.route_key IN (${Array.from({ length: n }, () => '?').join(', ')}) ORDER BY c.seq LIMIT ?`,
      );
      this.#routeLookups.set(n, statement);
    }
    return statement;
  }

  async getConnection(id: string): Promise<StoredConnection | undefined> {
    return this.#exec(() => {
      const row = this.#q.getConnection.get(id) as ConnectionRow | undefined;
      return row && this.#readConnection(row);
    });
  }

  async listConnections(): Promise<StoredConnection[]> {
    return this.#exec(() => (this.#q.listConnections.all() as ConnectionRow[]).map((row) => this.#readConnection(row)));
  }

  async deleteConnection(id: string): Promise<void> {
    this.#exec(() =>
      this.#db
        .transaction(() => {
          this.#q.deleteConnectionLocks.run({ syncKey: `sync:${id}`, prefix: `${id}:` });
          // Cursors, versions, runs and inbox entries go with it (ON DELETE CASCADE); tokens have no foreign key.
          this.#q.deleteConnection.run(id);
          this.#q.deleteTokens.run(id);
        })
        .immediate(),
    );
  }

  // OAuth tokens

  async getTokens(connectionId: string): Promise<StoredTokens | undefined> {
    return this.#exec(() => {
      const row = this.#q.getTokens.get(connectionId) as { tokens: string } | undefined;
      return row && (JSON.parse(this.#reveal(row.tokens, connectionId, 'tokens')) as StoredTokens);
    });
  }

  async saveTokens(connectionId: string, tokens: StoredTokens, expectedGeneration: number | null): Promise<boolean> {
    return this.#exec(() =>
      this.#db
        .transaction(() => {
          const current = this.#q.getTokenGeneration.get(connectionId) as number | undefined;
          if ((current ?? null) !== expectedGeneration) return false;
          this.#q.upsertTokens.run(connectionId, tokens.generation, this.#protect(JSON.stringify(tokens), connectionId, 'tokens'), new Date().toISOString());
          return true;
        })
        .immediate(),
    );
  }

  // Webhook event ids

  async webhookEventSeen(connectionId: string, eventId: string): Promise<boolean> {
    return this.#exec(() => {
      const expires = this.#q.getWebhookEvent.get(connectionId, eventId) as number | undefined;
      return expires !== undefined && expires > Date.now();
    });
  }

  async rememberWebhookEvent(connectionId: string, eventId: string, expiresAt: string): Promise<void> {
    this.#exec(
      () =>
        this.#db
          .transaction(() => {
            // Re-inserted rather than updated, so a remembered id moves to the newest end of the cap.
            this.#q.deleteWebhookEvent.run(connectionId, eventId);
            this.#q.insertWebhookEvent.run(connectionId, eventId, Date.parse(expiresAt));
            this.#q.pruneWebhookEvents.run(connectionId, Date.now(), connectionId, MAX_WEBHOOK_EVENT_IDS);
          })
          .immediate(),
      connectionId,
    );
  }

  // Dead letters

  async deadLetterPut(entry: DeadLetter): Promise<void> {
    this.#exec(
      () =>
        this.#db
          .transaction(() => {
            this.#q.insertDeadLetter.run(entry.id, entry.connectionId, entry.receivedAt, JSON.stringify(entry));
            this.#q.pruneDeadLetters.run(entry.connectionId, entry.connectionId, MAX_DEAD_LETTERS);
          })
          .immediate(),
      entry.connectionId,
    );
  }

  async deadLetters(connectionId: string, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    return this.#exec(() => (this.#q.listDeadLetters.all(connectionId, options.limit ?? -1) as string[]).map((text) => JSON.parse(text) as DeadLetter));
  }

  async deadLetterDelete(id: string): Promise<void> {
    this.#exec(() => this.#q.deleteDeadLetter.run(id));
  }

  // Cursors

  async getCursor(connectionId: string): Promise<JsonValue | null> {
    return this.#exec(() => {
      const text = this.#q.getCursor.get(connectionId) as string | undefined;
      return text === undefined ? null : (JSON.parse(text) as JsonValue);
    });
  }

  async setCursor(connectionId: string, cursor: JsonValue | null): Promise<void> {
    this.#exec(() => this.#q.upsertCursor.run(connectionId, JSON.stringify(cursor), new Date().toISOString()), connectionId);
  }

  // Seen versions

  async getVersions(connectionId: string, externalIds: string[]): Promise<Map<string, DeliveredVersion>> {
    return this.#exec(() => {
      const out = new Map<string, DeliveredVersion>();
      if (externalIds.length === 0) return out;
      // One bound JSON array instead of N placeholders: no limit on the number of ids, one statement to cache.
      // Rows as arrays (raw): no intermediate object per row.
      // In key order: the probes walk the index from left to right instead of jumping between its pages.
      const ids = externalIds.length > 1 ? [...externalIds].sort() : externalIds;
      for (const row of this.#q.getVersions.all(connectionId, JSON.stringify(ids)) as VersionRow[]) {
        out.set(row[0], decodeVersion(row[0], row[1], row[2]));
      }
      return out;
    });
  }

  async commitPage(connectionId: string, commit: PageCommit): Promise<void> {
    this.#exec(
      () =>
        this.#db
          .transaction(() => {
            this.#writeVersions(connectionId, commit.versions);
            if (commit.cursor !== undefined) this.#q.upsertCursor.run(connectionId, JSON.stringify(commit.cursor), new Date().toISOString());
            if (commit.ackInboxId) this.#q.deleteInbox.run(commit.ackInboxId);
            // The run replaces the record saveRun wrote when it started, so the history cannot grow here: no prune.
            if (commit.run) this.#q.upsertRun.run(commit.run.id, commit.run.connectionId, commit.run.status, commit.run.startedAt, JSON.stringify(commit.run));
            this.#sweepStep();
          })
          .immediate(),
      connectionId,
    );
  }

  /**
   * Forgets versions delivered before `before` (ISO), except those of connections a sync is running for right now
   * (their `sync:<id>` lock is held): that sync may be about to re-read them, and pruning under it would deliver
   * them again.
   */
  async pruneVersions(before: string): Promise<number> {
    return this.#exec(() => this.#q.pruneVersions.run({ before: Date.parse(before), now: Date.now() }).changes);
  }

  // Sync history

  async saveRun(run: SyncRun): Promise<void> {
    this.#exec(
      () =>
        this.#db
          .transaction(() => {
            this.#q.upsertRun.run(run.id, run.connectionId, run.status, run.startedAt, JSON.stringify(run));
            this.#q.pruneRuns.run(run.connectionId, run.connectionId, this.#runRetention);
          })
          .immediate(),
      run.connectionId,
    );
  }

  async listRuns(connectionId: string, options: { limit?: number } = {}): Promise<SyncRun[]> {
    return this.#exec(() => {
      const limit = options.limit === undefined ? -1 : Math.max(0, Math.floor(options.limit));
      return (this.#q.listRuns.all(connectionId, limit) as string[]).map((text) => JSON.parse(text) as SyncRun);
    });
  }

  async pruneRuns(connectionId: string, keep: number): Promise<number> {
    return this.#exec(() => this.#q.pruneRuns.run(connectionId, connectionId, Math.max(0, Math.floor(keep))).changes);
  }

  // Webhook inbox

  async inboxPut(entry: InboxEntry): Promise<void> {
    this.#exec(() => this.#q.upsertInbox.run(entry.id, entry.connectionId, entry.receivedAt, entry.attempts, JSON.stringify(entry)), entry.connectionId);
  }

  async inboxPending(connectionId?: string): Promise<InboxEntry[]> {
    return this.#exec(() => {
      const rows = (connectionId === undefined ? this.#q.inboxAll.all() : this.#q.inboxFor.all(connectionId)) as Array<{ body: string; attempts: number }>;
      return rows.map((row) => ({ ...(JSON.parse(row.body) as InboxEntry), attempts: row.attempts }));
    });
  }

  async inboxAttempt(id: string): Promise<void> {
    this.#exec(() => this.#q.inboxAttempt.run(id));
  }

  // Locks

  async acquireLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    // One conditional upsert: atomic across processes without a read-then-write race.
    return this.#exec(() => this.#q.acquireLock.run({ key, owner, expiresAt: now + ttlMs, now }).changes === 1);
  }

  async renewLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    return this.#exec(() => this.#q.renewLock.run(now + ttlMs, key, owner, now).changes === 1);
  }

  async releaseLock(key: string, owner: string): Promise<void> {
    this.#exec(() => this.#q.releaseLock.run(key, owner));
  }

  // Keys

  /**
   * Re-seals every sealed value with `newKey` in one transaction, then seals with it from now on; the old key no
   * longer opens the store. On a plain store this seals it. Other processes sharing the file must reopen with the
   * new key (or with it as `key` and the old one in `previousKeys`).
   */
  async rotateKey(newKey: StoreKey): Promise<void> {
    const next = resolveSealingKey(newKey, this.#salt, this.#kdf, 'newKey', KEY_ID_LABEL);
    this.#exec(() => this.#db.transaction(() => this.#resealAll(next)).immediate());
    this.#truncateWal();
    this.#key = next;
    this.#readKeys = [next];
    this.#logger.info('store-sqlite: key rotated', { keyId: next.id });
  }

  /** Closes the file. Further calls fail with `ConfigError`. */
  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Internal helpers

  /**
   * Reconciles the file's sealing state with the keys given, inside the open transaction: a new file records its
   * mode; a plain file opened with a key is sealed; a sealed file must be opened by `key` or one of `previousKeys`
   * (then everything is re-sealed with `key`).
   */
  #settleKeys(current: SealingKey | undefined, previous: SealingKey[]): boolean {
    const q = this.#q;
    const mode = q.getMeta.get('sealing') as string | undefined;
    if (mode === undefined) {
      if (current) this.#resealAll(current);
      else q.setMeta.run('sealing', 'plain');
      return false;
    }
    if (mode === 'plain') {
      if (!current) return false;
      this.#resealAll(current);
      this.#logger.info('store-sqlite: sealed a plain store', { keyId: current.id });
      return true;
    }
    if (!current) {
      throw new ConfigError(`${this.path} holds sealed credentials: open it with its \`key\` (allowPlaintext cannot read them)`, { field: 'key' });
    }
    const check = q.getMeta.get('key_check') as string;
    const checkKey = openKeyCheck(check, KEY_CHECK, current, previous, this.path);
    if (checkKey !== current) {
      this.#resealAll(current);
      this.#logger.info('store-sqlite: re-sealed the store with the new key', { from: checkKey.id, to: current.id });
      return true;
    }
    // Values written by a process still on an old key after a rotation: bring them onto the current key now.
    const stale = (q.sealedColumns.all() as SealedRow[]).some(
      (r) => sealedKeyId(r.credentials) !== current.id || (r.webhook !== null && sealedKeyId(r.webhook) !== current.id),
    );
    if (stale) this.#resealAll(current);
    return stale;
  }

  /** Re-seals (or seals, from plain) every sealed column and the verification record with `next`. */
  #resealAll(next: SealingKey): void {
    const q = this.#q;
    const plain = q.getMeta.get('sealing') !== 'aes-256-gcm';
    for (const row of q.sealedColumns.all() as SealedRow[]) {
      const open = (text: string, column: string) => (plain ? text : unsealValue(this.#readKeys, text, context(row.id, column)));
      q.updateSealedColumns.run(
        sealValue(next, open(row.credentials, 'credentials'), context(row.id, 'credentials')),
        row.webhook === null ? null : sealValue(next, open(row.webhook, 'webhook'), context(row.id, 'webhook')),
        row.id,
      );
    }
    for (const row of q.sealedTokens.all() as Array<{ connection_id: string; tokens: string }>) {
      const text = plain ? row.tokens : unsealValue(this.#readKeys, row.tokens, context(row.connection_id, 'tokens'));
      q.updateSealedTokens.run(sealValue(next, text, context(row.connection_id, 'tokens')), row.connection_id);
    }
    q.setMeta.run('sealing', 'aes-256-gcm');
    q.setMeta.run('key_check', sealKeyCheck(next, KEY_CHECK));
  }

  /** After re-sealing, drops the old values' frames from the WAL too (best effort: readers may hold it open). */
  #truncateWal(): void {
    try {
      this.#db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (error) {
      this.#logger.warn('store-sqlite: WAL checkpoint postponed', { error: (error as Error).message });
    }
  }

  #protect(json: string, id: string, column: string): string {
    return this.#key ? sealValue(this.#key, json, context(id, column)) : json;
  }

  #reveal(text: string, id: string, column: string): string {
    return this.#key ? unsealValue(this.#readKeys, text, context(id, column)) : text;
  }

  #readConnection(row: ConnectionRow): StoredConnection {
    const connection = JSON.parse(row.body) as Omit<StoredConnection, 'credentials' | 'webhook'>;
    const credentials = JSON.parse(this.#reveal(row.credentials, row.id, 'credentials')) as Record<string, unknown>;
    if (row.webhook === null) return { ...connection, credentials };
    return { ...connection, credentials, webhook: JSON.parse(this.#reveal(row.webhook, row.id, 'webhook')) as StoredWebhook };
  }

  /**
   * Upserts versions inside the caller's transaction, {@link VERSIONS_PER_STATEMENT} rows per statement (the rest
   * one by one): a statement is one call into SQLite and one bind instead of one per ticket. A statement that writes
   * several rows keeps a statement journal (a copy of every page it changes, to undo it if it aborts midway); with
   * `temp_store = MEMORY` that journal is a memory buffer of at most the pages one statement touches, not a temporary
   * file, which had doubled the pages written per commit when tickets arrived in random id order. Rows are written in
   * key order: tickets arrive in update order, which scatters their ids over the whole table, and in key order each
   * B-tree page a commit changes is visited once, while it is in the page cache (a 1000-ticket page of random ids:
   * ~13% less CPU measured alone). The sort is stable, so a repeated id within a page, even within one statement, is
   * upserted in sequence: the last one wins.
   */
  #writeVersions(connectionId: string, unordered: readonly DeliveredVersion[]): void {
    if (unordered.length === 0) return;
    const versions = unordered.length > 1 ? [...unordered].sort(byExternalId) : unordered;
    const conn = this.#q.connectionSeq.get(connectionId) as number | undefined;
    if (conn === undefined) throw new ConfigError(`store-sqlite: unknown connection "${connectionId}" (deleted, or never saved)`, { field: 'connectionId' });
    // A page's versions share their delivery time; parsed once.
    let deliveredAt = '';
    let delivered = 0;
    const bind = (values: unknown[], at: number, v: DeliveredVersion) => {
      if (v.deliveredAt !== deliveredAt) {
        deliveredAt = v.deliveredAt;
        delivered = Date.parse(deliveredAt);
      }
      values[at] = conn;
      values[at + 1] = v.externalId;
      values[at + 2] = delivered;
      values[at + 3] = encodeVersion(v);
    };
    let i = 0;
    if (versions.length >= VERSIONS_PER_STATEMENT) {
      const many = this.#q.upsertVersions;
      const values: unknown[] = new Array(VERSION_COLUMNS * VERSIONS_PER_STATEMENT);
      for (; i + VERSIONS_PER_STATEMENT <= versions.length; i += VERSIONS_PER_STATEMENT) {
        for (let k = 0; k < VERSIONS_PER_STATEMENT; k++) bind(values, k * VERSION_COLUMNS, versions[i + k]!);
        many.run(values);
      }
    }
    const one = this.#q.upsertVersion;
    const row: unknown[] = new Array(VERSION_COLUMNS);
    for (; i < versions.length; i++) {
      bind(row, 0, versions[i]!);
      one.run(row);
    }
  }

  /** Retention at open: one pass over the table (it has no index on delivery time, see {@link #sweepStep}). */
  #pruneAtOpen(): void {
    if (this.#versionRetentionMs === null) return;
    const now = Date.now();
    this.#lastVersionPrune = now;
    try {
      const removed = this.#q.pruneVersions.run({ before: now - this.#versionRetentionMs, now }).changes;
      if (removed) this.#logger.debug('store-sqlite: pruned seen versions', { removed });
    } catch (error) {
      // Retention is housekeeping: a busy file leaves it to the sweeps of later commits rather than failing the open.
      this.#lastVersionPrune = now - VERSION_PRUNE_INTERVAL_MS + 60_000;
      this.#logger.warn('store-sqlite: version pruning postponed', { error: (error as Error).message });
    }
  }

  /**
   * Retention while the store is open: at most hourly a sweep starts, and each page commit then prunes the next
   * {@link SWEEP_ROWS} rows in key order, inside its transaction, until the sweep reaches the end of the table. The
   * table has no index on delivery time: every version upsert changed that index too, at a second B-tree page per
   * ticket, which made re-delivering known tickets half again as expensive (100,000 updates measured alone: 14.8 ->
   * 10.0 us a row); without it a prune reads the table, and a sweep reads it a slice per commit (about a millisecond)
   * instead of stalling the process for a whole pass. A sweep moves on by 5000 rows per commit, more than a page adds
   * (1000 tickets for most platforms), so it reaches the end while the table grows.
   */
  #sweepStep(): void {
    if (this.#versionRetentionMs === null) return;
    const now = Date.now();
    if (!this.#sweep) {
      if (now - this.#lastVersionPrune < VERSION_PRUNE_INTERVAL_MS) return;
      this.#lastVersionPrune = now;
      this.#sweep = { conn: 0, externalId: '', before: now - this.#versionRetentionMs };
    }
    const sweep = this.#sweep;
    const end = this.#q.sweepEnd.get(sweep.conn, sweep.externalId, SWEEP_ROWS - 1) as [number, string] | undefined;
    const range = { fromConn: sweep.conn, fromId: sweep.externalId, before: sweep.before, now };
    const removed = end
      ? this.#q.pruneSlice.run({ ...range, toConn: end[0], toId: end[1] }).changes
      : this.#q.pruneTail.run(range).changes;
    if (end) {
      sweep.conn = end[0];
      sweep.externalId = end[1];
    } else {
      this.#sweep = undefined;
    }
    if (removed) this.#logger.debug('store-sqlite: pruned seen versions', { removed });
  }

  /** Runs one store operation, turning SQLite failures into the core's error classes. */
  #exec<T>(fn: () => T, connectionId?: string): T {
    if (!this.#db.open) throw new ConfigError(`the store at ${this.path} is closed`);
    try {
      return fn();
    } catch (error) {
      throw this.#translate(error, connectionId);
    }
  }

  #translate(error: unknown, connectionId?: string): unknown {
    if (!(error instanceof Database.SqliteError)) return error;
    if (error.code.startsWith('SQLITE_BUSY') || error.code.startsWith('SQLITE_LOCKED')) {
      return new TransientError(`store-sqlite: ${this.path} stayed locked by another writer beyond busyTimeoutMs (${error.code})`, { cause: error });
    }
    if (error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
      return new ConfigError(`store-sqlite: unknown connection "${connectionId ?? '?'}" (deleted, or never saved)`, { field: 'connectionId', cause: error });
    }
    if (error.code === 'SQLITE_NOTADB' || error.code === 'SQLITE_CORRUPT') {
      return new ConfigError(`${this.path} is not a usable SQLite database (${error.code})`, { field: 'path', cause: error });
    }
    return error;
  }
}

interface ConnectionRow {
  id: string;
  body: string;
  credentials: string;
  webhook: string | null;
}

interface SealedRow {
  id: string;
  credentials: string;
  webhook: string | null;
}

/** Associated data for a sealed column: binds the value to its row and column. */
const context = (id: string, column: string) => `connections/${id}/${column}`;

/** A version row as `getVersions` reads it: external_id, body (see {@link encodeVersion}), delivered (epoch ms). */
type VersionRow = [string, string, number];

/** WAL pages between automatic checkpoints (4 KiB pages: about 64 MiB). */
const WAL_CHECKPOINT_PAGES = 16_000;

/** Orders versions by ticket id, as the table's key does (a stable sort keeps repeats in their order). */
const byExternalId = (a: DeliveredVersion, b: DeliveredVersion) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0);

/** Values bound per version upsert: conn, external_id, delivered, body. */
const VERSION_COLUMNS = 4;
/** Rows one retention sweep step reads (see SqliteStore#sweepStep): about a millisecond, once per page commit. */
const SWEEP_ROWS = 5000;
/** The seqs of connections a sync is running for: their versions are not pruned under it. */
const SYNCING_CONNECTIONS = `SELECT seq FROM connections WHERE id IN (SELECT substr(key, 6) FROM locks WHERE substr(key, 1, 5) = 'sync:' AND expires_at > @now)`;
/** Versions per multi-row upsert: the per-call cost is gone well before 50, and the statement journal stays small. */
const VERSIONS_PER_STATEMENT = 50;
const upsertVersions = (rows: number) => `INSERT INTO versions (conn, external_id, delivered, body) VALUES ${Array(rows).fill('(?, ?, ?, ?)').join(', ')}
   ON CONFLICT (conn, external_id) DO UPDATE SET delivered = excluded.delivered, body = excluded.body`;

/** Separates a packed version's fields (and, in {@link encodeTags}, its tags). */
const FIELD_SEPARATOR = '\u001f';
/** Stands for null in a packed version's nullable fields (priority, assignee). */
const NULL_FIELD = '\u001e';

const packable = (text: string) => !text.includes(FIELD_SEPARATOR) && !text.includes(NULL_FIELD);

/**
 * Starts a compact body. A packed body never starts with it (its first field is refused when it holds U+001E) and a
 * JSON one starts with `{`, so the three forms tell themselves apart by their first character.
 */
const COMPACT_MARK = NULL_FIELD;
const STATUS_CODES: Readonly<Record<TicketStatus, string>> = { new: 'n', open: 'o', pending: 'p', on_hold: 'h', solved: 's', closed: 'c' };
const PRIORITY_CODES: Readonly<Record<TicketPriority, string>> = { low: 'l', normal: 'n', high: 'h', urgent: 'u' };
const NO_PRIORITY_CODE = '-';
const STATUS_OF = invert(STATUS_CODES);
const PRIORITY_OF = invert(PRIORITY_CODES);
/** Characters of a compact body's update time: milliseconds since 1970 in base 36, zero-padded (up to April 5188). */
const INSTANT_WIDTH = 9;
const MAX_COMPACT_MS = 36 ** INSTANT_WIDTH - 1;
/** Hex digits of a fingerprint as core writes it: `v` and 64 bits. */
const FINGERPRINT_HEX = 16;

/**
 * A delivered version (all but its id and delivery time, which have columns) as one text. A commit writes one row per
 * ticket, in ticket-id order, not the order tickets arrive in: each row lands on a different B-tree page, so a row's
 * width sets how many pages a commit dirties, and those pages are most of its cost (measured alone, 100,000 tickets:
 * 98- against 50-character bodies, 9.8 against 8.2 us a row; 1,000,000 tickets, 98 against 40: 20 against 17).
 * Three forms:
 *
 * - compact (what versions from core's sync engine take): U+001E; the update time as 9 base-36 digits of epoch
 *   milliseconds; the fingerprint's 16 hex digits; one character each for status, priority and flags (deleted: 1,
 *   no assignee: 2, added to `0`); the assignee; U+001F; the tags as {@link encodeTags} writes them;
 * - packed, for a version the compact form cannot hold exactly (an update time not in the canonical
 *   `YYYY-MM-DDTHH:mm:ss.sssZ` form or before 1970, another fingerprint scheme): updated_at, fingerprint, status,
 *   priority, assignee each followed by U+001F (U+001E for null), then `0`/`1` for deleted, then the tags;
 * - JSON, where a field holds U+001F or U+001E (an assignee id, in theory): it starts with `{`.
 */
export function encodeVersion(v: DeliveredVersion): string {
  const tags = encodeTags(v.tags);
  const assigneePackable = v.assigneeId === null || packable(v.assigneeId);
  const ms = canonicalInstant(v.updatedAt) ?? -1;
  // Own properties only: a status from outside the model (a store is a public interface) takes the packed form.
  const status = Object.hasOwn(STATUS_CODES, v.status) ? STATUS_CODES[v.status] : undefined;
  if (ms >= 0 && ms <= MAX_COMPACT_MS && isCoreFingerprint(v.fingerprint) && status !== undefined && assigneePackable) {
    const priority = v.priority === null ? NO_PRIORITY_CODE : Object.hasOwn(PRIORITY_CODES, v.priority) ? PRIORITY_CODES[v.priority] : undefined;
    if (priority !== undefined) {
      const flags = String.fromCharCode(0x30 + (v.deleted ? 1 : 0) + (v.assigneeId === null ? 2 : 0));
      return `${COMPACT_MARK}${ms.toString(36).padStart(INSTANT_WIDTH, '0')}${v.fingerprint.slice(1)}${status}${priority}${flags}${v.assigneeId ?? ''}${FIELD_SEPARATOR}${tags}`;
    }
  }
  if (
    packable(v.updatedAt) && v.updatedAt.charCodeAt(0) !== 0x7b && packable(v.fingerprint) && packable(v.status) &&
    (v.priority === null || packable(v.priority)) && assigneePackable
  ) {
    return `${v.updatedAt}${FIELD_SEPARATOR}${v.fingerprint}${FIELD_SEPARATOR}${v.status}${FIELD_SEPARATOR}${v.priority ?? NULL_FIELD}${FIELD_SEPARATOR}${v.assigneeId ?? NULL_FIELD}${FIELD_SEPARATOR}${v.deleted ? '1' : '0'}${tags}`;
  }
  return JSON.stringify({ u: v.updatedAt, f: v.fingerprint, s: v.status, p: v.priority, a: v.assigneeId, d: v.deleted, t: tags });
}

/** Reads what {@link encodeVersion} wrote (and what migration 7 wrote from older rows). */
export function decodeVersion(externalId: string, body: string, delivered: number): DeliveredVersion {
  const deliveredAt = new Date(delivered).toISOString();
  const first = body.charCodeAt(0);
  if (first === 0x1e) {
    const at = 1 + INSTANT_WIDTH + FINGERPRINT_HEX;
    const flags = body.charCodeAt(at + 2) - 0x30;
    const end = body.indexOf(FIELD_SEPARATOR, at + 3);
    const priority = body[at + 1]!;
    return {
      externalId,
      updatedAt: new Date(parseInt(body.slice(1, 1 + INSTANT_WIDTH), 36)).toISOString(),
      fingerprint: `v${body.slice(1 + INSTANT_WIDTH, at)}`,
      status: STATUS_OF[body[at]!]!,
      priority: priority === NO_PRIORITY_CODE ? null : PRIORITY_OF[priority]!,
      assigneeId: flags & 2 ? null : body.slice(at + 3, end),
      tags: decodeTags(body.slice(end + 1)),
      deleted: (flags & 1) === 1,
      deliveredAt,
    };
  }
  if (first === 0x7b) {
    const j = JSON.parse(body) as { u: string; f: string; s: DeliveredVersion['status']; p: DeliveredVersion['priority']; a: string | null; d: boolean; t: string };
    return { externalId, updatedAt: j.u, fingerprint: j.f, status: j.s, priority: j.p, assigneeId: j.a, tags: decodeTags(j.t), deleted: j.d, deliveredAt };
  }
  const a = body.indexOf(FIELD_SEPARATOR);
  const b = body.indexOf(FIELD_SEPARATOR, a + 1);
  const c = body.indexOf(FIELD_SEPARATOR, b + 1);
  const d = body.indexOf(FIELD_SEPARATOR, c + 1);
  const e = body.indexOf(FIELD_SEPARATOR, d + 1);
  const priority = body.slice(c + 1, d);
  const assignee = body.slice(d + 1, e);
  return {
    externalId,
    updatedAt: body.slice(0, a),
    fingerprint: body.slice(a + 1, b),
    status: body.slice(b + 1, c) as DeliveredVersion['status'],
    priority: priority === NULL_FIELD ? null : (priority as DeliveredVersion['priority']),
    assigneeId: assignee === NULL_FIELD ? null : assignee,
    tags: decodeTags(body.slice(e + 2)),
    deleted: body.charCodeAt(e + 1) === 0x31,
    deliveredAt,
  };
}

/** `v` and 16 lower-case hex digits: core's version fingerprint (and its deleted marker). */
function isCoreFingerprint(fingerprint: string): boolean {
  if (fingerprint.length !== 1 + FINGERPRINT_HEX || fingerprint.charCodeAt(0) !== 0x76) return false;
  for (let i = 1; i < fingerprint.length; i++) {
    const c = fingerprint.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

function invert<K extends string>(codes: Readonly<Record<K, string>>): Readonly<Record<string, K>> {
  return Object.fromEntries(Object.entries(codes).map(([key, code]) => [code, key])) as Record<string, K>;
}

/** Separates tags in the stored form; a tag holding it (never seen in practice) makes the list fall back to JSON. */
const TAG_SEPARATOR = FIELD_SEPARATOR;

/**
 * Tags in one column without JSON for the usual case: `''` for none, otherwise each tag preceded by U+001F (so `['']`
 * and `[]` differ). A list where a tag contains U+001F is stored as its JSON array instead, which starts with `[`
 * and never with U+001F; rows migrated from schema 4 hold JSON arrays too.
 */
export function encodeTags(tags: readonly string[]): string {
  if (tags.length === 0) return '';
  let out = '';
  for (const tag of tags) {
    if (tag.includes(TAG_SEPARATOR)) return JSON.stringify(tags);
    out += TAG_SEPARATOR + tag;
  }
  return out;
}

/** Reads what {@link encodeTags} wrote (and schema 4's JSON arrays). */
export function decodeTags(stored: string): string[] {
  if (stored === '') return [];
  if (stored.startsWith(TAG_SEPARATOR)) return stored.slice(1).split(TAG_SEPARATOR);
  return JSON.parse(stored) as string[];
}

/** Every statement the store runs, prepared once per open. */
function prepareStatements(db: Database.Database) {
  return {
    upsertConnection: db.prepare(
      `INSERT INTO connections (id, platform, status, body, credentials, webhook, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET platform = excluded.platform, status = excluded.status, body = excluded.body,
         credentials = excluded.credentials, webhook = excluded.webhook, created_at = excluded.created_at, updated_at = excluded.updated_at`,
    ),
    getConnection: db.prepare('SELECT id, body, credentials, webhook FROM connections WHERE id = ?'),
    listConnections: db.prepare('SELECT id, body, credentials, webhook FROM connections ORDER BY seq'),
    deleteConnection: db.prepare('DELETE FROM connections WHERE id = ?'),
    deleteRoutes: db.prepare('DELETE FROM webhook_routes WHERE connection_id = ?'),
    insertRoute: db.prepare('INSERT OR IGNORE INTO webhook_routes (platform, route_key, connection_id) VALUES (?, ?, ?)'),
    deleteTokens: db.prepare('DELETE FROM oauth_tokens WHERE connection_id = ?'),
    getWebhookEvent: db.prepare('SELECT expires_at FROM webhook_events WHERE connection_id = ? AND event_id = ?').pluck(),
    deleteWebhookEvent: db.prepare('DELETE FROM webhook_events WHERE connection_id = ? AND event_id = ?'),
    insertWebhookEvent: db.prepare('INSERT INTO webhook_events (connection_id, event_id, expires_at) VALUES (?, ?, ?)'),
    pruneWebhookEvents: db.prepare(
      `DELETE FROM webhook_events WHERE connection_id = ? AND (expires_at <= ?
         OR seq <= (SELECT seq FROM webhook_events WHERE connection_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?))`,
    ),
    insertDeadLetter: db.prepare('INSERT INTO dead_letters (id, connection_id, received_at, body) VALUES (?, ?, ?, ?)'),
    // Keeps the newest N of one connection: everything below the N-th newest seq goes.
    pruneDeadLetters: db.prepare(
      'DELETE FROM dead_letters WHERE connection_id = ? AND seq <= (SELECT seq FROM dead_letters WHERE connection_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)',
    ),
    listDeadLetters: db.prepare('SELECT body FROM dead_letters WHERE connection_id = ? ORDER BY seq LIMIT ?').pluck(),
    deleteDeadLetter: db.prepare('DELETE FROM dead_letters WHERE id = ?'),
    getTokens: db.prepare('SELECT tokens FROM oauth_tokens WHERE connection_id = ?'),
    getTokenGeneration: db.prepare('SELECT generation FROM oauth_tokens WHERE connection_id = ?').pluck(),
    upsertTokens: db.prepare(
      `INSERT INTO oauth_tokens (connection_id, generation, tokens, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (connection_id) DO UPDATE SET generation = excluded.generation, tokens = excluded.tokens, updated_at = excluded.updated_at`,
    ),
    sealedTokens: db.prepare('SELECT connection_id, tokens FROM oauth_tokens'),
    updateSealedTokens: db.prepare('UPDATE oauth_tokens SET tokens = ? WHERE connection_id = ?'),
    // `<id>:…` keys are the connection's own; compared by prefix without LIKE, whose wildcards ids might contain.
    deleteConnectionLocks: db.prepare('DELETE FROM locks WHERE key = @syncKey OR substr(key, 1, length(@prefix)) = @prefix'),
    getCursor: db.prepare('SELECT cursor FROM cursors WHERE connection_id = ?').pluck(),
    upsertCursor: db.prepare(
      'INSERT INTO cursors (connection_id, cursor, updated_at) VALUES (?, ?, ?) ON CONFLICT (connection_id) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at',
    ),
    getVersions: db
      .prepare(
        `SELECT external_id, body, delivered FROM versions
         WHERE conn = (SELECT seq FROM connections WHERE id = ?) AND external_id IN (SELECT value FROM json_each(?))`,
      )
      .raw(),
    connectionSeq: db.prepare('SELECT seq FROM connections WHERE id = ?').pluck(),
    upsertVersion: db.prepare(upsertVersions(1)),
    upsertVersions: db.prepare(upsertVersions(VERSIONS_PER_STATEMENT)),
    pruneVersions: db.prepare(`DELETE FROM versions WHERE delivered < @before AND conn NOT IN (${SYNCING_CONNECTIONS})`),
    sweepEnd: db.prepare('SELECT conn, external_id FROM versions WHERE (conn, external_id) > (?, ?) ORDER BY conn, external_id LIMIT 1 OFFSET ?').raw(),
    pruneSlice: db.prepare(
      `DELETE FROM versions WHERE (conn, external_id) > (@fromConn, @fromId) AND (conn, external_id) <= (@toConn, @toId)
         AND delivered < @before AND conn NOT IN (${SYNCING_CONNECTIONS})`,
    ),
    pruneTail: db.prepare(
      `DELETE FROM versions WHERE (conn, external_id) > (@fromConn, @fromId) AND delivered < @before AND conn NOT IN (${SYNCING_CONNECTIONS})`,
    ),
    upsertRun: db.prepare(
      `INSERT INTO sync_runs (id, connection_id, status, started_at, body) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET connection_id = excluded.connection_id, status = excluded.status, started_at = excluded.started_at, body = excluded.body`,
    ),
    listRuns: db.prepare('SELECT body FROM sync_runs WHERE connection_id = ? ORDER BY seq DESC LIMIT ?').pluck(),
    pruneRuns: db.prepare('DELETE FROM sync_runs WHERE connection_id = ? AND seq NOT IN (SELECT seq FROM sync_runs WHERE connection_id = ? ORDER BY seq DESC LIMIT ?)'),
    upsertInbox: db.prepare(
      `INSERT INTO inbox (id, connection_id, received_at, attempts, body) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET connection_id = excluded.connection_id, received_at = excluded.received_at, attempts = excluded.attempts, body = excluded.body`,
    ),
    inboxAll: db.prepare('SELECT body, attempts FROM inbox ORDER BY received_at, seq'),
    inboxFor: db.prepare('SELECT body, attempts FROM inbox WHERE connection_id = ? ORDER BY received_at, seq'),
    inboxAttempt: db.prepare('UPDATE inbox SET attempts = attempts + 1 WHERE id = ?'),
    deleteInbox: db.prepare('DELETE FROM inbox WHERE id = ?'),
    acquireLock: db.prepare(
      `INSERT INTO locks (key, owner, expires_at) VALUES (@key, @owner, @expiresAt)
       ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE locks.owner = excluded.owner OR locks.expires_at <= @now`,
    ),
    renewLock: db.prepare('UPDATE locks SET expires_at = ? WHERE key = ? AND owner = ? AND expires_at > ?'),
    releaseLock: db.prepare('DELETE FROM locks WHERE key = ? AND owner = ?'),
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    sealedColumns: db.prepare('SELECT id, credentials, webhook FROM connections'),
    updateSealedColumns: db.prepare('UPDATE connections SET credentials = ?, webhook = ? WHERE id = ?'),
  };
}

type Statements = ReturnType<typeof prepareStatements>;
