import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  ConfigError,
  TransientError,
  silentLogger,
  MAX_DEAD_LETTERS,
  MAX_WEBHOOK_EVENT_IDS,
  type DeadLetter,
  type DeliveredVersion,
  type InboxEntry,
  type JsonValue,
  type Logger,
  type PageCommit,
  type StateStore,
  type StoredConnection,
  type StoredTokens,
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
} from '@ticketbridge/core';
import { migrate, SCHEMA_VERSION } from './migrations.js';

/** The label of this store's key fingerprints (never change it: sealed values name their key by it). */
const KEY_ID_LABEL = 'ticketbridge/store-postgres key id';

/** Bounds of the connection pool of a {@link PostgresStore}. */
export interface PostgresPoolOptions {
  /**
   * Most connections this store opens at once. Default 10. Each running sync uses one connection per store call and
   * its lease renewal another, so give at least the number of syncs a worker runs at once plus one. Every worker
   * process has its own pool: the sum over all workers must stay under the server's `max_connections`.
   */
  max?: number;
  /** An idle connection is closed after this long. Default 10 000. */
  idleTimeoutMs?: number;
  /**
   * How long a call waits for a free connection (or for a new one to be established) before failing with a
   * `TransientError`. Default 10 000.
   */
  connectionTimeoutMs?: number;
}

/** Options of {@link PostgresStore.open}. */
export interface PostgresStoreOptions {
  /**
   * `postgres://user:password@host:5432/database` (libpq URL syntax; `?sslmode=require` and friends as node-postgres
   * reads them). Never logged or put in an error message.
   */
  connectionString: string;
  /**
   * The schema that holds the store's tables, created if missing. Default `ticketbridge`. Letters, digits and `_`,
   * at most 63 characters. Stores on different schemas of one database are fully separate (one per environment, or
   * one per test run).
   */
  schema?: string;
  /**
   * Seals `credentials`, `webhook` and OAuth tokens at rest with AES-256-GCM. Either 32 random bytes
   * (`crypto.randomBytes(32)`) or a passphrase string of at least 16 characters (`openssl rand -base64 32`), stretched
   * with scrypt and a salt kept in the schema. `undefined` (e.g. an unset environment variable) counts as no key.
   */
  key?: StoreKey | undefined;
  /**
   * Keys the store may have been sealed with before `key`. When it was sealed with one of them, opening re-seals
   * everything with `key` in one transaction: deploy the new key with the old one here, then drop it.
   */
  previousKeys?: readonly StoreKey[];
  /** Store credentials in plain JSON when no `key` is given. Required to say so explicitly. */
  allowPlaintext?: boolean;
  /** Connection pool bounds. */
  pool?: PostgresPoolOptions;
  /**
   * Server-side `statement_timeout` of every connection: a statement running longer (a lock held by a stuck
   * session, an overloaded server) is cancelled and the call fails with a `TransientError`. Default 30 000.
   */
  statementTimeoutMs?: number;
  /**
   * How long {@link PostgresStore.open} waits for another process that is migrating the same schema (and how long
   * one migration step may run). Default 120 000.
   */
  migrationTimeoutMs?: number;
  /** `application_name` of the connections, shown in `pg_stat_activity`. Default `ticketbridge`. */
  applicationName?: string;
  /** Sync runs kept per connection; older ones are pruned when a run is added. Default 100. */
  runRetention?: number;
  /**
   * Seen versions older than this (by delivery time) are pruned, at open and at most hourly after a page commit.
   * Default 90 days; at least one day, so a poll's overlap window never loses its dedupe rows; `null` keeps
   * versions forever.
   */
  versionRetentionMs?: number | null;
  /** Receives migrations, key rotations, prunes and dropped idle connections. Never secrets. */
  logger?: Logger;
}

/** What {@link PostgresStore.stats} reports: counters of this process's store, for metrics and the benchmark. */
export interface PostgresStoreStats {
  /** Statements sent to the server since open (transaction control included). */
  queries: number;
  /** Connections open in the pool now. */
  poolTotal: number;
  /** Of those, idle. */
  poolIdle: number;
  /** Calls waiting for a connection. */
  poolWaiting: number;
}

/** What {@link PostgresStore.info} reports. */
export interface PostgresStoreInfo {
  schema: string;
  schemaVersion: number;
  /** Credentials sealed at rest (a key was given). */
  sealed: boolean;
  /** `server_version` as the server reports it. */
  serverVersion: string;
  poolMax: number;
  statementTimeoutMs: number;
  runRetention: number;
  versionRetentionMs: number | null;
}

/** Default number of sync runs kept per connection. */
export const DEFAULT_RUN_RETENTION = 100;
/** Default age after which seen versions are pruned (90 days). */
export const DEFAULT_VERSION_RETENTION_MS = 90 * 24 * 3600_000;
/** Default schema of the store's tables. */
export const DEFAULT_SCHEMA = 'ticketbridge';
const MIN_VERSION_RETENTION_MS = 24 * 3600_000;
const VERSION_PRUNE_INTERVAL_MS = 3600_000;
const KEY_CHECK = 'ticketbridge/store-postgres key check';
/** First half of the migration advisory lock's key ('TB'); the second is a hash of the schema name. */
const ADVISORY_CLASS = 0x5442;
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

type Query = <R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]) => Promise<pg.QueryResult<R>>;

