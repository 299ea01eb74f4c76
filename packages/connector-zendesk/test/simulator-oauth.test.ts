import { createHash, randomBytes } from 'node:crypto';
import type { SimRequest } from '@ticketbridge/core/testing';
import { describe, expect, it } from 'vitest';
import { createOAuth } from '../src/simulator/oauth.js';
import { createSimState } from '../src/simulator/state.js';
import { startZendeskSimulator, type ZendeskSimAuth, type ZendeskSimulator, type ZendeskSimulatorOptions } from '../src/testing.js';

// The simulator's OAuth server checked against Zendesk's documentation over loopback HTTP with plain fetch: the
// simulator is the unit under test, so nothing here comes from the connector.

type Json = Record<string, unknown>;
const REDIRECT = 'https://app.example.com/zendesk/callback';
const INVALID_TOKEN = { error: 'invalid_token', error_description: 'The access token provided is expired, revoked, malformed or invalid for other reasons.' };

async function withSim<A extends ZendeskSimAuth = 'api_token'>(options: ZendeskSimulatorOptions<A>, run: (sim: ZendeskSimulator<A>) => Promise<void>) {
  const sim = await startZendeskSimulator(options);
  try {
    await run(sim);
  } finally {
    await sim.close();
  }
}

async function tokenRequest(sim: ZendeskSimulator<ZendeskSimAuth>, body: Json): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${sim.url}/oauth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Json };
}

