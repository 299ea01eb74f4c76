import { createHub, CredentialsError, MemoryStore, type Hub, type Logger } from '@ticketbridge/core';
import { startHubServer, TEST_HUB_DEFAULTS } from '@ticketbridge/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { zendesk } from '../src/index.js';
import { startZendeskSimulator, type ZendeskSimulator, type ZendeskSimulatorOptions } from '../src/testing.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const REDIRECT = 'https://app.example.com/zendesk/callback';

async function setup(options: ZendeskSimulatorOptions<'oauth_client_credentials'> = {}) {
  const sim = await startZendeskSimulator({ seed: 3, ...options, auth: 'oauth_client_credentials' });
  cleanups.push(() => sim.close());
  await sim.seed(120);
  const global = sim.oauth.client('global', { redirectUris: [REDIRECT] });
  const store = new MemoryStore();
  const logs: string[] = [];
  const write = (level: string) => (message: string) => void logs.push(`${level} ${message}`);
  const logger: Logger = { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
  const started = await startHubServer({
    connectors: [zendesk()],
    store,
    logger,
    oauthClients: { zendesk: { clientId: global.clientId, clientSecret: global.clientSecret!, redirectUri: REDIRECT } },
  });
  cleanups.push(() => started.close());
  const { hub, events } = started;
  return { sim, hub, store, events, logs, global };
}

/** Signs in on the simulator's consent page as a browser would, and returns the code for connect(). */
async function signIn(hub: Hub, sim: ZendeskSimulator<'oauth_client_credentials'>, syncMode: 'poll' | 'both' = 'poll') {
  const request = await hub.oauth.authorizationUrl({ platform: 'zendesk', credentials: { method: 'oauth_authorization_code', subdomain: 'acmecorp' }, baseUrl: sim.url, syncMode });
  const res = await fetch(request.url, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const back = new URL(res.headers.get('location')!);
  expect(back.searchParams.get('state')).toBe(request.state);
  return { request, code: back.searchParams.get('code')! };
}

describe('Zendesk over OAuth', () => {
  it('connects with an OAuth client, asking for read scopes only when polling and the webhook scopes when it registers one', async () => {
    const { sim, hub, store, events } = await setup();
    const poll = await hub.connect({ platform: 'zendesk', credentials: sim.credentials(), baseUrl: sim.url, syncMode: 'poll' });
    expect((await store.getTokens(poll.id))!.scope).toBe('tickets:read users:read organizations:read');
    expect((await hub.syncNow(poll.id)).status).toBe('succeeded');
    expect(events).toHaveLength(120);

    const both = await hub.connect({ platform: 'zendesk', credentials: sim.credentials(), baseUrl: sim.url, syncMode: 'both' });
    expect((await store.getTokens(both.id))!.scope).toBe('tickets:read users:read organizations:read webhooks:read webhooks:write');
    expect(both.webhookSetup.kind).toBe('registered');
    // Client credentials: no refresh token, the grant runs again before expiry.
    expect((await store.getTokens(both.id))!.refreshToken).toBeUndefined();
    expect(sim.oauth.stats().byGrant.refresh_token).toBe(0);
  });

  it('signs in with the product\'s global client (PKCE), syncs, and rotates the pair when the token expires', async () => {
    const { sim, hub, store, events, global } = await setup({ exportPageSize: 20 });
    const { request, code } = await signIn(hub, sim);
    expect(new URL(request.url).pathname).toBe('/oauth/authorizations/new');
    expect(request.scopes).toEqual(['tickets:read', 'users:read', 'organizations:read']);
    const conn = await hub.connect({ platform: 'zendesk', credentials: { method: 'oauth_authorization_code', subdomain: 'acmecorp' }, baseUrl: sim.url, syncMode: 'poll', oauth: { code, codeVerifier: request.codeVerifier! } });
    expect(conn.credentials).toEqual({ method: 'oauth_authorization_code', subdomain: 'acmecorp' });

    let pages = 0;
    hub.on('sync.progress', () => {
      // Zendesk drops the token mid-backfill: the next request gets 401 invalid_token, refreshes once, goes on.
      if (++pages === 1) sim.oauth.expireAccessTokens();
    });
    const run = await hub.syncNow(conn.id);
    expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
    expect(new Set(events.map((e) => e.ticket.externalId)).size).toBe(120);
    expect(sim.oauth.stats().byGrant.refresh_token).toBeGreaterThanOrEqual(1);
    expect(sim.oauth.stats().invalidGrant).toBe(0);
    expect(sim.oauth.liveRefreshTokens(global.clientId)).toBe(1);
    expect((await store.getTokens(conn.id))!.generation).toBe(1 + sim.oauth.stats().byGrant.refresh_token);
  });

  it('a client whose allowed scopes leave out tickets:read fails Test & Connect naming the scopes', async () => {
    const { sim, hub } = await setup();
    sim.oauth.allowScopes(sim.credentials().clientId, ['users:read']);
    const error = (await hub.connect({ platform: 'zendesk', credentials: sim.credentials(), baseUrl: sim.url, syncMode: 'poll' }).catch((e: unknown) => e)) as CredentialsError;
    expect(CredentialsError.isInstance(error)).toBe(true);
    expect(error.field).toBe('scopes');
    expect(error.message).toContain('"tickets:read"');
    expect(error.message).toContain('invalid_scope');
    expect(error.message).toMatch(/allowed scopes/);
  });

  it('refuses a sign-in by an agent: the export is admin-only', async () => {
    const { sim, hub } = await setup();
    sim.oauth.consent({ userEmail: sim.user('agent').email });
    const { request, code } = await signIn(hub, sim);
    const error = (await hub
      .connect({ platform: 'zendesk', credentials: { method: 'oauth_authorization_code', subdomain: 'acmecorp' }, baseUrl: sim.url, syncMode: 'poll', oauth: { code, codeVerifier: request.codeVerifier! } })
      .catch((e: unknown) => e)) as CredentialsError;
    expect(error.field).toBe('authorization');
    expect(error.message).toMatch(/not an admin.*sign in as a Zendesk admin/);
  });

  it('a connection made with an API token still works, and the log says when that ends', async () => {
    const sim = await startZendeskSimulator({ seed: 3 });
    cleanups.push(() => sim.close());
    await sim.seed(5);
    const logs: string[] = [];
    const logger: Logger = { debug: () => undefined, info: () => undefined, warn: (m) => void logs.push(m), error: () => undefined };
    const hub = createHub({ connectors: [zendesk()], store: new MemoryStore(), logger, ...TEST_HUB_DEFAULTS });
    cleanups.push(() => hub.close());
    const conn = await hub.connect({ platform: 'zendesk', credentials: sim.credentials(), baseUrl: sim.url, syncMode: 'poll' });
    expect((await hub.syncNow(conn.id)).status).toBe('succeeded');
    expect(logs.filter((l) => l.includes('2027-04-30'))).toHaveLength(1);
  });
});
