import { afterEach, describe, expect, it } from 'vitest';
import {
  CredentialsError,
  describeCredentialMethods,
  describeCredentials,
  MemoryStore,
  type HubOptions,
  type Logger,
  type StoredTokens,
} from '../src/index.js';
import { acmeWithOAuth, startAcmeSimulator, startHubServer, waitFor, type AcmeSimulator } from '../src/testing.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A store that remembers every token it was given, so tests can look for them where they must not be. */
class WatchedStore extends MemoryStore {
  readonly seen: StoredTokens[] = [];
  /** Throws after this many successful saves, as a process killed right after writing would stop. */
  killAfterSaves: number | undefined;
  override async saveTokens(id: string, tokens: StoredTokens, expected: number | null): Promise<boolean> {
    const wrote = await super.saveTokens(id, tokens, expected);
    if (wrote) this.seen.push(tokens);
    if (wrote && this.killAfterSaves !== undefined && this.seen.length >= this.killAfterSaves) throw new Error('process killed');
    return wrote;
  }
}

function recordingLogger(lines: string[]): Logger {
  const write = (level: string) => (message: string, extra?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(extra ?? {})}`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

async function setup(sim: AcmeSimulator, extra: Partial<HubOptions> = {}, store: MemoryStore = new WatchedStore()) {
  const logs: string[] = [];
  const started = await startHubServer({
    connectors: [acmeWithOAuth({ pageSize: 20 })],
    store,
    logger: recordingLogger(logs),
    oauthClients: { acme: sim.oauthClients.global },
    ...extra,
  });
  cleanups.push(() => started.close());
  const { hub, events } = started;
  const other: unknown[] = [];
  for (const name of ['sync.started', 'sync.finished', 'sync.failed', 'connection.error', 'error', 'webhook.accepted', 'webhook.rejected', 'rateLimited'] as const) {
    hub.on(name, (...args: unknown[]) => {
      other.push({ name, args });
    });
  }
  return { hub, events, other, logs, server: { url: started.url }, store };
}

async function startSim(options: Parameters<typeof startAcmeSimulator>[0] = {}) {
  const sim = await startAcmeSimulator({ tickets: 0, rateLimit: null, ...options });
  cleanups.push(() => sim.close());
  return sim;
}

/** Runs the consent page as a browser would and returns the code the redirect carries. */
async function consent(url: string): Promise<{ code: string; state: string }> {
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const back = new URL(res.headers.get('location')!);
  return { code: back.searchParams.get('code')!, state: back.searchParams.get('state')! };
}

describe('credential methods', () => {
  it('describes each method with its fields, OAuth grant and end date, and the form lists every field once', () => {
    const methods = describeCredentialMethods(acmeWithOAuth().credentials);
    expect(methods.map((m) => [m.id, m.oauth?.grant ?? null, m.deprecated?.endsOn ?? null])).toEqual([
      ['oauth_client_credentials', 'client_credentials', null],
      ['oauth_authorization_code', 'authorization_code', null],
      ['api_token', null, '2027-04-30'],
    ]);
    expect(methods[1]!.oauth!.clientFrom).toBe('hub');
    expect(methods[0]!.fields.map((f) => [f.name, f.secret])).toEqual([
      ['subdomain', false],
      ['clientId', false],
      ['clientSecret', true],
    ]);
    const form = describeCredentials(acmeWithOAuth().credentials);
    expect(form[0]).toMatchObject({ name: 'method', kind: 'select', choices: ['oauth_client_credentials', 'oauth_authorization_code', 'api_token'], required: false });
    expect(form.find((f) => f.name === 'subdomain')!.methods).toEqual(['oauth_client_credentials', 'oauth_authorization_code', 'api_token']);
    expect(form.find((f) => f.name === 'apiToken')!.methods).toEqual(['api_token']);
  });

  it('keeps connections that name no method on the default one, and warns once that it is ending', async () => {
    const sim = await startSim({ tickets: 5 });
    const { hub, events, logs } = await setup(sim);
    const conn = await hub.connect({ platform: 'acme', credentials: sim.credentials(), baseUrl: sim.url, syncMode: 'poll' });
    await hub.syncNow(conn.id);
    await hub.syncNow(conn.id);
    expect(events).toHaveLength(5);
    const warnings = logs.filter((l) => l.startsWith('warn') && l.includes('2027-04-30'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('Reconnect with an OAuth client');
  });
});

describe('OAuth client credentials', () => {
  it('connects, and a backfill that outlives several access tokens loses nothing', async () => {
    const sim = await startSim({ tickets: 400, accessTokenTtlSec: 1 });
    const { hub, events, store } = await setup(sim);
    const conn = await hub.connect({ platform: 'acme', credentials: sim.oauthCredentials(), baseUrl: sim.url, syncMode: 'poll' });
    // 20 pages of 150 ms: three seconds, three lifetimes of a one-second token.
    sim.faults.inject('slow', { count: 20, path: /^\/api\/tickets$/, delayMs: 150 });
    let pages = 0;
    hub.on('sync.progress', () => {
      // Midway, the platform drops every token early: the next request gets 401 and must be retried once.
      if (++pages === 10) sim.oauth.expireAccessTokens();
    });
    const run = await hub.syncNow(conn.id);
    expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
    expect(new Set(events.map((e) => e.ticket.externalId)).size).toBe(400);
    expect(sim.oauth.stats().byGrant['client_credentials']).toBeGreaterThanOrEqual(4);
    expect((await store.getTokens(conn.id))!.generation).toBe(sim.oauth.stats().byGrant['client_credentials']);
    expect(run.errors).toEqual([]);
  });

  it('updateCredentials tests a new client secret at the token endpoint, not with the token the old one obtained', async () => {
    const sim = await startSim({ tickets: 5 });
    const { hub } = await setup(sim);
    const good = sim.oauthCredentials();
    const conn = await hub.connect({ platform: 'acme', credentials: good, baseUrl: sim.url, syncMode: 'poll' });
    await hub.syncNow(conn.id);
    const refused = await hub.updateCredentials(conn.id, { ...good, clientSecret: 'not-the-client-secret-0000' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CredentialsError);
    expect((refused as CredentialsError).field).toBe('clientSecret');
    await expect(hub.updateCredentials(conn.id, good)).resolves.toMatchObject({ id: conn.id, status: 'active' });
    expect((await hub.syncNow(conn.id)).status).toBe('succeeded');
  });

  it('names the field at fault: a wrong client secret, a scope the client may not ask for', async () => {
    const sim = await startSim();
    const { hub } = await setup(sim);
    const wrong = await hub.connect({ platform: 'acme', credentials: { ...sim.oauthCredentials(), clientSecret: 'acme_cs_wrong_000000000000' }, baseUrl: sim.url }).catch((e: unknown) => e);
    expect(CredentialsError.isInstance(wrong)).toBe(true);
    expect((wrong as CredentialsError).field).toBe('clientSecret');
    expect((wrong as CredentialsError).message).toContain('invalid_client');
    expect((wrong as CredentialsError).message).not.toContain('acme_cs_wrong_000000000000');

    sim.oauth.allowScopes(sim.oauthClients.account.clientId, ['account:read']);
    const scope = (await hub.connect({ platform: 'acme', credentials: sim.oauthCredentials(), baseUrl: sim.url }).catch((e: unknown) => e)) as CredentialsError;
    expect(scope.message).toContain('"tickets:read"');
    expect(scope.message).toContain('invalid_scope');
    expect(scope.method).toBe('oauth_client_credentials');
    expect(await hub.list()).toEqual([]);
  });
});

describe('OAuth authorization code', () => {
  it('runs the browser flow with state and PKCE, then syncs and rotates the refresh token on every renewal', async () => {
    const sim = await startSim({ tickets: 30, accessTokenTtlSec: 1 });
    const { hub, events, store } = await setup(sim);
    const credentials = { method: 'oauth_authorization_code', subdomain: 'acme' };
    const request = await hub.oauth.authorizationUrl({ platform: 'acme', credentials, baseUrl: sim.url, syncMode: 'poll' });
    const url = new URL(request.url);
    expect(url.origin + url.pathname).toBe(`${sim.url}/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: sim.oauthClients.global.clientId,
      redirect_uri: sim.oauthClients.global.redirectUri,
      scope: 'tickets:read account:read',
      code_challenge_method: 'S256',
      state: request.state,
    });
    const { code, state } = await consent(request.url);
    expect(state).toBe(request.state);

    // Without the verifier the code is refused; the code is then spent, so the flow starts over.
    const noVerifier = (await hub.connect({ platform: 'acme', credentials, baseUrl: sim.url, syncMode: 'poll', oauth: { code } }).catch((e: unknown) => e)) as CredentialsError;
    expect(noVerifier.reauthorize).toBe(true);
    const again = await hub.oauth.authorizationUrl({ platform: 'acme', credentials, baseUrl: sim.url, syncMode: 'poll' });
    const conn = await hub.connect({ platform: 'acme', credentials, baseUrl: sim.url, syncMode: 'poll', oauth: { code: (await consent(again.url)).code, codeVerifier: again.codeVerifier! } });

    expect((await hub.syncNow(conn.id)).status).toBe('succeeded');
    await new Promise((r) => setTimeout(r, 1_100));
    await sim.update(['1', '2']);
    expect((await hub.syncNow(conn.id)).status).toBe('succeeded');
    expect(events.length).toBe(32);
    expect(sim.oauth.stats().byGrant['refresh_token']).toBeGreaterThanOrEqual(1);
    expect((await store.getTokens(conn.id))!.generation).toBe(1 + sim.oauth.stats().byGrant['refresh_token']!);
    // Every rotation killed the pair before it: exactly one refresh token works.
    expect(sim.oauth.liveRefreshTokens()).toBe(1);
    expect(sim.oauth.stats().invalidGrant).toBe(1); // the verifier-less exchange above, nothing since
  });

  it('two processes sharing a store refresh once between them and end with one valid pair', async () => {
    const sim = await startSim({ tickets: 60, accessTokenTtlSec: 1800 });
    const store = new WatchedStore();
    const a = await setup(sim, {}, store);
    const credentials = { method: 'oauth_authorization_code', subdomain: 'acme' };
    const request = await a.hub.oauth.authorizationUrl({ platform: 'acme', credentials, baseUrl: sim.url });
    const conn = await a.hub.connect({ platform: 'acme', credentials, baseUrl: sim.url, syncMode: 'both', oauth: { code: (await consent(request.url)).code, codeVerifier: request.codeVerifier! } });
    const secret = conn.webhookSecret!;
    const b = await setup(sim, {}, store);

    sim.oauth.expireAccessTokens();
    // Answers take 300 ms, so both processes are waiting for a token at the same moment.
    sim.oauth.tokenDelayMs = 300;
    const deliveries = Promise.all(['1', '2', '3'].map((id) => sim.webhooks.deliver(b.hub.webhooks.urlFor(conn.id)!, [id], { secret })));
    const run = a.hub.syncNow(conn.id);
    const [delivered, finished] = await Promise.all([deliveries, run]);

    expect(finished.status, JSON.stringify(finished.errors)).toBe('succeeded');
    expect(delivered.map((d) => d.status)).toEqual([200, 200, 200]);
    expect(sim.oauth.stats().byGrant['refresh_token']).toBe(1);
    expect(sim.oauth.stats().invalidGrant).toBe(0);
    expect(sim.oauth.liveRefreshTokens()).toBe(1);
    expect((await store.getTokens(conn.id))!.generation).toBe(2);
  });

  it('a process killed right after saving a rotation leaves a pair the next process resumes with', async () => {
    const sim = await startSim({ tickets: 100, accessTokenTtlSec: 1800 });
    const store = new WatchedStore();
    const a = await setup(sim, {}, store);
    const credentials = { method: 'oauth_authorization_code', subdomain: 'acme' };
    const request = await a.hub.oauth.authorizationUrl({ platform: 'acme', credentials, baseUrl: sim.url, syncMode: 'poll' });
    const conn = await a.hub.connect({ platform: 'acme', credentials, baseUrl: sim.url, syncMode: 'poll', oauth: { code: (await consent(request.url)).code, codeVerifier: request.codeVerifier! } });
    let pages = 0;
    a.hub.on('sync.progress', () => {
      if (++pages === 2) sim.oauth.expireAccessTokens();
    });
    // The first save was the connect; the rotation is the second, and the process dies right after writing it.
    store.killAfterSaves = 2;
    const dead = await a.hub.syncNow(conn.id);
    expect(dead.status).not.toBe('succeeded');
    await a.hub.close();
    store.killAfterSaves = undefined;

    const b = await setup(sim, {}, store);
    const resumed = await b.hub.syncNow(conn.id);
    expect(resumed.status, JSON.stringify(resumed.errors)).toBe('succeeded');
    expect(new Set([...a.events, ...b.events].map((e) => e.ticket.externalId)).size).toBe(100);
    expect(sim.oauth.stats().invalidGrant).toBe(0);
    expect(sim.oauth.liveRefreshTokens()).toBe(1);
  });

  it('a revoked authorization stops the connection with a clear reason and no retry storm', async () => {
    const sim = await startSim({ tickets: 10 });
    const { hub, other, store } = await setup(sim);
    const credentials = { method: 'oauth_authorization_code', subdomain: 'acme' };
    const request = await hub.oauth.authorizationUrl({ platform: 'acme', credentials, baseUrl: sim.url, syncMode: 'poll' });
    const conn = await hub.connect({ platform: 'acme', credentials, baseUrl: sim.url, syncMode: 'poll', oauth: { code: (await consent(request.url)).code, codeVerifier: request.codeVerifier! } });
    sim.oauth.revokeAll(); // an admin removed the app's access: every token dies

    const run = await hub.syncNow(conn.id);
    expect(run.status).toBe('failed');
    expect(run.errors[0]).toMatchObject({ code: 'credentials', field: 'authorization' });
    expect(run.errors[0]!.message).toMatch(/refused the refresh token .*invalid_grant.*re-authorize/);
    const stored = await hub.get(conn.id);
    expect(stored).toMatchObject({ status: 'error', statusReason: { code: 'credentials', field: 'authorization' } });
    await waitFor(() => other.some((o) => (o as { name: string }).name === 'connection.error'));
    const tokenRequests = sim.oauth.stats().tokenRequests;
    expect(sim.oauth.stats().byGrant['refresh_token']).toBe(1);
    // Runs after the failure do not call the token endpoint again.
    await hub.syncNow(conn.id);
    await hub.syncNow(conn.id);
    expect(sim.oauth.stats().tokenRequests).toBe(tokenRequests);
    expect((await store.getTokens(conn.id))!.generation).toBe(1);

    // The admin signs in again: the same connection, its cursor and history kept, is active and syncs.
    const cursor = await store.getCursor(conn.id);
    const again = await hub.oauth.authorizationUrl({ platform: 'acme', credentials, baseUrl: sim.url, syncMode: 'poll' });
    const resumed = await hub.reauthorize(conn.id, { code: (await consent(again.url)).code, codeVerifier: again.codeVerifier! });
    expect(resumed.status).toBe('active');
    expect(resumed.statusReason).toBeUndefined();
    expect((await store.getTokens(conn.id))!.generation).toBe(2);
    expect(await store.getCursor(conn.id)).toEqual(cursor);
    // resume() starts a sync at once.
    await waitFor(async () => (await hub.history(conn.id)).some((r) => r.status === 'succeeded'), 10_000, 'a successful sync after re-authorization');
    expect(sim.oauth.stats().invalidGrant).toBe(1);
  });

  it('no token or client secret appears in logs, errors, events, history or connection views', async () => {
    const sim = await startSim({ tickets: 40, accessTokenTtlSec: 1 });
    const store = new WatchedStore();
    const { hub, events, other, logs } = await setup(sim, { logger: undefined }, store);
    const lines: string[] = [];
    const verbose = await setup(sim, { logger: recordingLogger(lines) }, store);
    const credentials = { method: 'oauth_authorization_code', subdomain: 'acme' };
    const request = await verbose.hub.oauth.authorizationUrl({ platform: 'acme', credentials, baseUrl: sim.url, syncMode: 'poll' });
    const conn = await verbose.hub.connect({ platform: 'acme', credentials, baseUrl: sim.url, syncMode: 'poll', oauth: { code: (await consent(request.url)).code, codeVerifier: request.codeVerifier! } });
    const cc = await verbose.hub.connect({ platform: 'acme', credentials: sim.oauthCredentials(), baseUrl: sim.url, syncMode: 'poll' });
    sim.faults.inject('status500', { count: 2 });
    await verbose.hub.syncNow(conn.id);
    await new Promise((r) => setTimeout(r, 1_100));
    await verbose.hub.syncNow(cc.id);
    sim.oauth.revokeAll();
    await verbose.hub.syncNow(conn.id);
    await verbose.hub.syncNow(cc.id);

    const secrets = [...store.seen.flatMap((t) => [t.accessToken, t.refreshToken]), sim.oauthClients.global.clientSecret, sim.oauthClients.account.clientSecret].filter((s): s is string => Boolean(s));
    expect(store.seen.length).toBeGreaterThanOrEqual(4);
    const written = JSON.stringify([lines, logs, events, other, verbose.events, verbose.other, await verbose.hub.history(conn.id), await verbose.hub.history(cc.id), await verbose.hub.list(), await hub.list()]);
    for (const secret of secrets) expect(written).not.toContain(secret);
    expect(lines.some((l) => l.includes('credential refused (401)') || l.includes('requesting OAuth tokens'))).toBe(true);
  });
});
