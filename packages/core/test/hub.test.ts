import { afterEach, describe, expect, it } from 'vitest';
import { createHub, CredentialsError, ConfigError, MemoryStore, TransientError, PermanentError, type Hub, type TicketEvent, type HubOptions, type SyncProgress } from '../src/index.js';
import { startHostServer, TEST_HUB_DEFAULTS, waitFor } from '../src/testing.js';
import { GOOD_TOKEN, MemDesk, memConnector } from './mem-connector.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(extra: Partial<HubOptions> = {}, store = new MemoryStore(), desk = new MemDesk()) {
  let hubRef: Hub | undefined;
  const server = await startHostServer((req, res) => hubRef!.webhooks.nodeHandler()(req, res));
  cleanups.push(() => server.close());
  const hub = createHub({ connectors: [memConnector(desk)], store, publicUrl: server.url, ...TEST_HUB_DEFAULTS, ...extra });
  hubRef = hub;
  cleanups.push(() => hub.close());
  const events: TicketEvent[] = [];
  hub.on('ticket', (e) => {
    events.push(e);
  });
  return { hub, desk, events, store, server };
}

const creds = { subdomain: 'acme', apiToken: GOOD_TOKEN };

describe('connect', () => {
  it('rejects unknown platforms, duplicate connector ids and webhook modes without publicUrl', async () => {
    const { hub } = await setup();
    await expect(hub.connect({ platform: 'nope', credentials: {} })).rejects.toThrow(ConfigError);
    expect(() => createHub({ connectors: [memConnector(new MemDesk()), memConnector(new MemDesk())], store: new MemoryStore() })).toThrow(/two connectors share the id "memdesk"/);
    const noUrl = createHub({ connectors: [memConnector(new MemDesk())], store: new MemoryStore(), autoStart: false });
    await expect(noUrl.connect({ platform: 'memdesk', credentials: creds, syncMode: 'both' })).rejects.toThrow(/publicUrl/);
  });

  it('names the field of malformed credentials and of refused ones, never echoing the token', async () => {
    const { hub } = await setup();
    const malformed = await hub.connect({ platform: 'memdesk', credentials: { subdomain: 'evil.com#', apiToken: 'x' } }).catch((e: unknown) => e);
    expect(malformed).toBeInstanceOf(CredentialsError);
    expect((malformed as CredentialsError).field).toBe('subdomain');
    const refused = await hub.connect({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: 'wrong-token-value' } }).catch((e: unknown) => e);
    expect((refused as CredentialsError).field).toBe('apiToken');
    expect(await hub.list()).toEqual([]);
  });

  it('test() checks credentials against the platform and saves, registers and schedules nothing', async () => {
    const { hub, desk, events } = await setup();
    desk.add(3);
    await expect(hub.test({ platform: 'memdesk', credentials: creds, syncMode: 'both' })).resolves.toMatchObject({ accountName: expect.any(String) });
    const refused = await hub.test({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: 'wrong-token-value' } }).catch((e: unknown) => e);
    expect((refused as CredentialsError).field).toBe('apiToken');
    await expect(hub.test({ platform: 'nope', credentials: {} })).rejects.toThrow(ConfigError);
    await new Promise((r) => setTimeout(r, 50));
    expect(await hub.list()).toEqual([]);
    expect(events).toEqual([]);
  });

  it('returns the webhook URL, manual steps with the secret once, and a redacted JSON view', async () => {
    const { hub, server } = await setup();
    const conn = await hub.connect({ platform: 'memdesk', credentials: creds, syncMode: 'both' });
    expect(conn.webhookUrl).toBe(`${server.url}/api/webhooks/tickets?connectorId=${conn.id}`);
    expect(conn.webhookSetup.kind).toBe('manual');
    expect(conn.webhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const steps = conn.webhookSetup.kind === 'manual' ? conn.webhookSetup.instructions.steps.join('\n') : '';
    expect(steps).toContain(conn.webhookSecret);
    const json = JSON.stringify(conn);
    expect(json).not.toContain(GOOD_TOKEN);
    expect(json).not.toContain(conn.webhookSecret!);
    const listed = JSON.stringify(await hub.list());
    expect(listed).not.toContain(GOOD_TOKEN);
    expect(listed).not.toContain(conn.webhookSecret!);
  });

  it('starts the first sync right after connecting', async () => {
    const { hub, desk, events } = await setup({ initialSyncDelayMs: 0 });
    desk.add(3);
    const conn = await hub.connect({ platform: 'memdesk', credentials: creds, syncMode: 'poll' });
    await waitFor(() => events.length === 3, 5_000, 'initial sync');
    const [run] = await hub.history(conn.id);
    expect(run!.trigger).toBe('initial');
  });
});

