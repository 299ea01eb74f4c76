import { afterEach, describe, expect, it } from 'vitest';
import { createHub, MemoryStore } from '../src/index.js';
import { acme, startAcmeSimulator, TEST_HUB_DEFAULTS } from '../src/testing.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('retries in the sync history', () => {
  it('records every request the HTTP layer retried within a run, with its status, request and delay', async () => {
    const sim = await startAcmeSimulator({ seed: 5, tickets: 150 });
    const hub = createHub({ connectors: [acme()], store: new MemoryStore(), ...TEST_HUB_DEFAULTS });
    cleanups.push(
      () => sim.close(),
      () => hub.close(),
    );
    const conn = await hub.connect({ platform: 'acme', credentials: { ...sim.credentials() }, baseUrl: sim.url, syncMode: 'poll' });
    sim.faults.inject('status503', { count: 2 });
    const run = await hub.syncNow(conn.id);
    expect(run).toMatchObject({ status: 'succeeded', ticketsSynced: 150 });
    expect(run.retries).toEqual([
      { at: expect.any(String), request: 'GET /api/tickets', attempt: 1, delayMs: expect.any(Number), code: 'transient', status: 503, message: expect.stringContaining('503') },
      { at: expect.any(String), request: 'GET /api/tickets', attempt: 2, delayMs: expect.any(Number), code: 'transient', status: 503, message: expect.stringContaining('503') },
    ]);
    expect(JSON.stringify(run)).not.toContain(sim.credentials().apiToken);
    const [stored] = await hub.history(conn.id);
    expect(stored!.retries).toHaveLength(2);
  });
});
