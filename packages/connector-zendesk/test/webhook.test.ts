import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createHub, MemoryStore, TicketbridgeError, type TicketEvent, type WebhookRequest } from '@ticketbridge/core';
import { createTestContext, startHostServer, TEST_HUB_DEFAULTS, waitFor } from '@ticketbridge/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { SigningSecretResponse } from '../src/api.js';
import { parseZendeskWebhook, signZendeskWebhook, TICKET_EVENT_TYPES, TRIGGER_PAYLOAD_TEMPLATE, verifyZendeskSignature, zendesk } from '../src/index.js';
import { startZendeskSimulator } from '../src/testing.js';
import { withSimulator } from './helpers.js';

const raw = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const SECRET = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';

function request(body: Buffer | string, headers: Record<string, string>, receivedAt = new Date()): WebhookRequest {
  return { method: 'POST', url: 'https://app.example.com/api/webhooks/tickets?connectorId=conn_1', headers, rawBody: Buffer.from(body), receivedAt };
}
function signed(body: Buffer | string, at = new Date(), secret = SECRET): WebhookRequest {
  const timestamp = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return request(body, { 'x-zendesk-webhook-signature': signZendeskWebhook(secret, timestamp, body), 'x-zendesk-webhook-signature-timestamp': timestamp });
}

describe('signature', () => {
  const body = raw('event-ticket-created.json');

  it('is base64 HMAC-SHA256 over timestamp + raw body, with no separator', () => {
    const ts = '2024-04-17T17:18:10Z';
    expect(signZendeskWebhook(SECRET, ts, body)).toBe(createHmac('sha256', SECRET).update(`${ts}${body.toString('utf8')}`).digest('base64'));
  });

  it('accepts a correctly signed delivery and reports its signed time for the replay window the hub enforces', () => {
    const at = new Date('2026-11-30T06:00:00Z');
    expect(verifyZendeskSignature(signed(body, at), SECRET)).toEqual({ ok: true, signedAt: at });
  });

  it('refuses a wrong key, an altered body, a moved timestamp and missing headers', () => {
    expect(verifyZendeskSignature(signed(body, new Date(), 'another-secret'), SECRET)).toMatchObject({ ok: false, reason: 'signature does not match' });
    const good = signed(body);
    expect(verifyZendeskSignature({ ...good, rawBody: Buffer.concat([body, Buffer.from(' ')]) }, SECRET).ok).toBe(false);
    const moved = { ...good, headers: { ...good.headers, 'x-zendesk-webhook-signature-timestamp': new Date(Date.now() - 1000).toISOString() } };
    expect(verifyZendeskSignature(moved, SECRET).ok).toBe(false);
    expect(verifyZendeskSignature(request(body, {}), SECRET)).toMatchObject({ ok: false, reason: expect.stringContaining('x-zendesk-webhook-signature') });
    expect(verifyZendeskSignature(request(body, { 'x-zendesk-webhook-signature': 'abc' }), SECRET)).toMatchObject({ ok: false, reason: expect.stringContaining('timestamp') });
  });
});

