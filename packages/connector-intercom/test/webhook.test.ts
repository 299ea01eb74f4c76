import { createHub, MemoryStore, type Hub, type TicketEvent } from '@ticketbridge/core';
import { startHostServer, TEST_HUB_DEFAULTS, waitFor } from '@ticketbridge/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { intercom, intercomSignature, WEBHOOK_TOPICS } from '../src/index.js';
import { startIntercomSimulator } from '../src/testing.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(credentials: (c: Record<string, unknown>) => Record<string, unknown> = (c) => c) {
  const sim = await startIntercomSimulator({ seed: 11 });
  cleanups.push(() => sim.close());
  let hubRef: Hub | undefined;
  const server = await startHostServer((req, res) => hubRef!.webhooks.nodeHandler()(req, res));
  cleanups.push(() => server.close());
  const hub = createHub({ connectors: [intercom()], store: new MemoryStore(), publicUrl: server.url, ...TEST_HUB_DEFAULTS });
  hubRef = hub;
  cleanups.push(() => hub.close());
  const events: TicketEvent[] = [];
  hub.on('ticket', (e) => {
    events.push(e);
  });
  const rejected: number[] = [];
  hub.on('webhook.rejected', (r) => rejected.push(r.status));
  const conn = await hub.connect({ platform: 'intercom', credentials: credentials({ ...sim.credentials() }), baseUrl: sim.url, syncMode: 'webhook' });
  await hub.syncNow(conn.id);
  events.length = 0;
  return { sim, hub, conn, events, rejected };
}

const now = () => Math.floor(Date.now() / 1000);

