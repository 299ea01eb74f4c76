import { randomBytes } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { ConfigError } from '@ticketbridge/core';
import { SCHEMA_VERSION, type PostgresStore } from '../src/index.js';
import { adminClient, describePg, freshSchema, openStore } from './pg.js';
import { API_TOKEN, connection } from '@ticketbridge/test-support/store-fixtures';

const open: PostgresStore[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});
const track = (s: PostgresStore) => (open.push(s), s);

describePg('migrations', () => {
  it('six processes opening a new schema at once migrate it exactly once and agree on its key', async () => {
    const schema = freshSchema('migrate');
    const key = randomBytes(32);
    const stores = (await Promise.all(Array.from({ length: 6 }, () => openStore(schema, { key, pool: { max: 2 } })))).map(track);
    const db = await adminClient();
    try {
      const { rows } = await db.query(`SELECT version, count(*)::int AS n FROM "${schema}".schema_migrations GROUP BY version ORDER BY version`);
      expect(rows).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => ({ version: i + 1, n: 1 })));
      // One salt and one verification record: every process seals and opens the same way.
      const meta = await db.query(`SELECT key FROM "${schema}".meta ORDER BY key`);
      expect(meta.rows.map((r) => r.key)).toEqual(['kdf', 'key_check', 'sealing']);
    } finally {
      await db.end();
    }
    await stores[0]!.saveConnection(connection('c1'));
    for (const s of stores) expect((await s.getConnection('c1'))?.credentials.apiToken).toBe(API_TOKEN);
  });

  it('records each migration once however often the schema is opened, and keeps the data', async () => {
    const schema = freshSchema('reopen');
    const first = await openStore(schema);
    await first.saveConnection(connection('c1'));
    await first.commitPage('c1', { cursor: { page: 2 }, versions: [] });
    await first.close();
    const second = track(await openStore(schema));
    expect(await second.getCursor('c1')).toEqual({ page: 2 });
    expect(second.schemaVersion).toBe(SCHEMA_VERSION);
    const db = await adminClient();
    try {
      expect((await db.query(`SELECT count(*)::int AS n FROM "${schema}".schema_migrations`)).rows[0].n).toBe(SCHEMA_VERSION);
    } finally {
      await db.end();
    }
  });

  it('refuses a schema written by a newer version, naming it, and leaves it as it was', async () => {
    const schema = freshSchema('newer');
    await (await openStore(schema)).close();
    const db = await adminClient();
    try {
      await db.query(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES (999, 'from the future')`);
      const error = await openStore(schema).catch((e: unknown) => e);
      expect(ConfigError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain(`schema "${schema}" has version 999`);
      expect((await db.query(`SELECT count(*)::int AS n FROM "${schema}".schema_migrations`)).rows[0].n).toBe(SCHEMA_VERSION + 1);
    } finally {
      await db.end();
    }
  });

  it('a second opener waits for the migration lock and gives up after migrationTimeoutMs with a TransientError', async () => {
    const schema = freshSchema('wait');
    const db = await adminClient();
    try {
      // Someone else is migrating this schema (holds its advisory lock).
      await db.query('SELECT pg_advisory_lock($1, hashtext($2))', [0x5442, schema]);
      const error = await openStore(schema, { migrationTimeoutMs: 300 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'TransientError' });
      expect((error as Error).message).toMatch(/55P03|57014/);
      await db.query('SELECT pg_advisory_unlock($1, hashtext($2))', [0x5442, schema]);
      track(await openStore(schema, { migrationTimeoutMs: 300 }));
    } finally {
      await db.end();
    }
  });
});
