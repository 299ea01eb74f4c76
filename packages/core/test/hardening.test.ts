import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHub, defineConnector, MemoryStore, secretField, subdomainField, type HubOptions, type TicketEvent } from '../src/index.js';
import { acme, startAcmeSimulator, startHostServer, startLoopbackServer, TEST_HUB_DEFAULTS, waitFor, type LoopbackServer } from '../src/testing.js';
import { draft, GOOD_TOKEN, MemDesk, memConnector } from './mem-connector.js';

// Regression tests for issue 9: each scenario below looped, replayed, warned or delivered twice before the fix.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const creds = { subdomain: 'acme', apiToken: GOOD_TOKEN };

/**
 * A platform on loopback whose list endpoint answers `next_cursor` from `nextOf(cursor)`: a real API that misbehaves
 * (the same cursor again, or a cycle), and a connector that follows it the way any connector would.
 */
async function loopingPlatform(nextOf: (cursor: string | null) => string | null, hubOptions: Partial<HubOptions> = {}) {
  let requests = 0;
  const server: LoopbackServer = await startLoopbackServer((req) => {
    requests++;
    const cursor = req.url.searchParams.get('cursor');
    return { status: 200, body: { tickets: [{ id: String(requests % 3) }], next_cursor: nextOf(cursor) } };
  });
  cleanups.push(() => server.close());
  const connector = defineConnector({
    contractVersion: 1,
    id: 'loopdesk',
    displayName: 'LoopDesk',
    credentials: z.object({ subdomain: subdomainField({ label: 'Subdomain', suffix: '.loop.example' }), apiToken: secretField({ label: 'API token' }) }),
    http: (c) => ({ baseUrl: `https://${c.subdomain}.loop.example/api`, headers: { authorization: `Bearer ${c.apiToken}` }, authField: 'apiToken' }),
    testConnection: async () => ({ accountName: 'loop' }),
    cursor: z.object({ cursor: z.string().nullable() }),
    async *pull(ctx, { cursor }) {
      let at = cursor?.cursor ?? null;
      for (;;) {
        const page = (await ctx.http.get('tickets', { searchParams: { cursor: at ?? undefined } })) as { tickets: Array<{ id: string }>; next_cursor: string | null };
        const tickets = page.tickets.map((t) => draft(t.id, Date.parse('2026-01-01T00:00:00Z')));
        if (!page.next_cursor) {
          yield { tickets, nextCursor: { cursor: at } };
          return;
        }
        at = page.next_cursor;
        yield { tickets, nextCursor: { cursor: at } };
      }
    },
    fetchTicket: async () => null,
  });
  const hub = createHub({ connectors: [connector], store: new MemoryStore(), ...TEST_HUB_DEFAULTS, autoStart: false, ...hubOptions });
  cleanups.push(() => hub.close());
  const conn = await hub.connect({ platform: 'loopdesk', credentials: creds, baseUrl: server.url, syncMode: 'poll' });
  return { hub, conn, requests: () => requests };
}

describe('a cursor that does not advance', () => {
  it('stops the run as stuck_cursor, naming the cursor, after one repeated page and without a retry', async () => {
    const { hub, conn, requests } = await loopingPlatform(() => 'same-cursor-abc');
    const failed: boolean[] = [];
    hub.on('sync.failed', (_run, _error, willRetry) => failed.push(willRetry));
    const run = await hub.syncNow(conn.id);
    expect(run.status).toBe('failed');
    expect(run.errors[0]).toMatchObject({ code: 'stuck_cursor', message: expect.stringContaining('same-cursor-abc') });
    expect(run.nextRetryAt).toBeUndefined();
    expect(failed).toEqual([false]);
    // The first page moves to the cursor, the second comes back to it, the third shows the loop.
    expect(requests()).toBe(3);
    expect(run.cursorAfter).toEqual({ cursor: 'same-cursor-abc' });
  });

  it('notices a cycle through several cursors', async () => {
    const cycle: Record<string, string> = { a: 'b', b: 'c', c: 'a' };
    const { hub, conn, requests } = await loopingPlatform((cursor) => cycle[cursor ?? 'c']!);
    const run = await hub.syncNow(conn.id);
    expect(run.errors[0]).toMatchObject({ code: 'stuck_cursor' });
    expect(requests()).toBeLessThanOrEqual(6);
  });

  it('bounds what no check catches with maxPagesPerRun, resuming where the run stopped', async () => {
    let n = 0;
    const { hub, conn, requests } = await loopingPlatform(() => `c${++n}`, { maxPagesPerRun: 5 });
    const run = await hub.syncNow(conn.id);
    expect(run).toMatchObject({ status: 'failed', pages: 5, cursorAfter: { cursor: 'c5' } });
    expect(run.errors[0]).toMatchObject({ code: 'page_limit', message: expect.stringContaining('maxPagesPerRun') });
    expect(run.nextRetryAt).toBeUndefined();
    expect(requests()).toBe(6);
    const next = await hub.syncNow(conn.id);
    expect(next.cursorBefore).toEqual({ cursor: 'c5' });
  });
});

