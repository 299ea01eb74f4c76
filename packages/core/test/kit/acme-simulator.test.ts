import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startAcmeSimulator, startLoopbackServer, type AcmeSimulator, type AcmeTicket, type LoopbackServer, type SimRequest } from '@ticketbridge/core/testing';

describe('Acme Desk simulator over real HTTP', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  const start = async (tickets = 0, seed = 1): Promise<{ sim: AcmeSimulator; get: (path: string, token?: string) => Promise<Response> }> => {
    const sim = await startAcmeSimulator({ seed, tickets });
    cleanups.push(() => sim.close());
    const get = (path: string, token = sim.credentials().apiToken) => fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { sim, get };
  };

  const pageAll = async (get: (p: string) => Promise<Response>, query: string) => {
    const out: AcmeTicket[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/api/tickets?${query}&per_page=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { tickets: AcmeTicket[]; next_cursor: string | null };
      out.push(...body.tickets);
      cursor = body.next_cursor;
      pages += 1;
    } while (cursor);
    return { tickets: out, pages };
  };

  it('refuses a missing or wrong bearer token with 401 invalid_token', async () => {
    const { sim, get } = await start(3);
    const none = await fetch(`${sim.url}/api/me`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: 'invalid_token', message: 'Missing bearer token in the Authorization header' });
    const wrong = await get('/api/tickets', 'acme_pat_wrong');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'invalid_token', message: 'The access token is invalid or has been revoked' });
    sim.revokeToken();
    expect((await get('/api/me', sim.credentials().apiToken.replace('-revoked', ''))).status).toBe(401);
  });

  it('GET /api/me names the user and the account subdomain, with rate-limit headers', async () => {
    const { get } = await start();
    const res = await get('/api/me');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { id: 'usr_1', role: 'admin' }, account: { subdomain: 'acme', name: 'Acme Corp' } });
    expect(res.headers.get('x-ratelimit-limit')).toBe('600');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('599');
    expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
  });

  it('pages through all N tickets in (updated_at, id) order with whole-second timestamps', async () => {
    const { sim, get } = await start(1234);
    const { tickets, pages } = await pageAll(get, 'updated_since=2000-01-01T00:00:00Z');
    expect(pages).toBe(13);
    expect(tickets.map((t) => t.id).sort()).toEqual([...sim.snapshot().keys()].sort());
    expect(new Set(tickets.map((t) => t.id)).size).toBe(1234);
    for (let i = 1; i < tickets.length; i++) {
      const a = tickets[i - 1]!;
      const b = tickets[i]!;
      const order = Date.parse(a.updated_at) - Date.parse(b.updated_at) || Number(a.id) - Number(b.id);
      expect(order, `${a.id} before ${b.id}`).toBeLessThan(0);
    }
    expect(tickets.every((t) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(t.updated_at) && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(t.created_at))).toBe(true);
    // Whole seconds make ties common: the feed must serve them across page boundaries.
    expect(new Set(tickets.map((t) => t.updated_at)).size).toBeLessThan(tickets.length);
    expect(tickets.every((t) => ['new', 'open', 'waiting', 'on_hold', 'resolved', 'closed'].includes(t.status))).toBe(true);
    expect(tickets[0]).toMatchObject({ deleted: false, html_url: `https://acme.acme-desk.test/tickets/${tickets[0]!.id}` });
  });

  it('filters updated_since inclusively at second granularity', async () => {
    const { sim, get } = await start(600);
    const all = [...sim.snapshot()].map(([id, at]) => ({ id, at: Date.parse(at) }));
    const counts = new Map<number, number>();
    for (const t of all) counts.set(t.at, (counts.get(t.at) ?? 0) + 1);
    const [shared] = [...counts].filter(([, n]) => n > 1).map(([at]) => at);
    expect(shared).toBeDefined();
    const since = new Date(shared!).toISOString().replace('.000Z', 'Z');
    const { tickets } = await pageAll(get, `updated_since=${since}`);
    const expected = all.filter((t) => t.at >= shared!).map((t) => t.id);
    expect(tickets.map((t) => t.id).sort()).toEqual(expected.sort());
    expect(tickets.filter((t) => Date.parse(t.updated_at) === shared).length).toBe(counts.get(shared!));
  });

  it('answers 400 for sub-second or malformed updated_since, per_page over 100 and an unknown cursor', async () => {
    const { get } = await start(5);
    for (const q of ['updated_since=2026-01-05T08:00:00.500Z', 'updated_since=1736064000', 'updated_since=2026-01-05', 'per_page=101', 'per_page=0', 'cursor=bogus']) {
      const res = await get(`/api/tickets?${q}`);
      expect(res.status, q).toBe(400);
      expect(await res.json(), q).toMatchObject({ error: 'invalid_parameter' });
    }
    const def = (await (await get('/api/tickets')).json()) as { tickets: unknown[] };
    expect(def.tickets).toHaveLength(5);
  });

  it('GET /api/tickets/:id returns one ticket; unknown and deleted ones are 404', async () => {
    const { sim, get } = await start(10);
    const res = await get('/api/tickets/4');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ticket: AcmeTicket }).ticket).toEqual(sim.ticket('4'));
    expect((await get('/api/tickets/999')).status).toBe(404);
    await sim.remove(['4']);
    const gone = await get('/api/tickets/4');
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ error: 'not_found', message: 'Ticket 4 not found' });
  });

  it('updates and deletions move tickets to the end of the feed; deleted ones carry deleted: true', async () => {
    const { sim, get } = await start(50);
    const before = sim.snapshot();
    const newest = Math.max(...[...before.values()].map((v) => Date.parse(v)));
    const changed = await sim.update(['3', '7']);
    const removed = await sim.remove(['9']);
    expect(changed).toEqual(['3', '7']);
    expect(removed).toEqual(['9']);
    const since = new Date(Math.floor(newest / 1000) * 1000 + 1000).toISOString().replace('.000Z', 'Z');
    const { tickets } = await pageAll(get, `updated_since=${since}`);
    expect(tickets.map((t) => t.id)).toEqual(['3', '7', '9']);
    expect(tickets.map((t) => t.deleted)).toEqual([false, false, true]);
    for (const id of ['3', '7', '9']) expect(Date.parse(sim.snapshot().get(id)!)).toBeGreaterThan(Date.parse(before.get(id)!));
    expect(await sim.update(['9'])).toEqual([]);
  });

  it('answers 429 with Retry-After once the limit is reached', async () => {
    const { sim, get } = await start(1);
    sim.rateLimit.set({ limit: 1, windowMs: 60_000 });
    expect((await get('/api/me')).status).toBe(200);
    const limited = await get('/api/me');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: 'rate_limited' });
    expect(sim.stats()).toMatchObject({ requests: 2, rateLimited: 1, byPath: { '/api/me': 2 } });
  });

  it('same seed, same data', async () => {
    const a = await start(200, 5);
    const b = await start(200, 5);
    expect([...a.sim.snapshot()]).toEqual([...b.sim.snapshot()]);
    expect(a.sim.ticket('17')).toEqual(b.sim.ticket('17'));
  });

  describe('webhook delivery', () => {
    let host: LoopbackServer | undefined;
    afterEach(async () => {
      await host?.close();
      host = undefined;
    });

    it('posts thin payloads signed sha256=HMAC(secret, "<timestamp>.<body>") with X-Acme-Timestamp', async () => {
      const { sim } = await start(5);
      const received: SimRequest[] = [];
      host = await startLoopbackServer((req) => {
        received.push(req);
        return { status: 200, body: { ok: true } };
      });
      const secret = 'host-generated-secret-0123456789';
      const out = await sim.webhooks.deliver(`${host.url}/hooks?connectorId=c1`, ['2', '5'], { secret });
      expect(out.status).toBe(200);
      expect(received).toHaveLength(2);
      for (const [i, req] of received.entries()) {
        const id = ['2', '5'][i]!;
        expect(req.url.pathname + req.url.search).toBe('/hooks?connectorId=c1');
        expect(JSON.parse(req.body.toString())).toEqual({ event: 'ticket.updated', ticket_id: id, occurred_at: sim.ticket(id)!.updated_at });
        const ts = req.headers['x-acme-timestamp'] as string;
        expect(ts).toMatch(/^\d+$/);
        expect(Math.abs(Number(ts) * 1000 - Date.now())).toBeLessThan(60_000);
        expect(req.headers['x-acme-signature']).toBe(`sha256=${createHmac('sha256', secret).update(`${ts}.${req.body.toString()}`).digest('hex')}`);
      }
    });

    it('forge signs with another key; deleted events name the event; the first refusal is returned', async () => {
      const { sim } = await start(5);
      const received: SimRequest[] = [];
      host = await startLoopbackServer((req) => {
        received.push(req);
        return { status: received.length === 1 ? 401 : 200, body: 'x' };
      });
      const secret = 'host-generated-secret-0123456789';
      const forged = await sim.webhooks.deliver(host.url, ['1', '2'], { secret, forge: true });
      expect(forged.status).toBe(401);
      expect(received).toHaveLength(1);
      const ts = received[0]!.headers['x-acme-timestamp'] as string;
      expect(received[0]!.headers['x-acme-signature']).not.toBe(`sha256=${createHmac('sha256', secret).update(`${ts}.${received[0]!.body.toString()}`).digest('hex')}`);
      await sim.webhooks.deliver(host.url, ['3'], { secret, event: 'deleted' });
      expect(JSON.parse(received[1]!.body.toString())).toMatchObject({ event: 'ticket.deleted', ticket_id: '3' });
      await expect(sim.webhooks.deliver(host.url, ['3'])).rejects.toThrow(/needs the host-generated secret/);
    });
  });
});
