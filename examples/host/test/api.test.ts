import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore, type SyncRun } from '@ticketbridge/core';
import { acme, acmeWithOAuth, startAcmeSimulator } from '@ticketbridge/core/testing';
import { webhookPush } from '@ticketbridge/connector-webhook-push';
import { csvSource } from '@ticketbridge/csv-import';
import { startHostApp, type HostApp } from '../src/app.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c.close();
});

async function setup(tickets = 20) {
  const sim = await startAcmeSimulator({ seed: 7 });
  open.push(sim);
  await sim.seed(tickets);
  const app = await startHostApp({ connectors: [acme(), webhookPush(), csvSource()], store: new MemoryStore(), platformOrigins: { acme: sim.url } });
  open.push(app);
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      if (typeof body !== 'string') (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const res = await fetch(app.url + path, init);
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json, headers: res.headers };
  };
  return { sim, app, api };
}

async function untilFinished(app: HostApp, id: string): Promise<SyncRun> {
  for (let i = 0; i < 500; i++) {
    const [run] = await app.hub.history(id);
    if (run && run.status !== 'running') return run;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the first sync did not finish');
}

/** Reads the host's server-sent events until `done` says enough. */
async function readEvents(url: string, done: (events: Array<{ event: string; data: any }>) => boolean, during: () => Promise<void>) {
  const controller = new AbortController();
  const res = await fetch(`${url}/api/events`, { signal: controller.signal });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: Array<{ event: string; data: any }> = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const reading = (async () => {
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) return;
      buffer += value;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
      if (done(events)) return;
    }
  })();
  await during();
  await Promise.race([reading, new Promise((r) => setTimeout(r, 10_000))]);
  controller.abort();
  return events;
}

describe('example host API: every route answers 404 for an unknown connection', () => {
  it('GET, DELETE and each action under /api/connections/:id', async () => {
    const { api } = await setup(1);
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/api/connections/conn_nope'],
      ['DELETE', '/api/connections/conn_nope'],
      ['GET', '/api/connections/conn_nope/history'],
      ['POST', '/api/connections/conn_nope/sync'],
      ['POST', '/api/connections/conn_nope/pause'],
      ['POST', '/api/connections/conn_nope/resume'],
      ['PUT', '/api/connections/conn_nope/credentials', { subdomain: 'acme' }],
      ['GET', '/api/connections/conn_nope/webhook'],
      ['GET', '/api/connections/conn_nope/dead-letters'],
      ['POST', '/api/connections/conn_nope/dead-letters/replay'],
      ['POST', '/api/connections/conn_nope/csv/preview', 'a,b\n1,2\n'],
    ];
    for (const [method, path, body] of routes) {
      const res = await api(method, path, body);
      expect([method, path, res.status]).toEqual([method, path, 404]);
      expect(res.json.error).toBe('no connection "conn_nope"');
    }
  });
});

