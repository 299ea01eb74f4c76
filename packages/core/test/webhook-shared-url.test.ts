import { afterEach, describe, expect, it } from 'vitest';
import { defineConnector, MemoryStore, MAX_ROUTE_CANDIDATES, type WebhookRejection, type WebhookTarget } from '../src/index.js';
import { startHubServer, waitFor } from '../src/testing.js';
import { GOOD_TOKEN, MemDesk, memConnector } from './mem-connector.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The secret every connection of the "app" shares, as Atlassian signs every dynamic webhook with the app's secret. */
const APP_SECRET = 'app-wide-secret-0123456789abcdef';

/**
 * MemDesk as a platform that allows one webhook URL per app: `register` takes the shared URL and lists the site as
 * its routing key; deliveries name their site in the body, and `route` reads it back.
 */
async function setup() {
  const desk = new MemDesk();
  const base = memConnector(desk);
  const targets: WebhookTarget[] = [];
  const connector = defineConnector({
    ...base,
    webhook: {
      ...base.webhook!,
      generateSecret: () => APP_SECRET,
      eventId: (_ctx, { request }) => request.headers['x-delivery'],
      async register(ctx, target) {
        targets.push(target);
        return { secret: target.secret, resources: { site: ctx.credentials.subdomain }, routeKeys: [`site:${ctx.credentials.subdomain}`] };
      },
      route({ request }) {
        const body = JSON.parse(request.rawBody.toString('utf8')) as { site?: unknown };
        return typeof body.site === 'string' ? [`site:${body.site}`] : [];
      },
    },
  });
  const started = await startHubServer({ connectors: [connector], store: new MemoryStore() });
  cleanups.push(() => started.close());
  const rejections: WebhookRejection[] = [];
  started.hub.on('webhook.rejected', (r) => rejections.push(r));
  const connect = (subdomain: string) => started.hub.connect({ platform: 'memdesk', credentials: { subdomain, apiToken: GOOD_TOKEN }, syncMode: 'webhook' });
  const send = async (payload: Record<string, unknown>, opts: { secret?: string; delivery?: string; url?: string } = {}) => {
    const body = JSON.stringify(payload);
    const res = await fetch(opts.url ?? started.hub.webhooks.sharedUrl!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mem-signature': desk.sign(body, opts.secret ?? APP_SECRET), ...(opts.delivery ? { 'x-delivery': opts.delivery } : {}) },
      body,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { ...started, desk, targets, rejections, connect, send };
}

describe('deliveries to the shared URL (ConnectorWebhook.route)', () => {
  it('hands register the shared URL beside the per-connection one', async () => {
    const { connect, targets, hub } = await setup();
    const a = await connect('acme');
    expect(hub.webhooks.sharedUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/webhooks\/tickets$/);
    expect(targets).toEqual([{ url: a.webhookUrl, sharedUrl: hub.webhooks.sharedUrl, secret: APP_SECRET }]);
  });

  it('routes a delivery that names no connection to the connection registered for what it names, and only to it', async () => {
    const { connect, send, desk, events } = await setup();
    const acme = await connect('acme');
    const globex = await connect('globex');
    const [id] = desk.add(1);

    expect(await send({ site: 'globex', ids: [id] })).toEqual({ status: 200, body: { ok: true, accepted: 1 } });
    await waitFor(() => events.length === 1, 5_000, 'the routed event');
    expect(events.map((e) => e.connectionId)).toEqual([globex.id]);

    expect((await send({ site: 'acme', ids: [id] })).body).toEqual({ ok: true, accepted: 1 });
    await waitFor(() => events.length === 2, 5_000, 'the second routed event');
    expect(events.map((e) => e.connectionId)).toEqual([globex.id, acme.id]);
  });

  it('gives a delivery to every connection registered for it (one event matched the webhooks of two)', async () => {
    const { connect, send, desk, events } = await setup();
    const first = await connect('acme');
    const second = await connect('acme');
    const [id] = desk.add(1);
    expect(await send({ site: 'acme', ids: [id] }, { delivery: 'd-1' })).toEqual({ status: 200, body: { ok: true, accepted: 2 } });
    await waitFor(() => events.length === 2, 5_000, 'both events');
    expect(events.map((e) => e.connectionId).sort()).toEqual([first.id, second.id].sort());
    // The sender's retry: each connection remembers the delivery id.
    expect(await send({ site: 'acme', ids: [id] }, { delivery: 'd-1' })).toEqual({ status: 200, body: { ok: true, accepted: 0, duplicate: true } });
  });

  it('answers 404 and emits nothing for a delivery no registration matches, and 401 for a bad signature', async () => {
    const { connect, send, desk, events, rejections } = await setup();
    const acme = await connect('acme');
    const [id] = desk.add(1);
    expect(await send({ site: 'initech', ids: [id] })).toMatchObject({ status: 404, body: { ok: false, error: expect.stringMatching(/no connection is registered/) } });
    expect(await send({ ids: [id] })).toMatchObject({ status: 404 });
    expect(await send({ site: 'acme', ids: [id] }, { secret: 'not-the-app-secret-0123456789' })).toMatchObject({ status: 401, body: { error: expect.stringMatching(/^signature rejected/) } });
    expect(rejections.map((r) => [r.connectionId, r.status])).toEqual([
      [null, 404],
      [null, 404],
      [acme.id, 401],
    ]);
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toEqual([]);
  });

  it('keeps routing by connectorId for URLs that carry one', async () => {
    const { connect, send, desk, events } = await setup();
    const acme = await connect('acme');
    const globex = await connect('globex');
    const [id] = desk.add(1);
    // The URL names globex: the body's site is not consulted.
    expect((await send({ site: 'acme', ids: [id] }, { url: globex.webhookUrl! })).status).toBe(200);
    await waitFor(() => events.length === 1, 5_000, 'the event');
    expect(events[0]!.connectionId).toBe(globex.id);
    expect(acme.id).not.toBe(globex.id);
  });

  it('stops routing to a disconnected connection', async () => {
    const { connect, send, desk, hub } = await setup();
    const acme = await connect('acme');
    const [id] = desk.add(1);
    await hub.disconnect(acme.id);
    expect((await send({ site: 'acme', ids: [id] })).status).toBe(404);
  });

  it(`refuses with 400 a delivery that would reach more than ${MAX_ROUTE_CANDIDATES} connections`, async () => {
    const { connect, send, desk, events } = await setup();
    for (let i = 0; i <= MAX_ROUTE_CANDIDATES; i++) await connect('acme');
    const [id] = desk.add(1);
    expect(await send({ site: 'acme', ids: [id] })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/more than 25 connections/) } });
    expect(events).toEqual([]);
  });

  it('ignores a route hook that throws on a payload it does not understand', async () => {
    const { connect, hub } = await setup();
    await connect('acme');
    const res = await hub.webhooks.handle({ method: 'POST', url: hub.webhooks.sharedUrl!, headers: {}, body: Buffer.from('not json') });
    expect(res.status).toBe(404);
  });
});
