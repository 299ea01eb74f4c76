import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore, type SyncRun } from '@ticketbridge/core';
import { acme, acmeWithOAuth, startAcmeSimulator } from '@ticketbridge/core/testing';
import { startHostApp, type HostApp } from '../src/app.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c.close();
});

async function setup(tickets = 30) {
  const sim = await startAcmeSimulator({ seed: 5 });
  open.push(sim);
  await sim.seed(tickets);
  const app = await startHostApp({ connectors: [acme()], store: new MemoryStore(), platformOrigins: { acme: sim.url } });
  open.push(app);
  const api = async (method: string, path: string, body?: unknown) => {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      init.headers = { 'content-type': 'application/json' };
    }
    const res = await fetch(app.url + path, init);
    const text = await res.text();
    return { status: res.status, text, json: text ? (JSON.parse(text) as any) : undefined };
  };
  return { sim, app, api };
}

async function untilFinished(app: HostApp, id: string): Promise<SyncRun> {
  for (;;) {
    const [run] = await app.hub.history(id);
    if (run && run.status !== 'running') return run;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('example host: the Connect API', () => {
  it('lists each platform with the form fields to render, secrets flagged', async () => {
    const { api } = await setup();
    const res = await api('GET', '/api/platforms');
    expect(res.status).toBe(200);
    const [desk] = res.json;
    expect(desk.id).toBe('acme');
    expect(desk.fields.map((f: { name: string; secret: boolean }) => [f.name, f.secret])).toEqual([
      ['subdomain', false],
      ['apiToken', true],
    ]);
  });

  it('a wrong token answers 422 naming the field, without echoing the token; nothing is saved', async () => {
    const { sim, api } = await setup();
    const bad = { ...sim.credentials(), apiToken: 'acme_wrong-token-0000000000' };
    const res = await api('POST', '/api/connections', { platform: 'acme', credentials: bad });
    expect(res.status).toBe(422);
    expect(res.json.field).toBe('apiToken');
    expect(res.text).not.toContain('acme_wrong-token-0000000000');
    expect((await api('GET', '/api/connections')).json).toEqual([]);
  });

  it('refuses a platform origin from the form, malformed JSON and an oversized body', async () => {
    const { sim, api } = await setup();
    const withOrigin = await api('POST', '/api/connections', { platform: 'acme', credentials: sim.credentials(), baseUrl: 'http://127.0.0.2:1' });
    expect(withOrigin.status).toBe(400);
    expect(withOrigin.json.error).toMatch(/^baseUrl/);
    expect((await api('POST', '/api/connections', '{"platform":')).status).toBe(400);
    expect((await api('POST', '/api/connections', { platform: 'acme', credentials: 'x' })).status).toBe(400);
    const huge = JSON.stringify({ platform: 'acme', credentials: { note: 'x'.repeat(70 * 1024) } });
    expect((await api('POST', '/api/connections', huge)).status).toBe(413);
    expect((await api('GET', '/api/connections')).json).toEqual([]);
  });

  it('connects, backfills, takes signed webhooks, keeps history and disconnects', async () => {
    const { sim, app, api } = await setup(30);
    const res = await api('POST', '/api/connections', { platform: 'acme', credentials: sim.credentials(), syncMode: 'both' });
    expect(res.status).toBe(201);
    const id: string = res.json.id;
    expect(res.text).not.toContain(sim.credentials().apiToken);
    expect(res.json.webhookSetup.kind).toBe('manual');

    const initial = await untilFinished(app, id);
    expect(initial).toMatchObject({ trigger: 'initial', status: 'succeeded', ticketsSynced: 30 });
    expect(new Set(app.events.map((e) => e.ticket.externalId))).toEqual(new Set(sim.snapshot().keys()));

    const changed = await sim.update([...sim.snapshot().keys()].slice(0, 3));
    const hook = `${app.url}/api/webhooks/tickets?connectorId=${id}`;
    expect((await sim.webhooks!.deliver(hook, changed, { forge: true, secret: res.json.webhookSecret })).status).toBe(401);
    expect((await sim.webhooks!.deliver(hook, changed, { secret: res.json.webhookSecret })).status).toBe(200);
    for (let i = 0; app.events.filter((e) => e.source === 'webhook').length < 3 && i < 200; i++) await new Promise((r) => setTimeout(r, 20));
    expect(app.events.filter((e) => e.source === 'webhook').map((e) => e.ticket.externalId).sort()).toEqual([...changed].sort());

    // The safety-net poll finds the same versions and delivers none of them again.
    const poll = await api('POST', `/api/connections/${id}/sync`);
    expect(poll.json).toMatchObject({ status: 'succeeded', ticketsSynced: 0 });
    const keys = app.events.map((e) => e.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);

    const history = await api('GET', `/api/connections/${id}/history`);
    expect(history.json.map((r: SyncRun) => r.trigger)).toEqual(['manual', 'initial']);
    expect(history.text).not.toContain(sim.credentials().apiToken);

    expect((await api('DELETE', `/api/connections/${id}`)).status).toBe(204);
    expect((await api('GET', '/api/connections')).json).toEqual([]);
    expect((await sim.webhooks!.deliver(hook, changed, { secret: res.json.webhookSecret })).status).toBe(404);
  });

  it('answers 404 for unknown routes', async () => {
    const { api } = await setup(1);
    expect((await api('GET', '/api/nothing')).status).toBe(404);
  });
});

describe('example host: "Sign in with …" (OAuth authorization code)', () => {
  it('starts at the consent page, connects on the callback once, and refuses a replayed or unknown state', async () => {
    const sim = await startAcmeSimulator({ seed: 6 });
    open.push(sim);
    await sim.seed(10);
    const app = await startHostApp({
      connectors: [acmeWithOAuth()],
      store: new MemoryStore(),
      platformOrigins: { acme: sim.url },
      oauthClients: (callbackUrl) => {
        sim.oauth.addClient({ clientId: 'host-client', clientSecret: 'host-client-secret-0123', redirectUris: [callbackUrl] });
        return { acme: { clientId: 'host-client', clientSecret: 'host-client-secret-0123', redirectUri: callbackUrl } };
      },
    });
    open.push(app);
    const started = await fetch(`${app.url}/api/oauth/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'acme', credentials: { method: 'oauth_authorization_code', subdomain: 'acme' }, syncMode: 'poll' }),
    });
    expect(started.status).toBe(200);
    const { url } = (await started.json()) as { url: string };
    const consent = await fetch(url, { redirect: 'manual' });
    const callback = consent.headers.get('location')!;
    expect(callback.startsWith(`${app.url}/api/oauth/callback?`)).toBe(true);

    const connected = await fetch(callback);
    expect(connected.status).toBe(201);
    const conn = (await connected.json()) as { id: string; credentials: Record<string, unknown> };
    expect(conn.credentials).toEqual({ method: 'oauth_authorization_code', subdomain: 'acme' });
    expect((await untilFinished(app, conn.id)).ticketsSynced).toBe(10);

    const replayed = await fetch(callback);
    expect(replayed.status).toBe(400);
    expect(((await replayed.json()) as { error: string }).error).toMatch(/unknown or expired sign-in/);
    const forged = await fetch(`${app.url}/api/oauth/callback?code=x&state=not-a-state`);
    expect(forged.status).toBe(400);
    expect((await app.hub.list()).length).toBe(1);
  });
});
