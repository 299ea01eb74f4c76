import { afterEach, expect, it } from 'vitest';
import { createHub, type TicketEvent } from '@ticketbridge/core';
import { acme, startAcmeSimulator, TEST_HUB_DEFAULTS, waitFor } from '@ticketbridge/core/testing';
import type { PostgresStore } from '../src/index.js';
import { describePg, freshSchema, openStore } from './pg.js';

// Two stores are two pools: to the database, two worker processes.

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function twoWorkers(): Promise<[PostgresStore, PostgresStore]> {
  const schema = freshSchema('locks');
  const a = await openStore(schema);
  const b = await openStore(schema);
  cleanups.push(() => a.close(), () => b.close());
  return [a, b];
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describePg('locks shared by several processes', () => {
  it('racing from two pools, each lock goes to exactly one owner, round after round', async () => {
    const [a, b] = await twoWorkers();
    for (let round = 0; round < 5; round++) {
      const key = `sync:c${round}`;
      const attempts = Array.from({ length: 16 }, (_, i) => ({ store: i % 2 ? b : a, owner: `worker-${i}` }));
      const won = await Promise.all(attempts.map(({ store, owner }) => store.acquireLock(key, owner, 60_000)));
      expect(won.filter(Boolean)).toHaveLength(1);
      const winner = attempts[won.indexOf(true)]!;
      // Only the winner renews, from either pool; the other process sees the same holder.
      const other = winner.store === a ? b : a;
      expect(await other.renewLock(key, winner.owner, 60_000)).toBe(true);
      expect(await other.renewLock(key, 'worker-x', 60_000)).toBe(false);
      expect(await other.acquireLock(key, 'worker-x', 60_000)).toBe(false);
    }
  });

  it('a live holder keeps its lock by renewing; once it stops (a dead worker) the lock is taken over after expiry, not before', async () => {
    const [a, b] = await twoWorkers();
    expect(await a.acquireLock('sync:c1', 'worker-a', 400)).toBe(true);
    // Renewed every 100 ms for a second, well past the 400 ms TTL: B never gets it.
    for (let i = 0; i < 10; i++) {
      await sleep(100);
      expect(await a.renewLock('sync:c1', 'worker-a', 400)).toBe(true);
      expect(await b.acquireLock('sync:c1', 'worker-b', 60_000)).toBe(false);
    }
    // Worker A dies: its pool is gone, nothing renews.
    await a.close();
    expect(await b.acquireLock('sync:c1', 'worker-b', 60_000)).toBe(false);
    await waitFor(() => b.acquireLock('sync:c1', 'worker-b', 60_000), 5_000, 'the dead worker’s lock to expire');
    // A restarted A (same owner id) cannot renew what was taken over, nor take it back.
    const a2 = await openStore(b.schema);
    cleanups.push(() => a2.close());
    expect(await a2.renewLock('sync:c1', 'worker-a', 60_000)).toBe(false);
    expect(await a2.acquireLock('sync:c1', 'worker-a', 60_000)).toBe(false);
  });

  it('two hubs on two pools: a slow handler keeps its lock past the TTL, the other hub is skipped and no idempotency key repeats', async () => {
    const [storeA, storeB] = await twoWorkers();
    const sim = await startAcmeSimulator({ seed: 4, tickets: 300 });
    const options = { connectors: [acme()], ...TEST_HUB_DEFAULTS, autoStart: false, lockTtlMs: 800 };
    const hubA = createHub({ ...options, store: storeA });
    const hubB = createHub({ ...options, store: storeB });
    cleanups.push(() => sim.close(), () => hubA.close(), () => hubB.close());
    const keys: string[] = [];
    hubA.on('ticket', async (e: TicketEvent) => {
      keys.push(e.idempotencyKey);
      // 10 ms a ticket: a 100-ticket page takes ~1 s, past the 800 ms TTL; the lease renews every ~270 ms.
      await sleep(10);
    });
    hubB.on('ticket', (e: TicketEvent) => {
      keys.push(e.idempotencyKey);
    });
    const conn = await hubA.connect({ platform: 'acme', credentials: { ...sim.credentials() }, baseUrl: sim.url, syncMode: 'poll' });
    const first = hubA.syncNow(conn.id);
    await waitFor(() => keys.length >= 20, 10_000, 'hub A mid-page');
    await sleep(1_000);
    expect(await hubB.syncNow(conn.id)).toMatchObject({ status: 'skipped' });
    expect(await first).toMatchObject({ status: 'succeeded', ticketsSynced: 300 });
    expect(keys).toHaveLength(300);
    expect(new Set(keys).size).toBe(300);
    // Released at the end: the other worker's next sync runs (and finds nothing new).
    expect(await hubB.syncNow(conn.id)).toMatchObject({ status: 'succeeded', ticketsSynced: 0 });
  });
});
