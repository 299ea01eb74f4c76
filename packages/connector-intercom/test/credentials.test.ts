import { createHub, CredentialsError, describeCredentialMethods, describeCredentials, MemoryStore, type Hub } from '@ticketbridge/core';
import { createTestContext, startHostServer, TEST_HUB_DEFAULTS } from '@ticketbridge/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { intercom } from '../src/index.js';
import { startIntercomSimulator } from '../src/testing.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function sim(options: Parameters<typeof startIntercomSimulator>[0] = {}) {
  const s = await startIntercomSimulator({ seed: 21, ...options });
  cleanups.push(() => s.close());
  return s;
}

describe('Intercom credentials and Test & Connect', () => {
  it('builds the real API host from the region, US by default, and sends the token as Bearer', () => {
    const connector = intercom();
    const http = (c: Record<string, unknown>) => connector.http(connector.credentials.parse(c));
    expect(http({ accessToken: 't0k' }).baseUrl).toBe('https://api.intercom.io/');
    expect(http({ accessToken: 't0k', region: 'eu' }).baseUrl).toBe('https://api.eu.intercom.io/');
    expect(http({ accessToken: 't0k', region: 'au' }).baseUrl).toBe('https://api.au.intercom.io/');
    expect(http({ accessToken: 't0k' }).headers).toEqual({ authorization: 'Bearer t0k' });
    // OAuth: core sends the token it holds, so the connector adds no auth header.
    expect(http({ method: 'oauth', region: 'eu' }).headers).toEqual({});
    expect(() => connector.credentials.parse({ accessToken: 't0k', region: 'api.evil.com' })).toThrow();
  });

  it('describes both methods with labels and where to find each value', () => {
    const fields = describeCredentials(intercom().credentials);
    expect(fields.map((f) => f.name).sort()).toEqual(['accessToken', 'clientSecret', 'method', 'region']);
    for (const f of fields.filter((x) => x.name !== 'method')) expect(f.help, f.name).toMatch(/\w/);
    expect(fields.find((f) => f.name === 'accessToken')).toMatchObject({ secret: true });
    expect(fields.find((f) => f.name === 'clientSecret')).toMatchObject({ secret: true });
    const methods = describeCredentialMethods(intercom().credentials);
    expect(methods.map((m) => m.id)).toEqual(['access_token', 'oauth']);
  });

  it('records the workspace on Test & Connect', async () => {
    const s = await sim();
    const connector = intercom();
    const info = await connector.testConnection(createTestContext({ connector, credentials: s.credentials(), baseUrl: s.url }));
    expect(info.accountName).toBe('Acme Support (Intercom US)');
    expect(info.metadata).toMatchObject({ region: 'us', workspaceName: 'Acme Support', adminId: '991267459' });
    expect(info.metadata!['appId']).toMatch(/^[a-z0-9]{8}$/);
  });

  it('names accessToken on a 401 and keeps Intercom\'s message, never the token', async () => {
    const s = await sim();
    const connector = intercom();
    const token = 'dG9rOmZha2UtdG9rZW4tdGhhdC1pbnRlcmNvbS1yZWZ1c2Vz';
    const error = await connector
      .testConnection(createTestContext({ connector, credentials: { ...s.credentials(), accessToken: token }, baseUrl: s.url }))
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect(error).toMatchObject({ field: 'accessToken', status: 401 });
    expect((error as CredentialsError).platformMessage).toBe('unauthorized: Access Token Invalid');
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain(token);
  });

  it('names region when the workspace lives in another region than the one chosen', async () => {
    const s = await sim({ region: 'AU' });
    const connector = intercom();
    const error = await connector.testConnection(createTestContext({ connector, credentials: { ...s.credentials(), region: 'us' }, baseUrl: s.url })).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ field: 'region' });
    expect((error as Error).message).toContain('Australia');
  });
});

describe('Intercom over OAuth (public app)', () => {
  it('installs through the consent page, trades the code at /auth/eagle/token and syncs with the token core holds', async () => {
    const s = await sim();
    const ids = await s.seed(12);
    let hubRef: Hub | undefined;
    const server = await startHostServer((req, res) => hubRef!.webhooks.nodeHandler()(req, res));
    cleanups.push(() => server.close());
    const store = new MemoryStore();
    const hub = createHub({
      connectors: [intercom()],
      store,
      publicUrl: server.url,
      oauthClients: { intercom: { clientId: s.oauthApp.clientId, clientSecret: s.oauthApp.clientSecret, redirectUri: s.oauthApp.redirectUri } },
      ...TEST_HUB_DEFAULTS,
    });
    hubRef = hub;
    cleanups.push(() => hub.close());
    const credentials = { method: 'oauth', region: 'us' };
    const request = await hub.oauth.authorizationUrl({ platform: 'intercom', credentials, baseUrl: s.url, syncMode: 'poll' });
    expect(new URL(request.url).pathname).toBe('/oauth');
    expect(new URL(request.url).searchParams.get('code_challenge')).toBeNull();
    const res = await fetch(request.url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe(request.state);
    const events: string[] = [];
    hub.on('ticket', (e) => {
      events.push(e.ticket.externalId);
    });
    const conn = await hub.connect({ platform: 'intercom', credentials, baseUrl: s.url, syncMode: 'poll', oauth: { code: back.searchParams.get('code')! } });
    expect(conn.status).toBe('active');
    const tokens = await store.getTokens(conn.id);
    // Intercom's tokens never expire and come without a refresh token.
    expect(tokens?.refreshToken).toBeUndefined();
    expect(tokens?.expiresAt).toBeUndefined();
    expect((await hub.syncNow(conn.id)).status).toBe('succeeded');
    expect(new Set(events)).toEqual(new Set(ids));
    expect(s.oauth.stats().byGrant).toEqual({ authorization_code: 1 });
  });
});
