import { createHub, MemoryStore, type Hub, type TicketEvent } from '@ticketbridge/core';
import { startHostServer, TEST_HUB_DEFAULTS, waitFor } from '@ticketbridge/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { jira, jiraRouteKeys, jiraSignature, parseJiraWebhook } from '../src/index.js';
import { startJiraSimulator, type JiraSimulatorOptions } from '../src/testing.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(options: JiraSimulatorOptions = {}) {
  const sim = await startJiraSimulator({ seed: 5, ...options });
  cleanups.push(() => sim.close());
  let hubRef: Hub | undefined;
  const server = await startHostServer((req, res) => hubRef!.webhooks.nodeHandler()(req, res));
  cleanups.push(() => server.close());
  const hub = createHub({ connectors: [jira()], store: new MemoryStore(), publicUrl: server.url, ...TEST_HUB_DEFAULTS });
  hubRef = hub;
  cleanups.push(() => hub.close());
  const events: TicketEvent[] = [];
  hub.on('ticket', (e) => {
    events.push(e);
  });
  const rejected: string[] = [];
  hub.on('webhook.rejected', (r) => rejected.push(`${r.status} ${r.reason}`));
  return { sim, hub, events, rejected, server };
}

const request = (body: string, headers: Record<string, string> = {}) => ({ method: 'POST', url: 'https://host/api/webhooks/tickets?connectorId=c', headers, rawBody: Buffer.from(body), receivedAt: new Date() });

describe('signature', () => {
  it('checks sha256=<hex> over the raw body in X-Hub-Signature, in either letter case, and nothing else', () => {
    const body = '{"timestamp":1,"webhookEvent":"jira:issue_updated"}';
    const good = jiraSignature.sign({ secret: 's3cret', body });
    expect(good).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(jiraSignature.verify(request(body, { 'x-hub-signature': good }), 's3cret')).toEqual({ ok: true });
    expect(jiraSignature.verify(request(body, { 'x-hub-signature': good.toUpperCase().replace('SHA256=', 'sha256=') }), 's3cret').ok).toBe(true);
    expect(jiraSignature.verify(request(`${body} `, { 'x-hub-signature': good }), 's3cret').ok).toBe(false);
    expect(jiraSignature.verify(request(body, { 'x-hub-signature-256': good }), 's3cret').ok).toBe(false);
    expect(jiraSignature.verify(request(body, { 'x-hub-signature': good.slice('sha256='.length) }), 's3cret').ok).toBe(false);
  });

  it('parses issue and comment events to the issue id with the event time, and acknowledges others with nothing', () => {
    const at = Date.parse('2026-01-05T08:00:00Z');
    const items = (body: unknown, keys?: string[]) => parseJiraWebhook(request(JSON.stringify(body)), keys);
    expect(items({ timestamp: at, webhookEvent: 'comment_created', comment: { id: '1' }, issue: { id: '10042', key: 'SUP-1', fields: { project: { key: 'SUP', projectTypeKey: 'service_desk' } } } })).toEqual([
      { kind: 'ref', externalId: '10042', occurredAt: '2026-01-05T08:00:00.000Z' },
    ]);
    expect(items({ timestamp: at, webhookEvent: 'sprint_started', sprint: {} })).toEqual([]);
    expect(items({ timestamp: at, webhookEvent: 'jira:issue_updated', issue: { id: '7', fields: { project: { key: 'DEV', projectTypeKey: 'software' } } } })).toEqual([]);
    expect(items({ timestamp: at, webhookEvent: 'jira:issue_updated', issue: { id: '7', fields: { project: { key: 'HELP', projectTypeKey: 'service_desk' } } } }, ['SUP'])).toEqual([]);
    expect(() => items({ webhookEvent: 'jira:issue_updated' })).toThrow();
  });
});