describe('example host API: validation', () => {
  it('lists every missing field by name, without the library prefixes', async () => {
    const { api } = await setup(1);
    const empty = await api('POST', '/api/connections', {});
    expect(empty.status).toBe(400);
    expect(empty.json.fields.map((f: { field: string }) => f.field)).toEqual(['platform', 'credentials']);
    expect(empty.json.error).toBe('missing platform, credentials');

    const noCreds = await api('POST', '/api/connections', { platform: 'acme', credentials: {} });
    expect(noCreds.status).toBe(422);
    expect(noCreds.json.error).toBe('missing subdomain, apiToken');
    expect(noCreds.json.fields).toEqual([
      { field: 'subdomain', path: 'subdomain', message: 'required' },
      { field: 'apiToken', path: 'apiToken', message: 'required' },
    ]);
    const unknown = await api('POST', '/api/connections', { platform: 'nodesk', credentials: {} });
    expect(unknown.status).toBe(400);
    expect(unknown.json.field).toBe('platform');
    for (const res of [empty, noCreds, unknown]) expect(res.text).not.toMatch(/\[ticketbridge\]|\[acme\]/);
  });

  it('a refused token: 422 at the field, with the platform message and no prefix', async () => {
    const { sim, api } = await setup(1);
    const res = await api('POST', '/api/connections', { platform: 'acme', credentials: { ...sim.credentials(), apiToken: 'acme_wrong-token-0000000000' } });
    expect(res.status).toBe(422);
    expect(res.json.field).toBe('apiToken');
    expect(res.json.fields[0].field).toBe('apiToken');
    expect(res.json.error).not.toMatch(/^\[/);
  });

  it('a Webhook Push mapping: every problem named by its path', async () => {
    const { api } = await setup(1);
    const res = await api('POST', '/api/connections', {
      platform: 'webhook-push',
      credentials: { name: 'In-house', verification: 'standard-webhooks', mapping: JSON.stringify({ id: 'ticket.id', status: { path: 'ticket.state', map: { Open: 'opened' } } }) },
      syncMode: 'webhook',
    });
    expect(res.status).toBe(422);
    const paths = res.json.fields.map((f: { path: string }) => f.path);
    expect(paths.every((p: string) => p.startsWith('mapping'))).toBe(true);
    expect(paths.some((p: string) => p.startsWith('mapping.status'))).toBe(true);
    expect(res.json.fields.every((f: { field: string }) => f.field === 'mapping')).toBe(true);
    // Present but wrong is not "required".
    expect(res.json.fields.find((f: { path: string }) => f.path === 'mapping.status.map.Open').message).not.toBe('required');
  });
});

describe('example host API: connections', () => {
  it('Test without saving, then connect, read one, pause, resume, rotate, reveal the webhook secret, disconnect', async () => {
    const { sim, app, api } = await setup(20);
    const tested = await api('POST', '/api/connections/test', { platform: 'acme', credentials: sim.credentials(), syncMode: 'both' });
    expect(tested.status).toBe(200);
    expect(tested.json.ok).toBe(true);
    const refused = await api('POST', '/api/connections/test', { platform: 'acme', credentials: { ...sim.credentials(), apiToken: 'acme_wrong-token-0000000000' } });
    expect(refused.status).toBe(422);
    expect(refused.json.field).toBe('apiToken');
    expect((await api('GET', '/api/connections')).json).toEqual([]);

    const created = await api('POST', '/api/connections', { platform: 'acme', credentials: sim.credentials(), syncMode: 'both' });
    expect(created.status).toBe(201);
    const id: string = created.json.id;
    const secret: string = created.json.webhookSecret;
    expect(secret).toBeTruthy();
    await untilFinished(app, id);

    const one = await api('GET', `/api/connections/${id}`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ id, platform: 'acme', status: 'active', syncMode: 'both', webhookUrl: `${app.url}/api/webhooks/tickets?connectorId=${id}` });
    expect(Date.parse(one.json.nextPollAt)).toBeGreaterThan(Date.now() + 10 * 60_000);
    expect(one.text).not.toContain(secret);
    expect(one.text).not.toContain(sim.credentials().apiToken);

    const paused = await api('POST', `/api/connections/${id}/pause`);
    expect(paused.json).toMatchObject({ status: 'paused', nextPollAt: null });
    const resumed = await api('POST', `/api/connections/${id}/resume`);
    expect(resumed.json.status).toBe('active');
    expect(resumed.json.nextPollAt).not.toBeNull();

    const badRotation = await api('PUT', `/api/connections/${id}/credentials`, { ...sim.credentials(), apiToken: 'acme_wrong-token-0000000000' });
    expect(badRotation.status).toBe(422);
    expect(badRotation.json.field).toBe('apiToken');
    expect((await api('PUT', `/api/connections/${id}/credentials`, {})).json.error).toBe('missing subdomain, apiToken');
    expect((await api('PUT', `/api/connections/${id}/credentials`, sim.credentials())).status).toBe(200);

    // The secret again, later: the connect answer was not the only chance.
    const hook = await api('GET', `/api/connections/${id}/webhook`);
    expect(hook.json).toMatchObject({ kind: 'manual', secret, url: one.json.webhookUrl });
    expect(hook.json.instructions.steps.join('\n')).toContain(secret);

    const history = await api('GET', `/api/connections/${id}/history?limit=5`);
    expect(history.json.length).toBeGreaterThanOrEqual(1);
    expect((await api('GET', `/api/connections/${id}/nothing`)).status).toBe(404);

    expect((await api('DELETE', `/api/connections/${id}`)).status).toBe(204);
    expect((await api('GET', `/api/connections/${id}`)).status).toBe(404);
  });

  it('streams the backfill progress, its end, tickets and hostile-ticket alerts as server-sent events', async () => {
    const { sim, app, api } = await setup(120);
    let id = '';
    const events = await readEvents(
      app.url,
      (e) => e.some((x) => x.event === 'run' && x.data.status === 'succeeded') && e.some((x) => x.event === 'alert'),
      async () => {
        const res = await api('POST', '/api/connections', { platform: 'acme', credentials: sim.credentials(), syncMode: 'poll' });
        id = res.json.id;
      },
    );
    const progress = events.filter((e) => e.event === 'progress').map((e) => e.data);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ connectionId: id, tickets: expect.any(Number), pages: expect.any(Number) });
    expect(events.find((e) => e.event === 'run' && e.data.status === 'succeeded')!.data).toMatchObject({ connectionId: id, trigger: 'initial', ticketsSynced: 120 });
    expect(events.filter((e) => e.event === 'ticket').length).toBe(120);
    const alert = events.find((e) => e.event === 'alert')!.data;
    expect(alert.connectionId).toBe(id);
    expect(alert.words.length).toBeGreaterThan(0);
    expect(alert.score).toBeLessThanOrEqual(-3);
    expect(alert.url).toMatch(/^https?:\/\//);
    expect((await api('GET', '/api/tickets?limit=5')).json.length).toBe(5);
    expect((await api('GET', '/api/alerts')).json.length).toBeGreaterThan(0);
  });

  it('CSV: a dry-run preview delivers nothing; the import delivers the rows', async () => {
    const { app, api } = await setup(1);
    const conn = await api('POST', '/api/connections', { platform: 'csv', credentials: { label: 'Export', preset: 'zendesk' }, syncMode: 'poll' });
    expect(conn.status).toBe(201);
    const file = ['Id,Subject,Status,Priority,Requester,Requester email,Created at,Updated at', '1,Printer on fire,Open,High,Ada,ada@example.com,2024-03-01 08:00:00,2024-03-01 09:00:00', '2,Second,Solved,Low,Bo,bo@example.com,2024-03-01 08:00:00,last Tuesday', ''].join('\n');
    const preview = await api('POST', `/api/connections/${conn.json.id}/csv/preview?timeZone=Europe/Paris`, file, { 'content-type': 'text/csv' });
    expect(preview.status).toBe(200);
    expect(preview.json.tickets.map((t: { externalId: string }) => t.externalId)).toEqual(['1']);
    expect(preview.json.errors.length).toBe(1);
    expect(app.events.filter((e) => e.source === 'csv')).toEqual([]);
    const imported = await api('POST', `/api/connections/${conn.json.id}/csv/import`, file, { 'content-type': 'text/csv' });
    expect(imported.status).toBe(200);
    expect(imported.json.run).toMatchObject({ trigger: 'csv', ticketsSynced: 1 });
    expect(app.events.filter((e) => e.source === 'csv').map((e) => e.ticket.externalId)).toEqual(['1']);
    const notCsv = await api('POST', '/api/connections', { platform: 'webhook-push', credentials: { name: 'x', verification: 'standard-webhooks', mapping: { id: 'id', updatedAt: 'at', subject: 's' } }, syncMode: 'webhook' });
    expect((await api('POST', `/api/connections/${notCsv.json.id}/csv/preview`, file)).status).toBe(400);
  });

  it('serves the Connect page and its script, and sends a browser back to it after "Sign in with …"', async () => {
    const sim = await startAcmeSimulator({ seed: 8 });
    open.push(sim);
    await sim.seed(3);
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
    const page = await fetch(`${app.url}/`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    const started = await fetch(`${app.url}/api/oauth/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'acme', credentials: { method: 'oauth_authorization_code', subdomain: 'acme' }, syncMode: 'poll' }),
    });
    const consent = await fetch(((await started.json()) as { url: string }).url, { redirect: 'manual' });
    const back = await fetch(consent.headers.get('location')!, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(back.status).toBe(303);
    const [conn] = await app.hub.list();
    expect(back.headers.get('location')).toBe(`/?connected=${conn!.id}`);
    const again = await fetch(consent.headers.get('location')!, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(again.headers.get('location')).toMatch(/^\/\?signInError=/);
  });
});
