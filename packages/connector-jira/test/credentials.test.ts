import { CredentialsError, describeCredentialMethods, type Hub } from '@ticketbridge/core';
import { createTestContext } from '@ticketbridge/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { jira, jiraCredentials } from '../src/index.js';
import { startJiraSimulator, type JiraSimulator, type JiraSimulatorOptions } from '../src/testing.js';
import { startOAuthHub } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const REDIRECT = 'https://app.example.com/jira/callback';

async function setup(options: JiraSimulatorOptions = {}) {
  const sim = await startJiraSimulator({ seed: 9, ...options });
  cleanups.push(() => sim.close());
  await sim.seed(60);
  const client = sim.oauth.addClient({ clientId: 'ticketbridge-app', clientSecret: 'app-secret-0123456789', redirectUris: [REDIRECT], allowedScopes: null });
  const { hub, store, events } = await startOAuthHub({ clientSecret: client.clientSecret!, redirectUri: REDIRECT, cleanups });
  return { sim, hub, store, events };
}

const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as CredentialsError);

describe('the Connect form', () => {
  it('offers three methods, API token first, every field with a label and help', () => {
    const methods = describeCredentialMethods(jiraCredentials);
    expect(methods.map((m) => m.id)).toEqual(['api_token', 'scoped_token', 'oauth']);
    for (const m of methods) for (const f of m.fields) expect(f.help, `${m.id}.${f.name}`).toBeTruthy();
    const token = methods[0]!.fields.find((f) => f.name === 'apiToken')!;
    expect(token.secret).toBe(true);
    expect(token.help).toMatch(/id\.atlassian\.com → Security → API tokens/);
    expect(methods[2]!.oauth).toEqual({ grant: 'authorization_code', clientFrom: 'hub' });
  });

  it('reads project keys as a clean list and refuses a key that could not be one, before any request', () => {
    const parse = (projectKeys: string) => jiraCredentials.safeParse({ subdomain: 'acme', email: 'a@b.co', apiToken: 't', projectKeys });
    const ok = parse(' sup, HELP  sup ');
    expect(ok.success && (ok.data as { projectKeys?: string[] }).projectKeys).toEqual(['SUP', 'HELP']);
    const bad = parse('SUP, 1X) OR project = "SECRET');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['projectKeys']);
    expect(jiraCredentials.safeParse({ method: 'scoped_token', subdomain: 'acme', email: 'a@b.co', apiToken: 't', cloudId: 'not-a-uuid' }).success).toBe(false);
  });
});

describe('Test & Connect', () => {
  it('reports the service desks it sees, keeps the account\'s zone and admin right, and says an expired token may be why', async () => {
    const { sim } = await setup();
    const connector = jira();
    const info = await connector.testConnection(createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url }));
    expect(info.accountName).toBe('acme.atlassian.net (2 service desks: SUP, HELP)');
    expect(info.metadata).toMatchObject({ timeZone: 'America/Los_Angeles', admin: true, projectKeys: ['SUP', 'HELP'] });
    const error = (await refusal(connector.testConnection(createTestContext({ connector, credentials: { ...sim.credentials(), apiToken: sim.expiredToken }, baseUrl: sim.url }))))!;
    expect(CredentialsError.isInstance(error)).toBe(true);
    expect(error.field).toBe('apiToken');
    expect(error.message).toMatch(/may have expired.*create a new one/);
    expect(error.platformMessage).toBe('Client must be authenticated to access this resource.');
    expect(JSON.stringify(error) + error.message).not.toContain(sim.expiredToken);
  });
});

describe('a token that expires after connecting', () => {
  it('stops the sync with a CredentialsError on apiToken that says the token may have expired', async () => {
    const { sim, hub } = await setup();
    const conn = await hub.connect({ platform: 'jira', credentials: sim.credentials(), baseUrl: sim.url, syncMode: 'poll' });
    // A year later: Jira refuses the token it accepted at connect.
    await sim.expireToken();
    const run = await hub.syncNow(conn.id);
    expect(run.status).not.toBe('succeeded');
    expect(run.errors.at(-1)?.message).toMatch(/answered 401.*Client must be authenticated.*may have expired.*create a new one/);
    expect(JSON.stringify(run)).not.toContain(sim.credentials().apiToken);
    expect((await hub.list()).find((c) => c.id === conn.id)?.status).toBe('error');
  });
});