describe('sync engine', () => {
  it('records history, emits progress with total and ETA, and reports what changed on updates', async () => {
    const { hub, desk, events } = await setup();
    const ids = desk.add(25);
    const progress: SyncProgress[] = [];
    hub.on('sync.progress', (p) => progress.push(p));
    const conn = await hub.connect({ platform: 'memdesk', credentials: creds, syncMode: 'poll' });
    const run = await hub.syncNow(conn.id);
    expect(run).toMatchObject({ status: 'succeeded', pages: 3, ticketsSynced: 25, duplicatesDropped: 0, attempt: 1, trigger: 'manual', cursorBefore: null });
    expect(progress.map((p) => p.tickets)).toEqual([10, 20, 25]);
    expect(progress[0]!.total).toBe(25);
    expect(progress[0]!.etaMs).toBeGreaterThanOrEqual(0);
    expect(events.every((e) => e.type === 'ticket.created')).toBe(true);

    events.length = 0;
    desk.change(ids[0]!, { status: 'pending', priority: 'urgent', tags: ['vip'], assignee: { externalId: 'a1', name: 'Bo', email: null } });
    desk.change(ids[1]!, { deleted: true });
    await hub.syncNow(conn.id);
    expect(events.map((e) => [e.type, e.ticket.externalId])).toEqual([
      ['ticket.updated', ids[0]],
      ['ticket.deleted', ids[1]],
    ]);
    expect(events[0]!.changes).toEqual({
      status: { from: 'open', to: 'pending' },
      priority: { from: 'normal', to: 'urgent' },
      assignee: { from: null, to: 'a1' },
      tags: { added: ['vip'], removed: [] },
    });
    const history = await hub.history(conn.id);
    expect(history).toHaveLength(2);
    expect(history[0]!.cursorBefore).toEqual(history[1]!.cursorAfter);
  });

  it('does not advance the cursor past a page the host failed, and retries the run with back-off', async () => {
    const { hub, desk, events } = await setup();
    desk.add(25);
    const conn = await hub.connect({ platform: 'memdesk', credentials: creds, syncMode: 'poll' });
    let fail = true;
    hub.on('ticket', (e) => {
      if (fail && e.ticket.externalId === '15') throw new Error('database down');
    });
    const failures: boolean[] = [];
    hub.on('sync.failed', (_run, _err, willRetry) => failures.push(willRetry));
    const run = await hub.syncNow(conn.id);
    expect(run.status).toBe('retrying');
    expect(run.attempt).toBe(1);
    expect(Date.parse(run.nextRetryAt!)).toBeGreaterThan(Date.now());
    expect(run.pages).toBe(1);
    expect(run.errors[0]!.message).toMatch(/database down/);
    expect(failures).toEqual([true]);
    fail = false;
    const before = events.length;
    const again = await hub.syncNow(conn.id);
    expect(again.status).toBe('succeeded');
    // Page 2 is replayed whole: its first four tickets reach the host again (same idempotency keys).
    const replayed = events.slice(before).filter((e) => ['11', '12', '13', '14'].includes(e.ticket.externalId));
    expect(replayed).toHaveLength(4);
    expect(new Set(events.map((e) => e.ticket.externalId)).size).toBe(25);
  });

  it('fails permanent errors without retry, keeping the cursor', async () => {
    const { hub, desk } = await setup();
    desk.add(5);
    const conn = await hub.connect({ platform: 'memdesk', credentials: creds, syncMode: 'poll' });
    await hub.syncNow(conn.id);
    desk.add(5);
    desk.failNext = new PermanentError('the platform says 422', { status: 422 });
    const run = await hub.syncNow(conn.id);
    expect(run).toMatchObject({ status: 'failed', errors: [{ code: 'permanent', status: 422 }] });
    expect(run.nextRetryAt).toBeUndefined();
    expect(run.cursorAfter).toEqual(run.cursorBefore);
  });

  it('gives up on transient errors after maxAttempts', async () => {
    const { hub, desk } = await setup({ retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 } });
    desk.add(5);
    const conn = await hub.connect({ platform: 'memdesk', credentials: creds, syncMode: 'poll' });
    desk.failNext = new TransientError('socket hang up');
    expect((await hub.syncNow(conn.id)).status).toBe('failed');
  });

  it('marks the connection on refused credentials, stops, and keeps the token out of history', async () => {
    const { hub, desk } = await setup();
    desk.add(5);
    const conn = await hub.connect({ platform: 'memdesk', credentials: creds, syncMode: 'poll' });
    const errors: string[] = [];
    hub.on('connection.error', (c) => errors.push(c.id));
    // The platform revokes the token: the connector now sees it as wrong.
    desk.failNext = new CredentialsError(`token ${GOOD_TOKEN} revoked`, { field: 'apiToken' });
    const run = await hub.syncNow(conn.id);
    expect(run.status).toBe('failed');
    expect(run.nextRetryAt).toBeUndefined();
    expect(JSON.stringify(await hub.history(conn.id))).not.toContain(GOOD_TOKEN);
    expect(run.errors[0]).toMatchObject({ code: 'credentials', field: 'apiToken' });
    expect((await hub.get(conn.id))!.status).toBe('error');
    expect(errors).toEqual([conn.id]);
  });

  it('runs one sync per connection: a second worker on the same store skips while the lock is held', async () => {
    const store = new MemoryStore();
    const a = await setup({}, store);
    a.desk.add(30);
    const conn = await a.hub.connect({ platform: 'memdesk', credentials: creds, syncMode: 'poll' });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    a.hub.on('ticket', () => gate);
    const first = a.hub.syncNow(conn.id);
    await waitFor(() => a.hub.history(conn.id).then((h) => h[0]?.status === 'running'), 5_000, 'running');
    const b = createHub({ connectors: [memConnector(a.desk)], store, ...TEST_HUB_DEFAULTS });
    cleanups.push(() => b.close());
    const skipped = await b.syncNow(conn.id);
    expect(skipped).toMatchObject({ status: 'skipped', note: 'another worker is syncing this connection' });
    const concurrent = a.hub.syncNow(conn.id);
    release();
    expect((await first).status).toBe('succeeded');
    expect((await concurrent).id).toBe((await first).id);
  });

  it('polls on the interval, stops when paused, and resumes', async () => {
    const { hub, desk } = await setup({ pollIntervalMs: 50, initialSyncDelayMs: 0, pollJitter: 0 });
    desk.add(2);
    const conn = await hub.connect({ platform: 'memdesk', credentials: creds, syncMode: 'poll' });
    await waitFor(() => hub.history(conn.id).then((h) => h.length >= 3), 5_000, 'three polls');
    await hub.pause(conn.id);
    const count = (await hub.history(conn.id)).length;
    await new Promise((r) => setTimeout(r, 200));
    expect((await hub.history(conn.id)).length).toBe(count);
    expect((await hub.get(conn.id))!.status).toBe('paused');
    await hub.resume(conn.id);
    await waitFor(() => hub.history(conn.id).then((h) => h.length > count), 5_000, 'poll after resume');
  });

  it('disconnect removes the connection and its state', async () => {
    const { hub, desk, store } = await setup();
    desk.add(2);
    const conn = await hub.connect({ platform: 'memdesk', credentials: creds, syncMode: 'poll' });
    await hub.syncNow(conn.id);
    await hub.disconnect(conn.id);
    expect(await hub.list()).toEqual([]);
    expect(await store.getCursor(conn.id)).toBeNull();
    expect(await store.listRuns(conn.id)).toEqual([]);
  });
});

