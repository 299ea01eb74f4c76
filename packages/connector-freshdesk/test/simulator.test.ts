import { afterEach, describe, expect, it } from 'vitest';
import { startFreshdeskSimulator, type FreshdeskSimulator } from '../src/testing.js';

// The simulator on its own, over HTTP as any client sees it: these are the documented behaviours the connector's
// tests rely on, checked without the connector.
const sims: FreshdeskSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.close();
});

async function start() {
  const sim = await startFreshdeskSimulator({ seed: 3 });
  sims.push(sim);
  const auth = { authorization: `Basic ${Buffer.from(`${sim.credentials().apiKey}:X`).toString('base64')}` };
  const get = (path: string, headers: Record<string, string> = auth) => fetch(`${sim.url}${path}`, { headers });
  return { sim, get };
}

describe('freshdesk simulator', () => {
  it('authenticates Basic {key}:X with any password and answers Freshdesk\'s 401 body otherwise', async () => {
    const { sim, get } = await start();
    const other = { authorization: `Basic ${Buffer.from(`${sim.credentials().apiKey}:anything`).toString('base64')}` };
    expect((await get('/api/v2/agents/me', other)).status).toBe(200);
    const bad = await get('/api/v2/agents/me', { authorization: `Basic ${Buffer.from('nope:X').toString('base64')}` });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ code: 'invalid_credentials', message: 'You have to be logged in to perform this action.' });
  });

  it('lists a bare array at whole-second Z timestamps, with rel="next" until the last page', async () => {
    const { sim, get } = await start();
    await sim.seed(150);
    const first = await get('/api/v2/tickets?updated_since=2000-01-01T00:00:00Z&order_by=updated_at&order_type=asc&per_page=100');
    const page = (await first.json()) as Array<{ updated_at: string; description?: string }>;
    expect(page).toHaveLength(100);
    expect(page.every((t) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(t.updated_at))).toBe(true);
    expect(page.every((t, i) => i === 0 || t.updated_at >= page[i - 1]!.updated_at)).toBe(true);
    // Accounts created after 2018-11-30 get no description on the list without include=description, only the
    // structured_description of the List All Tickets sample.
    expect(page.every((t) => !('description' in t) && 'structured_description' in t)).toBe(true);
    const link = first.headers.get('link')!;
    // As the Pagination section prints it: `<https://domain.freshdesk.com/api/v2/tickets?…&page=2>;rel="next"`.
    expect(link).toMatch(/^<https:\/\/acme\.freshdesk\.com\/api\/v2\/tickets\?.*page=2.*>;rel="next"$/);
    const last = await get('/api/v2/tickets?updated_since=2000-01-01T00:00:00Z&order_by=updated_at&order_type=asc&per_page=100&page=2');
    expect(((await last.json()) as unknown[]).length).toBe(50);
    expect(last.headers.get('link')).toBeNull();
  });

  it('returns only tickets created in the last 30 days when updated_since is left out', async () => {
    const { sim, get } = await start();
    const ids = await sim.seed(20);
    expect(((await (await get('/api/v2/tickets')).json()) as unknown[]).length).toBe(0);
    await sim.patchTicket(ids[0]!, { created_at: new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z') });
    expect(((await (await get('/api/v2/tickets')).json()) as unknown[]).length).toBe(1);
  });

  it('validates paging, ordering and includes as Freshdesk does, and charges 2 credits per include', async () => {
    const { sim, get } = await start();
    for (const q of ['per_page=101', 'per_page=0', 'page=0', 'page=301', 'order_by=priority', 'order_type=up', 'filter=archived', 'include=conversations', 'include=company', 'updated_since=yesterday']) {
      const res = await get(`/api/v2/tickets?${q}`);
      expect(res.status, q).toBe(400);
      expect(await res.json(), q).toMatchObject({ description: 'Validation failed', errors: [expect.objectContaining({ code: expect.any(String) })] });
    }
    sim.resetStats();
    await get('/api/v2/tickets?updated_since=2000-01-01T00:00:00Z&include=description,requester');
    await get('/api/v2/tickets?updated_since=2000-01-01T00:00:00Z');
    // View a Ticket charges one credit per include.
    await sim.seed(1);
    await get('/api/v2/tickets/1?include=requester,company');
    expect(sim.credits()).toBe(5 + 1 + 3);
  });

  it('keeps trashed and spam tickets out of the list, in their filters, and readable by id', async () => {
    const { sim, get } = await start();
    const [a, b, c] = await sim.seed(3);
    await sim.remove([a!]);
    await sim.markSpam([b!]);
    const ids = async (q: string) => ((await (await get(`/api/v2/tickets?updated_since=2000-01-01T00:00:00Z${q}`)).json()) as Array<{ id: number }>).map((t) => String(t.id));
    expect(await ids('')).toEqual([c]);
    expect(await ids('&filter=deleted')).toEqual([a]);
    expect(await ids('&filter=spam')).toEqual([b]);
    expect(await (await get(`/api/v2/tickets/${a}`)).json()).toMatchObject({ deleted: true });
    expect(await (await get(`/api/v2/tickets/${b}`)).json()).toMatchObject({ spam: true });
    expect((await get('/api/v2/tickets/424242')).status).toBe(404);
  });

  it('sends the per-minute rate-limit headers as decimals, and 429 with Retry-After when exhausted', async () => {
    const { sim, get } = await start();
    sim.rateLimit.set({ limit: 2, windowMs: 60_000 });
    const ok = await get('/api/v2/agents/me');
    expect(ok.headers.get('x-ratelimit-total')).toBe('2.0');
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('1.0');
    expect(ok.headers.get('x-ratelimit-used-currentrequest')).toBe('1.0');
    await get('/api/v2/agents/me');
    const limited = await get('/api/v2/agents/me');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('serves the status field with the custom statuses of Freshdesk\'s sample, filtered by type', async () => {
    const { get } = await start();
    const fields = (await (await get('/api/v2/ticket_fields')).json()) as Array<{ name: string; choices?: Record<string, string[]> }>;
    expect(fields.find((f) => f.name === 'status')!.choices!['6']).toEqual(['Waiting on Customer', 'Awaiting your Reply']);
    expect(fields.find((f) => f.name === 'status')!.choices!['7']).toEqual(['Waiting on Third Party', 'Being Processed']);
    const only = (await (await get('/api/v2/ticket_fields?type=default_status')).json()) as Array<{ name: string }>;
    expect(only.map((f) => f.name)).toEqual(['status']);
  });

  it('shows a Group-access agent only its groups\' tickets, and says so in agents/me', async () => {
    const { sim } = await start();
    await sim.seed(60);
    const group = { authorization: `Basic ${Buffer.from(`${(sim.badCredentials().find((b) => b.description.includes('Group access'))!.credentials).apiKey}:X`).toString('base64')}` };
    const me = (await (await fetch(`${sim.url}/api/v2/agents/me`, { headers: group })).json()) as { ticket_scope: number };
    expect(me.ticket_scope).toBe(2);
    const seen = (await (await fetch(`${sim.url}/api/v2/tickets?updated_since=2000-01-01T00:00:00Z&per_page=100`, { headers: group })).json()) as Array<{ group_id: number | null }>;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThan(60);
    expect(seen.every((t) => t.group_id === 48000123001)).toBe(true);
  });
});
