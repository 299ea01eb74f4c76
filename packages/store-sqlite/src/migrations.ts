import type { Database } from 'better-sqlite3';
import { ConfigError, type Logger } from '@ticketbridge/core';

/** One schema step. Applied once, in order, inside a transaction; never edited after release (add a new one). */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The schema, as numbered steps. JSON bodies (`body`) keep each record whole, so adding a field to a core type
 * needs no migration; columns exist only for what queries filter or order by.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      -- seq keeps insertion order stable across VACUUM (a plain rowid may be renumbered).
      CREATE TABLE connections (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        platform TEXT NOT NULL,
        status TEXT NOT NULL,
        body TEXT NOT NULL,
        credentials TEXT NOT NULL,
        webhook TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE cursors (
        connection_id TEXT PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
        cursor TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE versions (
        connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
        external_id TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        delivered_at TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (connection_id, external_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX versions_delivered_at ON versions (delivered_at);

      CREATE TABLE sync_runs (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        body TEXT NOT NULL
      ) STRICT;
      CREATE INDEX sync_runs_connection ON sync_runs (connection_id, seq);

      CREATE TABLE inbox (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
        received_at TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        body TEXT NOT NULL
      ) STRICT;
      CREATE INDEX inbox_connection ON inbox (connection_id, received_at, seq);
      CREATE INDEX inbox_received ON inbox (received_at, seq);

      -- expires_at is epoch milliseconds, compared against each process's clock.
      CREATE TABLE locks (
        key TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'oauth tokens',
    // No foreign key: the hub saves a new connection's tokens just before the connection itself, so a sync can never
    // start without them. deleteConnection removes them in the same transaction instead.
    sql: `
      CREATE TABLE oauth_tokens (
        connection_id TEXT PRIMARY KEY,
        generation INTEGER NOT NULL,
        tokens TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'dead letters',
    sql: `
      CREATE TABLE dead_letters (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
        received_at TEXT NOT NULL,
        body TEXT NOT NULL
      ) STRICT;
      CREATE INDEX dead_letters_connection ON dead_letters (connection_id, seq);
    `,
  },
  {
    version: 4,
    name: 'webhook event ids',
    // expires_at is epoch milliseconds; seq keeps insertion order for the per-connection cap.
    sql: `
      CREATE TABLE webhook_events (
        seq INTEGER PRIMARY KEY,
        connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
        event_id TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        UNIQUE (connection_id, event_id)
      ) STRICT;
      CREATE INDEX webhook_events_connection ON webhook_events (connection_id, seq);
    `,
  },
  {
    version: 5,
    name: 'compact versions',
    // One row per ticket seen, written for every ticket of every page: its fields as columns instead of a JSON body,
    // so a page commit binds values and a read builds the record without JSON.parse. Tags use the encoding of
    // encodeTags in sqlite-store.ts; rows carried over keep their JSON array, which that encoding also reads.
    sql: `
      CREATE TABLE versions_compact (
        connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
        external_id TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        delivered_at TEXT NOT NULL,
        status TEXT NOT NULL,
        priority TEXT,
        assignee_id TEXT,
        tags TEXT NOT NULL,
        deleted INTEGER NOT NULL,
        PRIMARY KEY (connection_id, external_id)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO versions_compact
        SELECT connection_id, external_id, updated_at, fingerprint, delivered_at, body ->> 'status', body ->> 'priority',
          body ->> 'assigneeId', coalesce(body -> 'tags', '[]'), coalesce(body ->> 'deleted', 0)
        FROM versions;
      DROP TABLE versions;
      ALTER TABLE versions_compact RENAME TO versions;
      CREATE INDEX versions_delivered_at ON versions (delivered_at);
    `,
  },
  {
    version: 6,
    name: 'webhook routes',
    // The routing keys of connections whose deliveries arrive at the shared URL (Jira's dynamic webhooks): plain
    // columns beside the sealed webhook record, so a delivery finds its connections with one indexed read.
    // Registrations made before this version carry no keys; they keep their ?connectorId= URL.
    sql: `
      CREATE TABLE webhook_routes (
        platform TEXT NOT NULL,
        route_key TEXT NOT NULL,
        connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
        PRIMARY KEY (platform, route_key, connection_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX webhook_routes_connection ON webhook_routes (connection_id);
    `,
  },
  {
    version: 7,
    name: 'packed versions',
    // The seen-version row is written for every ticket of every page, so its width is most of a page commit's cost:
    // the connection as its integer seq instead of a 36-character id (in the key and the retention index), the
    // delivery time as epoch milliseconds, and the version's fields packed in one text (encodeVersion in
    // sqlite-store.ts: one value to bind instead of eight). Rows whose fields hold the packing's separators take the
    // JSON form that encoding falls back to.
    sql: `
      CREATE TABLE versions_packed (
        conn INTEGER NOT NULL REFERENCES connections (seq) ON DELETE CASCADE,
        external_id TEXT NOT NULL,
        delivered INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (conn, external_id)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO versions_packed
        SELECT c.seq, v.external_id,
          -- A delivery time that does not read as one counts from now: kept for the retention period, never a failed upgrade.
          CAST(round((coalesce(julianday(v.delivered_at), julianday('now')) - 2440587.5) * 86400000.0) AS INTEGER),
          CASE
            WHEN instr(v.updated_at || v.fingerprint || v.status || coalesce(v.priority, '') || coalesce(v.assignee_id, ''), char(31)) > 0
              OR instr(v.updated_at || v.fingerprint || v.status || coalesce(v.priority, '') || coalesce(v.assignee_id, ''), char(30)) > 0
              OR substr(v.updated_at, 1, 1) = '{'
            THEN json_object('u', v.updated_at, 'f', v.fingerprint, 's', v.status, 'p', v.priority, 'a', v.assignee_id,
              'd', json(CASE v.deleted WHEN 1 THEN 'true' ELSE 'false' END), 't', v.tags)
            ELSE v.updated_at || char(31) || v.fingerprint || char(31) || v.status || char(31) || coalesce(v.priority, char(30))
              || char(31) || coalesce(v.assignee_id, char(30)) || char(31) || v.deleted || v.tags
          END
        FROM versions v JOIN connections c ON c.id = v.connection_id;
      DROP TABLE versions;
      ALTER TABLE versions_packed RENAME TO versions;
      CREATE INDEX versions_delivered ON versions (delivered);
    `,
  },
  {
    version: 8,
    name: 'compact version bodies, no delivery-time index',
    // New version rows may take the compact body encodeVersion writes (sqlite-store.ts), which code of schema 7 would
    // misread as a packed one: the version number makes that code refuse the file ("newer than this understands")
    // instead of reading it wrong; rows already written keep their form. The delivery-time index goes: every upsert of
    // a known ticket moved its entry, a second random page per ticket, and retention now sweeps the table in slices
    // (SqliteStore#sweepStep).
    sql: `DROP INDEX IF EXISTS versions_delivered;`,
  },
];

/** The newest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Brings the file to {@link SCHEMA_VERSION}. Runs in one IMMEDIATE transaction, so two processes opening a new file
 * at once apply each step exactly once (the second waits, then finds nothing to do). A file written by newer code
 * is refused before anything is touched: old code must not write a schema it does not understand.
 */
export function migrate(db: Database, path: string, logger: Logger, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const run = db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT');
    const row = db.prepare('SELECT max(version) AS version FROM schema_migrations').get() as { version: number | null };
    const current = row.version ?? 0;
    if (current > latest) {
      throw new ConfigError(
        `${path} has schema version ${current}, newer than this @ticketbridge/store-sqlite understands (${latest}); upgrade the package (or open a copy made before the upgrade)`,
        { field: 'path' },
      );
    }
    const insert = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      insert.run(m.version, m.name, new Date().toISOString());
      logger.info('store-sqlite: applied migration', { version: m.version, name: m.name });
    }
    return latest;
  });
  return run.immediate();
}