describe('webhook router', () => {
  async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}, method = 'POST') {
    const res = await fetch(url, { method, body: method === 'GET' ? undefined : typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': 'application/json', ...headers } });
    return { status: res.status, body: await res.text() };
  }

  it('answers 405, 404, 413, 401 and 400 without emitting a ticket or touching the inbox', async () => {
    const { hub, desk, events, store, server } = await setup();
    desk.add(3);
    const conn = await hub.connect({ platform: 'memdesk', credentials: creds, syncMode: 'webhook' });
    await hub.syncNow(conn.id);
    events.length = 0;
    const rejected: number[] = [];
    hub.on('webhook.rejected', (r) => rejected.push(r.status));
    const url = conn.webhookUrl!;
    const body = JSON.stringify({ ids: ['1'] });
    const sig = { 'x-mem-signature': desk.sign(body, conn.webhookSecret!) };

    expect((await post(url, '', {}, 'GET')).status).toBe(405);
    expect((await post(`${server.url}/api/webhooks/tickets`, body, sig)).status).toBe(404);
    expect((await post(url.replace(conn.id, 'conn_nope'), body, sig)).status).toBe(404);
    expect((await post(url, Buffer.alloc(1024 * 1024 + 1, 32), sig)).status).toBe(413);
    expect((await post(url, body, { 'x-mem-signature': desk.sign(body, 'wrong') })).status).toBe(401);
    expect((await post(url, body, {})).status).toBe(401);
    const garbage = '{"ids": [';
    expect((await post(url, garbage, { 'x-mem-signature': desk.sign(garbage, conn.webhookSecret!) })).status).toBe(400);
    const wrongShape = '{"ids": 5}';
    expect((await post(url, wrongShape, { 'x-mem-signature': desk.sign(wrongShape, conn.webhookSecret!) })).status).toBe(400);
    expect(rejected).toEqual([405, 404, 404, 413, 401, 401, 400, 400]);
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toEqual([]);
    expect(await store.inboxPending()).toEqual([]);
  });

  it('accepts a signed thin payload, hydrates it and delivers the new version once', async () => {
    const { hub, desk, events } = await setup();
    const [id] = desk.add(1);
    const conn = await hub.connect({ platform: 'memdesk', credentials: creds, syncMode: 'both' });
    await hub.syncNow(conn.id);
    desk.change(id!, { status: 'solved' });
    const body = JSON.stringify({ ids: [id, id] });
    const res = await post(conn.webhookUrl!, body, { 'x-mem-signature': desk.sign(body, conn.webhookSecret!) });
    expect(res.status).toBe(200);
    await waitFor(() => events.some((e) => e.source === 'webhook'), 5_000, 'webhook event');
    await hub.syncNow(conn.id);
    const updates = events.filter((e) => e.type === 'ticket.updated');
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ source: 'webhook', changes: { status: { from: 'open', to: 'solved' } } });
  });

  it('serves the same contract through the Fetch API handler', async () => {
    const { hub, desk, events } = await setup();
    const [id] = desk.add(1);
    const conn = await hub.connect({ platform: 'memdesk', credentials: creds, syncMode: 'webhook' });
    const handler = hub.webhooks.fetchHandler();
    const body = JSON.stringify({ ids: [id] });
    const ok = await handler(new Request(conn.webhookUrl!, { method: 'POST', body, headers: { 'x-mem-signature': desk.sign(body, conn.webhookSecret!) } }));
    expect(ok.status).toBe(200);
    const bad = await handler(new Request(conn.webhookUrl!, { method: 'POST', body, headers: { 'x-mem-signature': 'nope' } }));
    expect(bad.status).toBe(401);
    const big = await handler(new Request(conn.webhookUrl!, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) }));
    expect(big.status).toBe(413);
    expect((await handler(new Request(conn.webhookUrl!, { method: 'PUT', body }))).status).toBe(405);
    await waitFor(() => events.length === 1, 5_000, 'event');
  });

  it('keeps an accepted webhook in the inbox until the host has it, and replays it after a restart', async () => {
    const store = new MemoryStore();
    const a = await setup({}, store);
    const [id] = a.desk.add(1);
    const conn = await a.hub.connect({ platform: 'memdesk', credentials: creds, syncMode: 'webhook' });
    a.hub.on('ticket', () => {
      throw new Error('host crashed');
    });
    const body = JSON.stringify({ ids: [id] });
    const res = await post(conn.webhookUrl!, body, { 'x-mem-signature': a.desk.sign(body, conn.webhookSecret!) });
    expect(res.status).toBe(200);
    await waitFor(() => store.inboxPending().then((p) => p[0]?.attempts === 1), 5_000, 'failed attempt');
    await a.hub.close();

    const b = createHub({ connectors: [memConnector(a.desk)], store, ...TEST_HUB_DEFAULTS });
    cleanups.push(() => b.close());
    const events: TicketEvent[] = [];
    b.on('ticket', (e) => {
      events.push(e);
    });
    await b.start();
    await waitFor(() => events.length === 1, 5_000, 'replayed event');
    expect(events[0]).toMatchObject({ source: 'webhook', ticket: { externalId: id } });
    await waitFor(() => store.inboxPending().then((p) => p.length === 0), 5_000, 'inbox drained');
  });
});