describe('admin webhooks through the hub', () => {
  it('registers one webhook with the secret, the six events, a JQL filter on the service projects and the connectorId URL; removes it on disconnect', async () => {
    const { sim, hub } = await setup();
    const conn = await hub.connect({ platform: 'jira', credentials: sim.credentials(), baseUrl: sim.url, syncMode: 'both' });
    expect(conn.webhookSetup.kind).toBe('registered');
    const created = sim.requests().find((r) => r.method === 'POST' && r.path === '/rest/webhooks/1.0/webhook')!.body as Record<string, unknown>;
    expect(created.url).toBe(conn.webhookUrl);
    expect(String(created.url)).toContain(`connectorId=${conn.id}`);
    expect(created.events).toEqual(['jira:issue_created', 'jira:issue_updated', 'jira:issue_deleted', 'comment_created', 'comment_updated', 'comment_deleted']);
    expect(created.filters).toEqual({ 'issue-related-events-section': 'project in ("SUP", "HELP")' });
    expect(created.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Jira signs with the secret it was registered with: rotating it only in the hub would break every delivery.
    await expect(hub.rotateWebhookSecret(conn.id)).rejects.toThrow(/registered through .*API with its secret: disconnect and connect again/);
    await hub.disconnect(conn.id);
    expect(sim.webhooks.registered!()).toEqual([]);
  });

  it('gives a non-admin the exact manual steps, with URL, secret and JQL, instead of failing', async () => {
    const { sim, hub } = await setup({ admin: false });
    const conn = await hub.connect({ platform: 'jira', credentials: { ...sim.credentials(), projectKeys: 'SUP' }, baseUrl: sim.url, syncMode: 'both' });
    expect(conn.webhookSetup.kind).toBe('manual');
    const steps = conn.webhookSetup.kind === 'manual' ? conn.webhookSetup.instructions.steps.join('\n') : '';
    expect(steps).toContain(conn.webhookUrl!);
    expect(steps).toContain(conn.webhookSecret!);
    expect(steps).toContain('project in ("SUP")');
    expect(steps).toMatch(/System → WebHooks/);
    expect(sim.requests().some((r) => r.path === '/rest/webhooks/1.0/webhook')).toBe(false);
  });

  it('hydrates a comment event with the comments, and a retried delivery brings no new event', async () => {
    const { sim, hub, events } = await setup();
    const [id] = await sim.create(1);
    const conn = await hub.connect({ platform: 'jira', credentials: sim.credentials(), baseUrl: sim.url, syncMode: 'webhook' });
    await sim.addComment(id!, { text: 'internal: refund approved', internal: true });
    const res = await sim.webhooks.deliverComment(conn.webhookUrl!, id!);
    expect(res.status).toBe(200);
    await waitFor(() => events.length === 1, 5_000, 'comment event');
    expect(events[0]!.ticket.comments?.map((c) => [c.body, c.public])).toEqual([['internal: refund approved', false]]);
    const reads = sim.stats().byPath[`/rest/api/3/issue/${id}`];
    const retried = await sim.webhooks.retryLast(conn.webhookUrl!, 1);
    expect(retried.status).toBe(200);
    // Same X-Atlassian-Webhook-Identifier: answered without reading the issue again.
    expect(JSON.parse(retried.body)).toMatchObject({ duplicate: true });
    expect(sim.stats().byPath[`/rest/api/3/issue/${id}`]).toBe(reads);
    await new Promise((r) => setTimeout(r, 200));
    expect(events).toHaveLength(1);
  });

  it('a deletion event for an issue that still exists delivers the live issue, never a deletion', async () => {
    const { sim, hub, events } = await setup();
    const [id] = await sim.create(1);
    const conn = await hub.connect({ platform: 'jira', credentials: sim.credentials(), baseUrl: sim.url, syncMode: 'webhook' });
    const res = await sim.webhooks.deliver(conn.webhookUrl!, [id!], { event: 'deleted' });
    expect(res.status).toBe(200);
    await waitFor(() => events.length === 1, 5_000, 'event');
    expect(events[0]!.type).toBe('ticket.created');
    await sim.remove([id!]);
    await sim.webhooks.deliver(conn.webhookUrl!, [id!], { event: 'deleted' });
    await waitFor(() => events.length === 2, 5_000, 'deletion');
    expect(events[1]!.type).toBe('ticket.deleted');
  });

  it('refuses an unsigned delivery and one signed with another secret (401), without reading the issue', async () => {
    const { sim, hub, events, rejected } = await setup();
    const [id] = await sim.create(1);
    const conn = await hub.connect({ platform: 'jira', credentials: sim.credentials(), baseUrl: sim.url, syncMode: 'webhook' });
    sim.resetStats();
    const forged = await sim.webhooks.deliver(conn.webhookUrl!, [id!], { forge: true });
    expect(forged.status).toBe(401);
    const unsigned = await fetch(conn.webhookUrl!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ timestamp: Date.now(), webhookEvent: 'jira:issue_updated', issue: { id } }) });
    expect(unsigned.status).toBe(401);
    expect(rejected.map((r) => r.slice(0, 3))).toEqual(['401', '401']);
    expect(rejected[1]).toMatch(/missing x-hub-signature/);
    expect(sim.stats().requests).toBe(0);
    expect(events).toEqual([]);
  });
});

describe('jiraRouteKeys (deliveries to the shared URL)', () => {
  const CLOUD = '1324a887-45db-1bf4-1e99-ef0ff456d421';
  it('pairs each site the delivery names with each matched webhook id', () => {
    const body = JSON.stringify({
      timestamp: 1,
      webhookEvent: 'jira:issue_updated',
      user: { self: 'https://Acme.atlassian.net/rest/api/2/user?accountId=5b10a2844c20165700ede21g' },
      issue: { id: '10001', self: `https://api.atlassian.com/ex/jira/${CLOUD}/rest/api/2/issue/10001` },
      matchedWebhookIds: [10000, 10002, 'x', 1.5],
    });
    expect(jiraRouteKeys(request(body)).sort()).toEqual([`cloud:${CLOUD}/webhook:10000`, `cloud:${CLOUD}/webhook:10002`, 'site:acme.atlassian.net/webhook:10000', 'site:acme.atlassian.net/webhook:10002']);
  });

  it('falls back to the site alone without matchedWebhookIds, and names nothing for foreign or broken bodies', () => {
    expect(jiraRouteKeys(request(JSON.stringify({ issue: { self: 'https://acme.atlassian.net/rest/api/2/issue/1' } })))).toEqual(['site:acme.atlassian.net']);
    expect(jiraRouteKeys(request(JSON.stringify({ issue: { self: 'https://evil.example.com/rest/api/2/issue/1' }, matchedWebhookIds: [1] })))).toEqual([]);
    expect(jiraRouteKeys(request('not json'))).toEqual([]);
    expect(jiraRouteKeys(request('[1,2]'))).toEqual([]);
    expect(jiraRouteKeys(request(JSON.stringify({ matchedWebhookIds: [1] })))).toEqual([]);
  });
});