describe('Intercom webhooks', () => {
  it('answers the Developer Hub ping with 200 and emits nothing', async () => {
    const { sim, conn, events } = await setup();
    const res = await sim.notify(conn.webhookUrl!, { topic: 'ping', item: { type: 'ping', message: 'something something interzen' } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ accepted: 0 });
    expect(events).toEqual([]);
  });

  it('reads back the conversation or ticket a topic names, for every conversation and ticket topic', async () => {
    const { sim, conn, events } = await setup();
    const [c, later] = await sim.seedKind('conversation', 2);
    const [t] = await sim.seedKind('ticket', 1);
    // The last topic is not in the subscription list (2.16 added it): read back by its prefix all the same.
    const sent: Array<[string, string]> = [
      ['conversation.admin.snoozed', c!],
      ['ticket.team.assigned', t!],
      ['conversation.admin.replied.translated', later!],
    ];
    for (const [topic, id] of sent) {
      const res = await sim.notify(conn.webhookUrl!, { topic, item: sim.item(id) });
      expect(res.status, res.body).toBe(200);
    }
    await waitFor(() => events.length === 3, 10_000, 'three webhook events');
    expect(events.map((e) => [e.ticket.externalId, e.source])).toEqual([
      [c, 'webhook'],
      [t, 'webhook'],
      [later, 'webhook'],
    ]);
    // Read back from the API: the parts came with it.
    expect(events[0]!.ticket.comments?.length).toBeGreaterThan(0);
  });

  it('answers a redelivered notification (same id, next delivery attempt) as a duplicate without reading it again', async () => {
    const { sim, conn, events } = await setup();
    const [c] = await sim.seedKind('conversation', 1);
    const body = (attempt: number) => ({ type: 'notification_event', id: 'notif_78c122d0-23ba-11e4-9464-79b01267cc2e', topic: 'conversation.admin.replied', app_id: 'a86dr8yl', created_at: now(), delivery_attempts: attempt, data: { type: 'notification_event_data', item: sim.item(c!) } });
    const first = await sim.post(conn.webhookUrl!, body(1));
    expect(first.status).toBe(200);
    await waitFor(() => events.length === 1, 10_000, 'first delivery');
    sim.resetStats();
    const again = await sim.post(conn.webhookUrl!, body(2));
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toMatchObject({ duplicate: true });
    expect(sim.stats().requests).toBe(0);
  });

  it('turns conversation.deleted (id only) into a deletion', async () => {
    const { sim, conn, events } = await setup();
    const [c] = await sim.seedKind('conversation', 1);
    await sim.remove([c!]);
    const res = await sim.notify(conn.webhookUrl!, { topic: 'conversation.deleted', item: { type: 'conversation', id: c!.split(':')[1] } });
    expect(res.status).toBe(200);
    await waitFor(() => events.some((e) => e.ticket.externalId === c), 10_000, 'deletion');
    expect(events.find((e) => e.ticket.externalId === c)).toMatchObject({ type: 'ticket.deleted' });
  });

  it('acknowledges topics it does not sync (contacts, admins) without reading anything', async () => {
    const { sim, conn, events } = await setup();
    sim.resetStats();
    const res = await sim.notify(conn.webhookUrl!, { topic: 'contact.user.created', item: { type: 'contact', id: '6762f1261bb69f9f2193bba7' } });
    expect(res.status).toBe(200);
    expect(sim.stats().requests).toBe(0);
    expect(events).toEqual([]);
  });

  it('refuses a forged signature and a notification without created_at or id', async () => {
    const { sim, conn, rejected } = await setup();
    const [c] = await sim.seedKind('conversation', 1);
    expect((await sim.notify(conn.webhookUrl!, { topic: 'conversation.admin.replied', item: sim.item(c!) }, { forge: true })).status).toBe(401);
    expect((await sim.notify(conn.webhookUrl!, { topic: 'conversation.admin.replied', item: { type: 'conversation' } })).status).toBe(400);
    expect((await sim.notify(conn.webhookUrl!, { topic: 'conversation.admin.replied', item: sim.item(c!), createdAt: now() - 3600 })).status).toBe(401);
    const timeless = { type: 'notification_event', id: 'notif_1', topic: 'conversation.admin.replied', app_id: 'a86dr8yl', data: { type: 'notification_event_data', item: sim.item(c!) } };
    expect((await sim.post(conn.webhookUrl!, timeless)).status).toBe(400);
    // first_sent_at stands in for a missing created_at.
    expect((await sim.post(conn.webhookUrl!, { ...timeless, id: 'notif_2', first_sent_at: now() })).status).toBe(200);
    expect(rejected).toEqual([401, 400, 401, 400]);
  });

  it('refuses to connect for webhooks without the client secret, naming the field', async () => {
    const sim = await startIntercomSimulator({ seed: 12 });
    cleanups.push(() => sim.close());
    const hub = createHub({ connectors: [intercom()], store: new MemoryStore(), publicUrl: 'https://app.example.com', ...TEST_HUB_DEFAULTS });
    cleanups.push(() => hub.close());
    const { clientSecret: _, ...credentials } = sim.credentials();
    await expect(hub.connect({ platform: 'intercom', credentials, baseUrl: sim.url, syncMode: 'webhook' })).rejects.toMatchObject({ field: 'clientSecret' });
    const poll = await hub.connect({ platform: 'intercom', credentials, baseUrl: sim.url, syncMode: 'poll' });
    expect(poll.status).toBe('active');
  });

  it('verifies sha1=<hex> over the raw bytes, in either letter case, and nothing else', () => {
    const body = Buffer.from('{"type":"notification_event","topic":"ping"}');
    const signature = intercomSignature.sign({ secret: 's3cret', body });
    expect(signature).toMatch(/^sha1=[0-9a-f]{40}$/);
    const request = (value: string, raw = body) => ({ method: 'POST', url: 'https://x/y', headers: { 'x-hub-signature': value }, rawBody: raw, receivedAt: new Date() });
    expect(intercomSignature.verify(request(signature), 's3cret')).toEqual({ ok: true });
    expect(intercomSignature.verify(request(`sha1=${signature.slice(5).toUpperCase()}`), 's3cret').ok).toBe(true);
    expect(intercomSignature.verify(request(signature.slice(5)), 's3cret').ok).toBe(false);
    expect(intercomSignature.verify(request(signature, Buffer.concat([body, Buffer.from(' ')])), 's3cret').ok).toBe(false);
    expect(intercomSignature.verify(request(signature), 'other').ok).toBe(false);
  });

  it('gives the Developer Hub steps with the URL and every topic', async () => {
    const { conn } = await setup();
    expect(conn.webhookSetup.kind).toBe('manual');
    const steps = conn.webhookSetup.kind === 'manual' ? conn.webhookSetup.instructions.steps.join('\n') : '';
    expect(steps).toContain(conn.webhookUrl!);
    for (const topic of WEBHOOK_TOPICS) expect(steps).toContain(topic);
    for (const topic of ['ticket.created', 'ticket.state.updated', 'ticket.admin.assigned', 'ticket.team.assigned', 'ticket.attribute.updated', 'ticket.admin.replied', 'ticket.contact.replied', 'ticket.note.created', 'conversation.deleted']) {
      expect(WEBHOOK_TOPICS).toContain(topic);
    }
  });
});
