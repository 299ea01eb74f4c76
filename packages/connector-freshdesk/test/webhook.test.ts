import { createHub, MemoryStore, type Logger, type TicketEvent, type WebhookRejection } from '@ticketbridge/core';
import { startHostServer, TEST_HUB_DEFAULTS, waitFor } from '@ticketbridge/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { freshdesk, PAYLOAD_TEMPLATE, SECRET_HEADER, type FreshdeskOptions } from '../src/index.js';
import { renderTemplate, startFreshdeskSimulator, type FreshdeskSimulator, type FreshdeskSimulatorOptions } from '../src/testing.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function connected(simOptions: FreshdeskSimulatorOptions = {}, connectorOptions: FreshdeskOptions = {}, syncMode: 'webhook' | 'both' = 'webhook') {
  const sim: FreshdeskSimulator = await startFreshdeskSimulator(simOptions);
  cleanups.push(() => sim.close());
  const logs: string[] = [];
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) => void logs.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  let hubRef: ReturnType<typeof createHub> | undefined;
  const server = await startHostServer((req, res) => hubRef!.webhooks.nodeHandler()(req, res));
  cleanups.push(() => server.close());
  const hub = createHub({ connectors: [freshdesk(connectorOptions)], store: new MemoryStore(), publicUrl: server.url, logger, ...TEST_HUB_DEFAULTS });
  hubRef = hub;
  cleanups.push(() => hub.close());
  const events: TicketEvent[] = [];
  const rejected: WebhookRejection[] = [];
  hub.on('ticket', (e) => void events.push(e));
  hub.on('webhook.rejected', (r) => void rejected.push(r));
  const conn = await hub.connect({ platform: 'freshdesk', credentials: sim.credentials(), baseUrl: sim.url, syncMode });
  return { sim, hub, conn, events, rejected, logs, secret: conn.webhookSecret! };
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then(async (r) => ({ status: r.status, body: await r.text() }));

describe('freshdesk webhook setup', () => {
  it('gives the manual steps with the exact URL, method, content type, secret header and body template', async () => {
    const { hub, conn, secret } = await connected();
    expect(conn.webhookSetup.kind).toBe('manual');
    if (conn.webhookSetup.kind !== 'manual') return;
    // The connect result shows the secret once, where the admin pastes it.
    const text = conn.webhookSetup.instructions.steps.join('\n');
    expect(text).toContain(`URL ${conn.webhookUrl!};`);
    expect(text).toContain('Request type POST');
    expect(text).toContain('Encoding JSON');
    expect(text).toContain(`${SECRET_HEADER}: ${secret}`);
    expect(text).toContain(PAYLOAD_TEMPLATE);
    expect(text).toMatch(/Admin → Workflows → Automations.*Ticket Creation/);
    expect(text).toMatch(/Ticket Updates/);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(conn.webhookSetup.instructions.docsUrl).toContain('support.freshdesk.com');
    // Every later view of the connection has it redacted.
    const later = await hub.get(conn.id);
    if (later?.webhookSetup.kind !== 'manual') throw new Error('expected manual setup');
    const stored = later.webhookSetup.instructions.steps.join('\n');
    expect(stored).toContain(`${SECRET_HEADER}: [redacted]`);
    expect(JSON.stringify(await hub.list())).not.toContain(secret);
  });

  it('in query mode puts the secret in the callback URL instead', async () => {
    const { hub, conn } = await connected({ webhookSecret: { query: 'tb_secret' } }, { webhookSecretIn: 'query' });
    const later = await hub.get(conn.id);
    if (later?.webhookSetup.kind !== 'manual') throw new Error('expected manual setup');
    const text = later.webhookSetup.instructions.steps.join('\n');
    expect(text).toContain(`${conn.webhookUrl!}&tb_secret=[redacted]`);
    expect(text).not.toContain(SECRET_HEADER);
  });
});

