import { afterEach, describe, expect, it } from 'vitest';
import { defineConnector, MemoryStore } from '../src/index.js';
import { waitFor, startHubServer } from '../src/testing.js';
import { GOOD_TOKEN, MemDesk, memConnector } from './mem-connector.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** MemDesk whose deliveries carry an id that the platform keeps on retries, counting hydrations. */
async function setup(header: string | undefined) {
  const desk = new MemDesk();
  const base = memConnector(desk);
  const fetched: string[] = [];
  const connector = defineConnector({
    ...base,
    fetchTicket: async (ctx, input) => {
      fetched.push(input.externalId);
      return base.fetchTicket(ctx as Parameters<typeof base.fetchTicket>[0], input);
    },
    webhook: { ...base.webhook!, ...(header ? { eventId: (_ctx, { request }) => request.headers[header.toLowerCase()] } : {}) },
  });
  const started = await startHubServer({ connectors: [connector], store: new MemoryStore() });
  cleanups.push(() => started.close());
  const { hub, events } = started;
  const conn = await hub.connect({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: GOOD_TOKEN }, syncMode: 'webhook' });
  const [id] = desk.add(1);
  const send = (deliveryId: string, body = JSON.stringify({ ids: [id] })) =>
    fetch(conn.webhookUrl!, { method: 'POST', headers: { 'content-type': 'application/json', 'x-mem-signature': desk.sign(body, conn.webhookSecret!), 'x-delivery': deliveryId }, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
  return { send, fetched, events, desk, id: id! };
}

describe('webhook event ids (webhook.eventId)', () => {
  it('answers a retried delivery 200 without parsing or hydrating it again', async () => {
    const { send, fetched, events } = await setup('X-Delivery');
    expect((await send('d-1')).body).toEqual({ ok: true, accepted: 1 });
    expect(await send('d-1')).toEqual({ status: 200, body: { ok: true, accepted: 0, duplicate: true } });
    expect(fetched).toHaveLength(1);
    // Another delivery id is another delivery.
    expect((await send('d-2')).body.accepted).toBe(1);
    expect(fetched).toHaveLength(2);
    await waitFor(() => events.length === 1, 5_000, 'event');
  });

  it('processes every delivery of a connector that names no event id (the version dedupe then drops repeats)', async () => {
    const { send, fetched } = await setup(undefined);
    await send('d-1');
    await send('d-1');
    expect(fetched).toHaveLength(2);
  });
});