/** A store shared by two workers, where `steal()` makes every later lock renewal fail (another worker took over). */
class StealableStore extends MemoryStore {
  #lastOwner: string | undefined;
  #victim: string | undefined;
  /** From now on the owner that last took a lock can no longer renew it. */
  steal(): void {
    this.#victim = this.#lastOwner;
  }
  override async acquireLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const took = await super.acquireLock(key, owner, ttlMs);
    if (took) this.#lastOwner = owner;
    return took;
  }
  override async renewLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return owner === this.#victim ? false : super.renewLock(key, owner, ttlMs);
  }
}

describe('the sync lock while the host handles a page', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function twoWorkers(store: MemoryStore, lockTtlMs: number) {
    const sim = await startAcmeSimulator({ seed: 9, tickets: 250 });
    cleanups.push(() => sim.close());
    const options = { connectors: [acme()], store, ...TEST_HUB_DEFAULTS, autoStart: false, lockTtlMs };
    const a = createHub(options);
    const b = createHub(options);
    cleanups.push(() => a.close(), () => b.close());
    const conn = await a.connect({ platform: 'acme', credentials: { ...sim.credentials() }, baseUrl: sim.url, syncMode: 'poll' });
    return { sim, a, b, conn };
  }

  it('keeps the lock alive past its TTL while the handler is slow, so a second worker does not deliver the page again', async () => {
    const { a, b, conn } = await twoWorkers(new MemoryStore(), 900);
    const keys: string[] = [];
    // 12 ms a ticket: one 100-ticket page takes ~1.2 s, past the 900 ms TTL. (The TTL leaves the renewal timer, every
    // 300 ms, room for a busy machine's event-loop delays.)
    a.on('ticket', async (e: TicketEvent) => {
      keys.push(e.idempotencyKey);
      await sleep(12);
    });
    b.on('ticket', (e: TicketEvent) => {
      keys.push(e.idempotencyKey);
    });
    const first = a.syncNow(conn.id);
    await waitFor(() => keys.length >= 10, 5_000, 'worker A mid-page');
    // Past A's TTL since it took the lock: without renewal, B would take over here.
    await sleep(1_000);
    const second = await b.syncNow(conn.id);
    expect(second).toMatchObject({ status: 'skipped', note: expect.stringContaining('another worker') });
    expect(await first).toMatchObject({ status: 'succeeded', ticketsSynced: 250 });
    expect(keys).toHaveLength(250);
    expect(new Set(keys).size).toBe(250);
  });

  it('abandons the page uncommitted when the lock is lost mid-page, and the next worker resumes from the last commit', async () => {
    const store = new StealableStore();
    const { a, b, conn } = await twoWorkers(store, 600);
    const keysA: string[] = [];
    a.on('ticket', async (e: TicketEvent) => {
      keysA.push(e.idempotencyKey);
      if (keysA.length === 110) {
        // Mid-way through page 2: the store stops renewing our lock, and the lease's timer finds out.
        store.steal();
        await sleep(700);
      }
    });
    const run = await a.syncNow(conn.id);
    expect(run).toMatchObject({ status: 'skipped', pages: 1, note: expect.stringContaining('lock expired') });
    expect(keysA).toHaveLength(110);
    // Page 1 is committed, page 2 is not: its cursor stays where page 1 left it.
    expect(await store.getCursor(conn.id)).toEqual(run.cursorAfter);
    const keysB: string[] = [];
    b.on('ticket', (e: TicketEvent) => {
      keysB.push(e.idempotencyKey);
    });
    expect(await b.syncNow(conn.id)).toMatchObject({ status: 'succeeded', ticketsSynced: 150 });
    // Only the 10 tickets A handed over before it noticed come again, with the same keys (the crash window).
    expect(keysB.filter((k) => keysA.includes(k))).toHaveLength(10);
  });
});