describe('freshdesk webhook deliveries', () => {
  it('hydrates the ticket by id: the rule\'s body prints labels, the event carries the API\'s codes', async () => {
    const { sim, conn, events, secret } = await connected();
    const [id] = await sim.seed(1);
    await sim.patchTicket(id!, { status: 3, priority: 4 });
    const rendered = renderTemplate('{"ticketbridge":"freshdesk.v1","ticket_id":"{{ticket.id}}","status":"{{ticket.status}}","priority":"{{ticket.priority}}"}', sim.ticket(id!));
    expect(JSON.parse(rendered)).toMatchObject({ status: 'Pending', priority: 'Urgent' });
    const res = await post(conn.webhookUrl!, rendered, { [SECRET_HEADER]: secret });
    expect(res.status, res.body).toBe(200);
    await waitFor(() => events.length === 1, 5_000, 'webhook event');
    expect(events[0]!.ticket).toMatchObject({ externalId: id, status: 'pending', rawStatus: '3', priority: 'urgent', rawPriority: '4' });
    expect(events[0]!.source).toBe('webhook');
    const read = sim.requests().filter((r) => r.path === `/api/v2/tickets/${id}`);
    expect(read).toHaveLength(1);
    expect(read[0]!.query.get('include')).toBe('requester');
  });

  it('refuses a request without the secret, with a wrong one or with it in the wrong place, before reading the ticket', async () => {
    const { sim, conn, events, rejected, secret } = await connected();
    const [id] = await sim.seed(1);
    sim.resetStats();
    const body = renderTemplate(PAYLOAD_TEMPLATE, sim.ticket(id!));
    expect((await post(conn.webhookUrl!, body)).status).toBe(401);
    expect((await post(conn.webhookUrl!, body, { [SECRET_HEADER]: `${secret}x` })).status).toBe(401);
    expect((await post(conn.webhookUrl!, body, { [SECRET_HEADER]: secret.slice(0, 10) })).status).toBe(401);
    expect((await post(`${conn.webhookUrl!}&tb_secret=${secret}`, body)).status).toBe(401);
    expect(rejected.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    expect(rejected.map((r) => r.reason).join(' ')).not.toContain(secret);
    expect(sim.stats().requests).toBe(0);
    expect(events).toEqual([]);
  });

  it('query mode accepts the secret in the URL only', async () => {
    const { sim, conn, events, secret } = await connected({ webhookSecret: { query: 'tb_secret' } }, { webhookSecretIn: 'query' });
    const [id] = await sim.seed(1);
    const ok = await sim.webhooks!.deliver(conn.webhookUrl!, [id!], { secret });
    expect(ok.status, ok.body).toBe(200);
    await waitFor(() => events.length === 1, 5_000, 'webhook event');
    const body = renderTemplate(PAYLOAD_TEMPLATE, sim.ticket(id!));
    expect((await post(conn.webhookUrl!, body, { [SECRET_HEADER]: secret })).status).toBe(401);
  });

  it('answers 400 to a body it cannot read, and to a placeholder Freshdesk did not render', async () => {
    const { conn, secret, events } = await connected();
    const h = { [SECRET_HEADER]: secret };
    expect((await post(conn.webhookUrl!, 'not json', h)).status).toBe(400);
    expect((await post(conn.webhookUrl!, '{"hello":"world"}', h)).status).toBe(400);
    const unrendered = await post(conn.webhookUrl!, PAYLOAD_TEMPLATE, h);
    expect(unrendered.status).toBe(400);
    expect(unrendered.body).toContain('paste the body template exactly');
    expect(events).toEqual([]);
  });

  it('accepts a rule left in "Simple" content mode (fields under freshdesk_webhook)', async () => {
    const { sim, conn, events, secret } = await connected({ webhookTemplate: '{"freshdesk_webhook":{"ticket_id":{{ticket.id}},"ticket_subject":"{{ticket.subject}}","ticket_status":"{{ticket.status}}"}}' });
    const [id] = await sim.seed(1);
    const res = await sim.webhooks!.deliver(conn.webhookUrl!, [id!], { secret });
    expect(res.status, res.body).toBe(200);
    await waitFor(() => events.length === 1, 5_000, 'webhook event');
    expect(events[0]!.ticket.externalId).toBe(id);
  });

  it('a ticket moved to the trash or to spam arrives as ticket.deleted; a purged one is acknowledged with nothing to emit', async () => {
    const { sim, conn, events, secret } = await connected();
    const [a, b] = await sim.seed(2);
    await sim.remove([a!]);
    await sim.markSpam([b!]);
    expect((await sim.webhooks!.deliver(conn.webhookUrl!, [a!, b!], { secret, event: 'deleted' })).status).toBe(200);
    await waitFor(() => events.length === 2, 5_000, 'deletions');
    expect(events.map((e) => [e.ticket.externalId, e.type])).toEqual([
      [a, 'ticket.deleted'],
      [b, 'ticket.deleted'],
    ]);
    const purged = await post(conn.webhookUrl!, '{"ticketbridge":"freshdesk.v1","ticket_id":"999999"}', { [SECRET_HEADER]: secret });
    expect(purged.status).toBe(200);
    expect(JSON.parse(purged.body)).toMatchObject({ ok: true, accepted: 0 });
  });

  it('refuses a captured call replayed after the window; a replay after a new change delivers only the current ticket', async () => {
    const { sim, conn, events, secret } = await connected();
    const [id] = await sim.seed(1);
    const captured = await sim.webhooks!.deliver(conn.webhookUrl!, [id!], { secret, sentAt: new Date(Date.now() - 10 * 60_000) });
    expect(captured.status).toBe(401);
    expect(captured.body).toMatch(/no timestamp.*replay window/);
    await sim.update([id!]);
    const body = renderTemplate(PAYLOAD_TEMPLATE, sim.ticket(id!));
    expect((await post(conn.webhookUrl!, body, { [SECRET_HEADER]: secret })).status).toBe(200);
    await waitFor(() => events.length === 1, 5_000, 'webhook event');
    expect(events[0]!.ticket.updatedAt).toBe(new Date(sim.ticket(id!).updated_at).toISOString());
  });

  it('keeps the API key and the webhook secret out of events, history and logs', async () => {
    const { sim, hub, conn, events, logs, secret } = await connected({}, {}, 'both');
    const [id] = await sim.seed(3);
    await hub.syncNow(conn.id);
    await sim.webhooks!.deliver(conn.webhookUrl!, [id!], { secret });
    await sim.webhooks!.deliver(conn.webhookUrl!, [id!], { secret: 'wrong-secret-0123456789' });
    await waitFor(() => events.some((e) => e.source === 'webhook'), 5_000, 'webhook event');
    const everything = JSON.stringify({ events, history: await hub.history(conn.id), connections: await hub.list(), logs });
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(sim.credentials().apiKey);
    expect(everything).not.toContain(Buffer.from(`${sim.credentials().apiKey}:X`).toString('base64'));
  });
});
