import { randomBytes } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { ConfigError, TransientError } from '@ticketbridge/core';
import { PostgresStore, SCHEMA_VERSION } from '../src/index.js';
import { adminClient, describePg, freshSchema, openStore, PG_URL } from './pg.js';
import { API_TOKEN, WEBHOOK_SECRET, connection, run, version } from '@ticketbridge/test-support/store-fixtures';

const open: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const s of open.splice(0).reverse()) await s.close();
});
async function opened(schema: string, options: Parameters<typeof openStore>[1] = {}): Promise<PostgresStore> {
  const store = await openStore(schema, options);
  open.push(store);
  return store;
}
async function raw<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const db = await adminClient();
  try {
    return (await db.query(sql)).rows as T[];
  } finally {
    await db.end();
  }
}
const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as Error);

describePg('sealed credentials', () => {
  it('refuses to open without a key unless plain storage is chosen, and rejects a short passphrase naming the option', async () => {
    const schema = freshSchema('nokey');
    const none = await errorOf(PostgresStore.open({ connectionString: PG_URL!, schema }));
    expect(ConfigError.isInstance(none) && none.field).toBe('key');
    const short = await errorOf(PostgresStore.open({ connectionString: PG_URL!, schema, key: 'too-short' }));
    expect(ConfigError.isInstance(short) && short.field).toBe('key');
    expect(short!.message).not.toContain('too-short');
  });

  it('keeps credentials, the webhook secret and OAuth tokens out of the tables, and reads them back whole', async () => {
    const schema = freshSchema('seal');
    const store = await opened(schema, { key: randomBytes(32) });
    await store.saveConnection(connection('c1'));
    await store.saveTokens('c1', { accessToken: 'oauth-access-0123456789', refreshToken: 'oauth-refresh-0123456789', generation: 1, obtainedAt: '2026-01-01T00:00:00.000Z' }, null);
    const dump = JSON.stringify([
      ...(await raw(`SELECT * FROM "${schema}".connections`)),
      ...(await raw(`SELECT * FROM "${schema}".oauth_tokens`)),
      ...(await raw(`SELECT * FROM "${schema}".meta`)),
    ]);
    for (const secret of [API_TOKEN, WEBHOOK_SECRET, 'oauth-access-0123456789', 'oauth-refresh-0123456789']) expect(dump).not.toContain(secret);
    expect(dump).toContain('tb1.');
    expect(await store.getConnection('c1')).toEqual(connection('c1'));
    expect((await store.getTokens('c1'))?.refreshToken).toBe('oauth-refresh-0123456789');
  });

  it('another key does not open the store; previousKeys re-seals with the new key once; rotateKey too', async () => {
    const schema = freshSchema('rotate');
    const [k1, k2, k3] = [randomBytes(32), randomBytes(32), 'a passphrase of enough length'];
    const first = await opened(schema, { key: k1 });
    await first.saveConnection(connection('c1'));
    const wrong = await errorOf(openStore(schema, { key: k2 }));
    expect(ConfigError.isInstance(wrong)).toBe(true);
    expect(wrong!.message).toContain('the key does not open this store');
    const plain = await errorOf(openStore(schema));
    expect(plain!.message).toContain('holds sealed credentials');

    const second = await opened(schema, { key: k2, previousKeys: [k1] });
    expect((await second.getConnection('c1'))?.credentials.apiToken).toBe(API_TOKEN);
    expect(await errorOf(openStore(schema, { key: k1 }))).toBeInstanceOf(Error);
    await second.rotateKey(k3);
    expect((await second.getConnection('c1'))?.credentials.apiToken).toBe(API_TOKEN);
    const third = await opened(schema, { key: k3 });
    expect((await third.getConnection('c1'))?.credentials.apiToken).toBe(API_TOKEN);
    const ids = await raw<{ credentials: string }>(`SELECT credentials FROM "${schema}".connections`);
    expect(new Set(ids.map((r) => r.credentials.split('.')[1])).size).toBe(1);
  });
});

