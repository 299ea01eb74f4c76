import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CredentialsError, MemoryStore } from '@ticketbridge/core';
import { startHubServer } from '@ticketbridge/core/testing';
import { helpScout } from '../src/index.js';
import { startHelpScoutSimulator, type HelpScoutSimulator } from '../src/testing.js';

// Behaviour a third party's users meet first, through the public hub over loopback HTTP: the Connect form's errors,
// the webhook's signature check, and the OAuth token the core keeps fresh.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(tickets = 30): Promise<{ sim: HelpScoutSimulator } & Awaited<ReturnType<typeof startHubServer>>> {
  const sim = await startHelpScoutSimulator({ tickets });
  cleanups.push(() => sim.close());
  const started = await startHubServer({ connectors: [helpScout()], store: new MemoryStore() });
  cleanups.push(() => started.close());
  return { sim, ...started };
}

describe('Help Scout connector', () => {
  it('refuses a wrong App Secret naming the field, without echoing it', async () => {
    const { sim, hub } = await setup(0);
    const wrong = 'hs_secret_not_the_right_one_42';
    const error = await hub.connect({ platform: 'helpscout', credentials: { appId: sim.credentials().appId, appSecret: wrong }, baseUrl: sim.url, syncMode: 'poll' }).catch((e: unknown) => e);
    expect(CredentialsError.isInstance(error)).toBe(true);
    expect((error as CredentialsError).field).toBe('appSecret');
    expect(String((error as Error).message)).not.toContain(wrong);
  });

  it('refuses a missing App ID before any request, naming the field', async () => {
    const { sim, hub } = await setup(0);
    sim.resetStats();
    const error = await hub.connect({ platform: 'helpscout', credentials: { appSecret: 'x' }, baseUrl: sim.url, syncMode: 'poll' }).catch((e: unknown) => e);
    expect(String((error as Error).message)).toContain('appId');
    expect(sim.stats().requests).toBe(0);
  });

  it('registers the webhook with every conversation event and a secret Help Scout accepts', async () => {
    const { sim, hub } = await setup(0);
    const conn = await hub.connect({ platform: 'helpscout', credentials: sim.credentials(), baseUrl: sim.url, syncMode: 'webhook' });
    const [registration] = sim.webhookRegistrations();
    expect(registration!.url).toBe(conn.webhookUrl);
    expect(registration!.secret.length).toBeLessThanOrEqual(40);
    expect(registration!.events).toEqual(expect.arrayContaining(['convo.created', 'convo.status', 'convo.tags', 'convo.customer.reply.created', 'convo.deleted']));
  });

  it('answers a bad signature 401 and emits nothing', async () => {
    const { sim, hub, events } = await setup(3);
    const conn = await hub.connect({ platform: 'helpscout', credentials: sim.credentials(), baseUrl: sim.url, syncMode: 'webhook' });
    await new Promise((r) => setTimeout(r, 300));
    events.length = 0;
    const id = [...sim.snapshot().keys()][0]!;
    const body = JSON.stringify(sim.conversation(id));
    const send = (signature: string) =>
      fetch(conn.webhookUrl!, { method: 'POST', headers: { 'content-type': 'application/json', 'x-helpscout-event': 'convo.status', 'x-helpscout-signature': signature }, body });
    const wrongKey = await send(createHmac('sha1', 'not-the-secret').update(body).digest('base64'));
    expect(wrongKey.status).toBe(401);
    const missing = await fetch(conn.webhookUrl!, { method: 'POST', headers: { 'content-type': 'application/json', 'x-helpscout-event': 'convo.status' }, body });
    expect(missing.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(events).toEqual([]);
  });

  it('asks for a new token when the old one expires, and the sync carries on', async () => {
    const { sim, hub, events } = await setup(60);
    const conn = await hub.connect({ platform: 'helpscout', credentials: sim.credentials(), baseUrl: sim.url, syncMode: 'poll' });
    expect((await hub.syncNow(conn.id)).status).toBe('succeeded');
    const before = sim.oauth.stats().byGrant.client_credentials ?? 0;
    sim.oauth.expireAccessTokens();
    await sim.update([...sim.snapshot().keys()].slice(0, 2));
    events.length = 0;
    const run = await hub.syncNow(conn.id);
    expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
    expect(events).toHaveLength(2);
    expect(sim.oauth.stats().byGrant.client_credentials).toBe(before + 1);
  });
});