/**
 * A {@link StateStore} on PostgreSQL, for hosts that run several worker processes (or machines) on one database.
 * Each method is one atomic statement or transaction; `commitPage` writes a page's versions, cursor, inbox
 * acknowledgement and run record in one statement. Locks are leases: rows with an expiry judged by the database's clock, taken over
 * once expired, and kept alive by the hub while it works. Credentials, webhook secrets and OAuth tokens are sealed
 * with a key the host provides.
 *
 * @example
 * ```ts
 * const store = await PostgresStore.open({ connectionString: process.env.DATABASE_URL!, key: process.env.TICKETBRIDGE_KEY });
 * const hub = createHub({ connectors: [zendesk()], store });
 * // On shutdown: await hub.close(); await store.close();
 * ```
 */
export class PostgresStore implements StateStore {
  /** The schema holding the tables. */
  readonly schema: string;
  readonly #pool: pg.Pool;
  readonly #poolMax: number;
  readonly #statementTimeoutMs: number;
  readonly #logger: Logger;
  readonly #runRetention: number;
  readonly #versionRetentionMs: number | null;
  readonly #sql: Statements;
  #salt = Buffer.alloc(0);
  #kdf: KdfParams = DEFAULT_SEALING_KDF;
  #key: SealingKey | undefined;
  #readKeys: SealingKey[] = [];
  #queries = 0;
  #closed = false;
  #lastVersionPrune = 0;

  private constructor(schema: string, pool: pg.Pool, poolMax: number, statementTimeoutMs: number, logger: Logger, runRetention: number, versionRetentionMs: number | null) {
    this.schema = schema;
    this.#pool = pool;
    this.#poolMax = poolMax;
    this.#statementTimeoutMs = statementTimeoutMs;
    this.#logger = logger;
    this.#runRetention = runRetention;
    this.#versionRetentionMs = versionRetentionMs;
    this.#sql = statements(`"${schema}"`);
  }

