import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startIntercomSimulator, type IntercomSimulator } from '../src/testing.js';

// The simulator against what Intercom documents, with plain fetch: it must be right on its own, not just agree with
// the connector.
const open: IntercomSimulator[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function start(options: Parameters<typeof startIntercomSimulator>[0] = {}) {
  const sim = await startIntercomSimulator({ seed: 41, ...options });
  open.push(sim);
  const auth = { authorization: `Bearer ${sim.credentials().accessToken}`, 'intercom-version': '2.16', 'content-type': 'application/json' };
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = auth) => {
    const res = await fetch(sim.url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> & { conversations?: Array<Record<string, unknown>>; tickets?: Array<Record<string, unknown>> } };
  };
  return { sim, call };
}

const query = (since: number) => ({ query: { field: 'updated_at', operator: '>', value: since } });

describe('Intercom simulator', () => {
  it('answers a missing or wrong token with the documented 401 error.list', async () => {
    const { call } = await start();
    for (const headers of [{}, { authorization: 'Bearer nope' }] as Array<Record<string, string>>) {
      const res = await call('GET', '/me', undefined, headers);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ type: 'error.list', errors: [{ code: 'unauthorized', message: 'Access Token Invalid' }] });
      expect(typeof res.body.request_id).toBe('string');
    }
  });

  it('/me embeds the app with its id_code and region', async () => {
    const { call } = await start({ region: 'EU' });
    const res = await call('GET', '/me');
    expect(res.body).toMatchObject({ type: 'admin', app: { type: 'app', region: 'EU' } });
  });

  it('searches with ">" as greater-or-equal on UNIX seconds, 20 by default, at most 150, without parts', async () => {
    const { sim, call } = await start();
    await sim.seedKind('conversation', 200);
    const all = await call('POST', '/conversations/search', { ...query(0), pagination: { per_page: 500 }, sort: { field: 'updated_at', order: 'ascending' } });
    expect(all.body.conversations).toHaveLength(150);
    expect(all.body).toMatchObject({ type: 'conversation.list', total_count: 200, pages: { type: 'pages', page: 1, per_page: 150, total_pages: 2 } });
    expect(all.body.conversations![0]).not.toHaveProperty('conversation_parts');
    const pivot = all.body.conversations![10]!.updated_at as number;
    const from = await call('POST', '/conversations/search', { ...query(pivot), sort: { field: 'updated_at', order: 'ascending' } });
    expect(from.body.conversations).toHaveLength(20);
    expect(from.body.conversations![0]!.updated_at).toBe(pivot);
    const next = (from.body.pages as { next?: { starting_after?: string } }).next?.starting_after;
    expect(typeof next).toBe('string');
    const second = await call('POST', '/conversations/search', { ...query(pivot), pagination: { starting_after: next }, sort: { field: 'updated_at', order: 'ascending' } });
    expect(second.body.conversations![0]!.id).not.toBe(from.body.conversations![19]!.id);
    expect((await call('POST', '/conversations/search', { ...query(0), pagination: { starting_after: '!!' } })).status).toBe(400);
    expect((await call('POST', '/conversations/search', { query: { field: 'updated_at', operator: '>', value: 'yesterday' } })).status).toBe(400);
  });

  it('answers newest first when told not to honour sort', async () => {
    const { sim, call } = await start({ honourSort: false });
    await sim.seedKind('ticket', 30);
    const res = await call('POST', '/tickets/search', { ...query(0), sort: { field: 'updated_at', order: 'ascending' } });
    const times = res.body.tickets!.map((t) => t.updated_at as number);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('returns the 500 most recent parts with their total, and 404 error.list for deleted items', async () => {
    const { sim, call } = await start();
    const [c] = await sim.seedKind('conversation', 1);
    const [t] = await sim.seedKind('ticket', 1);
    await sim.addParts(c!, 700);
    const res = await call('GET', `/conversations/${c!.split(':')[1]}`);
    const parts = res.body.conversation_parts as { conversation_parts: Array<{ body: string }>; total_count: number };
    expect(parts.conversation_parts).toHaveLength(500);
    expect(parts.total_count).toBe(702);
    expect(parts.conversation_parts.at(-1)!.body).toBe('<p>Note 700</p>');
    await sim.remove([c!, t!]);
    expect((await call('GET', `/conversations/${c!.split(':')[1]}`)).body).toMatchObject({ type: 'error.list', errors: [{ code: 'not_found' }] });
    expect((await call('GET', `/tickets/${t!.split(':')[1]}`)).body).toMatchObject({ errors: [{ code: 'ticket_not_found', message: 'Ticket not found' }] });
  });

  it('lists deleted conversation ids newest deletion first, 60 per page at most, pages.next a URL until the last page', async () => {
    const { sim, call } = await start();
    const ids = await sim.seedKind('conversation', 70);
    await sim.remove(ids.slice(0, 65));
    const first = await call('GET', '/conversations/deleted?per_page=100');
    expect(first.body).toMatchObject({ type: 'conversations.list', total_count: 65, pages: { page: 1, per_page: 60, total_pages: 2 } });
    expect((first.body.pages as { next: string }).next).toMatch(/^https:\/\/api\.intercom\.io\/conversations\/deleted\?.*page=2/);
    const list = first.body.conversations!;
    expect(list[0]).toMatchObject({ type: 'conversation', metrics_retained: false });
    expect(list.map((d) => d.deleted_at as number)).toEqual([...list.map((d) => d.deleted_at as number)].sort((a, b) => b - a));
    const last = await call('GET', '/conversations/deleted?per_page=60&page=2');
    expect(last.body.conversations).toHaveLength(5);
    expect((last.body.pages as { next?: string }).next).toBeUndefined();
  });

  it('sends X-RateLimit-* with a UNIX-seconds reset and answers over the limit with rate_limit_exceeded, no Retry-After', async () => {
    const { sim, call } = await start();
    sim.rateLimit.set({ limit: 2, windowMs: 10_000 });
    const ok = await call('GET', '/me');
    expect(ok.headers.get('x-ratelimit-limit')).toBe('2');
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('1');
    const reset = Number(ok.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 10);
    await call('GET', '/me');
    const limited = await call('GET', '/me');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(limited.body).toMatchObject({ type: 'error.list', errors: [{ code: 'rate_limit_exceeded' }] });
  });

  it('signs notifications sha1=<hex HMAC-SHA1(client secret, raw body)> and sends the notification_event shape', async () => {
    const { sim } = await start();
    const [c] = await sim.seedKind('conversation', 1);
    const received: Array<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await sim.webhooks!.deliver(`http://127.0.0.1:${port}/hook`, [c!]);
    await sim.webhooks!.deliver(`http://127.0.0.1:${port}/hook`, [c!], { event: 'deleted' });
    await new Promise<void>((r) => server.close(() => r()));
    const [updated, deleted] = received;
    const expected = `sha1=${createHmac('sha1', sim.credentials().clientSecret).update(updated!.body).digest('hex')}`;
    expect(updated!.headers['x-hub-signature']).toBe(expected);
    expect(JSON.parse(updated!.body.toString())).toMatchObject({ type: 'notification_event', topic: 'conversation.admin.replied', data: { type: 'notification_event_data', item: { type: 'conversation', id: c!.split(':')[1] } } });
    expect(JSON.parse(deleted!.body.toString()).data.item).toEqual({ type: 'conversation', id: c!.split(':')[1] });
  });

  it('trades an OAuth code for a token that never expires and has no refresh token', async () => {
    const { sim } = await start();
    const authorize = new URL('/oauth', sim.url);
    authorize.search = new URLSearchParams({ client_id: sim.oauthApp.clientId, redirect_uri: sim.oauthApp.redirectUri, response_type: 'code', state: 'xyz' }).toString();
    const consent = await fetch(authorize, { redirect: 'manual' });
    const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
    const res = await fetch(new URL('/auth/eagle/token', sim.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: sim.oauthApp.clientId, client_secret: sim.oauthApp.clientSecret, redirect_uri: sim.oauthApp.redirectUri }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(200);
    expect(body).toEqual({ token_type: 'Bearer', token: body.access_token, access_token: expect.any(String) });
    const me = await fetch(new URL('/me', sim.url), { headers: { authorization: `Bearer ${String(body.access_token)}` } });
    expect(me.status).toBe(200);
  });
});
