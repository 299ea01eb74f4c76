import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, silentLogger, type DeliveredVersion } from '@ticketbridge/core';
import { MIGRATIONS, migrate } from '../src/migrations.js';
import { SCHEMA_VERSION, SqliteStore } from '../src/index.js';
import { encodeTags } from '../src/sqlite-store.js';
import { connection, inbox, run, version } from '@ticketbridge/test-support/store-fixtures';
import { tempDir } from './temp-dir.js';

const file = tempDir();
const key = randomBytes(32);
const DAY = 24 * 3600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describe('persistence', () => {
  it('keeps every kind of state across close and reopen', async () => {
    const path = file('reopen');
    const first = new SqliteStore({ path, key });
    await first.saveConnection(connection('c1'));
    await first.commitPage('c1', { cursor: { after: 'cursor-2' }, versions: [version('t1', ago(0)), version('t2', ago(0))] });
    await first.saveRun(run('r1', 'c1'));
    await first.inboxPut(inbox('in1', 'c1'));
    expect(await first.acquireLock('sync:c1', 'worker-a', 60_000)).toBe(true);
    await first.close();

    const second = new SqliteStore({ path, key });
    expect(await second.getConnection('c1')).toEqual(connection('c1'));
    expect(await second.getCursor('c1')).toEqual({ after: 'cursor-2' });
    expect([...(await second.getVersions('c1', ['t1', 't2'])).keys()]).toEqual(['t1', 't2']);
    expect(await second.listRuns('c1')).toEqual([run('r1', 'c1')]);
    expect(await second.inboxPending()).toEqual([inbox('in1', 'c1')]);
    expect(await second.acquireLock('sync:c1', 'worker-b', 60_000)).toBe(false);
    await second.close();
  });

  it('sees another connection to the same file at once (what a second process sees)', async () => {
    const path = file('shared');
    const a = new SqliteStore({ path, key });
    const b = new SqliteStore({ path, key });
    await a.saveConnection(connection('c1'));
    await a.commitPage('c1', { cursor: 7, versions: [version('t1', ago(0))] });
    expect(await b.getCursor('c1')).toBe(7);
    expect(await b.acquireLock('sync:c1', 'worker-b', 60_000)).toBe(true);
    expect(await a.acquireLock('sync:c1', 'worker-a', 60_000)).toBe(false);
    await b.releaseLock('sync:c1', 'worker-b');
    expect(await a.acquireLock('sync:c1', 'worker-a', 60_000)).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });

  it('uses WAL, full fsync by default, foreign keys and the busy timeout', async () => {
    const path = file('pragmas');
    await new SqliteStore({ path, key, busyTimeoutMs: 1234 }).close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    // Per-connection settings are observable only through the store's own handle; durability 'normal' must differ.
    const full = new SqliteStore({ path, key, busyTimeoutMs: 1234 });
    const normal = new SqliteStore({ path, key, durability: 'normal' });
    expect(full.info()).toMatchObject({ journalMode: 'wal', synchronous: 'full', foreignKeys: true, secureDelete: true, busyTimeoutMs: 1234, sealed: true, schemaVersion: SCHEMA_VERSION });
    expect(normal.info()).toMatchObject({ synchronous: 'normal', busyTimeoutMs: 5000, runRetention: 100, versionRetentionMs: 90 * DAY });
    await Promise.all([full.close(), normal.close()]);
  });

  it('bounds its page cache at 8 MiB unless told otherwise, not at the 16 MB better-sqlite3 builds SQLite with', async () => {
    const path = file('cache');
    const plain = new Database(path);
    expect(plain.pragma('cache_size', { simple: true })).toBe(-16000);
    plain.close();
    const byDefault = new SqliteStore({ path, key });
    const larger = new SqliteStore({ path, key, pageCacheMiB: 64 });
    expect(byDefault.info().pageCacheMiB).toBe(8);
    expect(larger.info().pageCacheMiB).toBe(64);
    await Promise.all([byDefault.close(), larger.close()]);
    for (const pageCacheMiB of [0, -8, Number.NaN, 1e9]) {
      let error: unknown;
      try {
        new SqliteStore({ path, key, pageCacheMiB });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ field: 'pageCacheMiB', message: expect.stringContaining(`got ${pageCacheMiB}`) });
    }
  });
});