describe('payloads', () => {
  it('an event-subscription payload becomes a reference to hydrate', () => {
    expect(parseZendeskWebhook(signed(raw('event-ticket-created.json')))).toEqual([{ kind: 'ref', externalId: '35436' }]);
  });

  it("soft deletion becomes a tombstone at the ticket's updated_at (the version the export reports)", () => {
    expect(parseZendeskWebhook(signed(raw('event-ticket-soft-deleted.json')))).toEqual([{ kind: 'deleted', externalId: '5158', deletedAt: '2025-01-08T10:14:41.000Z' }]);
  });

  it('events of other domains are acknowledged with no items', () => {
    expect(parseZendeskWebhook(signed(raw('event-user-active-changed.json')))).toEqual([]);
  });

  it('the documented trigger template, once rendered, becomes a reference', () => {
    const rendered = TRIGGER_PAYLOAD_TEMPLATE.replace('{{ticket.id}}', '35436').replace('{{ticket.update_type}}', 'Change');
    expect(JSON.parse(rendered)).toEqual({ ticketbridge: 'zendesk.trigger.v1', ticket_id: '35436', update_type: 'Change' });
    expect(parseZendeskWebhook(signed(rendered))).toEqual([{ kind: 'ref', externalId: '35436' }]);
  });

  it('refuses bodies it cannot read with a webhook error', () => {
    for (const body of ['not json', '{"foo":1}', '{"type":"zen:event-type:ticket.created","detail":{}}', '{"ticketbridge":"x","ticket_id":"1; DROP"}']) {
      const error = (() => {
        try {
          parseZendeskWebhook(signed(body));
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(TicketbridgeError.isInstance(error), body).toBe(true);
      expect((error as TicketbridgeError).code).toBe('webhook');
    }
  });

  it('parses the documented signing-secret response', () => {
    expect(SigningSecretResponse.parse(JSON.parse(raw('signing-secret.json').toString())).signing_secret.secret).toBe(SECRET);
  });
});

describe('register and unregister through the Webhooks API', () => {
  it('events mode: one webhook subscribed to the ticket events; the secret is the one Zendesk generated', async () => {
    await withSimulator({ seed: 2 }, async (sim) => {
      const connector = zendesk();
      const ctx = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url });
      const registration = await connector.webhook!.register!(ctx, { url: 'https://app.example.com/hook?connectorId=c1', sharedUrl: 'https://app.example.com/hook', secret: 'host-suggestion' });
      const { webhooks, triggers } = sim.registered();
      expect(webhooks).toHaveLength(1);
      expect(triggers).toHaveLength(0);
      expect(webhooks[0]).toMatchObject({ endpoint: 'https://app.example.com/hook?connectorId=c1', http_method: 'POST', request_format: 'json', status: 'active', subscriptions: [...TICKET_EVENT_TYPES] });
      expect(registration.resources).toEqual({ webhookId: webhooks[0]!.id, triggerId: null, mode: 'events' });
      expect(registration.secret).not.toBe('host-suggestion');
      expect(sim.requests().map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/v2/webhooks', `GET /api/v2/webhooks/${webhooks[0]!.id}/signing_secret`]);
      await connector.webhook!.unregister!(ctx, { registration: registration });
      expect(sim.registered().webhooks).toHaveLength(0);
      // Unregistering twice (already gone) is not an error.
      await connector.webhook!.unregister!(ctx, { registration: registration });
    });
  });

  it('trigger mode: a conditional webhook plus a trigger posting the template; both removed, trigger first', async () => {
    await withSimulator({ seed: 2 }, async (sim) => {
      const connector = zendesk({ webhookMode: 'trigger' });
      const ctx = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url });
      const registration = await connector.webhook!.register!(ctx, { url: 'https://app.example.com/hook?connectorId=c1', sharedUrl: 'https://app.example.com/hook', secret: 'x' });
      const { webhooks, triggers } = sim.registered();
      expect(webhooks[0]!.subscriptions).toEqual(['conditional_ticket_events']);
      expect(triggers).toHaveLength(1);
      expect(triggers[0]!.actions).toEqual([{ field: 'notification_webhook', value: [webhooks[0]!.id, TRIGGER_PAYLOAD_TEMPLATE] }]);
      expect(registration.resources).toEqual({ webhookId: webhooks[0]!.id, triggerId: String(triggers[0]!.id), mode: 'trigger' });
      const before = sim.requests().length;
      await connector.webhook!.unregister!(ctx, { registration: registration });
      expect(sim.requests().slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([`DELETE /api/v2/triggers/${triggers[0]!.id}.json`, `DELETE /api/v2/webhooks/${webhooks[0]!.id}`]);
      expect(sim.registered()).toEqual({ webhooks: [], triggers: [] });
    });
  });

  it('removes the webhook again when the trigger cannot be created', async () => {
    await withSimulator({ seed: 2 }, async (sim) => {
      const connector = zendesk({ webhookMode: 'trigger' });
      sim.faults.inject('status500', { count: 1, path: /triggers/ });
      await expect(connector.webhook!.register!(createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url }), { url: 'https://app.example.com/hook?connectorId=c1', sharedUrl: 'https://app.example.com/hook', secret: 'x' })).rejects.toBeTruthy();
      expect(sim.registered()).toEqual({ webhooks: [], triggers: [] });
    });
  });
});

describe('through the hub', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(mode: 'events' | 'trigger') {
    const sim = await startZendeskSimulator({ seed: 12 });
    cleanups.push(() => sim.close());
    let hubRef: ReturnType<typeof createHub> | undefined;
    const server = await startHostServer((req, res) => hubRef!.webhooks.nodeHandler()(req, res));
    cleanups.push(() => server.close());
    const hub = createHub({ connectors: [zendesk({ webhookMode: mode })], store: new MemoryStore(), publicUrl: server.url, ...TEST_HUB_DEFAULTS });
    hubRef = hub;
    cleanups.push(() => hub.close());
    const events: TicketEvent[] = [];
    hub.on('ticket', (e) => {
      events.push(e);
    });
    return { sim, hub, events };
  }

  it.each(['events', 'trigger'] as const)('%s mode: a delivery becomes a hydrated ticket event; deletion a ticket.deleted; disconnect cleans up', async (mode) => {
    const { sim, hub, events } = await setup(mode);
    const ids = await sim.seed(3);
    const conn = await hub.connect({ platform: 'zendesk', credentials: sim.credentials(), baseUrl: sim.url, syncMode: 'webhook' });
    expect(conn.webhookSecret).toBeUndefined();
    expect(sim.registered().webhooks[0]!.endpoint).toBe(conn.webhookUrl);

    await sim.update([ids[0]!]);
    const res = await sim.webhooks.deliver(conn.webhookUrl!, [ids[0]!]);
    expect(res.status, res.body).toBe(200);
    await waitFor(() => events.length === 1, 10_000, 'webhook event');
    expect(events[0]).toMatchObject({ source: 'webhook', ticket: { externalId: ids[0], requester: { name: expect.any(String) } } });
    expect(events[0]!.ticket.updatedAt).toBe(sim.snapshot().get(ids[0]!));

    await sim.deleteTickets([ids[1]!]);
    await sim.webhooks.deliver(conn.webhookUrl!, [ids[1]!], { event: 'deleted' });
    await waitFor(() => events.length === 2, 10_000, 'deletion event');
    expect(events[1]).toMatchObject({ type: 'ticket.deleted', ticket: { externalId: ids[1], deleted: true } });
    if (mode === 'events') {
      // The poll reports the same deletion at the same version: dedupe keeps one event.
      expect(events[1]!.ticket.updatedAt).toBe(sim.snapshot().get(ids[1]!));
    }

    const forged = await sim.webhooks.deliver(conn.webhookUrl!, [ids[2]!], { forge: true });
    expect(forged.status).toBe(401);

    await hub.disconnect(conn.id);
    expect(sim.registered()).toEqual({ webhooks: [], triggers: [] });
  });
});