describePg('errors, bounds and timeouts', () => {
  it('an unreachable server is a TransientError, a refused password a ConfigError; neither message shows the password', async () => {
    const refused = await errorOf(PostgresStore.open({ connectionString: 'postgres://ticketbridge:s3cret-pw-value@127.0.0.1:9/ticketbridge', allowPlaintext: true, schema: freshSchema('x') }));
    expect(TransientError.isInstance(refused)).toBe(true);
    const url = new URL(PG_URL!);
    url.password = 's3cret-pw-value';
    const denied = await errorOf(PostgresStore.open({ connectionString: url.href, allowPlaintext: true, schema: freshSchema('x') }));
    expect(ConfigError.isInstance(denied)).toBe(true);
    expect(denied!.message).toContain('28P01');
    for (const e of [refused, denied]) expect(`${e!.message} ${JSON.stringify(e)}`).not.toContain('s3cret-pw-value');
  });

  it('a statement stuck behind another session’s lock is cancelled after statementTimeoutMs as a TransientError', async () => {
    const schema = freshSchema('timeout');
    const store = await opened(schema, { statementTimeoutMs: 300 });
    await store.acquireLock('sync:c1', 'worker-a', 60_000);
    const db = await adminClient();
    open.push({ close: () => db.end() });
    await db.query('BEGIN');
    await db.query(`SELECT 1 FROM "${schema}".locks WHERE key = 'sync:c1' FOR UPDATE`);
    const error = await errorOf(store.renewLock('sync:c1', 'worker-a', 60_000));
    await db.query('ROLLBACK');
    expect(TransientError.isInstance(error)).toBe(true);
    expect(error!.message).toContain('57014');
    expect(await store.renewLock('sync:c1', 'worker-a', 60_000)).toBe(true);
  });

  it('never opens more connections than pool.max, however many calls run at once', async () => {
    const store = await opened(freshSchema('pool'), { pool: { max: 2 } });
    await store.saveConnection(connection('c1'));
    let peak = 0;
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        await store.commitPage('c1', { versions: [version(`t${i}`, '2026-01-01T00:00:00.000Z')] });
        peak = Math.max(peak, store.stats().poolTotal);
      }),
    );
    expect(peak).toBeLessThanOrEqual(2);
    expect((await store.getVersions('c1', Array.from({ length: 40 }, (_, i) => `t${i}`))).size).toBe(40);
  });

  it('page commits racing from two pools over the same tickets, in any order, never deadlock', async () => {
    const schema = freshSchema('deadlock');
    const a = await opened(schema, { pool: { max: 4 } });
    const b = await opened(schema, { pool: { max: 4 } });
    await a.saveConnection(connection('c1'));
    const ids = Array.from({ length: 200 }, (_, i) => `t${i}`);
    // Each commit lists the same tickets in its own order (reversed, rotated): without a fixed lock order two of
    // them would each hold rows the other waits for.
    const orders = Array.from({ length: 16 }, (_, k) => (k % 2 ? [...ids].reverse() : [...ids.slice(k * 10), ...ids.slice(0, k * 10)]));
    const results = await Promise.allSettled(
      orders.map((order, k) => (k % 2 ? b : a).commitPage('c1', { cursor: { k }, versions: order.map((id) => version(id, `2026-01-01T00:00:${String(k).padStart(2, '0')}.000Z`)) })),
    );
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    expect((await a.getVersions('c1', ids)).size).toBe(200);
  });

  it('names an unknown connection instead of writing orphan rows, and fails clearly after close', async () => {
    const store = await openStore(freshSchema('orphan'));
    const error = await errorOf(store.commitPage('ghost', { cursor: { page: 1 }, versions: [] }));
    expect(ConfigError.isInstance(error) && error.field).toBe('connectionId');
    expect(error!.message).toContain('"ghost"');
    await store.close();
    await store.close();
    expect(ConfigError.isInstance(await errorOf(store.getCursor('c1')))).toBe(true);
  });

  it('keeps the newest runRetention runs per connection, and prunes versions except while a sync holds the lock', async () => {
    const store = await opened(freshSchema('retention'), { runRetention: 3 });
    await store.saveConnection(connection('c1'));
    await store.saveConnection(connection('c2'));
    for (let i = 0; i < 5; i++) {
      await store.saveRun(run(`r${i}`, 'c1'));
      await store.saveRun({ ...run(`r${i}`, 'c1'), status: 'failed' });
    }
    expect((await store.listRuns('c1')).map((r) => r.id)).toEqual(['r4', 'r3', 'r2']);
    await store.commitPage('c1', { versions: [version('old', '2026-01-01T00:00:00.000Z')] });
    await store.commitPage('c2', { versions: [version('old', '2026-01-01T00:00:00.000Z')] });
    await store.acquireLock('sync:c2', 'worker-a', 60_000);
    expect(await store.pruneVersions('2026-06-01T00:00:00.000Z')).toBe(1);
    expect((await store.getVersions('c2', ['old'])).size).toBe(1);
  });

  it('reports what it runs with and counts its statements', async () => {
    const store = await opened(freshSchema('info'), { statementTimeoutMs: 12_345, pool: { max: 3 } });
    const before = store.stats().queries;
    const info = await store.info();
    expect(info).toMatchObject({ schemaVersion: SCHEMA_VERSION, sealed: false, poolMax: 3, statementTimeoutMs: 12_345 });
    expect(info.serverVersion).toMatch(/^\d+/);
    expect(store.stats().queries).toBe(before + 1);
  });

  it('rejects bad options naming the field', async () => {
    for (const [options, field] of [
      [{ schema: 'bad-name;drop' }, 'schema'],
      [{ pool: { max: 0 } }, 'pool.max'],
      [{ statementTimeoutMs: -1 }, 'statementTimeoutMs'],
      [{ versionRetentionMs: 1000 }, 'versionRetentionMs'],
      [{ connectionString: '' }, 'connectionString'],
    ] as const) {
      const error = await errorOf(PostgresStore.open({ connectionString: PG_URL!, allowPlaintext: true, ...options }));
      expect(ConfigError.isInstance(error) && error.field, JSON.stringify(options)).toBe(field);
    }
  });
});
