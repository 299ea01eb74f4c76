import { createHash, createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createHub, MemoryStore, type Hub, type TicketEvent, type WebhookRequest } from '@ticketbridge/core';
import { createTestContext, startHostServer, TEST_HUB_DEFAULTS, waitFor } from '@ticketbridge/core/testing';
import { hubspot, parseHubSpotWebhook, verifyHubSpotSignature } from '../src/index.js';
import { startHubSpotSimulator, type HubSpotSimulator } from '../src/testing.js';

const SECRET = 'b8a6c3f0-9d1e-4c52-8a77-2f5e1d0c9b44';
const URL_ = 'https://app.example.com/api/webhooks/tickets?connectorId=conn_01J%3Aabc';
const body = readFileSync(new URL('./fixtures/webhook-batch.json', import.meta.url));

function request(headers: Record<string, string>, overrides: Partial<WebhookRequest> = {}): WebhookRequest {
  return { method: 'POST', url: URL_, headers, rawBody: body, receivedAt: new Date(), ...overrides };
}
// Computed here by hand from HubSpot's documented recipe, not with the connector's signer.
const v3 = (secret: string, uri: string, ts: string, raw: Buffer = body) => createHmac('sha256', secret).update(`POST${uri}${raw.toString('utf8')}${ts}`).digest('base64');

const sims: HubSpotSimulator[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  for (const s of sims.splice(0)) await s.close();
});