async function api(sim: ZendeskSimulator<ZendeskSimAuth>, path: string, accessToken: unknown, init: { method?: string; json?: unknown } = {}) {
  const res = await fetch(`${sim.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${String(accessToken)}`, ...(init.json === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Json };
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Follows nothing: returns the Location the authorization page answers with. */
async function authorizePage(sim: ZendeskSimulator<ZendeskSimAuth>, params: Record<string, string>): Promise<{ status: number; location: URL | null }> {
  const res = await fetch(`${sim.url}/oauth/authorizations/new?${new URLSearchParams({ response_type: 'code', ...params })}`, { redirect: 'manual' });
  const location = res.headers.get('location');
  return { status: res.status, location: location ? new URL(location) : null };
}

async function clientCredentials(sim: ZendeskSimulator<ZendeskSimAuth>, scope: string, extra: Json = {}) {
  const c = sim.oauth.client('confidential');
  return tokenRequest(sim, { grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret, scope, ...extra });
}

/** Authorization code flow for a confidential client: returns the token response. */
async function codeFlow(sim: ZendeskSimulator<ZendeskSimAuth>, scope = 'read', userEmail?: string) {
  const c = sim.oauth.client('confidential');
  const location = new URL(sim.oauth.authorize({ clientId: c.clientId, redirectUri: REDIRECT, scope, state: 's1', ...(userEmail ? { userEmail } : {}) }));
  const res = await tokenRequest(sim, { grant_type: 'authorization_code', code: location.searchParams.get('code'), client_id: c.clientId, client_secret: c.clientSecret, redirect_uri: REDIRECT });
  return { client: c, ...res };
}

describe('client credentials grant', () => {
  it('returns a bearer token acting as the admin who created the client, with no refresh token', async () => {
    await withSim({}, async (sim) => {
      const res = await clientCredentials(sim, 'tickets:read users:read');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', scope: 'tickets:read users:read', expires_in: 1800 });
      expect(res.body).not.toHaveProperty('refresh_token');
      const me = await api(sim, '/api/v2/users/me.json', res.body.access_token);
      expect((me.body.user as Json).email).toBe(sim.user('admin').email);
      expect((await api(sim, '/api/v2/incremental/tickets/cursor.json?start_time=0', res.body.access_token)).status).toBe(200);
      expect(sim.oauth.stats()).toMatchObject({ tokenRequests: 1, byGrant: { client_credentials: 1, authorization_code: 0, refresh_token: 0 }, bearerRequests: 2 });
    });
  });

  it('in auth mode oauth_client_credentials, credentials() work and each bad credential fails as Zendesk answers', async () => {
    await withSim({ auth: 'oauth_client_credentials' }, async (sim) => {
      const creds = sim.credentials();
      expect(Object.keys(creds).sort()).toEqual(['clientId', 'clientSecret', 'method', 'subdomain']);
      expect(creds.method).toBe('oauth_client_credentials');
      const ask = (c: { clientId: string; clientSecret: string }) => tokenRequest(sim, { grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret, scope: 'tickets:read users:read' });
      expect((await ask(creds)).status).toBe(200);
      const expected: Record<string, { status: number; error: string }> = {
        clientSecret: { status: 401, error: 'invalid_client' },
        clientId: { status: 401, error: 'invalid_client' },
        scopes: { status: 400, error: 'invalid_scope' },
      };
      const bad = sim.badCredentials();
      expect(bad.map((b) => b.field).sort()).toEqual(['clientSecret', 'clientSecret', 'scopes']);
      for (const b of bad) {
        const res = await ask(b.credentials);
        expect(res.status, b.description).toBe(expected[b.field]!.status);
        expect(res.body.error, b.description).toBe(expected[b.field]!.error);
        expect(JSON.stringify(res.body)).not.toContain(b.credentials.clientSecret);
      }
    });
  });

  it('the same seed gives the same client credentials (like the API token)', async () => {
    const ids: string[] = [];
    for (const seed of [3, 3, 4]) await withSim({ seed, auth: 'oauth_client_credentials' }, async (sim) => void ids.push(JSON.stringify(sim.credentials())));
    expect(ids[0]).toBe(ids[1]);
    expect(ids[0]).not.toBe(ids[2]);
  });
});

describe('authorization code grant', () => {
  it('the authorization page redirects with code and state; the code buys a pair acting as the approving user', async () => {
    await withSim({}, async (sim) => {
      const c = sim.oauth.client('confidential');
      sim.oauth.consent({ userEmail: sim.user('agent').email });
      const page = await authorizePage(sim, { client_id: c.clientId, redirect_uri: REDIRECT, scope: 'read', state: 'xyz' });
      expect(page.status).toBe(302);
      expect(`${page.location!.origin}${page.location!.pathname}`).toBe(REDIRECT);
      expect(page.location!.searchParams.get('state')).toBe('xyz');
      const code = page.location!.searchParams.get('code');
      expect(code).toBeTruthy();
      const res = await tokenRequest(sim, { grant_type: 'authorization_code', code, client_id: c.clientId, client_secret: c.clientSecret, redirect_uri: REDIRECT });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', scope: 'read', expires_in: 1800, refresh_token: expect.any(String), refresh_token_expires_in: 2592000 });
      const me = await api(sim, '/api/v2/users/me.json', res.body.access_token);
      expect((me.body.user as Json).email).toBe(sim.user('agent').email);
      // The token acts as the agent, so the admin-only export stays forbidden whatever the scope.
      expect((await api(sim, '/api/v2/incremental/tickets/cursor.json?start_time=0', res.body.access_token)).status).toBe(403);
    });
  });

  it('a denied authorization redirects with error=access_denied and the state', async () => {
    await withSim({}, async (sim) => {
      const c = sim.oauth.client('confidential');
      sim.oauth.consent({ deny: true });
      const page = await authorizePage(sim, { client_id: c.clientId, redirect_uri: REDIRECT, scope: 'read', state: 'st' });
      expect(page.status).toBe(302);
      expect(page.location!.searchParams.get('error')).toBe('access_denied');
      expect(page.location!.searchParams.get('state')).toBe('st');
      expect(page.location!.searchParams.has('code')).toBe(false);
    });
  });

  it('an unknown client or unregistered redirect_uri gets an error page, never a redirect', async () => {
    await withSim({}, async (sim) => {
      const c = sim.oauth.client('confidential');
      expect(await authorizePage(sim, { client_id: 'nope', redirect_uri: REDIRECT, scope: 'read' })).toEqual({ status: 400, location: null });
      expect(await authorizePage(sim, { client_id: c.clientId, redirect_uri: 'https://evil.example/cb', scope: 'read' })).toEqual({ status: 400, location: null });
      expect(() => sim.oauth.authorize({ clientId: c.clientId, redirectUri: 'https://evil.example/cb', scope: 'read' })).toThrow();
    });
  });

  it('a code works once, only for its client and the redirect_uri it was issued for, and for 120 seconds', async () => {
    await withSim({}, async (sim) => {
      const c = sim.oauth.client('confidential', { redirectUris: [REDIRECT, 'https://app.example.com/other'] });
      const code = () => new URL(sim.oauth.authorize({ clientId: c.clientId, redirectUri: REDIRECT, scope: 'read' })).searchParams.get('code');
      const exchange = (code: string | null, redirect_uri = REDIRECT) => tokenRequest(sim, { grant_type: 'authorization_code', code, client_id: c.clientId, client_secret: c.clientSecret, redirect_uri });
      const once = code();
      expect((await exchange(once)).status).toBe(200);
      expect(await exchange(once)).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.stringContaining('invalid, expired, or revoked') } });
      expect(await exchange(code(), 'https://app.example.com/other')).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      const other = sim.oauth.client('confidential');
      expect(await tokenRequest(sim, { grant_type: 'authorization_code', code: code(), client_id: other.clientId, client_secret: other.clientSecret, redirect_uri: REDIRECT })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      const late = code();
      sim.clock.advance(121_000);
      expect(await exchange(late)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      expect(sim.oauth.stats().invalidGrant).toBe(4);
    });
  });

  it('PKCE S256: a public client exchanges with the verifier; a wrong verifier or a missing challenge fails', async () => {
    await withSim({}, async (sim) => {
      const c = sim.oauth.client('public');
      expect(c.clientSecret).toBeUndefined();
      const { verifier, challenge } = pkce();
      const page = await authorizePage(sim, { client_id: c.clientId, redirect_uri: REDIRECT, scope: 'tickets:read', code_challenge: challenge, code_challenge_method: 'S256' });
      const code = page.location!.searchParams.get('code');
      const wrong = pkce().verifier;
      expect(await tokenRequest(sim, { grant_type: 'authorization_code', code, client_id: c.clientId, redirect_uri: REDIRECT, code_verifier: wrong })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      // The failed exchange burnt the code: a fresh one with the right verifier works.
      const again = new URL(sim.oauth.authorize({ clientId: c.clientId, redirectUri: REDIRECT, scope: 'tickets:read', codeChallenge: challenge, codeChallengeMethod: 'S256' })).searchParams.get('code');
      const ok = await tokenRequest(sim, { grant_type: 'authorization_code', code: again, client_id: c.clientId, redirect_uri: REDIRECT, code_verifier: verifier });
      expect(ok.status).toBe(200);
      expect(ok.body.refresh_token).toEqual(expect.any(String));
      const noPkce = await authorizePage(sim, { client_id: c.clientId, redirect_uri: REDIRECT, scope: 'read', state: 'n' });
      expect(noPkce.location!.searchParams.get('error')).toBe('invalid_request');
      const plain = await authorizePage(sim, { client_id: c.clientId, redirect_uri: REDIRECT, scope: 'read', code_challenge: challenge, code_challenge_method: 'plain' });
      expect(plain.location!.searchParams.get('error')).toBe('invalid_request');
    });
  });

  it('a confidential client may skip its secret with PKCE, but not without it', async () => {
    await withSim({}, async (sim) => {
      const c = sim.oauth.client('confidential');
      const { verifier, challenge } = pkce();
      const withPkce = new URL(sim.oauth.authorize({ clientId: c.clientId, redirectUri: REDIRECT, scope: 'read', codeChallenge: challenge, codeChallengeMethod: 'S256' })).searchParams.get('code');
      expect((await tokenRequest(sim, { grant_type: 'authorization_code', code: withPkce, client_id: c.clientId, redirect_uri: REDIRECT, code_verifier: verifier })).status).toBe(200);
      const without = new URL(sim.oauth.authorize({ clientId: c.clientId, redirectUri: REDIRECT, scope: 'read' })).searchParams.get('code');
      expect(await tokenRequest(sim, { grant_type: 'authorization_code', code: without, client_id: c.clientId, redirect_uri: REDIRECT })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    });
  });
});

describe('refresh token grant', () => {
  it('rotates: the new pair works, the old access token is 401 and the old refresh token is invalid_grant', async () => {
    await withSim({}, async (sim) => {
      const first = await codeFlow(sim, 'tickets:read users:read');
      const refresh = (token: unknown) => tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: token, client_id: first.client.clientId, client_secret: first.client.clientSecret });
      const second = await refresh(first.body.refresh_token);
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ token_type: 'bearer', scope: 'tickets:read users:read', refresh_token: expect.any(String) });
      expect(second.body.access_token).not.toBe(first.body.access_token);
      expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
      expect(await api(sim, '/api/v2/users/me.json', first.body.access_token)).toMatchObject({ status: 401, body: INVALID_TOKEN });
      expect((await api(sim, '/api/v2/users/me.json', second.body.access_token)).status).toBe(200);
      expect(await refresh(first.body.refresh_token)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      // The reuse did not kill the live pair, and exactly one refresh token is left for this connection.
      expect((await api(sim, '/api/v2/users/me.json', second.body.access_token)).status).toBe(200);
      expect(sim.oauth.liveRefreshTokens(first.client.clientId)).toBe(1);
      const third = await refresh(second.body.refresh_token);
      expect(third.status).toBe(200);
      expect(sim.oauth.liveRefreshTokens(first.client.clientId)).toBe(1);
      expect(sim.oauth.stats().byGrant.refresh_token).toBe(3);
    });
  });

  it('two overlapping refreshes with the same token: one 200, one 400 invalid_grant', async () => {
    await withSim({ oauth: { tokenDelayMs: 300 } }, async (sim) => {
      const first = await codeFlow(sim);
      const body = { grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: first.client.clientId, client_secret: first.client.clientSecret };
      const results = await Promise.all([tokenRequest(sim, body), tokenRequest(sim, body)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
      expect(results.find((r) => r.status === 400)!.body.error).toBe('invalid_grant');
      expect(sim.oauth.liveRefreshTokens()).toBe(1);
    });
  });

  it('a refresh may narrow the scopes but not widen them; a refused refresh leaves the pair alive', async () => {
    await withSim({}, async (sim) => {
      const first = await codeFlow(sim, 'tickets:read users:read');
      const base = { grant_type: 'refresh_token', client_id: first.client.clientId, client_secret: first.client.clientSecret };
      expect(await tokenRequest(sim, { ...base, refresh_token: first.body.refresh_token, scope: 'tickets:read webhooks:write' })).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
      expect(await tokenRequest(sim, { ...base, refresh_token: first.body.refresh_token, expires_in: 10 })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      // Refused requests left the pair alone.
      expect((await api(sim, '/api/v2/users/me.json', first.body.access_token)).status).toBe(200);
      const narrowed = await tokenRequest(sim, { ...base, refresh_token: first.body.refresh_token, scope: 'tickets:read' });
      expect(narrowed).toMatchObject({ status: 200, body: { scope: 'tickets:read' } });
    });
  });
});

describe('token endpoint errors', () => {
  it('wrong secret and unknown client: 401 invalid_client with the RFC 6749 body', async () => {
    await withSim({}, async (sim) => {
      const c = sim.oauth.client('confidential');
      for (const body of [
        { grant_type: 'client_credentials', client_id: c.clientId, client_secret: `${c.clientSecret}x`, scope: 'read' },
        { grant_type: 'client_credentials', client_id: 'zdsim_unknown', client_secret: c.clientSecret, scope: 'read' },
        { grant_type: 'client_credentials', client_id: c.clientId, scope: 'read' },
      ]) {
        const res = await tokenRequest(sim, body);
        expect(res).toEqual({ status: 401, body: { error: 'invalid_client', error_description: expect.stringContaining('Client authentication failed') } });
        expect(JSON.stringify(res.body)).not.toContain(c.clientSecret);
      }
      expect(sim.oauth.stats().invalidClient).toBe(3);
    });
  });

  it('scopes outside the allowed list or unknown: 400 invalid_scope (token endpoint and authorization page)', async () => {
    await withSim({}, async (sim) => {
      const c = sim.oauth.client('confidential');
      sim.oauth.allowScopes(c.clientId, ['users:read', 'read']);
      const ask = (scope: string) => tokenRequest(sim, { grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret, scope });
      expect((await ask('users:read')).status).toBe(200);
      expect((await ask('tickets:read')).status).toBe(200); // covered by the allowed `read`
      expect(await ask('webhooks:write')).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
      expect(await ask('tickets:frobnicate')).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
      const page = await authorizePage(sim, { client_id: c.clientId, redirect_uri: REDIRECT, scope: 'write', state: 'q' });
      expect(page.location!.searchParams.get('error')).toBe('invalid_scope');
      expect(page.location!.searchParams.get('state')).toBe('q');
      sim.oauth.allowScopes(c.clientId, null);
      expect((await ask('webhooks:write')).status).toBe(200);
      expect(sim.oauth.stats().invalidScope).toBe(3);
    });
  });

  it('unknown grant type, non-JSON body and out-of-range expires_in are refused', async () => {
    await withSim({}, async (sim) => {
      const c = sim.oauth.client('confidential');
      expect(await tokenRequest(sim, { grant_type: 'password', client_id: c.clientId, client_secret: c.clientSecret })).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
      const form = await fetch(`${sim.url}/oauth/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret!, scope: 'read' }),
      });
      expect(form.status).toBe(400);
      expect(((await form.json()) as Json).error).toBe('invalid_request');
      expect(await clientCredentials(sim, 'read', { expires_in: 200 })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      expect(await clientCredentials(sim, 'read', { expires_in: 3600 })).toMatchObject({ status: 200, body: { expires_in: 3600 } });
    });
  });
});

describe('Bearer requests', () => {
  it('an expired access token gets 401 invalid_token on the simulator clock; refresh still works', async () => {
    await withSim({ oauth: { accessTokenTtlSec: 5 } }, async (sim) => {
      const first = await codeFlow(sim);
      expect(first.body.expires_in).toBe(5);
      expect((await api(sim, '/api/v2/users/me.json', first.body.access_token)).status).toBe(200);
      sim.clock.advance(6000);
      expect(await api(sim, '/api/v2/users/me.json', first.body.access_token)).toMatchObject({ status: 401, body: INVALID_TOKEN });
      expect(sim.oauth.stats().expiredTokenRequests).toBe(1);
      const refreshed = await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: first.client.clientId, client_secret: first.client.clientSecret });
      expect((await api(sim, '/api/v2/users/me.json', refreshed.body.access_token)).status).toBe(200);
    });
  });

  it('expireAccessTokens() expires every live access token at once', async () => {
    await withSim({}, async (sim) => {
      const a = await clientCredentials(sim, 'read');
      const b = await codeFlow(sim);
      sim.oauth.expireAccessTokens();
      for (const t of [a.body.access_token, b.body.access_token]) expect(await api(sim, '/api/v2/users/me.json', t)).toMatchObject({ status: 401, body: INVALID_TOKEN });
      expect(sim.oauth.liveRefreshTokens()).toBe(1);
    });
  });

  it('an unknown token is 401 invalid_token, even on users/me', async () => {
    await withSim({}, async (sim) => {
      expect(await api(sim, '/api/v2/users/me.json', 'not-a-token')).toMatchObject({ status: 401, body: INVALID_TOKEN });
    });
  });

  it('a token lacking the endpoint scope gets 403 Forbidden; the right scope passes', async () => {
    await withSim({}, async (sim) => {
      await sim.seed(3);
      const users = (await clientCredentials(sim, 'users:read')).body.access_token;
      const tickets = (await clientCredentials(sim, 'tickets:read')).body.access_token;
      const hooksRead = (await clientCredentials(sim, 'webhooks:read')).body.access_token;
      const hooksWrite = (await clientCredentials(sim, 'webhooks:write')).body.access_token;
      const forbidden = { status: 403, body: { error: 'Forbidden', description: expect.any(String) } };
      expect(await api(sim, '/api/v2/incremental/tickets/cursor.json?start_time=0', users)).toMatchObject(forbidden);
      expect((await api(sim, '/api/v2/incremental/tickets/cursor.json?start_time=0', tickets)).status).toBe(200);
      expect(await api(sim, '/api/v2/users/me.json', tickets)).toMatchObject(forbidden);
      expect((await api(sim, '/api/v2/users/me.json', users)).status).toBe(200);
      const hook = { webhook: { name: 'h', endpoint: 'https://app.example.com/hook', http_method: 'POST', request_format: 'json', status: 'active', subscriptions: ['conditional_ticket_events'] } };
      expect(await api(sim, '/api/v2/webhooks', hooksRead, { method: 'POST', json: hook })).toMatchObject(forbidden);
      const created = await api(sim, '/api/v2/webhooks', hooksWrite, { method: 'POST', json: hook });
      expect(created.status).toBe(201);
      const id = (created.body.webhook as Json).id as string;
      expect((await api(sim, `/api/v2/webhooks/${id}`, hooksRead)).status).toBe(200);
      expect(await api(sim, `/api/v2/webhooks/${id}`, hooksWrite)).toMatchObject(forbidden);
      expect(await api(sim, `/api/v2/webhooks/${id}`, hooksRead, { method: 'DELETE' })).toMatchObject(forbidden);
      expect((await api(sim, `/api/v2/webhooks/${id}`, hooksWrite, { method: 'DELETE' })).status).toBe(204);
    });
  });

  it('usersMeAnyScope lets users/me answer a token of any scope', async () => {
    await withSim({ oauth: { usersMeAnyScope: true } }, async (sim) => {
      const tickets = (await clientCredentials(sim, 'tickets:read')).body.access_token;
      expect((await api(sim, '/api/v2/users/me.json', tickets)).status).toBe(200);
      expect((await api(sim, '/api/v2/users/1001.json', tickets)).status).toBe(403);
    });
  });

  it('Basic API-token auth keeps working next to OAuth (legacy until 30 Apr 2027)', async () => {
    await withSim({}, async (sim) => {
      const { email, apiToken } = sim.credentials();
      const basic = `Basic ${Buffer.from(`${email}/token:${apiToken}`).toString('base64')}`;
      const viaBasic = await fetch(`${sim.url}/api/v2/incremental/tickets/cursor.json?start_time=0`, { headers: { authorization: basic } });
      expect(viaBasic.status).toBe(200);
      const wrong = `Basic ${Buffer.from(`${email}/token:${apiToken}x`).toString('base64')}`;
      expect((await fetch(`${sim.url}/api/v2/users/me.json`, { headers: { authorization: wrong } })).status).toBe(401);
      expect(sim.oauth.stats().bearerRequests).toBe(0);
      const bearer = (await clientCredentials(sim, 'read')).body.access_token;
      expect((await api(sim, '/api/v2/incremental/tickets/cursor.json?start_time=0', bearer)).status).toBe(200);
      expect(sim.oauth.stats().bearerRequests).toBe(1);
    });
  });

  it('revokeAll(clientId) kills that client\'s tokens and nobody else\'s', async () => {
    await withSim({}, async (sim) => {
      const a = await codeFlow(sim);
      const b = await codeFlow(sim);
      sim.oauth.revokeAll(a.client.clientId);
      expect(await api(sim, '/api/v2/users/me.json', a.body.access_token)).toMatchObject({ status: 401, body: INVALID_TOKEN });
      expect(await tokenRequest(sim, { grant_type: 'refresh_token', refresh_token: a.body.refresh_token, client_id: a.client.clientId, client_secret: a.client.clientSecret })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      expect((await api(sim, '/api/v2/users/me.json', b.body.access_token)).status).toBe(200);
      expect(sim.oauth.liveRefreshTokens(a.client.clientId)).toBe(0);
      expect(sim.oauth.liveRefreshTokens(b.client.clientId)).toBe(1);
      sim.oauth.revokeAll();
      expect((await api(sim, '/api/v2/users/me.json', b.body.access_token)).status).toBe(401);
      expect(sim.oauth.liveRefreshTokens()).toBe(0);
    });
  });
});

describe('rate limits', () => {
  it('token requests do not count against the account limit', async () => {
    await withSim({}, async (sim) => {
      sim.rateLimit.set({ limit: 2, windowMs: 60_000 });
      const tokens = [];
      for (let i = 0; i < 4; i++) tokens.push(await clientCredentials(sim, 'read'));
      expect(tokens.map((t) => t.status)).toEqual([200, 200, 200, 200]);
      const first = await api(sim, '/api/v2/users/me.json', tokens[0]!.body.access_token);
      expect(first.status).toBe(200);
      expect(first.headers.get('x-rate-limit-remaining')).toBe('1');
    });
  });
});

describe('bounded state', () => {
  // Driven through the OAuth module directly: thousands of HTTP round trips would only slow the suite down.
  const fakeRequest = (json: Json, authorization?: string): SimRequest => ({
    method: 'POST',
    rawUrl: '/oauth/tokens',
    url: new URL('http://127.0.0.1/oauth/tokens'),
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: Buffer.from(JSON.stringify(json)),
    json,
  });

  it('a full token table forgets expired tokens first, then the oldest, never growing past its cap', async () => {
    const state = createSimState({ oauth: { accessTokenTtlSec: 60 } });
    const oauth = createOAuth(state);
    const c = oauth.control.client('confidential');
    const issue = async (extra: Json = {}) => (await oauth.tokens(fakeRequest({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret, scope: 'read', ...extra }))).body as Json;
    const works = (token: unknown) => oauth.bearer(fakeRequest({}, `Bearer ${String(token)}`))?.kind === 'ok';
    const oldest = await issue({ expires_in: 3600 });
    const expired = await issue(); // 60 s, and newer than `oldest`: only an expiry sweep removes it before `oldest`
    const second = await issue({ expires_in: 3600 });
    state.offsetMs += 61_000;
    for (let i = 0; i < 4998; i++) await issue(); // the 5001st token pushes the expired one out
    expect(works(oldest.access_token)).toBe(true);
    expect(works(second.access_token)).toBe(true);
    await issue(); // the table is full of live tokens: the oldest goes
    expect(works(oldest.access_token)).toBe(false);
    expect(works(second.access_token)).toBe(true);
    expect(works(expired.access_token)).toBe(false);
  });
});
