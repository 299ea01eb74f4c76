import { createHub, MemoryStore, type Hub, type TicketEvent, type WebhookMaintained } from '@ticketbridge/core';
import { ManualScheduler, startHostServer, TEST_HUB_DEFAULTS, waitFor } from '@ticketbridge/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { DYNAMIC_REFRESH_EVERY_MS, jira } from '../src/index.js';
import { startJiraSimulator, type JiraSimulator, type JiraSimulatorOptions } from '../src/testing.js';
import { startOAuthHub } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const REDIRECT = 'https://app.example.com/jira/callback';
const CLIENT_SECRET = 'app-secret-0123456789-abcdef';
const DAY = 24 * 3_600_000;

async function setup(options: JiraSimulatorOptions = {}) {
  const sim = await startJiraSimulator({ seed: 11, ...options });
  cleanups.push(() => sim.close());
  const client = sim.oauth.addClient({ clientId: 'ticketbridge-app', clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT], allowedScopes: null });
  const store = new MemoryStore();
  const scheduler = new ManualScheduler();
  const { hub, events } = await startOAuthHub({ clientSecret: CLIENT_SECRET, redirectUri: REDIRECT, cleanups, store, scheduler });
  const rejected: string[] = [];
  hub.on('webhook.rejected', (r) => rejected.push(`${r.status} ${r.reason}`));
  const maintained: WebhookMaintained[] = [];
  hub.on('webhook.maintained', (m) => maintained.push(m));
  return { sim, hub, store, scheduler, events, rejected, maintained };
}

async function connectOAuth(hub: Hub, sim: JiraSimulator, syncMode: 'webhook' | 'both' = 'both') {
  const request = await hub.oauth.authorizationUrl({ platform: 'jira', credentials: { method: 'oauth', subdomain: 'acme' }, baseUrl: sim.url, syncMode });
  expect(request.scopes).toContain('manage:jira-webhook');
  const res = await fetch(request.url, { redirect: 'manual' });
  const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
  return hub.connect({ platform: 'jira', credentials: { method: 'oauth', subdomain: 'acme' }, baseUrl: sim.url, syncMode, oauth: { code } });
}

/** Moves the stored upkeep clock back, as if the last registration or refresh was `ms` ago. */
async function age(store: MemoryStore, id: string, ms: number) {
  const c = (await store.getConnection(id))!;
  await store.saveConnection({ ...c, webhook: { ...c.webhook!, maintenance: { ...c.webhook!.maintenance!, okAt: new Date(Date.now() - ms).toISOString() } } });
}

