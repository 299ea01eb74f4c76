import { afterEach, describe, expect, it } from 'vitest';
import { createHub, type TicketEvent } from '@ticketbridge/core';
import { acme, startAcmeSimulator, TEST_HUB_DEFAULTS, waitFor } from '@ticketbridge/core/testing';
import { SqliteStore } from '../src/index.js';
import { tempDir } from './temp-dir.js';

// Issue 9: with a lock TTL shorter than the host's time on one page, a second hub on the same SQLite file took the
// lock over mid-page and delivered the page again (100 duplicate idempotency keys). The lease renews the lock while
// the handler runs.

const file = tempDir();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('two hubs on one SQLite file', () => {
  it('a slow handler keeps its lock past the TTL: the second hub is skipped and no idempotency key repeats', async () => {
    const sim = await startAcmeSimulator({ seed: 4, tickets: 300 });
    const path = file('lease');
    const storeA = new SqliteStore({ path, allowPlaintext: true });
    const storeB = new SqliteStore({ path, allowPlaintext: true });
    const options = { connectors: [acme()], ...TEST_HUB_DEFAULTS, autoStart: false, lockTtlMs: 800 };
    const a = createHub({ ...options, store: storeA });
    const b = createHub({ ...options, store: storeB });
    cleanups.push(
      () => sim.close(),
      () => storeA.close(),
      () => storeB.close(),
      () => a.close(),
      () => b.close(),
    );
    const keys: string[] = [];
    a.on('ticket', async (e: TicketEvent) => {
      keys.push(e.idempotencyKey);
      // 10 ms a ticket: one 100-ticket page takes ~1 s, past the 800 ms TTL (renewed every ~270 ms, room enough for a
      // busy machine's event-loop delays).
      await new Promise((r) => setTimeout(r, 10));
    });
    b.on('ticket', (e: TicketEvent) => {
      keys.push(e.idempotencyKey);
    });
    const conn = await a.connect({ platform: 'acme', credentials: { ...sim.credentials() }, baseUrl: sim.url, syncMode: 'poll' });
    const first = a.syncNow(conn.id);
    await waitFor(() => keys.length >= 20, 10_000, 'hub A mid-page');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await b.syncNow(conn.id)).toMatchObject({ status: 'skipped' });
    expect(await first).toMatchObject({ status: 'succeeded', ticketsSynced: 300 });
    expect(keys).toHaveLength(300);
    expect(new Set(keys).size).toBe(300);
  });
});