describe('hubspot webhook signatures', () => {
  it('accepts v3 over the URI exactly as received, reports its timestamp, and refuses tampering and wrong secrets', () => {
    const ts = String(Date.now() - 60_000);
    const ok = request({ 'x-hubspot-signature-v3': v3(SECRET, URL_, ts), 'x-hubspot-request-timestamp': ts });
    expect(verifyHubSpotSignature(ok, SECRET)).toEqual({ ok: true, signedAt: new Date(Number(ts)) });
    expect(verifyHubSpotSignature(ok, `${SECRET}x`).ok).toBe(false);
    expect(verifyHubSpotSignature({ ...ok, rawBody: Buffer.concat([body, Buffer.from(' ')]) }, SECRET).ok).toBe(false);
    expect(verifyHubSpotSignature({ ...ok, url: URL_.replace('conn_01J', 'conn_02J') }, SECRET).ok).toBe(false);
    // A stale timestamp still verifies here: the hub refuses it against its replay window (tested below, end to end).
    const stale = String(Date.now() - 5 * 60_000 - 1_000);
    const old = verifyHubSpotSignature(request({ 'x-hubspot-signature-v3': v3(SECRET, URL_, stale), 'x-hubspot-request-timestamp': stale }), SECRET);
    expect(old).toEqual({ ok: true, signedAt: new Date(Number(stale)) });
    expect(hubspot().webhook?.replayWindowMs).toBe(5 * 60_000);
    expect(verifyHubSpotSignature(request({ 'x-hubspot-signature-v3': v3(SECRET, URL_, ts) }), SECRET).ok).toBe(false);
  });

  it('also accepts the percent-decoded URI one of HubSpot\'s samples signs', () => {
    const ts = String(Date.now());
    const decoded = decodeURIComponent(URL_);
    expect(verifyHubSpotSignature(request({ 'x-hubspot-signature-v3': v3(SECRET, decoded, ts), 'x-hubspot-request-timestamp': ts }), SECRET)).toEqual({ ok: true, signedAt: new Date(Number(ts)) });
  });

  it('refuses v1 and v2 (no timestamp) by default, and verifies them, without a signed time, only when allowed', () => {
    const v1 = createHash('sha256').update(`${SECRET}${body.toString()}`).digest('hex');
    const v2 = createHash('sha256').update(`${SECRET}POST${URL_}${body.toString()}`).digest('hex');
    const legacy = { acceptLegacySignatures: true };
    expect(verifyHubSpotSignature(request({ 'x-hubspot-signature': v1, 'x-hubspot-signature-version': 'v1' }), SECRET)).toEqual({
      ok: false,
      reason: expect.stringContaining('no X-HubSpot-Signature-v3'),
    });
    expect(verifyHubSpotSignature(request({ 'x-hubspot-signature': v1, 'x-hubspot-signature-version': 'v1' }), SECRET, legacy)).toEqual({ ok: true });
    expect(verifyHubSpotSignature(request({ 'x-hubspot-signature': v2, 'x-hubspot-signature-version': 'v2' }), SECRET, legacy)).toEqual({ ok: true });
    expect(verifyHubSpotSignature(request({ 'x-hubspot-signature': v1, 'x-hubspot-signature-version': 'v2' }), SECRET, legacy).ok).toBe(false);
    expect(verifyHubSpotSignature(request({ 'x-hubspot-signature': v1, 'x-hubspot-signature-version': 'v9' }), SECRET, legacy).ok).toBe(false);
    expect(verifyHubSpotSignature(request({}), SECRET, legacy).ok).toBe(false);
  });

  it('the simulator signs deliveries exactly as the verifier checks them, over real HTTP', async () => {
    const sim = await startHubSpotSimulator({ searchRateLimit: null });
    sims.push(sim);
    const ids = await sim.seed(3);
    const received: WebhookRequest[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        received.push({ method: req.method!, url: `http://${req.headers.host}${req.url}`, headers, rawBody: Buffer.concat(chunks), receivedAt: new Date() });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/tickets?connectorId=conn_1`;
    try {
      await sim.webhooks.deliver(target, ids);
      await sim.webhooks.deliver(target, ids, { forge: true });
    } finally {
      server.close();
    }
    const secret = sim.credentials().clientSecret!;
    expect(verifyHubSpotSignature(received[0]!, secret)).toEqual({ ok: true, signedAt: expect.any(Date) });
    expect(verifyHubSpotSignature(received[1]!, secret).ok).toBe(false);
    expect(parseHubSpotWebhook(received[0]!)).toEqual(ids.map((externalId) => ({ kind: 'ref', externalId, occurredAt: expect.any(String) })));
  });
});

describe('hubspot webhook payloads', () => {
  it('collapses a batch to one item per ticket and ignores other objects', () => {
    const items = parseHubSpotWebhook(request({}));
    expect(items).toEqual([
      { kind: 'ref', externalId: '1246965', occurredAt: new Date(1462216307945).toISOString() },
      { kind: 'deleted', externalId: '1246978', deletedAt: new Date(1462216308001).toISOString() },
      { kind: 'ref', externalId: '1246980', occurredAt: new Date(1462216308100).toISOString() },
    ]);
  });

  it('lets the latest event win, reports merged-away tickets deleted and refreshes on requester changes', () => {
    const raw = Buffer.from(
      JSON.stringify([
        { subscriptionType: 'ticket.deletion', objectId: 5, occurredAt: 10 },
        { subscriptionType: 'ticket.restore', objectId: 5, occurredAt: 20 },
        { subscriptionType: 'ticket.propertyChange', objectId: 6, occurredAt: 10, propertyName: 'subject' },
        { subscriptionType: 'ticket.deletion', objectId: 6, occurredAt: 30 },
        { subscriptionType: 'ticket.merge', primaryObjectId: 7, mergedObjectIds: [8, 7], occurredAt: 40 },
        { subscriptionType: 'ticket.associationChange', associationType: 'TICKET_TO_CONTACT', fromObjectId: 9, toObjectId: 501, associationRemoved: false, occurredAt: 50 },
        { subscriptionType: 'contact.associationChange', associationType: 'CONTACT_TO_TICKET', fromObjectId: 501, toObjectId: 9, associationRemoved: false, occurredAt: 50 },
      ]),
    );
    expect(parseHubSpotWebhook(request({}, { rawBody: raw }))).toEqual([
      { kind: 'ref', externalId: '5', occurredAt: new Date(20).toISOString() },
      { kind: 'deleted', externalId: '6', deletedAt: new Date(30).toISOString() },
      { kind: 'ref', externalId: '7', occurredAt: new Date(40).toISOString() },
      { kind: 'deleted', externalId: '8', deletedAt: new Date(40).toISOString() },
      { kind: 'ref', externalId: '9', occurredAt: new Date(50).toISOString() },
    ]);
  });

  it('refuses bodies that are not HubSpot event arrays', () => {
    expect(() => parseHubSpotWebhook(request({}, { rawBody: Buffer.from('not json') }))).toThrow(/not JSON/);
    expect(() => parseHubSpotWebhook(request({}, { rawBody: Buffer.from('{"objectId":1}') }))).toThrow(/array of events/);
  });

  it('hydrates a whole batch with one batch read, one associations read and one contacts read', async () => {
    const sim = await startHubSpotSimulator({ searchRateLimit: null });
    sims.push(sim);
    const connector = hubspot();
    const ids = await sim.seed(40);
    const probe = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url });
    const info = await connector.testConnection(probe);
    const ctx = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url, metadata: info.metadata ?? {} });
    await sim.remove([ids[0]!]);
    sim.resetStats();
    const tickets = await connector.fetchTickets!(ctx, { externalIds: ids });
    expect(tickets).toHaveLength(39);
    expect(tickets.map((t) => t.externalId)).not.toContain(ids[0]);
    const by = sim.stats().byPath;
    expect(by['/crm/v3/objects/tickets/batch/read']).toBe(1);
    expect(by['/crm/v4/associations/tickets/contacts/batch/read']).toBe(1);
    expect(by['/crm/v3/objects/contacts/batch/read']).toBe(1);
    expect(sim.stats().requests).toBeLessThanOrEqual(5);
    expect(tickets.every((t) => t.url === `https://app.hubspot.com/contacts/62515/ticket/${t.externalId}`)).toBe(true);
    // A second batch within the cache window does not re-read pipelines or owners.
    sim.resetStats();
    await connector.fetchTickets!(ctx, { externalIds: ids.slice(1, 10) });
    expect(sim.stats().byPath['/crm/v3/pipelines/tickets']).toBeUndefined();
    expect(await connector.fetchTicket(ctx, { externalId: ids[0]! })).toBeNull();
  });

  it('gives the exact private-app steps with the target URL and verifies with the client secret field', () => {
    const connector = hubspot();
    expect(connector.webhook?.secretSource).toBe('credentials');
    expect(connector.webhook?.secretField).toBe('clientSecret');
    const steps = connector.webhook!.instructions!({} as never, { url: 'https://app.example.com/api/webhooks/tickets?connectorId=c1', sharedUrl: 'https://app.example.com/api/webhooks/tickets', secret: '[redacted]' });
    expect(steps.steps.join('\n')).toContain('https://app.example.com/api/webhooks/tickets?connectorId=c1');
    expect(steps.steps.join('\n')).toMatch(/Private Apps/);
    expect(steps.steps.join('\n')).toMatch(/Tickets/);
    expect(steps.docsUrl).toMatch(/^https:\/\/developers\.hubspot\.com\//);
  });
});

describe('hubspot webhook replays, end to end through a hub', () => {
  async function connected(options: Parameters<typeof hubspot>[0] = {}) {
    const sim = await startHubSpotSimulator({ searchRateLimit: null });
    sims.push(sim);
    let handler: ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void) | undefined;
    const server = await startHostServer((req, res) => handler!(req, res));
    const hub = createHub({ connectors: [hubspot(options)], store: new MemoryStore(), publicUrl: server.url, ...TEST_HUB_DEFAULTS });
    handler = hub.webhooks.nodeHandler();
    cleanups.push(async () => {
      await hub.close();
      await server.close();
    });
    const events: TicketEvent[] = [];
    hub.on('ticket', (e) => {
      events.push(e);
    });
    const rejected: string[] = [];
    hub.on('webhook.rejected', (r) => rejected.push(r.reason));
    const [id] = await sim.seed(1);
    const conn = await hub.connect({ platform: 'hubspot', credentials: sim.credentials(), baseUrl: sim.url, syncMode: 'webhook' });
    const deletion = (occurredAt: number) => [{ eventId: 77, subscriptionId: 24, portalId: 62515, appId: 987_654, occurredAt, subscriptionType: 'ticket.deletion', attemptNumber: 0, objectId: Number(id), changeSource: 'CRM_UI', changeFlag: 'DELETED' }];
    return { sim, hub, conn, events, rejected, deletion };
  }
  const yearAgo = () => Date.now() - 365 * 86_400_000;

  it('refuses a year-old ticket.deletion replayed with only its v1 signature (401, nothing emitted)', async () => {
    const { sim, conn, events, rejected, deletion } = await connected();
    const res = await sim.webhooks.send(conn.webhookUrl!, deletion(yearAgo()), { omitV3: true });
    expect(res.status).toBe(401);
    expect(rejected[0]).toMatch(/no X-HubSpot-Signature-v3/);
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual([]);
  });

  it('refuses a v3 signature older than five minutes', async () => {
    const { sim, conn, events, deletion } = await connected();
    const res = await sim.webhooks.send(conn.webhookUrl!, deletion(Date.now()), { timestamp: Date.now() - 6 * 60_000 });
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual([]);
  });

  it('with acceptLegacySignatures, accepts v1 only when every event occurred inside the replay window', async () => {
    const { sim, conn, events, rejected, deletion } = await connected({ acceptLegacySignatures: true });
    expect((await sim.webhooks.send(conn.webhookUrl!, deletion(yearAgo()), { omitV3: true })).status).toBe(401);
    expect(rejected[0]).toMatch(/carries no timestamp.*outside|carries no timestamp.*older than/);
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toEqual([]);
    expect((await sim.webhooks.send(conn.webhookUrl!, deletion(Date.now() - 1_000), { omitV3: true })).status).toBe(200);
    await waitFor(() => events.some((e) => e.type === 'ticket.deleted'), 5_000, 'fresh deletion delivered');
  });
});

describe('a rotated app client secret', () => {
  it('verifies webhooks with the new secret once updateCredentials saved it', async () => {
    const sim = await startHubSpotSimulator({ searchRateLimit: null });
    sims.push(sim);
    const ids = await sim.seed(2);
    let hubRef: Hub | undefined;
    const server = await startHostServer((req, res) => hubRef!.webhooks.nodeHandler()(req, res));
    const hub = createHub({ connectors: [hubspot()], store: new MemoryStore(), publicUrl: server.url, ...TEST_HUB_DEFAULTS });
    hubRef = hub;
    try {
      // Connected while the app still had its old secret; HubSpot now signs with the new one.
      const conn = await hub.connect({ platform: 'hubspot', credentials: { ...sim.credentials(), clientSecret: 'old-client-secret-0000' }, baseUrl: sim.url, syncMode: 'both' });
      expect((await sim.webhooks.deliver(conn.webhookUrl!, ids)).status).toBe(401);
      await hub.updateCredentials(conn.id, sim.credentials());
      expect((await sim.webhooks.deliver(conn.webhookUrl!, ids)).status).toBe(200);
    } finally {
      await hub.close();
      await server.close();
    }
  });
});
