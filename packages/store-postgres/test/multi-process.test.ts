import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { waitFor } from '@ticketbridge/core/testing';
import { bundleChild, children } from './child-process.js';
import { adminClient, describePg, freshSchema, openStore, PG_URL } from './pg.js';
import { connection, version } from '@ticketbridge/test-support/store-fixtures';

// Real worker processes, each with its own pool, killed with SIGKILL: no close, no cleanup, the kernel drops their
// sockets. The server is told to notice a vanished client within 50 ms even while a statement waits on a lock
// (client_connection_check_interval, PostgreSQL 14+), as a production server would eventually through TCP keepalive.

const start = children();
let script = '';
beforeAll(() => {
  if (PG_URL) script = bundleChild('store-worker.ts');
});
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function worker(schema: string) {
  const name = `tb-worker-${randomBytes(4).toString('hex')}`;
  process.env.PGOPTIONS = '-c client_connection_check_interval=50';
  try {
    return { child: start(script, [PG_URL!, schema, name]), name };
  } finally {
    delete process.env.PGOPTIONS;
  }
}

describePg('worker processes killed with SIGKILL', () => {
  it('a killed worker’s lock stays held until its lease runs out, then another process takes it over', async () => {
    const schema = freshSchema('mp');
    const store = await openStore(schema);
    cleanups.push(() => store.close());
    const { child } = worker(schema);
    await child.waitFor((m) => m.event === 'ready');
    expect(await child.call('acquireLock', 'sync:c1', 'worker-dead', 1_500)).toBe(true);
    expect(await store.acquireLock('sync:c1', 'worker-live', 60_000)).toBe(false);
    await child.crash();
    // Dead, but its lease is not over: still not ours.
    expect(await store.acquireLock('sync:c1', 'worker-live', 60_000)).toBe(false);
    await waitFor(() => store.acquireLock('sync:c1', 'worker-live', 60_000), 10_000, 'the dead worker’s lease to run out');
    expect(await store.renewLock('sync:c1', 'worker-live', 60_000)).toBe(true);
  });

  it('a worker killed mid-commit leaves no half-written page: the server rolls the whole statement back', async () => {
    const schema = freshSchema('mpcrash');
    const store = await openStore(schema);
    cleanups.push(() => store.close());
    await store.saveConnection(connection('c1'));
    await store.setCursor('c1', { page: 1 });
    await store.inboxPut({ id: 'in1', connectionId: 'c1', receivedAt: '2026-01-01T00:00:00.000Z', source: 'webhook', tickets: [], attempts: 0 });
    const { child, name } = worker(schema);
    await child.waitFor((m) => m.event === 'ready');

    // The cursor row is held by another session, so the worker's commit stops half-way (versions written, cursor
    // waiting) and stays there until the worker is killed.
    const blocker = await adminClient();
    const watcher = await adminClient();
    cleanups.push(() => blocker.end(), () => watcher.end());
    await blocker.query('BEGIN');
    await blocker.query(`SELECT 1 FROM "${schema}".cursors WHERE connection_id = 'c1' FOR UPDATE`);
    const versions = Array.from({ length: 100 }, (_, i) => version(`t${i}`, new Date().toISOString()));
    void child.call('commitPage', 'c1', { cursor: { page: 2 }, versions, ackInboxId: 'in1' }).catch(() => undefined);
    const waiting = async () =>
      (await watcher.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [name])).rowCount === 1;
    await waitFor(waiting, 10_000, 'the worker’s commit to wait on the cursor row');
    await child.crash();
    const gone = async () => (await watcher.query('SELECT 1 FROM pg_stat_activity WHERE application_name = $1', [name])).rowCount === 0;
    await waitFor(gone, 10_000, 'the server to end the killed worker’s session');
    await blocker.query('ROLLBACK');

    expect(await store.getCursor('c1')).toEqual({ page: 1 });
    expect((await store.getVersions('c1', versions.map((v) => v.externalId))).size).toBe(0);
    expect((await store.inboxPending('c1')).map((e) => e.id)).toEqual(['in1']);
  });
});
