import { afterEach, expect, it } from 'vitest';
import { TransientError } from '@ticketbridge/core';
import type { PostgresStore } from '../src/index.js';
import { adminClient, describePg, freshSchema, openStore } from './pg.js';
import { connection, version } from '@ticketbridge/test-support/store-fixtures';

const open: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const s of open.splice(0).reverse()) await s.close();
});

describePg('a worker dying mid-commit', () => {
  it('leaves no half-written page: versions, cursor and inbox acknowledgement are all there or none', async () => {
    const store: PostgresStore = await openStore(freshSchema('crash'));
    open.push(store);
    await store.saveConnection(connection('c1'));
    await store.setCursor('c1', { page: 1 });
    await store.inboxPut({ id: 'in1', connectionId: 'c1', receivedAt: '2026-01-01T00:00:00.000Z', source: 'webhook', tickets: [], attempts: 0 });

    // Another session holds the cursor row, so the page commit stops mid-way, after its versions are written and
    // before its cursor is; then the worker's connection dies as it would with the process (the server sees the
    // socket close and rolls back whatever the transaction had done).
    const blocker = await adminClient();
    const watcher = await adminClient();
    open.push({ close: () => watcher.end() }, { close: () => blocker.end() });
    await blocker.query('BEGIN');
    await blocker.query(`SELECT 1 FROM "${store.schema}".cursors WHERE connection_id = 'c1' FOR UPDATE`);
    const versions = Array.from({ length: 100 }, (_, i) => version(`t${i}`, new Date().toISOString()));
    const commit = store.commitPage('c1', { cursor: { page: 2 }, versions, ackInboxId: 'in1' }).catch((e: unknown) => e);
    let pid: number | undefined;
    for (let i = 0; i < 200 && pid === undefined; i++) {
      const { rows } = await watcher.query(
        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO%versions%' AND pid <> pg_backend_pid()",
      );
      pid = rows[0]?.pid;
      if (pid === undefined) await new Promise((r) => setTimeout(r, 25));
    }
    expect(pid, 'the page commit to be waiting on the cursor row').toBeDefined();
    await watcher.query('SELECT pg_terminate_backend($1)', [pid]);
    const error = await commit;
    expect(TransientError.isInstance(error)).toBe(true);
    await blocker.query('ROLLBACK');

    expect(await store.getCursor('c1')).toEqual({ page: 1 });
    expect((await store.getVersions('c1', versions.map((v) => v.externalId))).size).toBe(0);
    expect((await store.inboxPending('c1')).map((e) => e.id)).toEqual(['in1']);

    // The pool dropped the dead connection; the retried commit lands whole.
    await store.commitPage('c1', { cursor: { page: 2 }, versions, ackInboxId: 'in1' });
    expect(await store.getCursor('c1')).toEqual({ page: 2 });
    expect((await store.getVersions('c1', versions.map((v) => v.externalId))).size).toBe(100);
    expect(await store.inboxPending('c1')).toEqual([]);
  });
});