  /**
   * Connects, creates the schema and applies pending migrations (under an advisory lock, so workers starting at
   * once migrate exactly once), and checks the key. Throws `ConfigError` on bad options, a wrong key, a schema
   * written by a newer version, or credentials the server refuses; `TransientError` when the server cannot be
   * reached.
   */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const { connectionString, key, previousKeys = [], allowPlaintext = false } = options;
    if (typeof connectionString !== 'string' || connectionString === '') {
      throw new ConfigError('PostgresStore needs a `connectionString` (postgres://user:password@host:5432/database)', { field: 'connectionString' });
    }
    if (key === undefined && !allowPlaintext) {
      throw new ConfigError(
        'PostgresStore needs a `key` to seal credentials at rest (32 random bytes, or a passphrase such as the output of `openssl rand -base64 32`), or `allowPlaintext: true` to store them unencrypted on purpose',
        { field: 'key' },
      );
    }
    const schema = options.schema ?? DEFAULT_SCHEMA;
    if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
      throw new ConfigError(`schema must be 1 to 63 letters, digits or _ and not start with a digit (got ${JSON.stringify(schema)})`, { field: 'schema' });
    }
    const runRetention = options.runRetention ?? DEFAULT_RUN_RETENTION;
    if (!Number.isInteger(runRetention) || runRetention < 1) throw new ConfigError(`runRetention must be a whole number of runs, at least 1 (got ${runRetention})`, { field: 'runRetention' });
    const versionRetentionMs = options.versionRetentionMs === undefined ? DEFAULT_VERSION_RETENTION_MS : options.versionRetentionMs;
    if (versionRetentionMs !== null && !(versionRetentionMs >= MIN_VERSION_RETENTION_MS)) {
      throw new ConfigError(`versionRetentionMs must be at least one day (${MIN_VERSION_RETENTION_MS}), or null to keep versions forever: shorter retention lets overlapping polls deliver duplicates`, {
        field: 'versionRetentionMs',
      });
    }
    const positive = (value: number | undefined, fallback: number, field: string, min = 1) => {
      const v = value ?? fallback;
      if (!Number.isInteger(v) || v < min) throw new ConfigError(`${field} must be a whole number, at least ${min} (got ${value})`, { field });
      return v;
    };
    const max = positive(options.pool?.max, 10, 'pool.max');
    const idleTimeoutMs = positive(options.pool?.idleTimeoutMs, 10_000, 'pool.idleTimeoutMs');
    const connectionTimeoutMs = positive(options.pool?.connectionTimeoutMs, 10_000, 'pool.connectionTimeoutMs');
    const statementTimeoutMs = positive(options.statementTimeoutMs, 30_000, 'statementTimeoutMs');
    const migrationTimeoutMs = positive(options.migrationTimeoutMs, 120_000, 'migrationTimeoutMs');
    const logger = options.logger ?? silentLogger;

    const pool = new pg.Pool({
      connectionString,
      max,
      idleTimeoutMillis: idleTimeoutMs,
      connectionTimeoutMillis: connectionTimeoutMs,
      statement_timeout: statementTimeoutMs,
      // The client-side bound for what statement_timeout cannot cover: a server or network that stopped answering.
      query_timeout: statementTimeoutMs + 5_000,
      application_name: options.applicationName ?? 'ticketbridge',
      keepAlive: true,
    });
    // An idle connection the server drops (restart, failover, idle timeout) is reported here; without a listener
    // node-postgres would crash the host. The pool replaces it on the next call.
    pool.on('error', (error) => logger.warn('store-postgres: an idle connection failed and was dropped', { error: messageOf(error) }));

    const store = new PostgresStore(schema, pool, max, statementTimeoutMs, logger, runRetention, versionRetentionMs);
    try {
      await store.#setUp(key, previousKeys, migrationTimeoutMs);
    } catch (error) {
      store.#closed = true;
      await pool.end().catch(() => undefined);
      throw store.#translate(error);
    }
    store.#maybePruneVersions();
    return store;
  }

  /** True when credentials are sealed at rest; false for a store opened with `allowPlaintext` and no key. */
  get sealed(): boolean {
    return this.#key !== undefined;
  }

  /** The schema version this package writes (the schema's, once opened). */
  get schemaVersion(): number {
    return SCHEMA_VERSION;
  }

  /** Query and pool counters of this store, for a host's metrics (and the benchmark's queries per page). */
  stats(): PostgresStoreStats {
    return { queries: this.#queries, poolTotal: this.#pool.totalCount, poolIdle: this.#pool.idleCount, poolWaiting: this.#pool.waitingCount };
  }

  /** What this store runs with, for a health check; one round trip to the server. */
  async info(): Promise<PostgresStoreInfo> {
    const { rows } = await this.#query<{ server_version: string }>('SHOW server_version');
    return {
      schema: this.schema,
      schemaVersion: SCHEMA_VERSION,
      sealed: this.sealed,
      serverVersion: rows[0]!.server_version,
      poolMax: this.#poolMax,
      statementTimeoutMs: this.#statementTimeoutMs,
      runRetention: this.#runRetention,
      versionRetentionMs: this.#versionRetentionMs,
    };
  }

  // Connections

  async saveConnection(connection: StoredConnection): Promise<void> {
    const { credentials, webhook, ...rest } = connection;
    await this.#query(this.#sql.upsertConnection, [
      connection.id,
      connection.platform,
      connection.status,
      JSON.stringify(rest),
      this.#protect(JSON.stringify(credentials), connection.id, 'credentials'),
      webhook === undefined ? null : this.#protect(JSON.stringify(webhook), connection.id, 'webhook'),
      connection.createdAt,
      connection.updatedAt,
      webhookRouteKeys(connection),
    ]);
  }

  async findConnectionsByWebhookRoute(platform: string, keys: readonly string[], limit: number): Promise<string[]> {
    if (keys.length === 0 || limit <= 0) return [];
    const { rows } = await this.#query<{ id: string }>(this.#sql.findRoutes, [platform, [...keys], limit]);
    return rows.map((r) => r.id);
  }

  async getConnection(id: string): Promise<StoredConnection | undefined> {
    const { rows } = await this.#query<ConnectionRow>(this.#sql.getConnection, [id]);
    return rows[0] && this.#readConnection(rows[0]);
  }

  async listConnections(): Promise<StoredConnection[]> {
    const { rows } = await this.#query<ConnectionRow>(this.#sql.listConnections);
    return rows.map((row) => this.#readConnection(row));
  }

  async deleteConnection(id: string): Promise<void> {
    // One statement: its locks and tokens (no foreign key) with it; cursor, versions, runs, inbox, dead letters and
    // webhook ids by ON DELETE CASCADE.
    await this.#query(this.#sql.deleteConnection, [id, `sync:${id}`, `${id}:`]);
  }

  // OAuth tokens

  async getTokens(connectionId: string): Promise<StoredTokens | undefined> {
    const { rows } = await this.#query<{ tokens: string }>(this.#sql.getTokens, [connectionId]);
    return rows[0] && (JSON.parse(this.#reveal(rows[0].tokens, connectionId, 'tokens')) as StoredTokens);
  }

  async saveTokens(connectionId: string, tokens: StoredTokens, expectedGeneration: number | null): Promise<boolean> {
    const sealed = this.#protect(JSON.stringify(tokens), connectionId, 'tokens');
    // Compare-and-set in one statement: an insert that yields to any existing row, or an update conditioned on the
    // generation (a concurrent writer's update makes PostgreSQL re-check the condition against the new row).
    const { rowCount } =
      expectedGeneration === null
        ? await this.#query(this.#sql.insertTokens, [connectionId, tokens.generation, sealed])
        : await this.#query(this.#sql.updateTokens, [connectionId, tokens.generation, sealed, expectedGeneration]);
    return rowCount === 1;
  }

  // Webhook event ids

  async webhookEventSeen(connectionId: string, eventId: string): Promise<boolean> {
    const { rows } = await this.#query<{ expires_at: string }>(this.#sql.getWebhookEvent, [connectionId, eventId]);
    return rows[0] !== undefined && Number(rows[0].expires_at) > Date.now();
  }

  async rememberWebhookEvent(connectionId: string, eventId: string, expiresAt: string): Promise<void> {
    await this.#query(this.#sql.upsertWebhookEvent, [connectionId, eventId, Date.parse(expiresAt)], connectionId);
    await this.#query(this.#sql.pruneWebhookEvents, [connectionId, Date.now(), MAX_WEBHOOK_EVENT_IDS]);
  }

  // Dead letters

  async deadLetterPut(entry: DeadLetter): Promise<void> {
    await this.#query(this.#sql.upsertDeadLetter, [entry.id, entry.connectionId, entry.receivedAt, JSON.stringify(entry)], entry.connectionId);
    await this.#query(this.#sql.pruneDeadLetters, [entry.connectionId, MAX_DEAD_LETTERS]);
  }

  async deadLetters(connectionId: string, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    const { rows } = await this.#query<{ body: string }>(this.#sql.listDeadLetters, [connectionId, limitOf(options.limit)]);
    return rows.map((row) => JSON.parse(row.body) as DeadLetter);
  }

  async deadLetterDelete(id: string): Promise<void> {
    await this.#query(this.#sql.deleteDeadLetter, [id]);
  }

  // Cursors

  async getCursor(connectionId: string): Promise<JsonValue | null> {
    const { rows } = await this.#query<{ cursor: string }>(this.#sql.getCursor, [connectionId]);
    return rows[0] === undefined ? null : (JSON.parse(rows[0].cursor) as JsonValue);
  }

  async setCursor(connectionId: string, cursor: JsonValue | null): Promise<void> {
    await this.#query(this.#sql.upsertCursor, [connectionId, JSON.stringify(cursor)], connectionId);
  }

  // Seen versions

  async getVersions(connectionId: string, externalIds: string[]): Promise<Map<string, DeliveredVersion>> {
    const out = new Map<string, DeliveredVersion>();
    if (externalIds.length === 0) return out;
    // One array parameter instead of N placeholders: any number of ids, one statement plan.
    const { rows } = await this.#query<{ body: string }>(this.#sql.getVersions, [connectionId, externalIds]);
    for (const row of rows) {
      const version = JSON.parse(row.body) as DeliveredVersion;
      out.set(version.externalId, version);
    }
    return out;
  }

  async commitPage(connectionId: string, commit: PageCommit): Promise<void> {
    // Last one wins for a ticket twice in a page (an upsert may not touch a row twice in one statement), and rows
    // go in id order so two commits touching the same tickets lock them in the same order (no deadlock).
    const byId = new Map<string, DeliveredVersion>();
    for (const v of commit.versions) byId.set(v.externalId, v);
    const versions = [...byId.values()].sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));
    // One statement, so one implicit transaction: the versions, the cursor, the inbox acknowledgement and the run become
    // visible together or not at all, and a page costs one round trip.
    await this.#query(
      this.#sql.commitPage,
      [
        connectionId,
        versions.map((v) => v.externalId),
        versions.map((v) => v.updatedAt),
        versions.map((v) => v.fingerprint),
        versions.map((v) => v.deliveredAt),
        versions.map((v) => JSON.stringify(v)),
        commit.cursor === undefined ? null : JSON.stringify(commit.cursor),
        commit.cursor !== undefined,
        commit.ackInboxId ?? null,
        commit.run?.id ?? null,
        commit.run?.status ?? null,
        commit.run?.startedAt ?? null,
        commit.run ? JSON.stringify(commit.run) : null,
      ],
      connectionId,
    );
    this.#maybePruneVersions();
  }

  /**
   * Forgets versions delivered before `before` (ISO), except those of connections a sync is running for right now
   * (their `sync:<id>` lock is held): that sync may be about to re-read them, and pruning under it would deliver
   * them again.
   */
  async pruneVersions(before: string): Promise<number> {
    return (await this.#query(this.#sql.pruneVersions, [before])).rowCount ?? 0;
  }

  // Sync history

  async saveRun(run: SyncRun): Promise<void> {
    const { rows } = await this.#query<{ inserted: boolean }>(this.#sql.upsertRun, [run.id, run.connectionId, run.status, run.startedAt, JSON.stringify(run)], run.connectionId);
    // Only a new run can push the history past its bound; updates (one per page) cost no second statement.
    if (rows[0]?.inserted) await this.#query(this.#sql.pruneRuns, [run.connectionId, this.#runRetention]);
  }

  async listRuns(connectionId: string, options: { limit?: number } = {}): Promise<SyncRun[]> {
    const { rows } = await this.#query<{ body: string }>(this.#sql.listRuns, [connectionId, limitOf(options.limit)]);
    return rows.map((row) => JSON.parse(row.body) as SyncRun);
  }

  async pruneRuns(connectionId: string, keep: number): Promise<number> {
    return (await this.#query(this.#sql.pruneRuns, [connectionId, Math.max(0, Math.floor(keep))])).rowCount ?? 0;
  }

  // Webhook inbox

  async inboxPut(entry: InboxEntry): Promise<void> {
    await this.#query(this.#sql.upsertInbox, [entry.id, entry.connectionId, entry.receivedAt, entry.attempts, JSON.stringify(entry)], entry.connectionId);
  }

  async inboxPending(connectionId?: string): Promise<InboxEntry[]> {
    const { rows } =
      connectionId === undefined
        ? await this.#query<{ body: string; attempts: number }>(this.#sql.inboxAll)
        : await this.#query<{ body: string; attempts: number }>(this.#sql.inboxFor, [connectionId]);
    return rows.map((row) => ({ ...(JSON.parse(row.body) as InboxEntry), attempts: row.attempts }));
  }

  async inboxAttempt(id: string): Promise<void> {
    await this.#query(this.#sql.inboxAttempt, [id]);
  }

  // Locks

  /**
   * Takes the lock if it is free, expired, or already `owner`'s: one conditional upsert, atomic however many
   * processes race for it. Expiry is judged by the database's clock.
   */
  async acquireLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.#query(this.#sql.acquireLock, [key, owner, ttlOf(ttlMs)])).rowCount === 1;
  }

  /** Extends `owner`'s lock by `ttlMs` from now; false once it expired (even if nobody took it yet) or changed hands. */
  async renewLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.#query(this.#sql.renewLock, [key, owner, ttlOf(ttlMs)])).rowCount === 1;
  }

  async releaseLock(key: string, owner: string): Promise<void> {
    await this.#query(this.#sql.releaseLock, [key, owner]);
  }

  // Keys

  /**
   * Re-seals every sealed value with `newKey` in one transaction, then seals with it from now on; the old key no
   * longer opens the store. On a plain store this seals it. Other processes must restart with the new key (or with
   * it as `key` and the old one in `previousKeys`).
   */
  async rotateKey(newKey: StoreKey): Promise<void> {
    const next = resolveSealingKey(newKey, this.#salt, this.#kdf, 'newKey', KEY_ID_LABEL);
    await this.#withClient(async (q) => {
      await q('SELECT pg_advisory_lock($1, hashtext($2))', [ADVISORY_CLASS, this.schema]);
      try {
        await transaction(q, () => this.#resealAll(q, next));
      } finally {
        await q('SELECT pg_advisory_unlock($1, hashtext($2))', [ADVISORY_CLASS, this.schema]);
      }
    });
    this.#key = next;
    this.#readKeys = [next];
    this.#logger.info('store-postgres: key rotated', { keyId: next.id });
  }

  /** Closes every pooled connection (waiting for calls in flight). Further calls fail with `ConfigError`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Internal helpers

  /** Migrates and settles the keys on one dedicated connection, holding the schema's advisory lock throughout. */
  async #setUp(key: StoreKey | undefined, previousKeys: readonly StoreKey[], migrationTimeoutMs: number): Promise<void> {
    await this.#withClient(async (q, client) => {
      // Session settings for this connection only: it is destroyed afterwards, never returned to the pool.
      await q(`SET statement_timeout = ${migrationTimeoutMs}`);
      await q(`SET lock_timeout = ${migrationTimeoutMs}`);
      await q('SELECT pg_advisory_lock($1, hashtext($2))', [ADVISORY_CLASS, this.schema]);
      await migrate(client, this.schema, `"${this.schema}"`, this.#logger);
      await q(`INSERT INTO "${this.schema}".meta (key, value) VALUES ('kdf', $1) ON CONFLICT (key) DO NOTHING`, [
        JSON.stringify({ ...DEFAULT_SEALING_KDF, salt: randomBytes(16).toString('base64') }),
      ]);
      const { rows } = await q<{ value: string }>(`SELECT value FROM "${this.schema}".meta WHERE key = 'kdf'`);
      const kdf = JSON.parse(rows[0]!.value) as { salt: string } & KdfParams;
      this.#salt = Buffer.from(kdf.salt, 'base64');
      this.#kdf = { N: kdf.N, r: kdf.r, p: kdf.p };
      const current = key === undefined ? undefined : resolveSealingKey(key, this.#salt, this.#kdf, 'key', KEY_ID_LABEL);
      const previous = previousKeys.map((k, i) => resolveSealingKey(k, this.#salt, this.#kdf, `previousKeys[${i}]`, KEY_ID_LABEL));
      this.#key = current;
      this.#readKeys = current ? [current, ...previous] : [];
      await transaction(q, () => this.#settleKeys(q, current, previous));
      // Released explicitly although destroying the session would too: a pooler in front may keep sessions.
      await q('SELECT pg_advisory_unlock($1, hashtext($2))', [ADVISORY_CLASS, this.schema]);
    });
  }

  /**
   * Runs `fn` on a dedicated pooled connection that is destroyed afterwards (it may carry session settings or, after
   * a failure, an open transaction or advisory lock).
   */
  async #withClient<T>(fn: (q: Query, client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.#closed) throw new ConfigError(`the store on schema "${this.schema}" is closed`);
    const client = await this.#pool.connect().catch((error: unknown) => {
      throw this.#translate(error);
    });
    // A checked-out client reports a dropped connection as an 'error' event too; unheard, it would crash the host.
    // The query in flight fails with the same error, which is what the caller sees.
    const onError = (error: Error) => this.#logger.warn('store-postgres: connection failed', { error: messageOf(error) });
    client.on('error', onError);
    const q: Query = (text, values) => {
      this.#queries++;
      return client.query(text, values);
    };
    try {
      return await fn(q, client);
    } catch (error) {
      throw this.#translate(error);
    } finally {
      client.off('error', onError);
      client.release(true);
    }
  }

  /** One pooled statement; PostgreSQL failures become the core's error classes. */
  async #query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[], connectionId?: string): Promise<pg.QueryResult<R>> {
    if (this.#closed) throw new ConfigError(`the store on schema "${this.schema}" is closed`);
    this.#queries++;
    try {
      return await this.#pool.query<R>(text, values);
    } catch (error) {
      throw this.#translate(error, connectionId);
    }
  }

  /**
   * Reconciles the schema's sealing state with the keys given, inside the open transaction: a new schema records its
   * mode; a plain one opened with a key is sealed; a sealed one must be opened by `key` or one of `previousKeys`
   * (then everything is re-sealed with `key`).
   */
  async #settleKeys(q: Query, current: SealingKey | undefined, previous: SealingKey[]): Promise<void> {
    const meta = async (key: string) => (await q<{ value: string }>(`SELECT value FROM "${this.schema}".meta WHERE key = $1`, [key])).rows[0]?.value;
    const mode = await meta('sealing');
    if (mode === undefined) {
      if (current) await this.#resealAll(q, current);
      else await q(this.#sql.setMeta, ['sealing', 'plain']);
      return;
    }
    if (mode === 'plain') {
      if (!current) return;
      await this.#resealAll(q, current);
      this.#logger.info('store-postgres: sealed a plain store', { schema: this.schema, keyId: current.id });
      return;
    }
    if (!current) {
      throw new ConfigError(`schema "${this.schema}" holds sealed credentials: open it with its \`key\` (allowPlaintext cannot read them)`, { field: 'key' });
    }
    const check = (await meta('key_check'))!;
    const checkKey = openKeyCheck(check, KEY_CHECK, current, previous, `schema "${this.schema}"`);
    if (checkKey !== current) {
      await this.#resealAll(q, current);
      this.#logger.info('store-postgres: re-sealed the store with the new key', { schema: this.schema, from: checkKey.id, to: current.id });
      return;
    }
    // Values written by a process still on an old key after a rotation: bring them onto the current key now.
    const { rows } = await q<SealedRow>(this.#sql.sealedColumns);
    const stale = rows.some((r) => sealedKeyId(r.credentials) !== current.id || (r.webhook !== null && sealedKeyId(r.webhook) !== current.id));
    if (stale) await this.#resealAll(q, current);
  }

  /** Re-seals (or seals, from plain) every sealed column and the verification record with `next`, rows locked. */
  async #resealAll(q: Query, next: SealingKey): Promise<void> {
    const mode = (await q<{ value: string }>(`SELECT value FROM "${this.schema}".meta WHERE key = 'sealing' FOR UPDATE`)).rows[0]?.value;
    const plain = mode !== 'aes-256-gcm';
    for (const row of (await q<SealedRow>(`${this.#sql.sealedColumns} FOR UPDATE`)).rows) {
      const open = (text: string, column: string) => (plain ? text : unsealValue(this.#readKeys, text, context(row.id, column)));
      await q(this.#sql.updateSealedColumns, [
        sealValue(next, open(row.credentials, 'credentials'), context(row.id, 'credentials')),
        row.webhook === null ? null : sealValue(next, open(row.webhook, 'webhook'), context(row.id, 'webhook')),
        row.id,
      ]);
    }
    for (const row of (await q<{ connection_id: string; tokens: string }>(this.#sql.sealedTokens)).rows) {
      const text = plain ? row.tokens : unsealValue(this.#readKeys, row.tokens, context(row.connection_id, 'tokens'));
      await q(this.#sql.updateSealedTokens, [sealValue(next, text, context(row.connection_id, 'tokens')), row.connection_id]);
    }
    await q(this.#sql.setMeta, ['sealing', 'aes-256-gcm']);
    await q(this.#sql.setMeta, ['key_check', sealKeyCheck(next, KEY_CHECK)]);
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

  /** Retention in the background: never delays or fails the commit that triggered it. */
  #maybePruneVersions(): void {
    if (this.#versionRetentionMs === null || this.#closed) return;
    const now = Date.now();
    if (now - this.#lastVersionPrune < VERSION_PRUNE_INTERVAL_MS) return;
    this.#lastVersionPrune = now;
    this.pruneVersions(new Date(now - this.#versionRetentionMs).toISOString()).then(
      (removed) => {
        if (removed) this.#logger.debug('store-postgres: pruned seen versions', { removed });
      },
      (error: unknown) => {
        this.#lastVersionPrune = now - VERSION_PRUNE_INTERVAL_MS + 60_000;
        if (!this.#closed) this.#logger.warn('store-postgres: version pruning postponed', { error: messageOf(error) });
      },
    );
  }

  /**
   * PostgreSQL and network failures as the core's error classes: what passes by itself (a refused or dropped
   * connection, too many clients, a server restarting, a timeout, a deadlock or serialization failure) is a
   * `TransientError` the hub retries; what needs a person (a refused password, a missing database, missing
   * privileges, a deleted connection) is a `ConfigError`. Messages never carry the connection string.
   */
  #translate(error: unknown, connectionId?: string): unknown {
    if (ConfigError.isInstance(error) || TransientError.isInstance(error) || !(error instanceof Error)) return error;
    const code = (error as { code?: unknown }).code;
    const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
    const what = `store-postgres (schema "${this.schema}")`;
    if (sqlState === '23503') {
      return new ConfigError(`${what}: unknown connection "${connectionId ?? '?'}" (deleted, or never saved)`, { field: 'connectionId', cause: error });
    }
    if (sqlState && (sqlState.startsWith('28') || sqlState === '3D000' || sqlState === '42501' || sqlState === '3F000')) {
      return new ConfigError(`${what}: the server refused: ${error.message} (${sqlState}); check the connection string and the role's privileges`, {
        field: 'connectionString',
        cause: error,
      });
    }
    if (isTransient(error, sqlState)) {
      const kind =
        sqlState === '57014'
          ? 'statement timed out or was cancelled'
          : sqlState === '40P01' || sqlState === '40001'
            ? 'conflicting transaction, try again'
            : sqlState === '55P03'
              ? 'lock wait timed out'
              : 'database unavailable';
      return new TransientError(`${what}: ${kind}: ${error.message}${sqlState ? ` (${sqlState})` : ''}`, {
        cause: error,
      });
    }
    return error;
  }
}

/** Failures that pass by themselves: retry later. */
function isTransient(error: Error, sqlState: string | undefined): boolean {
  if (sqlState) {
    return (
      (sqlState.startsWith('08') && sqlState !== '08P01') || // connection exception (08P01, a protocol violation, is a bug)
      sqlState.startsWith('53') || // insufficient resources: 53300 too many connections, disk full, out of memory
      sqlState.startsWith('57P') || // admin/crash shutdown, cannot connect now (starting up, recovering)
      sqlState === '57014' || // statement_timeout or a cancel
      sqlState === '40001' || // serialization failure
      sqlState === '40P01' || // deadlock detected (one side is rolled back)
      sqlState === '55P03' // lock not available (lock_timeout)
    );
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED'].includes(code)) return true;
  // node-postgres's own messages for a dropped connection, a pool checkout timeout and its client-side query timeout.
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Connection ended unexpectedly/i.test(error.message);
}

async function transaction(q: Query, fn: () => Promise<void>): Promise<void> {
  await q('BEGIN');
  try {
    await fn();
    await q('COMMIT');
  } catch (error) {
    await q('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** `undefined` → no limit (SQL `LIMIT NULL`). */
const limitOf = (limit: number | undefined) => (limit === undefined ? null : Math.max(0, Math.floor(limit)));
/** Whole milliseconds, at least 1: a lock is taken for some time or not at all. */
const ttlOf = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs));
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

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

/** Every statement the store runs, with its schema filled in; all values are parameters. */
function statements(s: string) {
  return {
    // One statement with its routing keys: the keys no longer listed go, the new ones come (each row touched once).
    upsertConnection: `WITH up AS (
         INSERT INTO ${s}.connections (id, platform, status, body, credentials, webhook, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO UPDATE SET platform = excluded.platform, status = excluded.status, body = excluded.body,
           credentials = excluded.credentials, webhook = excluded.webhook, created_at = excluded.created_at, updated_at = excluded.updated_at),
       gone AS (DELETE FROM ${s}.webhook_routes WHERE connection_id = $1 AND NOT (platform = $2 AND route_key = ANY ($9::text[])))
       INSERT INTO ${s}.webhook_routes (platform, route_key, connection_id) SELECT $2, k, $1 FROM unnest($9::text[]) AS k
       ON CONFLICT DO NOTHING`,
    findRoutes: `SELECT c.id FROM ${s}.connections c
       JOIN (SELECT DISTINCT connection_id FROM ${s}.webhook_routes WHERE platform = $1 AND route_key = ANY ($2::text[])) r ON r.connection_id = c.id
       ORDER BY c.seq LIMIT $3`,
    getConnection: `SELECT id, body, credentials, webhook FROM ${s}.connections WHERE id = $1`,
    listConnections: `SELECT id, body, credentials, webhook FROM ${s}.connections ORDER BY seq`,
    // `<id>:…` keys are the connection's own; compared by prefix without LIKE, whose wildcards ids might contain.
    deleteConnection: `WITH gone_locks AS (DELETE FROM ${s}.locks WHERE key = $2 OR left(key, length($3::text)) = $3::text),
         gone_tokens AS (DELETE FROM ${s}.oauth_tokens WHERE connection_id = $1)
       DELETE FROM ${s}.connections WHERE id = $1`,
    getTokens: `SELECT tokens FROM ${s}.oauth_tokens WHERE connection_id = $1`,
    insertTokens: `INSERT INTO ${s}.oauth_tokens (connection_id, generation, tokens, updated_at) VALUES ($1, $2, $3, clock_timestamp()) ON CONFLICT (connection_id) DO NOTHING`,
    updateTokens: `UPDATE ${s}.oauth_tokens SET generation = $2, tokens = $3, updated_at = clock_timestamp() WHERE connection_id = $1 AND generation = $4`,
    sealedTokens: `SELECT connection_id, tokens FROM ${s}.oauth_tokens FOR UPDATE`,
    updateSealedTokens: `UPDATE ${s}.oauth_tokens SET tokens = $1 WHERE connection_id = $2`,
    getWebhookEvent: `SELECT expires_at FROM ${s}.webhook_events WHERE connection_id = $1 AND event_id = $2`,
    upsertWebhookEvent: `INSERT INTO ${s}.webhook_events (connection_id, event_id, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (connection_id, event_id) DO UPDATE SET expires_at = excluded.expires_at, seq = excluded.seq`,
    pruneWebhookEvents: `DELETE FROM ${s}.webhook_events WHERE connection_id = $1 AND (expires_at <= $2
         OR seq <= (SELECT seq FROM ${s}.webhook_events WHERE connection_id = $1 ORDER BY seq DESC OFFSET $3 LIMIT 1))`,
    upsertDeadLetter: `INSERT INTO ${s}.dead_letters (id, connection_id, received_at, body) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET connection_id = excluded.connection_id, received_at = excluded.received_at, body = excluded.body`,
    // Keeps the newest N of one connection: everything at or below the (N+1)-th newest seq goes.
    pruneDeadLetters: `DELETE FROM ${s}.dead_letters WHERE connection_id = $1
         AND seq <= (SELECT seq FROM ${s}.dead_letters WHERE connection_id = $1 ORDER BY seq DESC OFFSET $2 LIMIT 1)`,
    listDeadLetters: `SELECT body FROM ${s}.dead_letters WHERE connection_id = $1 ORDER BY seq LIMIT $2`,
    deleteDeadLetter: `DELETE FROM ${s}.dead_letters WHERE id = $1`,
    getCursor: `SELECT cursor FROM ${s}.cursors WHERE connection_id = $1`,
    upsertCursor: `INSERT INTO ${s}.cursors (connection_id, cursor, updated_at) VALUES ($1, $2, clock_timestamp())
       ON CONFLICT (connection_id) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
    getVersions: `SELECT body FROM ${s}.versions WHERE connection_id = $1 AND external_id = ANY ($2::text[])`,
    // Data-modifying CTEs all run to completion within the one statement (and so the one transaction), whatever the
    // outer SELECT reads.
    commitPage: `WITH page AS (
         INSERT INTO ${s}.versions (connection_id, external_id, updated_at, fingerprint, delivered_at, body)
         SELECT $1::text, v.external_id, v.updated_at, v.fingerprint, v.delivered_at, v.body
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS v (external_id, updated_at, fingerprint, delivered_at, body)
         ON CONFLICT (connection_id, external_id) DO UPDATE SET updated_at = excluded.updated_at, fingerprint = excluded.fingerprint,
           delivered_at = excluded.delivered_at, body = excluded.body
         RETURNING 1
       ), moved AS (
         INSERT INTO ${s}.cursors (connection_id, cursor, updated_at) SELECT $1::text, $7::text, clock_timestamp() WHERE $8::boolean
         ON CONFLICT (connection_id) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at
         RETURNING 1
       ), acked AS (
         DELETE FROM ${s}.inbox WHERE id = $9::text RETURNING 1
       ), ran AS (
         INSERT INTO ${s}.sync_runs (id, connection_id, status, started_at, body)
         SELECT $10::text, $1::text, $11::text, $12::text, $13::text WHERE $10::text IS NOT NULL
         ON CONFLICT (id) DO UPDATE SET connection_id = excluded.connection_id, status = excluded.status, started_at = excluded.started_at, body = excluded.body
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM page) AS versions, (SELECT count(*) FROM moved) AS cursor, (SELECT count(*) FROM acked) AS acked,
         (SELECT count(*) FROM ran) AS run`,
    pruneVersions: `DELETE FROM ${s}.versions WHERE delivered_at < $1
         AND connection_id NOT IN (SELECT substr(key, 6) FROM ${s}.locks WHERE left(key, 5) = 'sync:' AND expires_at > clock_timestamp())`,
    // xmax = 0 on the returned row means it was inserted, not updated.
    upsertRun: `INSERT INTO ${s}.sync_runs (id, connection_id, status, started_at, body) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET connection_id = excluded.connection_id, status = excluded.status, started_at = excluded.started_at, body = excluded.body
       RETURNING (xmax = 0) AS inserted`,
    listRuns: `SELECT body FROM ${s}.sync_runs WHERE connection_id = $1 ORDER BY seq DESC LIMIT $2`,
    pruneRuns: `DELETE FROM ${s}.sync_runs WHERE connection_id = $1
         AND seq <= (SELECT seq FROM ${s}.sync_runs WHERE connection_id = $1 ORDER BY seq DESC OFFSET $2 LIMIT 1)`,
    upsertInbox: `INSERT INTO ${s}.inbox (id, connection_id, received_at, attempts, body) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET connection_id = excluded.connection_id, received_at = excluded.received_at, attempts = excluded.attempts, body = excluded.body`,
    inboxAll: `SELECT body, attempts FROM ${s}.inbox ORDER BY received_at, seq`,
    inboxFor: `SELECT body, attempts FROM ${s}.inbox WHERE connection_id = $1 ORDER BY received_at, seq`,
    inboxAttempt: `UPDATE ${s}.inbox SET attempts = attempts + 1 WHERE id = $1`,
    // Taken if free, expired, or already ours. INSERT … ON CONFLICT DO UPDATE is atomic: of racing callers exactly
    // one inserts or updates, the others re-check the WHERE against the row it left.
    acquireLock: `INSERT INTO ${s}.locks (key, owner, expires_at) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
       ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE locks.owner = excluded.owner OR locks.expires_at <= clock_timestamp()`,
    renewLock: `UPDATE ${s}.locks SET expires_at = clock_timestamp() + $3 * interval '1 millisecond'
       WHERE key = $1 AND owner = $2 AND expires_at > clock_timestamp()`,
    releaseLock: `DELETE FROM ${s}.locks WHERE key = $1 AND owner = $2`,
    setMeta: `INSERT INTO ${s}.meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    sealedColumns: `SELECT id, credentials, webhook FROM ${s}.connections`,
    updateSealedColumns: `UPDATE ${s}.connections SET credentials = $1, webhook = $2 WHERE id = $3`,
  };
}

type Statements = ReturnType<typeof statements>;