describe('migrations', () => {
  it('records each applied migration once, however often the file is opened', async () => {
    const path = file('migrations');
    await new SqliteStore({ path, key }).close();
    await new SqliteStore({ path, key }).close();
    const db = new Database(path, { readonly: true });
    const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    db.close();
    expect(rows).toEqual([
      { version: 1, name: 'initial' },
      { version: 2, name: 'oauth tokens' },
      { version: 3, name: 'dead letters' },
      { version: 4, name: 'webhook event ids' },
      { version: 5, name: 'compact versions' },
      { version: 6, name: 'webhook routes' },
      { version: 7, name: 'packed versions' },
      { version: 8, name: 'compact version bodies, no delivery-time index' },
    ]);
    expect(SCHEMA_VERSION).toBe(8);
  });

  it('upgrades a file made before OAuth tokens existed, keeping its connections', async () => {
    const path = file('upgrade');
    const old = new Database(path);
    migrate(old, path, silentLogger, MIGRATIONS.slice(0, 1));
    old.close();
    const store = new SqliteStore({ path, key });
    await store.saveConnection(connection('c1'));
    expect(await store.saveTokens('c1', { accessToken: 'access-0123456789', generation: 1, obtainedAt: '2026-11-30T00:00:00.000Z' }, null)).toBe(true);
    await store.close();
    const reopened = new SqliteStore({ path, key });
    expect(await reopened.getConnection('c1')).toEqual(connection('c1'));
    expect((await reopened.getTokens('c1'))?.generation).toBe(1);
    await reopened.close();
  });

  it('upgrades a schema 4 file to compact versions, keeping every seen version as it was written', async () => {
    const path = file('upgrade-versions');
    const old = new Database(path);
    old.pragma('foreign_keys = ON');
    migrate(old, path, silentLogger, MIGRATIONS.slice(0, 4));
    old.prepare(`INSERT INTO connections (id, platform, status, body, credentials, webhook, created_at, updated_at) VALUES ('c1', 'acme', 'active', '{}', '{}', NULL, 'x', 'x')`).run();
    const written = [
      { ...version('t1', ago(0)), tags: ['vip', 'billing'], status: 'solved' as const, priority: null, assigneeId: 'a7' },
      { ...version('t2', ago(0)), tags: [], deleted: true },
      { ...version('t3', ago(0)), tags: [''], fingerprint: 'legacy-sha256-fp-22chr' },
    ];
    const insert = old.prepare('INSERT INTO versions (connection_id, external_id, updated_at, fingerprint, delivered_at, body) VALUES (?, ?, ?, ?, ?, ?)');
    for (const v of written) insert.run('c1', v.externalId, v.updatedAt, v.fingerprint, v.deliveredAt, JSON.stringify(v));
    old.close();

    const store = new SqliteStore({ path, key, allowPlaintext: true, previousKeys: [] });
    const got = await store.getVersions('c1', ['t1', 't2', 't3']);
    for (const v of written) expect(got.get(v.externalId)).toEqual(v);
    // A migrated row is rewritten in the compact form on its next commit and reads back the same.
    await store.commitPage('c1', { versions: [{ ...written[0]!, tags: ['vip'] }] });
    expect((await store.getVersions('c1', ['t1'])).get('t1')).toEqual({ ...written[0]!, tags: ['vip'] });
    await store.close();
  });

  it('upgrades a schema 6 file to packed versions, every field kept, separators and nulls included, retention still by delivery time', async () => {
    const path = file('upgrade-packed');
    const old = new Database(path);
    old.pragma('foreign_keys = ON');
    migrate(old, path, silentLogger, MIGRATIONS.slice(0, 6));
    const addConnection = old.prepare(`INSERT INTO connections (id, platform, status, body, credentials, webhook, created_at, updated_at) VALUES (?, 'acme', 'active', '{}', '{}', NULL, 'x', 'x')`);
    for (const id of ['c0', 'c1', 'c2']) addConnection.run(id);
    const written = [
      { ...version('t1', ago(0)), tags: ['vip', 'billing'], status: 'solved' as const, priority: null, assigneeId: 'a7' },
      { ...version('t2', ago(0)), tags: [], deleted: true, priority: 'urgent' as const },
      { ...version('t3', ago(0)), tags: [''], fingerprint: 'legacy-sha256-fp-22chr' },
      { ...version('t4', ago(0)), tags: ['a\u001fb'], assigneeId: 'odd\u001fid' },
      { ...version('t5', ago(0)), assigneeId: '\u001e' },
      { ...version('old', ago(0)), deliveredAt: ago(200 * DAY) },
    ];
    const insert = old.prepare('INSERT INTO versions (connection_id, external_id, updated_at, fingerprint, delivered_at, status, priority, assignee_id, tags, deleted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    for (const v of written) insert.run('c1', v.externalId, v.updatedAt, v.fingerprint, v.deliveredAt, v.status, v.priority, v.assigneeId, encodeTags(v.tags), v.deleted ? 1 : 0);
    insert.run('c2', 't1', ago(0), 'fp-c2', ago(0), 'open', null, null, '', 0);
    // A delivery time that is not one (never written by this package) must not stop the upgrade.
    insert.run('c2', 't2', ago(0), 'fp-c2-t2', 'yesterday-ish', 'open', null, null, '', 0);
    old.close();

    const store = new SqliteStore({ path, key, allowPlaintext: true, previousKeys: [], versionRetentionMs: 100 * DAY });
    const got = await store.getVersions('c1', written.map((v) => v.externalId));
    // The store's retention (100 days) pruned the 200-day-old version when it opened: its delivery time survived.
    expect(got.has('old')).toBe(false);
    for (const v of written.slice(0, -1)) expect(got.get(v.externalId)).toEqual(v);
    expect((await store.getVersions('c2', ['t1'])).get('t1')?.fingerprint).toBe('fp-c2');
    const odd = (await store.getVersions('c2', ['t2'])).get('t2')!;
    expect(Date.now() - Date.parse(odd.deliveredAt)).toBeLessThan(60_000);
    // Written again in the packed form, the same versions read back the same.
    await store.commitPage('c1', { versions: written.slice(0, -1) });
    const again = await store.getVersions('c1', written.map((v) => v.externalId));
    for (const v of written.slice(0, -1)) expect(again.get(v.externalId)).toEqual(v);
    // Deleting a connection still takes its versions with it.
    await store.deleteConnection('c1');
    expect((await store.getVersions('c1', ['t1'])).size).toBe(0);
    expect((await store.getVersions('c2', ['t1', 't2'])).size).toBe(2);
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT name FROM pragma_table_info('versions')").pluck().all()).toEqual(['conn', 'external_id', 'delivered', 'body']);
    db.close();
  });

  it("stores core's versions in the compact form, every field read back exactly; what it cannot hold exactly takes the packed or JSON form", async () => {
    const path = file('compact');
    const store = new SqliteStore({ path, key });
    await store.saveConnection(connection('c1'));
    const fingerprint = (i: number) => `v${(0x9e3779b97f4a + i * 7919).toString(16).padStart(16, '0')}`;
    const assignees = [null, '', '9001', 'ünï agent'];
    const tagLists = [[], [''], ['vip', 'billing'], ['a\u001fb', 'c']];
    const instants = ['2026-03-12T09:41:00.123Z', '2024-02-29T00:00:00.000Z', '1970-01-01T00:00:00.000Z', '5188-04-22T11:04:28.415Z'];
    const compact: DeliveredVersion[] = [];
    for (const status of ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const) {
      for (const priority of [null, 'low', 'normal', 'high', 'urgent'] as const) {
        for (const deleted of [false, true]) {
          const i = compact.length;
          compact.push({ ...version(`k${i}`, ago(0)), fingerprint: fingerprint(i), status, priority, deleted, assigneeId: assignees[i % 4]!, tags: tagLists[(i >> 2) % 4]!, updatedAt: instants[i % 4]! });
        }
      }
    }
    const base = { ...version('x', ago(0)), fingerprint: fingerprint(0) };
    const other: DeliveredVersion[] = [
      // Packed: an update time toISOString would not write back as it is, or outside 1970 to 5188; another fingerprint.
      { ...base, externalId: 'seconds', updatedAt: '2026-03-12T09:41:00Z' },
      { ...base, externalId: 'offset', updatedAt: '2026-03-12T09:41:00.000+01:00' },
      { ...base, externalId: 'rolled', updatedAt: '2023-02-29T00:00:00.000Z' },
      { ...base, externalId: 'before-1970', updatedAt: '1969-12-31T23:59:59.999Z' },
      { ...base, externalId: 'past-limit', updatedAt: '5188-04-22T11:04:28.416Z' },
      { ...base, externalId: 'upper-hex', fingerprint: 'v00009E3779B97F4A' },
      { ...base, externalId: 'short-hex', fingerprint: 'v9e3779b97f4a' },
      { ...base, externalId: 'legacy', fingerprint: 'legacy-sha256-fp-22chr' },
      // A status or priority from outside the model (the store interface is public), even one named like a property
      // every object has.
      { ...base, externalId: 'odd-status', status: 'escalated' as never },
      { ...base, externalId: 'proto-status', status: 'toString' as never, priority: 'constructor' as never },
      // JSON: a field holding a separator.
      { ...base, externalId: 'odd-assignee', assigneeId: 'odd\u001eid' },
    ];
    await store.commitPage('c1', { versions: [...compact, ...other] });
    const got = await store.getVersions('c1', [...compact, ...other].map((v) => v.externalId));
    for (const v of [...compact, ...other]) expect(got.get(v.externalId)).toEqual(v);
    await store.close();

    const db = new Database(path, { readonly: true });
    const bodies = new Map(db.prepare('SELECT external_id, body FROM versions').raw().all() as Array<[string, string]>);
    db.close();
    for (const v of compact) expect([v.externalId, bodies.get(v.externalId)!.charAt(0)]).toEqual([v.externalId, '\u001e']);
    for (const v of other.slice(0, -1)) expect([v.externalId, bodies.get(v.externalId)!.startsWith(v.updatedAt)]).toEqual([v.externalId, true]);
    expect(bodies.get('odd-assignee')!.charAt(0)).toBe('{');
    // The compact form is the narrow one: mark, time (9), fingerprint digits (16), status, priority, flags, assignee
    // '9001', separator, no tags: 34 characters, where the packed form of the same version takes 57.
    expect(bodies.get('k2')).toHaveLength(34);
  });

  it('stores tags exactly, separators and empty tags included', async () => {
    const store = new SqliteStore({ path: file('tags'), key });
    await store.saveConnection(connection('c1'));
    const lists = [[], [''], ['', ''], ['a'], ['a', 'b'], ['a\u001fb', 'c'], ['[x]'], ['\u001f'], ['ünï', 'tag with spaces', '"quoted"']];
    const versions = lists.map((tags, i) => ({ ...version(`t${i}`, ago(0)), tags }));
    await store.commitPage('c1', { versions });
    const got = await store.getVersions('c1', versions.map((v) => v.externalId));
    for (const v of versions) expect(got.get(v.externalId)?.tags).toEqual(v.tags);
    await store.close();
  });

  it('writes a page of versions in multi-row statements with the same result as one by one, a repeated id ending as its last row', async () => {
    const store = new SqliteStore({ path: file('batches'), key });
    await store.saveConnection(connection('c1'));
    // 260 rows: five statements of 50 and ten single rows; t5 appears twice in the first statement, again in the
    // fourth and in the single rows.
    const versions: DeliveredVersion[] = Array.from({ length: 260 }, (_, i) => version(`t${i}`, ago(0)));
    versions[45] = { ...version('t5', ago(0)), status: 'on_hold' };
    versions[150] = { ...version('t5', ago(0)), status: 'pending' };
    versions[255] = { ...version('t5', ago(0)), status: 'solved' };
    await store.commitPage('c1', { versions: versions.slice(0, 50) });
    expect((await store.getVersions('c1', ['t5'])).get('t5')?.status).toBe('on_hold');
    await store.commitPage('c1', { versions });
    const ids = Array.from({ length: 260 }, (_, i) => `t${i}`);
    const got = await store.getVersions('c1', ids);
    expect(got.size).toBe(257);
    expect(got.get('t5')?.status).toBe('solved');
    expect(got.has('t150')).toBe(false);
    expect(got.get('t259')?.status).toBe('open');
    await store.close();
  });

  it('refuses a file written by a newer version, and leaves it as it was', async () => {
    const path = file('newer');
    const store = new SqliteStore({ path, key });
    await store.saveConnection(connection('c1'));
    await store.close();
    const db = new Database(path);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from-the-future', '2027-01-01T00:00:00.000Z')").run();
    db.close();

    expect(() => new SqliteStore({ path, key })).toThrow(ConfigError);
    expect(() => new SqliteStore({ path, key })).toThrow(new RegExp(`schema version 99, newer than this @ticketbridge/store-sqlite understands \\(${SCHEMA_VERSION}\\)`));
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT count(*) AS n FROM connections').get()).toEqual({ n: 1 });
    check.close();
  });

  it('refuses a file that is not a database, naming the path', () => {
    const path = file('garbage');
    writeFileSync(path, 'this is not a database, just some text that is long enough to have a header '.repeat(20));
    expect(() => new SqliteStore({ path, key })).toThrow(/is not a usable SQLite database \(SQLITE_NOTADB\)/);
  });
});

describe('retention', () => {
  it('keeps the newest runRetention runs of each connection on every saveRun', async () => {
    const store = new SqliteStore({ path: file('runs'), key, runRetention: 3 });
    await store.saveConnection(connection('c1'));
    await store.saveConnection(connection('c2'));
    for (let i = 1; i <= 5; i++) await store.saveRun(run(`r${i}`, 'c1'));
    await store.saveRun(run('x1', 'c2'));
    expect((await store.listRuns('c1')).map((r) => r.id)).toEqual(['r5', 'r4', 'r3']);
    expect((await store.listRuns('c2')).map((r) => r.id)).toEqual(['x1']);
    await store.close();
  });

  it('defaults to 100 runs per connection', async () => {
    const store = new SqliteStore({ path: file('runs-default'), key });
    await store.saveConnection(connection('c1'));
    for (let i = 1; i <= 103; i++) await store.saveRun(run(`r${i}`, 'c1'));
    const runs = await store.listRuns('c1');
    expect(runs).toHaveLength(100);
    expect(runs[0]!.id).toBe('r103');
    expect(runs[99]!.id).toBe('r4');
    await store.close();
  });

  it('prunes versions older than versionRetentionMs when opened, keeping recent ones', async () => {
    const path = file('versions');
    const store = new SqliteStore({ path, key, versionRetentionMs: null });
    await store.saveConnection(connection('c1'));
    await store.commitPage('c1', { versions: [version('old', ago(10 * DAY)), version('recent', ago(DAY / 2))] });
    await store.close();

    const reopened = new SqliteStore({ path, key, versionRetentionMs: 2 * DAY });
    expect([...(await reopened.getVersions('c1', ['old', 'recent'])).keys()]).toEqual(['recent']);
    await reopened.close();
  });

  describe('retention while open', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('sweeps expired versions a slice per page commit, hourly, sparing recent ones and a syncing connection', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const opened = Date.parse('2026-06-01T00:00:00.000Z');
      vi.setSystemTime(opened);
      const path = file('sweep');
      const store = new SqliteStore({ path, key, versionRetentionMs: 2 * DAY });
      await store.saveConnection(connection('c1'));
      await store.saveConnection(connection('c2'));
      const at = (ms: number) => new Date(ms).toISOString();
      // 12,000 expired versions of c1 (three slices of the sweep), recent ones between them, and c2's expired ones.
      const expired = Array.from({ length: 12_000 }, (_, i) => version(`old-${String(i).padStart(5, '0')}`, at(opened - 10 * DAY)));
      const recent = Array.from({ length: 50 }, (_, i) => version(`old-${String(i * 240).padStart(5, '0')}x`, at(opened)));
      await store.commitPage('c1', { versions: [...expired, ...recent] });
      await store.commitPage('c2', { versions: [version('t1', at(opened - 10 * DAY))] });
      expect(await store.acquireLock('sync:c2', 'worker-a', 6 * 3600_000)).toBe(true);
      const count = (sql: string) => {
        const db = new Database(path, { readonly: true });
        try {
          return (db.prepare(sql).pluck().get() as number);
        } finally {
          db.close();
        }
      };
      const left = () => count(`SELECT count(*) FROM versions WHERE external_id LIKE 'old-%' AND external_id NOT LIKE '%x'`);

      // Within the hour after the open (which pruned once), commits sweep nothing.
      vi.setSystemTime(opened + 30 * 60_000);
      await store.commitPage('c1', { versions: [version('new-1', at(opened + 30 * 60_000))] });
      expect(left()).toBe(12_000);

      // An hour on, each commit prunes the next slice: gradually, not in one pass.
      vi.setSystemTime(opened + 61 * 60_000);
      await store.commitPage('c1', { versions: [version('new-2', at(opened + 61 * 60_000))] });
      const afterOne = left();
      expect(afterOne).toBeGreaterThan(0);
      expect(afterOne).toBeLessThan(12_000);
      for (let i = 0; i < 5 && left() > 0; i++) await store.commitPage('c1', { versions: [version(`new-${3 + i}`, at(opened + 61 * 60_000))] });
      expect(left()).toBe(0);
      // Recent versions and the syncing connection's stay.
      expect(count(`SELECT count(*) FROM versions WHERE external_id LIKE '%x'`)).toBe(50);
      expect((await store.getVersions('c2', ['t1'])).size).toBe(1);
      // The sweep is done: no new one for an hour, then c2 (its lock released) goes too.
      await store.releaseLock('sync:c2', 'worker-a');
      await store.commitPage('c1', { versions: [version('new-9', at(opened + 61 * 60_000))] });
      expect((await store.getVersions('c2', ['t1'])).size).toBe(1);
      vi.setSystemTime(opened + 122 * 60_000);
      for (let i = 0; i < 3; i++) await store.commitPage('c1', { versions: [version(`new-1${i}`, at(opened + 122 * 60_000))] });
      expect((await store.getVersions('c2', ['t1'])).size).toBe(0);
      // Nothing delivered within the retention went: the 50 recent ones and every commit's own version.
      expect(count(`SELECT count(*) FROM versions WHERE external_id LIKE '%x'`)).toBe(50);
      expect((await store.getVersions('c1', ['new-1', 'new-2', 'new-9', 'new-12'])).size).toBe(4);
      await store.close();
    });
  });

  it('does not prune the versions of a connection while its sync holds the lock', async () => {
    const store = new SqliteStore({ path: file('live'), key, versionRetentionMs: null });
    await store.saveConnection(connection('c1'));
    await store.saveConnection(connection('c2'));
    await store.commitPage('c1', { versions: [version('t1', ago(10 * DAY))] });
    await store.commitPage('c2', { versions: [version('t1', ago(10 * DAY))] });
    expect(await store.acquireLock('sync:c1', 'worker-a', 60_000)).toBe(true);

    expect(await store.pruneVersions(ago(DAY))).toBe(1);
    expect((await store.getVersions('c1', ['t1'])).size).toBe(1);
    expect((await store.getVersions('c2', ['t1'])).size).toBe(0);

    await store.releaseLock('sync:c1', 'worker-a');
    expect(await store.pruneVersions(ago(DAY))).toBe(1);
    expect((await store.getVersions('c1', ['t1'])).size).toBe(0);
    await store.close();
  });

  it('rejects retention settings that would reopen the duplicate window or keep nothing', () => {
    expect(() => new SqliteStore({ path: file('bad'), key, versionRetentionMs: 3600_000 })).toThrow(/at least one day/);
    expect(() => new SqliteStore({ path: file('bad'), key, runRetention: 0 })).toThrow(/runRetention must be a whole number of runs, at least 1/);
  });
});

describe('misuse', () => {
  it('names an unknown connection instead of writing orphan state', async () => {
    const store = new SqliteStore({ path: file('orphans'), key });
    await store.saveConnection(connection('c1'));
    await store.deleteConnection('c1');
    for (const write of [
      () => store.commitPage('c1', { cursor: 1, versions: [version('t1', ago(0))] }),
      () => store.setCursor('c1', 1),
      () => store.saveRun(run('r1', 'c1')),
      () => store.inboxPut(inbox('in1', 'c1')),
    ]) {
      await expect(write()).rejects.toThrow(/unknown connection "c1"/);
    }
    expect(await store.getCursor('c1')).toBeNull();
    await store.close();
  });

  it('fails clearly after close', async () => {
    const store = new SqliteStore({ path: file('closed'), key });
    await store.close();
    await store.close();
    await expect(store.listConnections()).rejects.toThrow(/is closed/);
  });
});