describe('webhook replays', () => {
  async function webhookHub(desk = new MemDesk(), extra: Partial<HubOptions> = {}) {
    let handler: ReturnType<ReturnType<typeof createHub>['webhooks']['nodeHandler']> | undefined;
    const server = await startHostServer((req, res) => handler!(req, res));
    cleanups.push(() => server.close());
    const store = new MemoryStore();
    // Started at creation, so connecting schedules no backfill before TEST_HUB_DEFAULTS' day-long initial delay.
    const hub = createHub({ connectors: [memConnector(desk)], store, publicUrl: server.url, ...TEST_HUB_DEFAULTS, ...extra });
    handler = hub.webhooks.nodeHandler();
    cleanups.push(() => hub.close());
    const events: TicketEvent[] = [];
    hub.on('ticket', (e) => {
      events.push(e);
    });
    const [id] = desk.add(1);
    const conn = await hub.connect({ platform: 'memdesk', credentials: creds, syncMode: 'webhook' });
    const post = async (body: string, signature: string) =>
      (await fetch(conn.webhookUrl!, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-mem-signature': signature } })).status;
    return { hub, desk, store, events, conn, id: id!, post };
  }

  it('refuses a signed timestamp outside the replay window, either way, and accepts a fresh one', async () => {
    const { desk, events, store, conn, id, post } = await webhookHub();
    const body = JSON.stringify({ ids: [id] });
    const secret = conn.webhookSecret!;
    expect(await post(body, desk.sign(body, secret, Date.now() - 6 * 60_000))).toBe(401);
    expect(await post(body, desk.sign(body, secret, Date.now() + 6 * 60_000))).toBe(401);
    expect(await store.inboxPending()).toEqual([]);
    expect(events).toEqual([]);
    expect(await post(body, desk.sign(body, secret, Date.now() - 60_000))).toBe(200);
    await waitFor(() => events.length === 1, 5_000, 'fresh webhook delivered');
  });

  it('takes the replay window from the hub option', async () => {
    const { desk, conn, id, post } = await webhookHub(new MemDesk(), { webhookReplayWindowMs: 30_000 });
    const body = JSON.stringify({ ids: [id] });
    expect(await post(body, desk.sign(body, conn.webhookSecret!, Date.now() - 60_000))).toBe(401);
  });

  it('accepts a signature that covers no time only with every event time inside the window', async () => {
    const { desk, events, store, conn, id, post } = await webhookHub();
    const secret = conn.webhookSecret!;
    const noTime = JSON.stringify({ ids: [id] });
    const yearOld = JSON.stringify({ ids: [id], at: new Date(Date.now() - 365 * 86_400_000).toISOString() });
    expect(await post(noTime, desk.signLegacy(noTime, secret))).toBe(401);
    expect(await post(yearOld, desk.signLegacy(yearOld, secret))).toBe(401);
    expect(await store.inboxPending()).toEqual([]);
    expect(events).toEqual([]);
    const fresh = JSON.stringify({ ids: [id], at: new Date().toISOString() });
    expect(await post(fresh, desk.signLegacy(fresh, secret))).toBe(200);
    await waitFor(() => events.length === 1, 5_000, 'fresh webhook delivered');
  });

  it('adds no listener per request to the hub signal (no MaxListenersExceededWarning under 12 concurrent requests)', async () => {
    const desk = new MemDesk();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let waiting = 0;
    const connector = memConnector(desk);
    const gated: typeof connector = {
      ...connector,
      fetchTicket: async (ctx, input) => {
        waiting++;
        await gate;
        return connector.fetchTicket(ctx, input);
      },
    };
    let handler: ReturnType<ReturnType<typeof createHub>['webhooks']['nodeHandler']> | undefined;
    const server = await startHostServer((req, res) => handler!(req, res));
    cleanups.push(() => server.close());
    const hub = createHub({ connectors: [gated], store: new MemoryStore(), publicUrl: server.url, ...TEST_HUB_DEFAULTS, autoStart: false });
    handler = hub.webhooks.nodeHandler();
    cleanups.push(() => hub.close());
    const [id] = desk.add(1);
    const conn = await hub.connect({ platform: 'memdesk', credentials: creds, syncMode: 'webhook' });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    cleanups.push(async () => void process.off('warning', onWarning));
    const body = JSON.stringify({ ids: [id] });
    const requests = Array.from({ length: 12 }, () =>
      fetch(conn.webhookUrl!, { method: 'POST', body, headers: { 'x-mem-signature': desk.sign(body, conn.webhookSecret!) } }).then((r) => r.status),
    );
    await waitFor(() => waiting === 12, 5_000, 'all requests inside the router');
    open();
    expect(await Promise.all(requests)).toEqual(Array(12).fill(200));
    await new Promise((r) => setImmediate(r));
    expect(warnings.filter((w) => w.includes('MaxListeners'))).toEqual([]);
  });
});
