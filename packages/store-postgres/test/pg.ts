import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe } from 'vitest';
import { PostgresStore, type PostgresStoreOptions } from '../src/index.js';

/**
 * The database the tests run against: `TICKETBRIDGE_PG_URL`, as printed by `scripts/services/postgres.sh`. Unset,
 * the tests are skipped with a message locally; under `CI=true` the file fails instead, so CI never passes by
 * skipping them.
 */
export const PG_URL = process.env.TICKETBRIDGE_PG_URL || undefined;

if (!PG_URL) {
  const how = 'start PostgreSQL with `eval "$(bash scripts/services/postgres.sh)"` (as root) and run the tests again';
  if (process.env.CI === 'true') throw new Error(`TICKETBRIDGE_PG_URL is not set, and CI must not skip the PostgreSQL store's tests: ${how}`);
  console.warn(`[store-postgres] TICKETBRIDGE_PG_URL is not set: skipping the PostgreSQL tests. To run them, ${how}.`);
}

/** `describe`, skipped when there is no database to run against. */
export const describePg: ReturnType<typeof describe.skipIf> = describe.skipIf(!PG_URL);

const created: string[] = [];

/**
 * A schema name of its own for each store under test (random, so parallel test files and parallel runs on one
 * server never meet); every schema handed out is dropped after the file's tests.
 */
export function freshSchema(label = 't'): string {
  const name = `tb_test_${label}_${randomBytes(6).toString('hex')}`;
  created.push(name);
  return name;
}

afterAll(async () => {
  if (!PG_URL || created.length === 0) return;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    for (const name of created.splice(0)) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  } finally {
    await client.end();
  }
});

/** Opens a store on `schema` with small pool bounds fitting a test, plain unless a key is given. */
export function openStore(schema: string, options: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> {
  return PostgresStore.open({
    connectionString: PG_URL!,
    schema,
    ...(options.key === undefined ? { allowPlaintext: true } : {}),
    pool: { max: 4 },
    ...options,
  });
}

/** A plain client for the test's own look at the tables (and for holding locks against the store). */
export async function adminClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: PG_URL! });
  await client.connect();
  return client;
}