describe('scoped API tokens', () => {
  it('connect and sync through api.atlassian.com/ex/jira/{cloudId}; a wrong cloud id names cloudId', async () => {
    const { sim, hub, events } = await setup();
    const credentials = { method: 'scoped_token', subdomain: 'acme', cloudId: sim.cloudId, email: sim.credentials().email, apiToken: sim.scopedToken };
    const conn = await hub.connect({ platform: 'jira', credentials, baseUrl: sim.url, syncMode: 'poll' });
    sim.resetStats();
    expect((await hub.syncNow(conn.id)).status).toBe('succeeded');
    expect(events.length).toBe(sim.snapshot().size);
    expect(Object.keys(sim.stats().byPath).every((p) => p.startsWith(`/ex/jira/${sim.cloudId}/`))).toBe(true);
    const wrong = await refusal(hub.connect({ platform: 'jira', credentials: { ...credentials, cloudId: '00000000-0000-4000-a000-000000000000' }, baseUrl: sim.url }));
    expect(wrong?.field).toBe('cloudId');
    // A classic token is not accepted on the gateway: the token is at fault.
    const classic = await refusal(hub.connect({ platform: 'jira', credentials: { ...credentials, apiToken: sim.credentials().apiToken }, baseUrl: sim.url }));
    expect(classic?.field).toBe('apiToken');
  });
});

describe('OAuth 2.0 (3LO)', () => {
  async function signIn(hub: Hub, sim: JiraSimulator) {
    const request = await hub.oauth.authorizationUrl({ platform: 'jira', credentials: { method: 'oauth', subdomain: 'acme' }, baseUrl: sim.url, syncMode: 'poll' });
    const res = await fetch(request.url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location')!);
    return { request, code: back.searchParams.get('code')! };
  }

  it('signs in with audience and consent, resolves the site\'s cloud id into metadata, and syncs through the gateway', async () => {
    const { sim, hub, events, store } = await setup();
    const { request, code } = await signIn(hub, sim);
    const url = new URL(request.url);
    expect(url.pathname).toBe('/authorize');
    expect(url.searchParams.get('audience')).toBe('api.atlassian.com');
    expect(url.searchParams.get('prompt')).toBe('consent');
    expect(url.searchParams.get('scope')).toBe('read:jira-work read:jira-user read:servicedesk-request offline_access');
    expect(url.searchParams.get('code_challenge')).toBeNull();
    const conn = await hub.connect({ platform: 'jira', credentials: { method: 'oauth', subdomain: 'acme' }, baseUrl: sim.url, syncMode: 'both', oauth: { code } });
    expect((await store.getConnection(conn.id))!.metadata['cloudId']).toBe(sim.cloudId);
    // An OAuth app registers a dynamic webhook (test/dynamic-webhook.test.ts covers it).
    expect(conn.webhookSetup.kind).toBe('registered');
    sim.resetStats();
    // The access token dies before the sync: the first request gets 401, the core refreshes once and goes on.
    sim.oauth.expireAccessTokens();
    expect((await hub.syncNow(conn.id)).status).toBe('succeeded');
    expect(events.length).toBe(sim.snapshot().size);
    expect(sim.oauth.stats().byGrant['refresh_token']).toBe(1);
    expect(Object.keys(sim.stats().byPath).filter((p) => p !== '/oauth/token').every((p) => p.startsWith(`/ex/jira/${sim.cloudId}/`))).toBe(true);
  });

  it('refuses a sign-in that did not grant the connection\'s site, naming the subdomain and the sites granted', async () => {
    const { sim, hub } = await setup();
    const request = await hub.oauth.authorizationUrl({ platform: 'jira', credentials: { method: 'oauth', subdomain: 'elsewhere' }, baseUrl: sim.url, syncMode: 'poll' });
    const res = await fetch(request.url, { redirect: 'manual' });
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    const error = await refusal(hub.connect({ platform: 'jira', credentials: { method: 'oauth', subdomain: 'elsewhere' }, baseUrl: sim.url, syncMode: 'poll', oauth: { code } }));
    expect(error?.field).toBe('subdomain');
    expect(error?.message).toMatch(/did not grant access to elsewhere\.atlassian\.net \(it granted acme\.atlassian\.net, other-team\.atlassian\.net\)/);
  });
});

describe('rate limits', () => {
  it('obeys the Beta-RateLimit quota headers of OAuth apps before any 429', async () => {
    const { sim, hub, events } = await setup({ rateLimitHeaders: 'beta' });
    const conn = await hub.connect({ platform: 'jira', credentials: sim.credentials(), baseUrl: sim.url, syncMode: 'poll' });
    sim.resetStats();
    sim.rateLimit.set({ limit: 2, windowMs: 1_000 });
    expect((await hub.syncNow(conn.id)).status).toBe('succeeded');
    expect(events.length).toBe(sim.snapshot().size);
    expect(sim.stats().limitViolations).toBe(0);
    expect(sim.stats().rateLimited).toBe(0);
  });
});
