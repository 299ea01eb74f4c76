import { createHash, createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebhookRequest } from '@ticketbridge/core';
import { hubspot, parseHubSpotWebhook, verifyHubSpotSignature } from '../src/index.js';
import { startHubSpotSimulator, type HubSpotSimulator } from '../src/testing.js';
import { makeContext } from './helpers.js';

const SECRET = 'b8a6c3f0-9d1e-4c52-8a77-2f5e1d0c9b44';
const URL_ = 'https://app.example.com/api/webhooks/tickets?connectorId=conn_01J%3Aabc';
const body = readFileSync(new URL('./fixtures/webhook-batch.json', import.meta.url));

function request(headers: Record<string, string>, overrides: Partial<WebhookRequest> = {}): WebhookRequest {
  return { method: 'POST', url: URL_, headers, rawBody: body, receivedAt: new Date(), ...overrides };
}
// Computed here by hand from HubSpot's documented recipe, not with the connector's signer.
const v3 = (secret: string, uri: string, ts: string, raw: Buffer = body) => createHmac('sha256', secret).update(`POST${uri}${raw.toString('utf8')}${ts}`).digest('base64');

const sims: HubSpotSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.close();
});

describe('hubspot webhook signatures', () => {
  it('accepts v3 over the URI exactly as received and refuses tampering, wrong secrets and stale timestamps', () => {
    const ts = String(Date.now() - 60_000);
    const ok = request({ 'x-hubspot-signature-v3': v3(SECRET, URL_, ts), 'x-hubspot-request-timestamp': ts });
    expect(verifyHubSpotSignature(ok, SECRET)).toEqual({ ok: true });
    expect(verifyHubSpotSignature(ok, `${SECRET}x`).ok).toBe(false);
    expect(verifyHubSpotSignature({ ...ok, rawBody: Buffer.concat([body, Buffer.from(' ')]) }, SECRET).ok).toBe(false);
    expect(verifyHubSpotSignature({ ...ok, url: URL_.replace('conn_01J', 'conn_02J') }, SECRET).ok).toBe(false);
    const stale = String(Date.now() - 5 * 60_000 - 1_000);
    const old = verifyHubSpotSignature(request({ 'x-hubspot-signature-v3': v3(SECRET, URL_, stale), 'x-hubspot-request-timestamp': stale }), SECRET);
    expect(old).toEqual({ ok: false, reason: expect.stringMatching(/older than 5 minutes/) });
    const future = String(Date.now() + 6 * 60_000);
    expect(verifyHubSpotSignature(request({ 'x-hubspot-signature-v3': v3(SECRET, URL_, future), 'x-hubspot-request-timestamp': future }), SECRET).ok).toBe(false);
    expect(verifyHubSpotSignature(request({ 'x-hubspot-signature-v3': v3(SECRET, URL_, ts) }), SECRET).ok).toBe(false);
  });

  it('also accepts the percent-decoded URI one of HubSpot\'s samples signs', () => {
    const ts = String(Date.now());
    const decoded = decodeURIComponent(URL_);
    expect(verifyHubSpotSignature(request({ 'x-hubspot-signature-v3': v3(SECRET, decoded, ts), 'x-hubspot-request-timestamp': ts }), SECRET)).toEqual({ ok: true });
  });

  it('verifies v1 and v2 when X-HubSpot-Signature-Version says so', () => {
    const v1 = createHash('sha256').update(`${SECRET}${body.toString()}`).digest('hex');
    const v2 = createHash('sha256').update(`${SECRET}POST${URL_}${body.toString()}`).digest('hex');
    expect(verifyHubSpotSignature(request({ 'x-hubspot-signature': v1, 'x-hubspot-signature-version': 'v1' }), SECRET)).toEqual({ ok: true });
    expect(verifyHubSpotSignature(request({ 'x-hubspot-signature': v2, 'x-hubspot-signature-version': 'v2' }), SECRET)).toEqual({ ok: true });
    expect(verifyHubSpotSignature(request({ 'x-hubspot-signature': v1, 'x-hubspot-signature-version': 'v2' }), SECRET).ok).toBe(false);
    expect(verifyHubSpotSignature(request({ 'x-hubspot-signature': v1, 'x-hubspot-signature-version': 'v9' }), SECRET).ok).toBe(false);
    expect(verifyHubSpotSignature(request({}), SECRET).ok).toBe(false);
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
    expect(verifyHubSpotSignature(received[0]!, secret)).toEqual({ ok: true });
    expect(verifyHubSpotSignature(received[1]!, secret).ok).toBe(false);
    expect(parseHubSpotWebhook(received[0]!)).toEqual(ids.map((externalId) => ({ kind: 'ref', externalId })));
  });
});

describe('hubspot webhook payloads', () => {
  it('collapses a batch to one item per ticket and ignores other objects', () => {
    const items = parseHubSpotWebhook(request({}));
    expect(items).toEqual([
      { kind: 'ref', externalId: '1246965' },
      { kind: 'deleted', externalId: '1246978', deletedAt: new Date(1462216308001).toISOString() },
      { kind: 'ref', externalId: '1246980' },
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
      { kind: 'ref', externalId: '5' },
      { kind: 'deleted', externalId: '6', deletedAt: new Date(30).toISOString() },
      { kind: 'ref', externalId: '7' },
      { kind: 'deleted', externalId: '8', deletedAt: new Date(40).toISOString() },
      { kind: 'ref', externalId: '9' },
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
    const probe = await makeContext({ connector, credentials: sim.credentials(), baseUrl: sim.url });
    const info = await connector.testConnection(probe);
    const ctx = await makeContext({ connector, credentials: sim.credentials(), baseUrl: sim.url, metadata: info.metadata ?? {} });
    await sim.remove([ids[0]!]);
    sim.resetStats();
    const tickets = await connector.fetchTickets!(ctx, ids);
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
    await connector.fetchTickets!(ctx, ids.slice(1, 10));
    expect(sim.stats().byPath['/crm/v3/pipelines/tickets']).toBeUndefined();
    expect(await connector.fetchTicket(ctx, ids[0]!)).toBeNull();
  });

  it('gives the exact private-app steps with the target URL and verifies with the client secret field', () => {
    const connector = hubspot();
    expect(connector.webhook?.secretSource).toBe('credentials');
    expect(connector.webhook?.secretField).toBe('clientSecret');
    const steps = connector.webhook!.instructions!({} as never, { url: 'https://app.example.com/api/webhooks/tickets?connectorId=c1', secret: '[redacted]' });
    expect(steps.steps.join('\n')).toContain('https://app.example.com/api/webhooks/tickets?connectorId=c1');
    expect(steps.steps.join('\n')).toMatch(/Private Apps/);
    expect(steps.steps.join('\n')).toMatch(/Tickets/);
    expect(steps.docsUrl).toMatch(/^https:\/\/developers\.hubspot\.com\//);
  });
});
