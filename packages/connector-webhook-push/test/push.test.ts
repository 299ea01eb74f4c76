import { createHmac, randomUUID } from 'node:crypto';
import { CredentialsError, MemoryStore } from '@ticketbridge/core';
import { startHubServer } from '@ticketbridge/core/testing';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { webhookPush } from '../src/index.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const mapping = {
  id: 'ticket.id',
  updatedAt: 'ticket.updated_at',
  createdAt: 'ticket.created_at',
  subject: 'ticket.title',
  description: { path: 'ticket.body', default: '' },
  status: { path: 'ticket.state', map: { Open: 'open', Waiting: 'pending', Done: 'solved' } },
  priority: { path: 'ticket.urgency', map: { '1': 'urgent', '2': 'high', '3': 'normal', '4': 'low' }, default: 'normal' },
  requester: { id: 'ticket.customer.id', name: 'ticket.customer.name', email: 'ticket.customer.email' },
  tags: 'ticket.labels',
  customFields: { plan: 'ticket.account.plan' },
  eventType: { path: 'type', deleted: ['ticket.deleted'] },
};

const event = (id: string, overrides: Record<string, unknown> = {}, type = 'ticket.updated') => ({
  type,
  ticket: {
    id,
    title: `Printer on fire #${id}`,
    body: 'It is on fire.',
    state: 'Open',
    urgency: 2,
    customer: { id: 'c-9', name: 'Zoë Ñandú', email: 'zoe@example.com' },
    labels: ['hardware', 'fire'],
    account: { plan: 'enterprise' },
    created_at: '2026-11-30T08:00:00Z',
    updated_at: new Date(Date.now() - 1000).toISOString(),
    unmapped_field: { kept: 'in raw' },
    ...overrides,
  },
});

async function setup() {
  const started = await startHubServer({ connectors: [webhookPush()], store: new MemoryStore() });
  cleanups.push(() => started.close());
  const { hub, events } = started;
  const post = async (url: string, body: string, headers: Record<string, string>) => {
    const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    return { status: res.status, body: (await res.json()) as { ok: boolean; error?: string; accepted?: number; duplicate?: boolean } };
  };
  const settled = async () => {
    // Accepted deliveries reach the host from the inbox right after the answer.
    await new Promise((r) => setTimeout(r, 50));
  };
  return { hub, events, post, settled };
}