describe('dynamic webhooks of an OAuth 2.0 (3LO) connection', () => {
  it('registers one on connect (the six events, project in (…), the shared URL) and accepts a delivery with a valid JWT', async () => {
    const { sim, hub, store, events } = await setup();
    const [id] = await sim.create(1);
    const conn = await connectOAuth(hub, sim, 'webhook');
    expect(conn.webhookSetup.kind).toBe('registered');
    expect(conn.webhookSecret).toBeUndefined();
    const post = sim.requests().find((r) => r.method === 'POST' && r.path === '/rest/api/3/webhook')!;
    // One URL per app: the shared one, without the connection id; the delivery finds its connection by its content.
    expect(post.body).toEqual({
      url: hub.webhooks.sharedUrl,
      webhooks: [{ events: ['jira:issue_created', 'jira:issue_updated', 'jira:issue_deleted', 'comment_created', 'comment_updated', 'comment_deleted'], jqlFilter: 'project in ("SUP", "HELP")' }],
    });
    const stored = (await store.getConnection(conn.id))!.webhook!;
    expect(stored.secretFrom).toBe('oauth_client');
    expect(stored.registration!.resources).toMatchObject({ kind: 'dynamic', webhookIds: [sim.dynamicWebhooks.list()[0]!.id] });
    // The app's client secret verifies deliveries, but is never shown to the host.
    expect(JSON.stringify(conn)).not.toContain(CLIENT_SECRET);
    expect(JSON.stringify(await hub.get(conn.id))).not.toContain(CLIENT_SECRET);

    const [res] = await sim.dynamicWebhooks.deliver([id!]);
    expect(res!.status).toBe(200);
    await waitFor(() => events.length === 1, 5_000, 'ticket event');
    expect(events[0]!.ticket.externalId).toBe(id);
    // A retry of the same delivery (same X-Atlassian-Webhook-Identifier) is not a new event.
    expect(JSON.parse((await sim.dynamicWebhooks.retryLast(1)).body)).toMatchObject({ duplicate: true });
  });

  it('refuses an expired, alg-none, wrong-secret, tampered or missing JWT (401), emitting and reading nothing', async () => {
    const { sim, hub, events, rejected } = await setup();
    const [id] = await sim.create(1);
    await connectOAuth(hub, sim);
    sim.resetStats();
    for (const token of ['expired', 'alg-none', 'wrong-secret', 'tampered', 'missing'] as const) {
      const [res] = await sim.dynamicWebhooks.deliver([id!], { token });
      expect(res!.status, token).toBe(401);
    }
    expect(rejected).toHaveLength(5);
    expect(rejected[0]).toMatch(/token expired/);
    expect(rejected[1]).toMatch(/alg "none" is not HS256/);
    expect(rejected[2]).toMatch(/signature mismatch/);
    expect(rejected[3]).toMatch(/signature mismatch/);
    expect(rejected[4]).toMatch(/missing x-hub-signature|missing Authorization/);
    expect(rejected.join('\n')).not.toContain(CLIENT_SECRET);
    expect(sim.stats().byPath[`/ex/jira/${sim.cloudId}/rest/api/3/issue/${id}`]).toBeUndefined();
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toEqual([]);
  });

  it('a body changed under a valid JWT (which does not cover the body) cannot delete a live ticket: the issue is read afresh', async () => {
    const { sim, hub, events } = await setup();
    const [id] = await sim.create(1);
    await connectOAuth(hub, sim);
    const [res] = await sim.dynamicWebhooks.deliver([id!], { tamper: 'body' });
    expect(res!.status).toBe(200);
    await waitFor(() => events.length === 1, 5_000, 'event');
    expect(events[0]!.type).toBe('ticket.created');
  });

  it('refreshes on schedule (every 20 days) so the webhook outlives its 30 days, and records each run', async () => {
    const { sim, hub, store, scheduler, maintained } = await setup();
    const [id] = await sim.create(1);
    const conn = await connectOAuth(hub, sim);
    const key = `maintain:${conn.id}`;
    expect(scheduler.jobs.get(key)!.delayMs).toBeGreaterThan(DYNAMIC_REFRESH_EVERY_MS - 60_000);
    const [hook] = sim.dynamicWebhooks.list();

    // Twenty days later the upkeep is due: the webhook is listed, then refreshed for another 30 days.
    sim.dynamicWebhooks.advance(20 * DAY);
    await age(store, conn.id, DYNAMIC_REFRESH_EVERY_MS);
    sim.resetStats();
    await scheduler.fire(key);
    expect(sim.requests().map((r) => `${r.method} ${r.path}`)).toEqual(['GET /rest/api/3/webhook', 'PUT /rest/api/3/webhook/refresh']);
    expect(sim.requests()[1]!.body).toEqual({ webhookIds: [hook!.id] });
    expect(maintained).toMatchObject([{ connectionId: conn.id, platform: 'jira', ok: true, note: expect.stringMatching(/^refreshed webhook \d+ until /) }]);
    expect(scheduler.jobs.get(key)!.delayMs).toBe(DYNAMIC_REFRESH_EVERY_MS);
    const after = sim.dynamicWebhooks.list()[0]!;
    expect(Date.parse(after.expiresAt)).toBeGreaterThan(Date.parse(hook!.expiresAt) + 19 * DAY);
    const stored = (await store.getConnection(conn.id))!.webhook!;
    expect((stored.registration!.resources as { expiresAt: string }).expiresAt).toBe(after.expiresAt);
    expect(stored.maintenance!.note).toMatch(/^refreshed/);

    // Day 35: past the first 30 days, the refreshed webhook still delivers.
    sim.dynamicWebhooks.advance(15 * DAY);
    expect(sim.dynamicWebhooks.list()[0]!.expired).toBe(false);
    const [res] = await sim.dynamicWebhooks.deliver([id!]);
    expect(res!.status).toBe(200);
  });

  it('re-registers a webhook Jira let expire (not listed any more), and the new one delivers', async () => {
    const { sim, hub, store, scheduler, maintained, events } = await setup({ dynamicExpirationDate: 'string' });
    const [id] = await sim.create(1);
    const conn = await connectOAuth(hub, sim);
    const [old] = sim.dynamicWebhooks.list();
    sim.dynamicWebhooks.advance(31 * DAY);
    // Expired: Jira sends nothing any more.
    expect(await sim.dynamicWebhooks.deliver([id!])).toEqual([]);
    await age(store, conn.id, DYNAMIC_REFRESH_EVERY_MS);
    sim.resetStats();
    await scheduler.fire(`maintain:${conn.id}`);
    expect(sim.requests().map((r) => `${r.method} ${r.path}`)).toEqual(['GET /rest/api/3/webhook', 'DELETE /rest/api/3/webhook', 'POST /rest/api/3/webhook']);
    expect(maintained[0]).toMatchObject({ ok: true, note: expect.stringMatching(/^re-registered: webhook \d+ had expired or was removed; now \d+$/) });
    const live = sim.dynamicWebhooks.list().filter((w) => !w.expired);
    expect(live).toHaveLength(1);
    expect(live[0]!.id).not.toBe(old!.id);
    expect((await store.getConnection(conn.id))!.webhook!.registration!.resources).toMatchObject({ kind: 'dynamic', webhookIds: [live[0]!.id] });
    const [res] = await sim.dynamicWebhooks.deliver([id!]);
    expect(res!.status).toBe(200);
    await waitFor(() => events.length === 1, 5_000, 'event');

    // The refresh reads Jira's string spelling of expirationDate too.
    await age(store, conn.id, DYNAMIC_REFRESH_EVERY_MS);
    await scheduler.fire(`maintain:${conn.id}`);
    expect(maintained[1]).toMatchObject({ ok: true, note: expect.stringMatching(/^refreshed/) });
  });

  it('deletes the webhook on disconnect and stops its upkeep', async () => {
    const { sim, hub, scheduler } = await setup();
    const conn = await connectOAuth(hub, sim);
    const [hook] = sim.dynamicWebhooks.list();
    await hub.disconnect(conn.id);
    const del = sim.requests().find((r) => r.method === 'DELETE' && r.path === '/rest/api/3/webhook')!;
    expect(del.body).toEqual({ webhookIds: [hook!.id] });
    expect(sim.dynamicWebhooks.list()).toEqual([]);
    expect(scheduler.jobs.has(`maintain:${conn.id}`)).toBe(false);
  });

  it('a poll-only OAuth connection asks for no webhook scope and registers nothing', async () => {
    const { sim, hub } = await setup();
    const request = await hub.oauth.authorizationUrl({ platform: 'jira', credentials: { method: 'oauth', subdomain: 'acme' }, baseUrl: sim.url, syncMode: 'poll' });
    expect(request.scopes).not.toContain('manage:jira-webhook');
  });
});

