import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@ticketbridge/core';
import { SqliteStore } from '../src/index.js';
import { API_TOKEN, WEBHOOK_SECRET, connection } from '@ticketbridge/test-support/store-fixtures';
import { tempDir } from './temp-dir.js';

const file = tempDir();
const PASSPHRASE = 'correct horse battery staple 42';

/** What the file holds on disk, after close (which checkpoints the WAL into the main file). */
const rawBytes = (path: string) => readFileSync(path).toString('latin1');
const rawColumns = (path: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT id, credentials, webhook FROM connections ORDER BY seq').all() as Array<{ id: string; credentials: string; webhook: string | null }>;
  } finally {
    db.close();
  }
};
const errorOf = async (fn: () => unknown): Promise<unknown> => {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
};

describe('choosing between a key and plain storage', () => {
  it('refuses to open without a key unless plain storage is chosen explicitly', async () => {
    const error = await errorOf(() => new SqliteStore({ path: file('nokey') }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('key');
    expect((error as Error).message).toMatch(/needs a `key`.*or `allowPlaintext: true`/);
    // An unset environment variable is the common way to get here.
    expect(() => new SqliteStore({ path: file('nokey'), key: process.env.TICKETBRIDGE_TEST_KEY_THAT_IS_UNSET })).toThrow(ConfigError);
  });

  it('rejects keys that cannot be right, naming the option and never echoing it', async () => {
    const short = await errorOf(() => new SqliteStore({ path: file('k'), key: 'hunter2' }));
    expect(short).toBeInstanceOf(ConfigError);
    expect((short as ConfigError).field).toBe('key');
    expect((short as Error).message).toMatch(/at least 16/);
    expect((short as Error).message).not.toContain('hunter2');
    const bytes = await errorOf(() => new SqliteStore({ path: file('k'), key: randomBytes(31) }));
    expect((bytes as Error).message).toMatch(/31 bytes; a binary key must be exactly 32 bytes/);
    const previous = await errorOf(() => new SqliteStore({ path: file('k'), key: randomBytes(32), previousKeys: ['short'] }));
    expect((previous as ConfigError).field).toBe('previousKeys[0]');
  });
});

describe('sealed at rest', () => {
  it('keeps credentials and the webhook secret out of the file, and reads them back whole', async () => {
    const path = file('sealed');
    const store = new SqliteStore({ path, key: randomBytes(32) });
    expect(store.sealed).toBe(true);
    await store.saveConnection(connection('c1'));
    await store.close();

    const raw = rawBytes(path);
    expect(raw).not.toContain(API_TOKEN);
    expect(raw).not.toContain(WEBHOOK_SECRET);
    expect(raw).toContain('acme.zendesk.com'); // everything else stays plain JSON
    const [row] = rawColumns(path);
    expect(row!.credentials).toMatch(/^tb1\.[\w-]{11}\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    expect(row!.webhook).toMatch(/^tb1\./);
  });

  it('seals OAuth tokens too, and re-seals them when the key rotates', async () => {
    const path = file('tokens');
    const key = randomBytes(32);
    const store = new SqliteStore({ path, key });
    await store.saveConnection(connection('c1'));
    const tokens = { accessToken: 'access-token-that-must-not-leak', refreshToken: 'refresh-token-that-must-not-leak', generation: 1, obtainedAt: '2026-11-30T00:00:00.000Z' };
    expect(await store.saveTokens('c1', tokens, null)).toBe(true);
    await store.rotateKey(PASSPHRASE);
    await store.close();

    const raw = rawBytes(path);
    expect(raw).not.toContain('access-token-that-must-not-leak');
    expect(raw).not.toContain('refresh-token-that-must-not-leak');
    await expect(async () => new SqliteStore({ path, key })).rejects.toThrow(/the key does not open this store/);
    const reopened = new SqliteStore({ path, key: PASSPHRASE });
    expect(await reopened.getTokens('c1')).toEqual(tokens);
    await reopened.close();
  });

  it('seals each value with its own IV, so equal secrets do not look equal', async () => {
    const path = file('iv');
    const store = new SqliteStore({ path, key: randomBytes(32) });
    await store.saveConnection(connection('c1'));
    await store.saveConnection(connection('c2'));
    await store.close();
    const [a, b] = rawColumns(path);
    expect(a!.credentials).not.toBe(b!.credentials);
  });

  it('opens again with the same key, raw or passphrase; a passphrase is salted per file', async () => {
    const key = randomBytes(32);
    const rawPath = file('raw');
    await reopenRoundTrip(rawPath, { key });

    const p1 = file('pass');
    const p2 = file('pass');
    await reopenRoundTrip(p1, { key: PASSPHRASE });
    await reopenRoundTrip(p2, { key: PASSPHRASE });
    // Same passphrase, different files: different salts, so different derived keys (key ids differ).
    const keyId = (path: string) => rawColumns(path)[0]!.credentials.split('.')[1];
    expect(keyId(p1)).not.toBe(keyId(p2));
  });

  it('says clearly that another key does not open the store, without touching it', async () => {
    const path = file('wrong');
    const store = new SqliteStore({ path, key: PASSPHRASE });
    await store.saveConnection(connection('c1'));
    await store.close();

    for (const key of [randomBytes(32), 'another passphrase entirely']) {
      const error = await errorOf(() => new SqliteStore({ path, key }));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe('key');
      expect((error as Error).message).toContain('the key does not open this store (it was sealed with another key)');
      expect((error as Error).message).not.toContain(PASSPHRASE);
    }
    const plain = await errorOf(() => new SqliteStore({ path, allowPlaintext: true }));
    expect((plain as Error).message).toMatch(/holds sealed credentials: open it with its `key`/);

    const again = new SqliteStore({ path, key: PASSPHRASE });
    expect((await again.getConnection('c1'))?.credentials.apiToken).toBe(API_TOKEN);
    await again.close();
  });

  it('refuses a sealed value moved onto another row', async () => {
    const path = file('moved');
    const key = randomBytes(32);
    const store = new SqliteStore({ path, key });
    await store.saveConnection(connection('c1'));
    await store.saveConnection(connection('c2', { credentials: { subdomain: 'other', apiToken: 'other-token-0123456789' } }));
    await store.close();
    const db = new Database(path);
    db.prepare("UPDATE connections SET credentials = (SELECT credentials FROM connections WHERE id = 'c1') WHERE id = 'c2'").run();
    db.close();

    const reopened = new SqliteStore({ path, key });
    expect((await reopened.getConnection('c1'))?.credentials.apiToken).toBe(API_TOKEN);
    const error = await errorOf(() => reopened.getConnection('c2'));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/connections\/c2\/credentials failed authentication/);
    await reopened.close();
  });
});

describe('key rotation', () => {
  it('rotateKey re-seals everything: the new key opens the store, the old one no longer does', async () => {
    const path = file('rotate');
    const oldKey = randomBytes(32);
    const store = new SqliteStore({ path, key: oldKey });
    await store.saveConnection(connection('c1'));
    await store.saveConnection(connection('c2', { webhook: undefined }));
    const before = rawColumns(path);
    await store.rotateKey(PASSPHRASE);
    expect(await store.getConnection('c1')).toEqual(connection('c1'));
    await store.saveConnection(connection('c3'));
    await store.close();

    const after = rawColumns(path);
    expect(after[0]!.credentials).not.toBe(before[0]!.credentials);
    expect(new Set(after.map((r) => r.credentials.split('.')[1])).size).toBe(1);
    await expect(async () => new SqliteStore({ path, key: oldKey })).rejects.toThrow(/the key does not open this store/);
    const reopened = new SqliteStore({ path, key: PASSPHRASE });
    expect(await reopened.listConnections()).toEqual([connection('c1'), connection('c2', { webhook: undefined }), connection('c3')]);
    await reopened.close();
  });

  it('opening with the old key in previousKeys re-seals with the new key once', async () => {
    const path = file('previous');
    const oldKey = 'the old passphrase, long enough';
    const newKey = randomBytes(32);
    const store = new SqliteStore({ path, key: oldKey });
    await store.saveConnection(connection('c1'));
    await store.close();

    const logged: string[] = [];
    const logger = { debug() {}, info: (m: string) => void logged.push(m), warn() {}, error() {} };
    const rotated = new SqliteStore({ path, key: newKey, previousKeys: [oldKey], logger });
    expect(await rotated.getConnection('c1')).toEqual(connection('c1'));
    await rotated.close();
    expect(logged).toContain('store-sqlite: re-sealed the store with the new key');

    expect(() => new SqliteStore({ path, key: oldKey })).toThrow(/the key does not open this store/);
    const plainNew = new SqliteStore({ path, key: newKey });
    expect(await plainNew.getConnection('c1')).toEqual(connection('c1'));
    await plainNew.close();
    expect(() => new SqliteStore({ path, key: randomBytes(32), previousKeys: [oldKey] })).toThrow(/nor do previousKeys/);
  });

  it('a plain store is sealed when opened with a key, and by rotateKey', async () => {
    const p1 = file('plain');
    const plain = new SqliteStore({ path: p1, allowPlaintext: true });
    expect(plain.sealed).toBe(false);
    await plain.saveConnection(connection('c1'));
    await plain.close();
    expect(rawBytes(p1)).toContain(API_TOKEN);
    const key = randomBytes(32);
    const sealed = new SqliteStore({ path: p1, key });
    expect(await sealed.getConnection('c1')).toEqual(connection('c1'));
    await sealed.close();
    expect(rawBytes(p1)).not.toContain(API_TOKEN);

    const p2 = file('plain');
    const store = new SqliteStore({ path: p2, allowPlaintext: true });
    await store.saveConnection(connection('c1'));
    await store.rotateKey(key);
    expect(store.sealed).toBe(true);
    await store.close();
    expect(rawBytes(p2)).not.toContain(API_TOKEN);
    expect(() => new SqliteStore({ path: p2, allowPlaintext: true })).toThrow(/holds sealed credentials/);
  });
});

async function reopenRoundTrip(path: string, options: { key: string | Buffer }) {
  const first = new SqliteStore({ path, ...options });
  await first.saveConnection(connection('c1'));
  await first.close();
  const second = new SqliteStore({ path, ...options });
  expect(await second.getConnection('c1')).toEqual(connection('c1'));
  await second.close();
}
