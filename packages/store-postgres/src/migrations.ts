import type { PoolClient } from 'pg';
import { ConfigError, type Logger } from '@ticketbridge/core';

/** One schema step. Applied once, in order, each in its own transaction; never edited after release (add a new one). */
export interface Migration {
  version: number;
  name: string;
  /** The step's SQL; `{schema}` stands for the quoted schema name. */
  sql: string;
}

/**
 * The schema, as numbered steps. JSON bodies (`body`) keep each record whole, so adding a field to a core type
 * needs no migration; columns exist only for what queries filter or order by.
 *
 * Bodies are `text`, not `jsonb`: `jsonb` refuses `\u0000` escapes (a ticket body may contain one) and would parse and
 * re-serialize every record for nothing, since the store only ever reads them back whole.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE {schema}.meta (
        key text COLLATE "C" PRIMARY KEY,
        value text NOT NULL
      );

      -- Ids, keys and ISO-8601 times are COLLATE "C": byte order, whatever the database's locale (a glibc locale
      -- ignores punctuation when sorting), and cheaper to compare.
      -- seq keeps insertion order for listConnections.
      CREATE TABLE {schema}.connections (
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        id text COLLATE "C" PRIMARY KEY,
        platform text NOT NULL,
        status text NOT NULL,
        body text NOT NULL,
        credentials text NOT NULL,
        webhook text,
        created_at text NOT NULL,
        updated_at text NOT NULL
      );

      CREATE TABLE {schema}.cursors (
        connection_id text COLLATE "C" PRIMARY KEY REFERENCES {schema}.connections (id) ON DELETE CASCADE,
        cursor text NOT NULL,
        updated_at timestamptz NOT NULL
      );

      CREATE TABLE {schema}.versions (
        connection_id text COLLATE "C" NOT NULL REFERENCES {schema}.connections (id) ON DELETE CASCADE,
        external_id text COLLATE "C" NOT NULL,
        updated_at text NOT NULL,
        fingerprint text NOT NULL,
        delivered_at text COLLATE "C" NOT NULL,
        body text NOT NULL,
        PRIMARY KEY (connection_id, external_id)
      );
      CREATE INDEX versions_delivered_at ON {schema}.versions (delivered_at);

      CREATE TABLE {schema}.sync_runs (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text COLLATE "C" NOT NULL UNIQUE,
        connection_id text COLLATE "C" NOT NULL REFERENCES {schema}.connections (id) ON DELETE CASCADE,
        status text NOT NULL,
        started_at text COLLATE "C" NOT NULL,
        body text NOT NULL
      );
      CREATE INDEX sync_runs_connection ON {schema}.sync_runs (connection_id, seq);

      CREATE TABLE {schema}.inbox (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text COLLATE "C" NOT NULL UNIQUE,
        connection_id text COLLATE "C" NOT NULL REFERENCES {schema}.connections (id) ON DELETE CASCADE,
        received_at text COLLATE "C" NOT NULL,
        attempts integer NOT NULL,
        body text NOT NULL
      );
      CREATE INDEX inbox_connection ON {schema}.inbox (connection_id, received_at, seq);
      CREATE INDEX inbox_received ON {schema}.inbox (received_at, seq);

      -- Leases: expires_at is the database's clock (clock_timestamp()), so workers on machines whose clocks
      -- disagree still agree on who holds a lock.
      CREATE TABLE {schema}.locks (
        key text COLLATE "C" PRIMARY KEY,
        owner text NOT NULL,
        expires_at timestamptz NOT NULL
      );

      -- No foreign key: the hub saves a new connection's tokens just before the connection itself.
      -- deleteConnection removes them in the same statement instead.
      CREATE TABLE {schema}.oauth_tokens (
        connection_id text COLLATE "C" PRIMARY KEY,
        generation integer NOT NULL,
        tokens text NOT NULL,
        updated_at timestamptz NOT NULL
      );

      CREATE TABLE {schema}.dead_letters (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text COLLATE "C" NOT NULL UNIQUE,
        connection_id text COLLATE "C" NOT NULL REFERENCES {schema}.connections (id) ON DELETE CASCADE,
        received_at text COLLATE "C" NOT NULL,
        body text NOT NULL
      );
      CREATE INDEX dead_letters_connection ON {schema}.dead_letters (connection_id, seq);

      -- expires_at is epoch milliseconds of the caller's clock, like the expiresAt it is given. seq is taken afresh
      -- when an id is remembered again, so it moves to the newest end of the per-connection cap.
      CREATE SEQUENCE {schema}.webhook_events_seq;
      CREATE TABLE {schema}.webhook_events (
        seq bigint NOT NULL DEFAULT nextval('{schema}.webhook_events_seq'),
        connection_id text COLLATE "C" NOT NULL REFERENCES {schema}.connections (id) ON DELETE CASCADE,
        event_id text COLLATE "C" NOT NULL,
        expires_at bigint NOT NULL,
        PRIMARY KEY (connection_id, event_id)
      );
      CREATE INDEX webhook_events_connection ON {schema}.webhook_events (connection_id, seq);
    `,
  },
  {
    version: 2,
    name: 'webhook routes',
    // The routing keys of connections whose deliveries arrive at the shared URL (Jira's dynamic webhooks): plain
    // columns beside the sealed webhook record, so a delivery finds its connections with one indexed read.
    sql: `
      CREATE TABLE {schema}.webhook_routes (
        platform text COLLATE "C" NOT NULL,
        route_key text COLLATE "C" NOT NULL,
        connection_id text COLLATE "C" NOT NULL REFERENCES {schema}.connections (id) ON DELETE CASCADE,
        PRIMARY KEY (platform, route_key, connection_id)
      );
      CREATE INDEX webhook_routes_connection ON {schema}.webhook_routes (connection_id);
    `,
  },
];

/** The newest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Brings the schema to {@link SCHEMA_VERSION} on a client that holds the store's migration advisory lock (so two
 * processes starting at once apply each step exactly once: the second waits, then finds nothing to do). Each step
 * runs in its own transaction with its row in `schema_migrations`: a crash mid-step leaves the step unapplied. A
 * schema written by newer code is refused before anything is touched.
 */
export async function migrate(client: PoolClient, schema: string, quoted: string, logger: Logger, migrations: readonly Migration[] = MIGRATIONS): Promise<number> {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  // Looked up first: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists, and a
  // deployment may grant that only for the first start.
  const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  if (exists.rowCount === 0) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const { rows } = await client.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${quoted}.schema_migrations`);
  const current = rows[0]?.version ?? 0;
  if (current > latest) {
    throw new ConfigError(
      `schema "${schema}" has version ${current}, newer than this @ticketbridge/store-postgres understands (${latest}); upgrade the package on every worker`,
      { field: 'schema' },
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    await client.query('BEGIN');
    try {
      await client.query(m.sql.replaceAll('{schema}', quoted));
      await client.query(`INSERT INTO ${quoted}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    logger.info('store-postgres: applied migration', { schema, version: m.version, name: m.name });
  }
  return latest;
}
