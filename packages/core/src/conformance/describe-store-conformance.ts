import { newSyncRun } from '../sync/new-sync-run.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../store/state-store.js';
import type { DeliveredVersion, InboxEntry, StoredConnection, SyncRun } from '../store/types.js';
import type { TicketDraft } from '../model/ticket.js';
import { createTestDraft } from '../testing/create-test-draft.js';

/** Makes a fresh, empty store for one test. The suite closes it afterwards. */
export type StoreFactory = () => StateStore | Promise<StateStore>;

/**
 * The behaviour every {@link StateStore} must share, as a vitest suite: `MemoryStore`, the SQLite store and any
 * future store (PostgreSQL) run the same cases, so the engine can rely on the interface and not on one store.
 *
 * Each case gets a fresh store from `factory` and closes it afterwards. Persistence across reopen is the business
 * of each durable store's own tests: the suite only sees one instance.
 *
 * @example
 * ```ts
 * import { describeStoreConformance } from '@ticketbridge/core/conformance';
 * describeStoreConformance('MyStore', () => new MyStore({ url: process.env.DB_URL }));
 * ```
 */
export function describeStoreConformance(name: string, factory: StoreFactory): void {
  describe(`StateStore conformance: ${name}`, () => {
    const open: StateStore[] = [];
    afterEach(async () => {
      for (const store of open.splice(0)) await store.close();
    });
    const fresh = async () => {
      const store = await factory();
      open.push(store);
      return store;
    };
    /** A store holding connections `c1` and `c2`, which most cases need (durable stores may require them). */
    const withConnections = async () => {
      const store = await fresh();
      await store.saveConnection(connection('c1'));
      await store.saveConnection(connection('c2'));
      return store;
    };

    describe('connections', () => {
      it('saves, reads, lists, replaces and deletes a connection, credentials and webhook included', async () => {
        const store = await fresh();
        expect(await store.getConnection('c1')).toBeUndefined();
        const c1 = connection('c1', {
          name: 'Support',
          webhook: {
            secret: 'whsec-0123456789abcdef',
            registration: { secret: 'whsec-0123456789abcdef', resources: { webhookId: 42, triggers: ['t1'] } },
            instructions: { title: 'Add a webhook', steps: ['Open settings', 'Paste the URL'], docsUrl: 'https://example.com/docs' },
          },
          statusReason: { code: 'credentials', message: 'token revoked', field: 'apiToken' },
        });
        await store.saveConnection(c1);
        await store.saveConnection(connection('c2'));
        expect(await store.getConnection('c1')).toEqual(c1);
        expect(sortById(await store.listConnections())).toEqual([c1, connection('c2')]);

        const replaced = { ...c1, status: 'paused' as const, credentials: { subdomain: 'acme', apiToken: 'rotated-token-value' }, updatedAt: '2026-01-02T00:00:00.000Z' };
        delete (replaced as Partial<StoredConnection>).webhook;
        await store.saveConnection(replaced);
        expect(await store.getConnection('c1')).toEqual(replaced);
        expect(await store.listConnections()).toHaveLength(2);

        await store.deleteConnection('c1');
        expect(await store.getConnection('c1')).toBeUndefined();
        expect(await store.listConnections()).toEqual([connection('c2')]);
        await expect(store.deleteConnection('never-existed')).resolves.toBeUndefined();
      });

      it('deleting a connection deletes its cursor, versions, runs, inbox entries and locks, and nothing of others', async () => {
        const store = await withConnections();
        for (const id of ['c1', 'c2']) {
          await store.commitPage(id, { cursor: { page: id }, versions: [version('t1', '2026-01-01T00:00:01.000Z')] });
          await store.saveRun(run(`${id}-r1`, id, '2026-01-01T00:00:00.000Z'));
          await store.inboxPut(inbox(`${id}-in1`, id, '2026-01-01T00:00:00.000Z'));
          expect(await store.acquireLock(`sync:${id}`, 'worker-a', 60_000)).toBe(true);
        }
        await store.deleteConnection('c1');

        expect(await store.getCursor('c1')).toBeNull();
        expect((await store.getVersions('c1', ['t1'])).size).toBe(0);
        expect(await store.listRuns('c1')).toEqual([]);
        expect(await store.inboxPending('c1')).toEqual([]);
        expect(await store.acquireLock('sync:c1', 'worker-b', 60_000)).toBe(true);

        expect(await store.getCursor('c2')).toEqual({ page: 'c2' });
        expect((await store.getVersions('c2', ['t1'])).size).toBe(1);
        expect((await store.listRuns('c2')).map((r) => r.id)).toEqual(['c2-r1']);
        expect((await store.inboxPending()).map((e) => e.id)).toEqual(['c2-in1']);
        expect(await store.acquireLock('sync:c2', 'worker-b', 60_000)).toBe(false);
      });
    });

    describe('webhook routes', () => {
      const routed = (id: string, platform: string, routeKeys: string[] | undefined) =>
        connection(id, {
          platform,
          webhook: { secret: `whsec-${id}-0123456789`, registration: { secret: `whsec-${id}-0123456789`, resources: { ids: [1] }, ...(routeKeys ? { routeKeys } : {}) } },
        });

      it('finds connections by any of their registration route keys, per platform, in the order they were first saved', async () => {
        const store = await fresh();
        await store.saveConnection(routed('c1', 'jira', ['site:a/webhook:1', 'site:a']));
        await store.saveConnection(routed('c2', 'jira', ['site:b/webhook:1', 'site:b']));
        await store.saveConnection(routed('c3', 'jira', ['site:a/webhook:2', 'site:a']));
        await store.saveConnection(routed('c4', 'other', ['site:a/webhook:1']));
        await store.saveConnection(routed('c5', 'jira', undefined));

        expect(await store.findConnectionsByWebhookRoute('jira', ['site:a/webhook:1'], 10)).toEqual(['c1']);
        expect(await store.findConnectionsByWebhookRoute('other', ['site:a/webhook:1'], 10)).toEqual(['c4']);
        expect(await store.findConnectionsByWebhookRoute('jira', ['site:a/webhook:2', 'site:a/webhook:1'], 10)).toEqual(['c1', 'c3']);
        expect(await store.findConnectionsByWebhookRoute('jira', ['site:a'], 10)).toEqual(['c1', 'c3']);
        expect(await store.findConnectionsByWebhookRoute('jira', ['site:a'], 1)).toEqual(['c1']);
        expect(await store.findConnectionsByWebhookRoute('jira', ['site:c', 'webhook:1'], 10)).toEqual([]);
        expect(await store.findConnectionsByWebhookRoute('jira', [], 10)).toEqual([]);
      });

      it('follows the registration: keys replaced on save, gone with the webhook and with the connection', async () => {
        const store = await fresh();
        await store.saveConnection(routed('c1', 'jira', ['site:a/webhook:1']));
        await store.saveConnection(routed('c2', 'jira', ['site:a/webhook:9']));
        // An upkeep registered again: new ids, the old key must no longer reach the connection.
        await store.saveConnection(routed('c1', 'jira', ['site:a/webhook:7']));
        expect(await store.findConnectionsByWebhookRoute('jira', ['site:a/webhook:1'], 10)).toEqual([]);
        expect(await store.findConnectionsByWebhookRoute('jira', ['site:a/webhook:7'], 10)).toEqual(['c1']);
        // Saved again after c2 (paused, say): still found first, as it was first saved first.
        await store.saveConnection({ ...routed('c1', 'jira', ['site:a/webhook:7', 'site:a/webhook:9']), status: 'paused' });
        expect(await store.findConnectionsByWebhookRoute('jira', ['site:a/webhook:9'], 10)).toEqual(['c1', 'c2']);

        await store.saveConnection(connection('c1', { platform: 'jira' }));
        expect(await store.findConnectionsByWebhookRoute('jira', ['site:a/webhook:7'], 10)).toEqual([]);
        await store.deleteConnection('c2');
        expect(await store.findConnectionsByWebhookRoute('jira', ['site:a/webhook:9'], 10)).toEqual([]);
      });

      it('indexes only well-formed keys: strings of 1 to 200 characters, at most 50', async () => {
        const store = await fresh();
        const many = Array.from({ length: 60 }, (_, i) => `k${i}`);
        await store.saveConnection(routed('c1', 'jira', ['', 'x'.repeat(201), 'x'.repeat(200), ...many]));
        expect(await store.findConnectionsByWebhookRoute('jira', ['x'.repeat(200)], 10)).toEqual(['c1']);
        expect(await store.findConnectionsByWebhookRoute('jira', ['k48'], 10)).toEqual(['c1']);
        expect(await store.findConnectionsByWebhookRoute('jira', ['k49'], 10)).toEqual([]);
        expect(await store.findConnectionsByWebhookRoute('jira', ['x'.repeat(201)], 10)).toEqual([]);
      });
    });

    describe('oauth tokens', () => {
      const tokens = (generation: number, accessToken = `access-${generation}-0123456789`) => ({
        accessToken,
        refreshToken: `refresh-${generation}-0123456789`,
        expiresAt: '2026-01-01T00:30:00.000Z',
        scope: 'tickets:read users:read',
        generation,
        obtainedAt: '2026-01-01T00:00:00.000Z',
      });

      it('writes only over the generation it expects, whatever saveConnection does meanwhile', async () => {
        const store = await fresh();
        // Before the connection: the hub saves a new connection's tokens first.
        expect(await store.getTokens('c1')).toBeUndefined();
        expect(await store.saveTokens('c1', tokens(1), null)).toBe(true);
        await store.saveConnection(connection('c1'));
        expect(await store.getTokens('c1')).toEqual(tokens(1));
        expect(await store.saveTokens('c1', tokens(2), null)).toBe(false);
        expect(await store.saveTokens('c1', tokens(2), 5)).toBe(false);
        expect(await store.saveTokens('c1', tokens(2), 1)).toBe(true);
        // A stale copy of the connection written back (a pause) must not bring old tokens back.
        await store.saveConnection({ ...connection('c1'), status: 'paused' });
        expect(await store.getTokens('c1')).toEqual(tokens(2));
        const { accessToken: _dropped, refreshToken: _alsoDropped, ...rest } = tokens(3, 'x');
        const minimal = { ...rest, accessToken: 'access-3-without-refresh' };
        expect(await store.saveTokens('c1', minimal, 2)).toBe(true);
        expect(await store.getTokens('c1')).toEqual(minimal);
        expect(await store.getTokens('c2')).toBeUndefined();
      });

      it('lets exactly one of many concurrent writers rotate from the same generation', async () => {
        const store = await withConnections();
        await store.saveTokens('c1', tokens(1), null);
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.saveTokens('c1', tokens(2, `access-2-writer-${i}`), 1)));
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect((await store.getTokens('c1'))?.accessToken).toBe(`access-2-writer-${winner}`);
      });

      it('are deleted with their connection, and only theirs', async () => {
        const store = await withConnections();
        await store.saveTokens('c1', tokens(1), null);
        await store.saveTokens('c2', tokens(1), null);
        await store.deleteConnection('c1');
        expect(await store.getTokens('c1')).toBeUndefined();
        expect(await store.getTokens('c2')).toEqual(tokens(1));
      });
    });

    describe('webhook event ids', () => {
      it('remembers an id per connection until it expires, and forgets them with the connection', async () => {
        const store = await withConnections();
        const later = new Date(Date.now() + 60_000).toISOString();
        expect(await store.webhookEventSeen('c1', 'msg_1')).toBe(false);
        await store.rememberWebhookEvent('c1', 'msg_1', later);
        await store.rememberWebhookEvent('c1', 'msg_1', later);
        expect(await store.webhookEventSeen('c1', 'msg_1')).toBe(true);
        expect(await store.webhookEventSeen('c2', 'msg_1')).toBe(false);
        await store.rememberWebhookEvent('c2', 'msg_old', new Date(Date.now() - 1).toISOString());
        expect(await store.webhookEventSeen('c2', 'msg_old')).toBe(false);
        await store.deleteConnection('c1');
        expect(await store.webhookEventSeen('c1', 'msg_1')).toBe(false);
      });
    });

    describe('dead letters', () => {
      const letter = (id: string, connectionId: string, n: number) => ({
        id,
        connectionId,
        receivedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
        reason: `$.ticket.updated_at: is not a date (${n})`,
        headers: { 'content-type': 'application/json', 'webhook-id': `msg_${n}` },
        body: JSON.stringify({ ticket: { id: n, title: 'Zoë — 北京 👩🏽‍💻' } }),
      });

      it('keeps them per connection, oldest first, deletes one by id, and all with their connection', async () => {
        const store = await withConnections();
        await store.deadLetterPut(letter('d1', 'c1', 1));
        await store.deadLetterPut(letter('d2', 'c1', 2));
        await store.deadLetterPut(letter('d3', 'c2', 3));
        expect(await store.deadLetters('c1')).toEqual([letter('d1', 'c1', 1), letter('d2', 'c1', 2)]);
        expect(await store.deadLetters('c1', { limit: 1 })).toEqual([letter('d1', 'c1', 1)]);
        await store.deadLetterDelete('d1');
        expect((await store.deadLetters('c1')).map((d) => d.id)).toEqual(['d2']);
        await store.deleteConnection('c1');
        expect(await store.deadLetters('c1')).toEqual([]);
        expect((await store.deadLetters('c2')).map((d) => d.id)).toEqual(['d3']);
      });

      it('keeps only the newest 1000 of a connection', async () => {
        const store = await withConnections();
        for (let i = 0; i < 1005; i++) await store.deadLetterPut(letter(`d${i}`, 'c1', i));
        const kept = await store.deadLetters('c1');
        expect(kept).toHaveLength(1000);
        expect(kept[0]!.id).toBe('d5');
        expect(kept.at(-1)!.id).toBe('d1004');
      });
    });

    describe('cursors', () => {
      it('starts at null, keeps any JSON cursor per connection, and clears back to null', async () => {
        const store = await withConnections();
        expect(await store.getCursor('c1')).toBeNull();
        const cursor = { after: 'MTIzNDU2', startTime: 1767225600, ids: [1, 2, 3], nested: { done: false, note: null } };
        await store.setCursor('c1', cursor);
        await store.setCursor('c2', 'opaque-cursor-string');
        expect(await store.getCursor('c1')).toEqual(cursor);
        expect(await store.getCursor('c2')).toBe('opaque-cursor-string');
        await store.setCursor('c1', 17);
        expect(await store.getCursor('c1')).toBe(17);
        await store.setCursor('c1', null);
        expect(await store.getCursor('c1')).toBeNull();
        expect(await store.getCursor('c2')).toBe('opaque-cursor-string');
      });
    });

    describe('seen versions and page commits', () => {
      it('returns only the versions asked for, of that connection; the last commit of a ticket wins', async () => {
        const store = await withConnections();
        expect((await store.getVersions('c1', [])).size).toBe(0);
        expect((await store.getVersions('c1', ['t1'])).size).toBe(0);
        const t1 = version('t1', '2026-01-01T00:00:01.000Z');
        const t2 = version('t2', '2026-01-01T00:00:02.000Z', { tags: ['vip', 'billing'], assigneeId: 'u9', priority: null });
        await store.commitPage('c1', { versions: [t1, t2] });
        await store.commitPage('c2', { versions: [version('t1', '2026-01-05T00:00:00.000Z')] });

        const got = await store.getVersions('c1', ['t1', 't2', 't3', 't1']);
        expect([...got.keys()].sort()).toEqual(['t1', 't2']);
        expect(got.get('t1')).toEqual(t1);
        expect(got.get('t2')).toEqual(t2);

        const t1b = version('t1', '2026-01-01T00:00:09.000Z', { status: 'solved', fingerprint: 'fp-t1-b' });
        await store.commitPage('c1', { versions: [t1b] });
        expect((await store.getVersions('c1', ['t1'])).get('t1')).toEqual(t1b);
        expect((await store.getVersions('c2', ['t1'])).get('t1')?.updatedAt).toBe('2026-01-05T00:00:00.000Z');
      });

      it('answers for many ids at once', async () => {
        const store = await withConnections();
        const many = Array.from({ length: 1200 }, (_, i) => version(`t${i}`, '2026-01-01T00:00:01.000Z'));
        await store.commitPage('c1', { versions: many, cursor: { n: 1200 } });
        const got = await store.getVersions('c1', [...many.map((v) => v.externalId), 'missing']);
        expect(got.size).toBe(1200);
        expect(got.get('t1199')).toEqual(many[1199]);
      });

      it('a page commit makes its versions, cursor and inbox acknowledgement visible together', async () => {
        const store = await withConnections();
        await store.setCursor('c1', { page: 1 });
        await store.inboxPut(inbox('in1', 'c1', '2026-01-01T00:00:00.000Z'));
        await store.inboxPut(inbox('in2', 'c1', '2026-01-01T00:00:01.000Z'));

        await store.commitPage('c1', { cursor: { page: 2 }, versions: [version('t1', '2026-01-01T00:00:01.000Z')], ackInboxId: 'in1' });
        expect(await store.getCursor('c1')).toEqual({ page: 2 });
        expect((await store.getVersions('c1', ['t1'])).size).toBe(1);
        expect((await store.inboxPending('c1')).map((e) => e.id)).toEqual(['in2']);

        // A webhook delivery leaves the cursor alone (undefined), a full resync may clear it (null).
        await store.commitPage('c1', { versions: [version('t2', '2026-01-01T00:00:02.000Z')], ackInboxId: 'in2' });
        expect(await store.getCursor('c1')).toEqual({ page: 2 });
        expect(await store.inboxPending()).toEqual([]);
        await store.commitPage('c1', { cursor: null, versions: [] });
        expect(await store.getCursor('c1')).toBeNull();
        expect((await store.getVersions('c1', ['t1', 't2'])).size).toBe(2);
      });

      it("a page commit carrying the run's record replaces the one saveRun stored, together with the page", async () => {
        const store = await withConnections();
        const started = run('r1', 'c1', '2026-01-01T00:00:00.000Z');
        await store.saveRun(started);
        await store.saveRun(run('r0', 'c1', '2025-12-31T00:00:00.000Z'));
        const afterPage: SyncRun = { ...started, pages: 1, ticketsSynced: 1, cursorAfter: { page: 1 }, errors: [{ code: 'rejected_record', message: 'row 2: bad date', at: '2026-01-01T00:00:01.000Z' }] };
        await store.commitPage('c1', { cursor: { page: 1 }, versions: [version('t1', '2026-01-01T00:00:01.000Z')], run: afterPage });
        const runs = await store.listRuns('c1');
        // Replaced in place: still one record per run, and its place in the history (newest first) is unchanged.
        expect(runs.map((r) => r.id)).toEqual(['r0', 'r1']);
        expect(runs[1]).toEqual(afterPage);
        expect(await store.getCursor('c1')).toEqual({ page: 1 });
        // The store kept a copy: changing the caller's object later changes nothing stored.
        afterPage.pages = 99;
        expect((await store.listRuns('c1'))[1]!.pages).toBe(1);
        // A page without a run leaves the record as it is.
        await store.commitPage('c1', { cursor: { page: 2 }, versions: [] });
        expect((await store.listRuns('c1'))[1]!.pages).toBe(1);
      });

      it('prunes versions delivered before a time, across connections, and reports how many (when the store offers pruneVersions)', async () => {
        const store = await withConnections();
        if (!store.pruneVersions) return;
        // Delivery times within the last days: a store may prune old versions on its own (at open, hourly), and
        // fixed dates would age past its retention as the calendar moves on.
        const now = Date.now();
        const at = (daysAgo: number) => new Date(now - daysAgo * 86_400_000).toISOString();
        await store.commitPage('c1', {
          versions: [
            version('old', '2026-01-01T00:00:00.000Z', { deliveredAt: at(10) }),
            version('edge', '2026-01-01T00:00:00.000Z', { deliveredAt: at(8) }),
            version('new', '2026-01-01T00:00:00.000Z', { deliveredAt: at(6) }),
          ],
        });
        await store.commitPage('c2', { versions: [version('old', '2026-01-01T00:00:00.000Z', { deliveredAt: at(9) })] });
        expect(await store.pruneVersions!(at(8))).toBe(2);
        expect([...(await store.getVersions('c1', ['old', 'edge', 'new'])).keys()].sort()).toEqual(['edge', 'new']);
        expect((await store.getVersions('c2', ['old'])).size).toBe(0);
        expect(await store.pruneVersions!(at(8))).toBe(0);
      });
    });

    describe('sync history', () => {
      it('inserts and replaces runs by id, lists newest first with a limit', async () => {
        const store = await withConnections();
        const r1 = run('r1', 'c1', '2026-01-01T00:00:00.000Z');
        const r2 = run('r2', 'c1', '2026-01-01T01:00:00.000Z');
        const r3 = run('r3', 'c1', '2026-01-01T02:00:00.000Z');
        for (const r of [r1, r2, r3]) await store.saveRun(r);
        await store.saveRun(run('other', 'c2', '2026-01-01T03:00:00.000Z'));
        expect((await store.listRuns('c1')).map((r) => r.id)).toEqual(['r3', 'r2', 'r1']);
        expect((await store.listRuns('c1', { limit: 2 })).map((r) => r.id)).toEqual(['r3', 'r2']);
        expect(await store.listRuns('nobody')).toEqual([]);

        // Finishing an older run updates it in place: it does not jump to the top.
        const finished: SyncRun = {
          ...r1,
          status: 'failed',
          finishedAt: '2026-01-01T00:05:00.000Z',
          ticketsSynced: 250,
          pages: 3,
          errors: [{ code: 'transient', message: 'HTTP 503', at: '2026-01-01T00:04:00.000Z', status: 503 }],
          attempt: 2,
          nextRetryAt: '2026-01-01T00:10:00.000Z',
          cursorAfter: { after: 'abc' },
        };
        await store.saveRun(finished);
        const listed = await store.listRuns('c1');
        expect(listed.map((r) => r.id)).toEqual(['r3', 'r2', 'r1']);
        expect(listed[2]).toEqual(finished);
      });

      it('prunes all but the newest runs of one connection', async () => {
        const store = await withConnections();
        for (let i = 1; i <= 5; i++) await store.saveRun(run(`r${i}`, 'c1', `2026-01-01T0${i}:00:00.000Z`));
        await store.saveRun(run('other', 'c2', '2026-01-01T00:00:00.000Z'));
        expect(await store.pruneRuns('c1', 2)).toBe(3);
        expect((await store.listRuns('c1')).map((r) => r.id)).toEqual(['r5', 'r4']);
        expect(await store.pruneRuns('c1', 2)).toBe(0);
        expect((await store.listRuns('c2')).map((r) => r.id)).toEqual(['other']);
      });
    });

    describe('webhook inbox', () => {
      it('lists pending entries oldest first, per connection or all, and counts failed attempts', async () => {
        const store = await withConnections();
        const late = inbox('late', 'c1', '2026-01-01T00:00:09.000Z');
        const early = inbox('early', 'c1', '2026-01-01T00:00:01.000Z');
        const middle = inbox('middle', 'c2', '2026-01-01T00:00:05.000Z', 'poll');
        for (const e of [late, early, middle]) await store.inboxPut(e);
        expect(await store.inboxPending()).toEqual([early, middle, late]);
        expect(await store.inboxPending('c1')).toEqual([early, late]);
        expect(await store.inboxPending('nobody')).toEqual([]);

        await store.inboxAttempt('early');
        await store.inboxAttempt('early');
        await store.inboxAttempt('acked-long-ago');
        expect((await store.inboxPending('c1')).map((e) => [e.id, e.attempts])).toEqual([
          ['early', 2],
          ['late', 0],
        ]);

        await store.commitPage('c1', { versions: [], ackInboxId: 'early' });
        expect((await store.inboxPending()).map((e) => e.id)).toEqual(['middle', 'late']);
      });
    });

    describe('locks', () => {
      it('one owner at a time; the holder may re-acquire and renew; release by another owner does nothing', async () => {
        const store = await fresh();
        expect(await store.acquireLock('sync:c1', 'worker-a', 60_000)).toBe(true);
        expect(await store.acquireLock('sync:c1', 'worker-b', 60_000)).toBe(false);
        expect(await store.acquireLock('sync:c2', 'worker-b', 60_000)).toBe(true);
        expect(await store.acquireLock('sync:c1', 'worker-a', 60_000)).toBe(true);
        expect(await store.renewLock('sync:c1', 'worker-a', 60_000)).toBe(true);
        expect(await store.renewLock('sync:c1', 'worker-b', 60_000)).toBe(false);

        await store.releaseLock('sync:c1', 'worker-b');
        expect(await store.acquireLock('sync:c1', 'worker-b', 60_000)).toBe(false);
        await store.releaseLock('sync:c1', 'worker-a');
        expect(await store.renewLock('sync:c1', 'worker-a', 60_000)).toBe(false);
        expect(await store.acquireLock('sync:c1', 'worker-b', 60_000)).toBe(true);
        await store.releaseLock('never-taken', 'worker-a');
      });

      it('an expired lock can be taken by another owner, and its old holder can no longer renew it', async () => {
        const store = await fresh();
        expect(await store.acquireLock('sync:c1', 'worker-a', 1)).toBe(true);
        await waitPast(1);
        expect(await store.renewLock('sync:c1', 'worker-a', 60_000)).toBe(false);
        expect(await store.acquireLock('sync:c1', 'worker-b', 60_000)).toBe(true);
        expect(await store.renewLock('sync:c1', 'worker-a', 60_000)).toBe(false);
        expect(await store.acquireLock('sync:c1', 'worker-a', 60_000)).toBe(false);
      });

      it('gives a contended lock to exactly one of many concurrent callers', async () => {
        const store = await fresh();
        const owners = Array.from({ length: 20 }, (_, i) => `worker-${i}`);
        const results = await Promise.all(owners.map((o) => store.acquireLock('sync:c1', o, 60_000)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('isolation of values', () => {
      it('returns copies: mutating what was saved or read does not change the store', async () => {
        const store = await fresh();
        const c1 = connection('c1', { webhook: { secret: 'whsec-0123456789abcdef' } });
        await store.saveConnection(c1);
        c1.credentials.apiToken = 'mutated-after-save';
        c1.webhook!.secret = 'mutated';
        const read = (await store.getConnection('c1'))!;
        expect(read.credentials.apiToken).toBe(connection('c1').credentials.apiToken);
        read.credentials.apiToken = 'mutated-after-read';
        read.metadata.plan = 'mutated';
        (await store.listConnections())[0]!.secretFields.push('mutated');
        expect(await store.getConnection('c1')).toEqual(connection('c1', { webhook: { secret: 'whsec-0123456789abcdef' } }));

        const cursor = { after: 'a', list: [1] };
        await store.setCursor('c1', cursor);
        cursor.list.push(2);
        ((await store.getCursor('c1')) as { list: number[] }).list.push(3);
        expect(await store.getCursor('c1')).toEqual({ after: 'a', list: [1] });

        const v = version('t1', '2026-01-01T00:00:01.000Z', { tags: ['a'] });
        await store.commitPage('c1', { versions: [v], cursor: { page: 1 } });
        v.tags.push('mutated');
        (await store.getVersions('c1', ['t1'])).get('t1')!.tags.push('mutated');
        expect((await store.getVersions('c1', ['t1'])).get('t1')!.tags).toEqual(['a']);

        const r = run('r1', 'c1', '2026-01-01T00:00:00.000Z');
        await store.saveRun(r);
        r.errors.push({ code: 'transient', message: 'mutated', at: '2026-01-01T00:00:00.000Z' });
        (await store.listRuns('c1'))[0]!.errors.push({ code: 'transient', message: 'mutated', at: '2026-01-01T00:00:00.000Z' });
        expect((await store.listRuns('c1'))[0]!.errors).toEqual([]);

        const e = inbox('in1', 'c1', '2026-01-01T00:00:00.000Z');
        await store.inboxPut(e);
        e.tickets[0]!.subject = 'mutated';
        e.attempts = 99;
        const pending = (await store.inboxPending())[0]!;
        pending.tickets[0]!.subject = 'mutated';
        pending.attempts = 42;
        expect(await store.inboxPending()).toEqual([inbox('in1', 'c1', '2026-01-01T00:00:00.000Z')]);
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Internal helpers

const sortById = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** Waits until the wall clock has moved more than `ms` (lock expiry is judged by `Date.now()`). */
async function waitPast(ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() <= until) await new Promise((resolve) => setTimeout(resolve, ms + 5));
}

function connection(id: string, overrides: Partial<StoredConnection> = {}): StoredConnection {
  return {
    id,
    platform: 'memdesk',
    accountName: `${id}.example.com`,
    syncMode: 'both',
    status: 'active',
    credentials: { subdomain: 'acme', apiToken: `token-of-${id}-0123456789` },
    secretFields: ['apiToken'],
    metadata: { plan: 'pro', seats: 12, features: ['sla'] },
    baseUrl: 'http://127.0.0.1:9',
    pollIntervalMs: 900_000,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const RECENT = new Date(Date.now() - 60_000).toISOString();

function version(externalId: string, updatedAt: string, overrides: Partial<DeliveredVersion> = {}): DeliveredVersion {
  return {
    externalId,
    updatedAt,
    fingerprint: `fp-${externalId}-${updatedAt}`,
    status: 'open',
    priority: 'normal',
    assigneeId: null,
    tags: [],
    deleted: false,
    // Recent, so a store's own retention (which prunes versions delivered long ago) never races a case.
    deliveredAt: RECENT,
    ...overrides,
  };
}

function run(id: string, connectionId: string, startedAt: string): SyncRun {
  return newSyncRun({ id, connectionId, trigger: 'schedule', startedAt, attempt: 1, cursor: null });
}

function inbox(id: string, connectionId: string, receivedAt: string, source: InboxEntry['source'] = 'webhook'): InboxEntry {
  return { id, connectionId, receivedAt, source, tickets: [draft(`${id}-t`)], attempts: 0 };
}

function draft(externalId: string): TicketDraft {
  return createTestDraft({
    externalId,
    platform: 'memdesk',
    url: `https://acme.example.com/tickets/${externalId}`,
    description: 'Printer on fire',
    priority: 'high',
    rawPriority: 'high',
    tags: ['printer'],
    customFields: { team: 'ops' },
  });
}