describe('sync lock', () => {
  it('a run that stalled past its lock while another worker took over commits nothing more; the new holder resumes from the last commit', async () => {
    const { hub, desk, events, store } = await setup({ lockTtlMs: 300 });
    desk.add(30);
    const conn = await hub.connect({ platform: 'memdesk', credentials: creds, syncMode: 'poll' });
    let stolen = false;
    hub.on('ticket', (e) => {
      if (e.ticket.externalId === '15' && !stolen) {
        // The handler blocks the event loop past the lock's TTL (no renewal can run); another worker takes it.
        const until = Date.now() + 400;
        while (Date.now() < until);
        stolen = true;
        return store.acquireLock(`sync:${conn.id}`, 'other-worker', 60_000).then((took) => void (stolen = took));
      }
      return undefined;
    });
    const run = await hub.syncNow(conn.id);
    expect(stolen).toBe(true);
    // Page 1 (tickets 1-10) was committed; page 2 is abandoned after ticket 15, before its commit.
    expect(run).toMatchObject({ status: 'skipped', pages: 1, ticketsSynced: 10 });
    expect(run.note).toMatch(/another worker is syncing/);
    expect(events.map((e) => e.ticket.externalId)).toEqual(Array.from({ length: 15 }, (_, i) => String(i + 1)));
    expect(await store.getCursor(conn.id)).toEqual(run.cursorAfter);

    await store.releaseLock(`sync:${conn.id}`, 'other-worker');
    const resumed = await hub.syncNow(conn.id);
    expect(resumed).toMatchObject({ status: 'succeeded', ticketsSynced: 20, cursorBefore: run.cursorAfter });
    expect(new Set(events.map((e) => e.ticket.externalId)).size).toBe(30);
    // Tickets 11-15 come twice, with the same keys: the documented at-most-one-page window.
    expect(events).toHaveLength(35);
  });
});