describe('one URL per app: deliveries to the shared URL find their connections by site and matched webhook ids', () => {
  /** One hub, one OAuth app, several Jira sites (each simulator is a site; auth.atlassian.com is each one's own). */
  async function sites(...subdomains: string[]) {
    const { hub, store, events } = await startOAuthHub({ clientSecret: CLIENT_SECRET, redirectUri: REDIRECT, cleanups, scheduler: new ManualScheduler() });
    const rejected: Array<{ connectionId: string | null; status: number }> = [];
    hub.on('webhook.rejected', (r) => rejected.push({ connectionId: r.connectionId, status: r.status }));
    const sims: JiraSimulator[] = [];
    for (const [i, subdomain] of subdomains.entries()) {
      const sim = await startJiraSimulator({ seed: 30 + i, subdomain });
      cleanups.push(() => sim.close());
      sim.oauth.addClient({ clientId: 'ticketbridge-app', clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT], allowedScopes: null });
      sims.push(sim);
    }
    const connect = async (sim: JiraSimulator, projectKeys?: string) => {
      const credentials = { method: 'oauth', subdomain: sim.credentials().subdomain, ...(projectKeys ? { projectKeys } : {}) };
      const request = await hub.oauth.authorizationUrl({ platform: 'jira', credentials, baseUrl: sim.url, syncMode: 'both' });
      const res = await fetch(request.url, { redirect: 'manual' });
      const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
      return hub.connect({ platform: 'jira', credentials, baseUrl: sim.url, syncMode: 'both', oauth: { code } });
    };
    return { hub, store, sims, events, rejected, connect };
  }

  it('routes each site\'s delivery to that site\'s connection, although both sites numbered their webhooks alike', async () => {
    const { hub, sims, events, connect } = await sites('acme', 'globex');
    const [acme, globex] = sims as [JiraSimulator, JiraSimulator];
    const acmeConn = await connect(acme);
    const globexConn = await connect(globex);
    // Both registered the one shared URL, and Jira numbers webhooks per site: the ids collide.
    expect([...acme.dynamicWebhooks.list(), ...globex.dynamicWebhooks.list()].map((w) => [w.id, w.url])).toEqual([
      [10000, hub.webhooks.sharedUrl],
      [10000, hub.webhooks.sharedUrl],
    ]);
    const [globexIssue] = await globex.create(1);
    const [acmeIssue] = await acme.create(1);

    expect((await globex.dynamicWebhooks.deliver([globexIssue!])).map((r) => r.status)).toEqual([200]);
    await waitFor(() => events.length === 1, 5_000, 'the globex event');
    expect(events[0]).toMatchObject({ connectionId: globexConn.id, ticket: { externalId: globexIssue, url: expect.stringMatching(/^https:\/\/globex\.atlassian\.net\/browse\//) } });

    expect((await acme.dynamicWebhooks.deliver([acmeIssue!])).map((r) => r.status)).toEqual([200]);
    await waitFor(() => events.length === 2, 5_000, 'the acme event');
    expect(events[1]).toMatchObject({ connectionId: acmeConn.id, ticket: { externalId: acmeIssue, url: expect.stringMatching(/^https:\/\/acme\.atlassian\.net\/browse\//) } });
  });

  it('on one site, gives a delivery only to the connections whose webhooks it matched', async () => {
    const { sims, events, connect, rejected } = await sites('acme');
    const sim = sims[0]!;
    const sup = await connect(sim, 'SUP');
    const help = await connect(sim, 'HELP');
    const hooks = sim.dynamicWebhooks.list();
    expect(hooks.map((w) => w.jqlFilter)).toEqual(['project in ("SUP")', 'project in ("HELP")']);

    const [helpIssue] = await sim.create(1, { project: 'HELP' });
    expect((await sim.dynamicWebhooks.deliver([helpIssue!])).map((r) => r.status)).toEqual([200]);
    await waitFor(() => events.length === 1, 5_000, 'the HELP event');
    expect(events[0]!.connectionId).toBe(help.id);

    const [supIssue] = await sim.create(1, { project: 'SUP' });
    await sim.dynamicWebhooks.deliver([supIssue!]);
    await waitFor(() => events.length === 2, 5_000, 'the SUP event');
    expect(events[1]!.connectionId).toBe(sup.id);
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toHaveLength(2);
    expect(rejected).toEqual([]);
  });

  it('routes by the matched webhook, not by the site alone: a connection whose webhook Jira dropped gets nothing', async () => {
    const { sims, events, connect, store } = await sites('acme');
    const sim = sims[0]!;
    const kept = await connect(sim);
    const dropped = await connect(sim);
    const [, droppedHook] = sim.dynamicWebhooks.list();
    // An admin removed the second connection's webhook at Jira (DELETE through the app's own token).
    const { accessToken } = (await store.getTokens(dropped.id))!;
    const del = await fetch(`${sim.url}/ex/jira/${sim.cloudId}/rest/api/3/webhook`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ webhookIds: [droppedHook!.id] }),
    });
    expect(del.status).toBe(202);
    const [id] = await sim.create(1);
    expect((await sim.dynamicWebhooks.deliver([id!])).map((r) => r.status)).toEqual([200]);
    await waitFor(() => events.length === 1, 5_000, 'the event');
    await new Promise((r) => setTimeout(r, 100));
    expect(events.map((e) => e.connectionId)).toEqual([kept.id]);
  });

  it('answers 404, emitting nothing, for a delivery whose webhook belongs to no connection here', async () => {
    const { sims, events, connect, rejected, store } = await sites('acme');
    const sim = sims[0]!;
    const conn = await connect(sim);
    // The connection is gone from this hub's store, but its webhook still lives at Jira (say, a restore from backup).
    await store.deleteConnection(conn.id);
    const [id] = await sim.create(1);
    expect((await sim.dynamicWebhooks.deliver([id!])).map((r) => r.status)).toEqual([404]);
    expect(rejected).toEqual([{ connectionId: null, status: 404 }]);
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toEqual([]);
  });
});

describe('the OAuth client secret rotated by the host', () => {
  it('a restarted hub verifies deliveries with the new client secret, and keeps the old one for a day', async () => {
    const sim = await startJiraSimulator({ seed: 12 });
    cleanups.push(() => sim.close());
    const [id] = await sim.create(1);
    const client = sim.oauth.addClient({ clientId: 'ticketbridge-app', clientSecret: CLIENT_SECRET, redirectUris: [REDIRECT], allowedScopes: null });
    let current: Hub | undefined;
    const server = await startHostServer((req, res) => current!.webhooks.nodeHandler()(req, res));
    cleanups.push(() => server.close());
    const store = new MemoryStore();
    const hubWith = (secret: string) => {
      const hub = createHub({ connectors: [jira()], store, scheduler: new ManualScheduler(), publicUrl: server.url, oauthClients: { jira: { clientId: client.clientId, clientSecret: secret, redirectUri: REDIRECT } }, ...TEST_HUB_DEFAULTS });
      cleanups.push(() => hub.close());
      return hub;
    };
    current = hubWith(CLIENT_SECRET);
    const conn = await connectOAuth(current, sim);
    await current.close();

    // The app's secret is rotated in Atlassian's developer console; Jira signs with the new one from then on.
    const rotated = 'rotated-app-secret-9876543210';
    sim.oauth.addClient({ clientId: client.clientId, clientSecret: rotated, redirectUris: [REDIRECT], allowedScopes: null });
    current = hubWith(rotated);
    const events: TicketEvent[] = [];
    current.on('ticket', (e) => {
      events.push(e);
    });
    await current.start();
    const webhook = (await store.getConnection(conn.id))!.webhook!;
    expect(webhook.secret).toBe(rotated);
    expect(webhook.previousSecrets).toEqual([{ secret: CLIENT_SECRET, until: expect.any(String) }]);
    expect(Date.parse(webhook.previousSecrets![0]!.until) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const [res] = await sim.dynamicWebhooks.deliver([id!]);
    expect(res!.status).toBe(200);
    await waitFor(() => events.length === 1, 5_000, 'event');
  });
});

describe('the simulator\'s dynamic webhook API', () => {
  it('answers API-token callers 403 (apps only) and refuses JQL outside the dynamic subset per webhook', async () => {
    const { sim, hub, store } = await setup();
    const basic = `Basic ${Buffer.from(`${sim.credentials().email}:${sim.credentials().apiToken}`).toString('base64')}`;
    const refused = await fetch(`${sim.url}/rest/api/3/webhook`, { headers: { authorization: basic } });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ errorMessages: ['Only Connect and OAuth 2.0 apps can use this operation.'], errors: {} });

    const conn = await connectOAuth(hub, sim);
    // Through the connection's own bearer token (an app's): one result per webhook asked for, in order.
    const { accessToken } = (await store.getTokens(conn.id))!;
    const res = await fetch(`${sim.url}/ex/jira/${sim.cloudId}/rest/api/3/webhook`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: hub.webhooks.sharedUrl, webhooks: [{ events: ['jira:issue_created'], jqlFilter: 'projectType = "service_desk"' }, { events: ['jira:issue_created'], jqlFilter: 'updated >= -1d' }, { events: ['jira:issue_created'], jqlFilter: 'project in (SUP)' }] }),
    });
    const body = (await res.json()) as { webhookRegistrationResult: unknown[] };
    expect(body.webhookRegistrationResult).toEqual([{ errors: ['The clause projectType is unsupported'] }, { errors: ['The clause updated is unsupported'] }, { createdWebhookId: expect.any(Number) }]);
  });
});