describe('Webhook Push with Standard Webhooks (signed by the official standardwebhooks library)', () => {
  it('connects with a whsec_ secret and exact instructions, maps a signed event, keeps unmapped fields in raw', async () => {
    const { hub, events, post, settled } = await setup();
    const conn = await hub.connect({ platform: 'webhook-push', syncMode: 'webhook', credentials: { name: 'Acme Helpdesk', verification: 'standard-webhooks', mapping } });
    const secret = conn.webhookSecret!;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(conn.webhookSetup.kind).toBe('manual');
    const steps = conn.webhookSetup.kind === 'manual' ? conn.webhookSetup.instructions.steps.join('\n') : '';
    expect(steps).toContain(`Endpoint URL: ${hub.webhooks.urlFor(conn.id)}`);
    expect(steps).toContain(`Signing secret: ${secret}`);
    expect(steps).toMatch(/webhook-signature: v1,/);
    expect(JSON.stringify(await hub.list())).not.toContain(secret);

    const body = JSON.stringify(event('T-1'));
    const msgId = `msg_${randomUUID()}`;
    const headers = { 'webhook-id': msgId, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) };
    const signature = new Webhook(secret).sign(msgId, new Date(Number(headers['webhook-timestamp']) * 1000), body);
    const res = await post(hub.webhooks.urlFor(conn.id)!, body, { ...headers, 'webhook-signature': signature });
    expect(res).toEqual({ status: 200, body: { ok: true, accepted: 1 } });
    await settled();
    expect(events).toHaveLength(1);
    const t = events[0]!.ticket;
    expect(events[0]!.source).toBe('webhook');
    expect(t).toMatchObject({
      externalId: 'T-1',
      platform: 'webhook-push',
      subject: 'Printer on fire #T-1',
      status: 'open',
      rawStatus: 'Open',
      priority: 'high',
      rawPriority: '2',
      requester: { externalId: 'c-9', name: 'Zoë Ñandú', email: 'zoe@example.com' },
      tags: ['hardware', 'fire'],
      customFields: { plan: 'enterprise' },
      createdAt: '2026-11-30T08:00:00.000Z',
      deleted: false,
    });
    expect((t.raw as { ticket: { unmapped_field: unknown } }).ticket.unmapped_field).toEqual({ kept: 'in raw' });

    // The sender retries the same message: accepted again, emitted once.
    const again = await post(hub.webhooks.urlFor(conn.id)!, body, { ...headers, 'webhook-signature': signature });
    expect(again).toEqual({ status: 200, body: { ok: true, accepted: 0, duplicate: true } });
    // A retry whose body was re-rendered (a new updated_at) is still the same message.
    const rerendered = JSON.stringify(event('T-1', { updated_at: new Date().toISOString(), state: 'Done' }));
    const retry = await post(hub.webhooks.urlFor(conn.id)!, rerendered, { ...headers, 'webhook-signature': new Webhook(secret).sign(msgId, new Date(Number(headers['webhook-timestamp']) * 1000), rerendered) });
    expect(retry.body.duplicate).toBe(true);
    await settled();
    expect(events).toHaveLength(1);
  });

  it('refuses a forged signature, a stale timestamp and a missing webhook-id with 401, emitting nothing', async () => {
    const { hub, events, post, settled } = await setup();
    const conn = await hub.connect({ platform: 'webhook-push', syncMode: 'webhook', credentials: { name: 'Acme', verification: 'standard-webhooks', mapping } });
    const url = hub.webhooks.urlFor(conn.id)!;
    const body = JSON.stringify(event('T-2'));
    const forger = new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`);
    const now = new Date();
    const forged = await post(url, body, { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': forger.sign('msg_1', now, body) });
    expect(forged.status).toBe(401);
    const old = new Date(Date.now() - 10 * 60_000);
    const stale = await post(url, body, { 'webhook-id': 'msg_2', 'webhook-timestamp': String(Math.floor(old.getTime() / 1000)), 'webhook-signature': new Webhook(conn.webhookSecret!).sign('msg_2', old, body) });
    expect(stale.status).toBe(401);
    expect(stale.body.error).toMatch(/replay window/);
    const noId = await post(url, body, { 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(conn.webhookSecret!).sign('msg_3', now, body) });
    expect(noId.status).toBe(401);
    await settled();
    expect(events).toEqual([]);
  });

  it('maps arrays; one bad event fails the request with 400 naming every failing path, and nothing is emitted', async () => {
    const { hub, events, post, settled } = await setup();
    const conn = await hub.connect({ platform: 'webhook-push', syncMode: 'webhook', credentials: { name: 'Acme', verification: 'standard-webhooks', mapping } });
    const url = hub.webhooks.urlFor(conn.id)!;
    const send = (payload: unknown) => {
      const body = JSON.stringify(payload);
      const id = `msg_${randomUUID()}`;
      const at = new Date();
      return post(url, body, { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(conn.webhookSecret!).sign(id, at, body) });
    };
    const bad = await send([event('A'), event('B', { updated_at: 'last tuesday', state: 'Escalated' }), event('C', { id: null })]);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('$[1].ticket.updated_at: is not a date (auto): "last tuesday"');
    expect(bad.body.error).toContain('$[1].ticket.state: the status "Escalated" is not in the mapping\'s table and there is no default');
    expect(bad.body.error).toContain('$[2].ticket.id: is required and missing');
    const notJson = await send('not an object');
    expect(notJson.status).toBe(400);
    await settled();
    expect(events).toEqual([]);

    const good = await send([event('A'), event('B'), event('C', {}, 'ticket.deleted')]);
    expect(good).toEqual({ status: 200, body: { ok: true, accepted: 3 } });
    await settled();
    expect(events.map((e) => [e.type, e.ticket.externalId])).toEqual([
      ['ticket.created', 'A'],
      ['ticket.created', 'B'],
      ['ticket.deleted', 'C'],
    ]);
  });
});

describe('Webhook Push with an HMAC header, a token, or nothing', () => {
  it('verifies a sha1/hex HMAC with a prefix over the body, computed here with node:crypto', async () => {
    const { hub, events, post, settled } = await setup();
    const conn = await hub.connect({
      platform: 'webhook-push',
      syncMode: 'webhook',
      credentials: { name: 'Legacy desk', verification: 'hmac', hmac: JSON.stringify({ header: 'X-Desk-Signature', algorithm: 'sha1', encoding: 'hex', prefix: 'sha1=' }), mapping: JSON.stringify(mapping) },
    });
    const url = hub.webhooks.urlFor(conn.id)!;
    const body = JSON.stringify(event('H-1'));
    const good = `sha1=${createHmac('sha1', conn.webhookSecret!).update(body).digest('hex')}`;
    expect((await post(url, body, { 'x-desk-signature': good })).status).toBe(200);
    expect((await post(url, body, { 'x-desk-signature': good.replace(/.$/, (c) => (c === '0' ? '1' : '0')) })).status).toBe(401);
    expect((await post(url, body, {})).status).toBe(401);
    await settled();
    expect(events.map((e) => e.ticket.externalId)).toEqual(['H-1']);
  });

  it('accepts the shared token header, and unsigned requests only when the host allowed them', async () => {
    const { hub, events, post, settled } = await setup();
    const token = await hub.connect({ platform: 'webhook-push', syncMode: 'webhook', credentials: { name: 'Token desk', verification: 'token', tokenHeader: 'X-Push-Token', mapping } });
    const body = JSON.stringify(event('K-1'));
    expect((await post(hub.webhooks.urlFor(token.id)!, body, { 'x-push-token': token.webhookSecret! })).status).toBe(200);
    expect((await post(hub.webhooks.urlFor(token.id)!, body, { 'x-push-token': 'guess' })).status).toBe(401);

    // A sender that names its deliveries in the body: a retry with a re-rendered updated_at is still one delivery.
    const keyed = await hub.connect({ platform: 'webhook-push', syncMode: 'webhook', credentials: { name: 'Keyed', verification: 'token', mapping: { ...mapping, events: 'events', idempotencyKey: 'delivery_id' } } });
    const first = await post(hub.webhooks.urlFor(keyed.id)!, JSON.stringify({ delivery_id: 'd-77', events: [event('K-2')] }), { 'x-webhook-token': keyed.webhookSecret! });
    expect(first.body).toEqual({ ok: true, accepted: 1 });
    const retry = await post(hub.webhooks.urlFor(keyed.id)!, JSON.stringify({ delivery_id: 'd-77', events: [event('K-2', { updated_at: new Date().toISOString() })] }), { 'x-webhook-token': keyed.webhookSecret! });
    expect(retry.body).toEqual({ ok: true, accepted: 0, duplicate: true });

    const refused = (await hub.connect({ platform: 'webhook-push', syncMode: 'webhook', credentials: { name: 'Open', verification: 'none', mapping } }).catch((e: unknown) => e)) as CredentialsError;
    expect(refused.field).toBe('allowUnsigned');
    const open = await hub.connect({ platform: 'webhook-push', syncMode: 'webhook', credentials: { name: 'Open', verification: 'none', allowUnsigned: true, mapping } });
    expect((await post(hub.webhooks.urlFor(open.id)!, JSON.stringify(event('U-1')), {})).status).toBe(200);
    await settled();
    expect(events.map((e) => e.ticket.externalId)).toEqual(['K-1', 'K-2', 'U-1']);
  });
});

describe('the mapping, checked when connecting', () => {
  it('names the path of each mistake: a bad path, a status outside the model, a missing required field', async () => {
    const { hub } = await setup();
    const attempt = (m: unknown): Promise<CredentialsError> => hub.connect({ platform: 'webhook-push', syncMode: 'webhook', credentials: { name: 'x', verification: 'token', mapping: m as Record<string, unknown> } }).then(() => { throw new Error("connected"); }, (e: unknown) => e as CredentialsError);
    const badPath = await attempt({ ...mapping, subject: 'ticket..title' });
    expect(badPath.field).toBe('mapping');
    expect(badPath.message).toMatch(/subject.*not a path/s);
    const badStatus = await attempt({ ...mapping, status: { path: 'ticket.state', map: { Open: 'opened' } } });
    expect(badStatus.message).toMatch(/status.*map.*Open/s);
    const noUpdated = await attempt({ id: 'ticket.id' });
    expect(noUpdated.message).toMatch(/updatedAt/);
    const notJson = await attempt('{ id: ');
    expect(notJson.message).toMatch(/not valid JSON/);
    const unknownKey = await attempt({ ...mapping, subjcet: 'x' });
    expect(unknownKey.message).toMatch(/subjcet/);
  });

  it('reads dates without an offset in the mapping\'s time zone, and epoch numbers', async () => {
    const { hub, events, post, settled } = await setup();
    const conn = await hub.connect({
      platform: 'webhook-push',
      syncMode: 'webhook',
      credentials: { name: 'Berlin', verification: 'none', allowUnsigned: true, mapping: { id: 'id', updatedAt: 'changed', createdAt: 'made', timeZone: 'Europe/Berlin' } },
    });
    const changed = new Date(Date.now() - 1000);
    const wall = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Berlin', dateStyle: 'short', timeStyle: 'medium' }).format(changed);
    const res = await post(hub.webhooks.urlFor(conn.id)!, JSON.stringify({ id: 7, changed: wall, made: 1_764_489_600 }), {});
    expect(res.status).toBe(200);
    await settled();
    expect(events[0]!.ticket.updatedAt).toBe(new Date(Math.floor(changed.getTime() / 1000) * 1000).toISOString());
    expect(events[0]!.ticket.createdAt).toBe(new Date(1_764_489_600_000).toISOString());
    expect(events[0]!.ticket.externalId).toBe('7');
  });
});

describe('nothing the sender sent is lost', () => {
  it('keeps a payload that fails the mapping as a dead letter in the history, and replays it once the mapping is fixed', async () => {
    const { hub, events, post, settled } = await setup();
    const conn = await hub.connect({ platform: 'webhook-push', syncMode: 'webhook', credentials: { name: 'Acme', verification: 'token', mapping } });
    const url = hub.webhooks.urlFor(conn.id)!;
    // The sender started writing "Blocked", which the mapping does not know yet.
    const res = await post(url, JSON.stringify(event('D-1', { state: 'Blocked' })), { 'x-webhook-token': conn.webhookSecret! });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/the status "Blocked" is not in the mapping's table.*kept as dead letter dl_/);
    await settled();
    expect(events).toEqual([]);
    const [failedRun] = await hub.history(conn.id);
    expect(failedRun).toMatchObject({ trigger: 'webhook', status: 'failed', errors: [expect.objectContaining({ code: 'webhook', status: 400 })] });
    expect(failedRun!.note).toMatch(/dead letter dl_/);
    const letters = await hub.deadLetters(conn.id);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.headers['x-webhook-token']).toBe('[redacted]');
    expect(JSON.stringify(letters)).not.toContain(conn.webhookSecret);

    // Replaying before the fix changes nothing and keeps the letter.
    expect(await hub.replayDeadLetters(conn.id)).toMatchObject({ replayed: 0, failed: [{ id: letters[0]!.id }] });
    const fixed = { ...mapping, status: { ...mapping.status, map: { ...mapping.status.map, Blocked: 'on_hold' } } };
    await hub.updateCredentials(conn.id, { name: 'Acme', verification: 'token', mapping: fixed });
    expect(await hub.replayDeadLetters(conn.id)).toEqual({ replayed: 1, accepted: 1, failed: [] });
    await settled();
    expect(events.map((e) => [e.ticket.externalId, e.ticket.status, e.ticket.rawStatus])).toEqual([['D-1', 'on_hold', 'Blocked']]);
    expect(await hub.deadLetters(conn.id)).toEqual([]);
    // The webhook secret and URL survived the settings change.
    expect((await post(url, JSON.stringify(event('D-2')), { 'x-webhook-token': conn.webhookSecret! })).status).toBe(200);
  });

  it('rotates the signing secret with a grace period in which both verify', async () => {
    const { hub, events, post, settled } = await setup();
    const conn = await hub.connect({ platform: 'webhook-push', syncMode: 'webhook', credentials: { name: 'Acme', verification: 'standard-webhooks', mapping } });
    const url = hub.webhooks.urlFor(conn.id)!;
    const send = (secret: string, id: string) => {
      const body = JSON.stringify(event(id));
      const at = new Date();
      return post(url, body, { 'webhook-id': `msg_${id}`, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(`msg_${id}`, at, body) });
    };
    const rotated = await hub.rotateWebhookSecret(conn.id, { graceMs: 60_000 });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(conn.webhookSecret);
    expect(rotated.instructions!.steps.join('\n')).toContain(rotated.secret);
    expect((await send(conn.webhookSecret!, 'R-1')).status).toBe(200);
    expect((await send(rotated.secret, 'R-2')).status).toBe(200);
    // A grace period that is over: only the new secret verifies.
    const again = await hub.rotateWebhookSecret(conn.id, { graceMs: 0 });
    expect((await send(rotated.secret, 'R-3')).status).toBe(401);
    expect((await send(conn.webhookSecret!, 'R-4')).status).toBe(200); // the first grace period still runs
    expect((await send(again.secret, 'R-5')).status).toBe(200);
    await settled();
    expect(events.map((e) => e.ticket.externalId)).toEqual(['R-1', 'R-2', 'R-4', 'R-5']);
    expect(JSON.stringify(await hub.list())).not.toContain(again.secret);
  });
});
