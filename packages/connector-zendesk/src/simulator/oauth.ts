import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SimRequest, SimResponse } from '@ticketbridge/core/testing';
import type { SimState, SimUser } from './state.js';
import type {
  ZendeskSimAuthorizeRequest,
  ZendeskSimClientKind,
  ZendeskSimGrantType,
  ZendeskSimOAuthClient,
  ZendeskSimOAuthControl,
  ZendeskSimOAuthStats,
} from './types.js';

// Sources: Zendesk "OAuth Tokens for Grant Types" (developer.zendesk.com/api-reference/ticketing/oauth/grant_type_tokens/),
// "Using OAuth authentication with your application" (support.zendesk.com 4408845965210), "Using PKCE to make Zendesk
// OAuth access tokens more secure", "Migrating from API tokens to OAuth access tokens", "Announcing more granular
// OAuth client scopes" (support.zendesk.com 11093380955674). The README's table marks what is not confirmed [U].

const GRANTS: readonly ZendeskSimGrantType[] = ['authorization_code', 'refresh_token', 'client_credentials'];
const CODE_TTL_MS = 120_000; // "an authorization code valid for 120 seconds"
const DEFAULT_ACCESS_TTL_S = 1800;
const DEFAULT_REFRESH_TTL_S = 2_592_000;
// Bounds: the simulator forgets expired entries first and then the oldest, so a long test cannot grow it unbounded.
const MAX_TOKENS = 5000;
const MAX_CODES = 1000;
export const DEFAULT_REDIRECT_URI = 'https://app.example.com/zendesk/callback';

// Resources of Zendesk's `resource:access` scopes ("OAuth Tokens" API, Scopes). A bare resource means read and write.
const SCOPE_RESOURCES = new Set(['tickets', 'users', 'auditlogs', 'organizations', 'hc', 'apps', 'triggers', 'automations', 'targets', 'webhooks', 'macros', 'requests', 'satisfaction_ratings', 'dynamic_content', 'any_channel', 'client', 'zis']);
const BROAD_SCOPES = new Set(['read', 'write', 'impersonate']);

// RFC 6749 §5.2 bodies. invalid_grant's description is the one Zendesk's own help article quotes; the others are
// the wording of Doorkeeper, the OAuth server Zendesk's answers match [U].
const ERRORS = {
  invalid_request: 'The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.',
  invalid_client: 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
  invalid_grant:
    'The provided access grant is invalid, expired, or revoked (e.g. invalid assertion, expired authorization token, bad end-user password credentials, or mismatching authorization code and redirection URI).',
  unsupported_grant_type: 'The authorization grant type is not supported by the authorization server.',
  invalid_scope: 'The requested scope is invalid, unknown, or malformed.',
  unsupported_response_type: 'The authorization server does not support this response type.',
  access_denied: 'The resource owner or authorization server denied the request.',
} as const;
type OAuthError = keyof typeof ERRORS;

/** The 401 body of a Bearer request whose token is expired, revoked or unknown [U: wording]. */
export const INVALID_TOKEN = { error: 'invalid_token', error_description: 'The access token provided is expired, revoked, malformed or invalid for other reasons.' };

interface Client {
  id: string;
  secret: string | undefined;
  kind: ZendeskSimClientKind;
  redirectUris: string[];
  allowedScopes: Set<string> | null;
  /** The admin who created it: client-credentials tokens act as this user. */
  ownerId: number;
}
interface AccessToken {
  clientId: string;
  userId: number;
  scopes: Set<string>;
  expiresAt: number;
}
interface RefreshToken {
  clientId: string;
  userId: number;
  scopes: Set<string>;
  expiresAt: number;
  /** The access token issued with it: rotating this refresh token revokes that access token too. */
  accessToken: string;
  refreshTtlS: number;
}
interface AuthCode {
  clientId: string;
  userId: number;
  scopes: Set<string>;
  redirectUri: string;
  challenge: string | undefined;
  expiresAt: number;
}

/** What a Bearer header resolved to. */
export type BearerResult = { kind: 'ok'; user: SimUser; scopes: ReadonlySet<string> } | { kind: 'invalid' };

const newSecret = (bytes: number) => randomBytes(bytes).toString('base64url');

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Maps with a cap: inserting into a full map first drops expired entries, then the oldest. */
function bounded<V extends { expiresAt: number }>(max: number, now: () => number) {
  const map = new Map<string, V>();
  return {
    map,
    set(key: string, value: V) {
      if (map.size >= max) {
        const t = now();
        for (const [k, v] of map) if (v.expiresAt <= t) map.delete(k);
        while (map.size >= max) map.delete(map.keys().next().value!);
      }
      map.set(key, value);
    },
  };
}

function parseScope(scope: unknown): Set<string> | undefined {
  if (typeof scope !== 'string') return undefined;
  const list = scope.split(' ').filter(Boolean);
  return list.length ? new Set(list) : undefined;
}

function knownScope(s: string): boolean {
  if (BROAD_SCOPES.has(s)) return true;
  const [resource, access, ...rest] = s.split(':');
  return rest.length === 0 && SCOPE_RESOURCES.has(resource!) && (access === undefined || access === 'read' || access === 'write');
}

// An allowed `read` covers `tickets:read` [U: Zendesk does not say how allowed scopes combine]; the reverse does not.
function allowedBy(allowed: Set<string>, s: string): boolean {
  if (allowed.has(s)) return true;
  const [resource, access] = s.split(':');
  if (access !== undefined) return allowed.has(access) || allowed.has(resource!);
  return false;
}

/** Whether `scopes` let a request do `access` on `resource` ("read" for GET, "write" for the rest). */
function grants(scopes: ReadonlySet<string>, resource: string, access: 'read' | 'write'): boolean {
  return scopes.has(access) || scopes.has(`${resource}:${access}`) || scopes.has(resource);
}

/**
 * Zendesk's OAuth server as the simulator plays it: `POST /oauth/tokens` (authorization code with optional PKCE,
 * refresh with rotation, client credentials), the authorization page, Bearer authentication with scopes, and the
 * test controls behind `sim.oauth`.
 */
export function createOAuth(state: SimState) {
  const settings = state.options.oauth ?? {};
  const accessTtlS = settings.accessTokenTtlSec ?? DEFAULT_ACCESS_TTL_S;
  const admin = state.users[0]!;
  const clients = new Map<string, Client>();
  const access = bounded<AccessToken>(MAX_TOKENS, state.now);
  const refresh = bounded<RefreshToken>(MAX_TOKENS, state.now);
  const codes = bounded<AuthCode>(MAX_CODES, state.now);
  let consent: { userEmail?: string; deny?: boolean } = {};
  let clientSeq = 0;
  const stats: ZendeskSimOAuthStats = {
    tokenRequests: 0,
    byGrant: { authorization_code: 0, refresh_token: 0, client_credentials: 0 },
    invalidGrant: 0,
    invalidClient: 0,
    invalidScope: 0,
    bearerRequests: 0,
    expiredTokenRequests: 0,
  };

  function addClient(kind: ZendeskSimClientKind, redirectUris: string[], deterministic: boolean): Client {
    const n = ++clientSeq;
    // The first clients derive from the seed so `credentials()` is the same for a seed, like the API token.
    const derive = (what: string) => createHash('sha256').update(`${what}:${state.seed}:${n}`).digest('base64url');
    const id = deterministic ? `zdsim_${kind}_${derive('id').slice(0, 12)}` : `zdsim_${kind}_${newSecret(9)}`;
    const secret = kind === 'public' ? undefined : deterministic ? derive('secret') : newSecret(32);
    const client: Client = { id, secret, kind, redirectUris: [...redirectUris], allowedScopes: null, ownerId: admin.id };
    clients.set(id, client);
    return client;
  }
  // The client behind `credentials()` in OAuth mode, and one an admin restricted to users:read (a bad-credentials case).
  const main = addClient('confidential', [DEFAULT_REDIRECT_URI], true);
  const restricted = addClient('confidential', [DEFAULT_REDIRECT_URI], true);
  restricted.allowedScopes = new Set(['users:read']);

  const clientView = (c: Client): ZendeskSimOAuthClient => ({ clientId: c.id, ...(c.secret === undefined ? {} : { clientSecret: c.secret }), redirectUris: [...c.redirectUris] });

  function fail(error: OAuthError, status = 400): SimResponse {
    if (error === 'invalid_grant') stats.invalidGrant++;
    if (error === 'invalid_client') stats.invalidClient++;
    if (error === 'invalid_scope') stats.invalidScope++;
    return { status, headers: { 'cache-control': 'no-store' }, body: { error, error_description: ERRORS[error] } };
  }

  // Unknown scope names and scopes outside the client's allowed list are refused as invalid_scope.
  function scopeProblem(client: Client, scopes: Set<string>): boolean {
    for (const s of scopes) {
      if (!knownScope(s)) return true;
      if (client.allowedScopes && !allowedBy(client.allowedScopes, s)) return true;
    }
    return false;
  }

  /**
   * The lifetimes a token request asks for, or undefined when they break the documented bounds:
   * 300 < expires_in < 172800 and < refresh_token_expires_in; 604800 < refresh_token_expires_in < 7776000.
   */
  function lifetimes(body: Record<string, unknown>, refreshTtlDefault: number): { accessS: number; refreshS: number } | undefined {
    const refreshS = body.refresh_token_expires_in === undefined ? refreshTtlDefault : Number(body.refresh_token_expires_in);
    const accessS = body.expires_in === undefined ? accessTtlS : Number(body.expires_in);
    if (body.expires_in !== undefined && !(Number.isInteger(accessS) && accessS > 300 && accessS < 172_800 && accessS < refreshS)) return undefined;
    if (body.refresh_token_expires_in !== undefined && !(Number.isInteger(refreshS) && refreshS > 604_800 && refreshS < 7_776_000)) return undefined;
    return { accessS, refreshS };
  }

  function issue(client: Client, userId: number, scopes: Set<string>, ttl: { accessS: number; refreshS: number }, withRefresh: boolean): SimResponse {
    const now = state.now();
    const accessToken = newSecret(24);
    access.set(accessToken, { clientId: client.id, userId, scopes, expiresAt: now + ttl.accessS * 1000 });
    const out: Record<string, unknown> = { access_token: accessToken, token_type: 'bearer', scope: [...scopes].join(' '), expires_in: ttl.accessS };
    if (withRefresh) {
      const refreshToken = newSecret(24);
      refresh.set(refreshToken, { clientId: client.id, userId, scopes, expiresAt: now + ttl.refreshS * 1000, accessToken, refreshTtlS: ttl.refreshS });
      Object.assign(out, { refresh_token: refreshToken, refresh_token_expires_in: ttl.refreshS });
    }
    return { status: 200, headers: { 'cache-control': 'no-store', pragma: 'no-cache' }, body: out };
  }

  /** Checks the client; `secretOptional` lets a confidential client skip its secret (authorization code with PKCE). */
  function authenticateClient(body: Record<string, unknown>, secretOptional: boolean): Client | undefined {
    const client = typeof body.client_id === 'string' ? clients.get(body.client_id) : undefined;
    if (!client) return undefined;
    const secret = body.client_secret;
    if (client.secret === undefined) return secret === undefined ? client : undefined;
    if (secret === undefined) return secretOptional ? client : undefined;
    return typeof secret === 'string' && sameSecret(secret, client.secret) ? client : undefined;
  }

  // Decides the grant synchronously, so a refresh token is consumed the moment its request is accepted.
  function decide(req: SimRequest): SimResponse {
    stats.tokenRequests++;
    const contentType = String(req.headers['content-type'] ?? '');
    // "The POST request takes the following parameters, which must be formatted as JSON."
    if (!/^application\/json\b/i.test(contentType) || typeof req.json !== 'object' || req.json === null || Array.isArray(req.json)) return fail('invalid_request');
    const body = req.json as Record<string, unknown>;
    const grant = body.grant_type;
    if (typeof grant !== 'string' || !(GRANTS as readonly string[]).includes(grant)) return grant === undefined ? fail('invalid_request') : fail('unsupported_grant_type');
    stats.byGrant[grant as ZendeskSimGrantType]++;
    const now = state.now();

    if (grant === 'client_credentials') {
      const client = authenticateClient(body, false);
      if (!client || client.secret === undefined) return fail('invalid_client', 401);
      const scopes = parseScope(body.scope);
      if (!scopes || scopeProblem(client, scopes)) return fail('invalid_scope');
      const ttl = lifetimes(body, DEFAULT_REFRESH_TTL_S);
      if (!ttl) return fail('invalid_request');
      return issue(client, client.ownerId, scopes, ttl, false);
    }

    if (grant === 'authorization_code') {
      const code = typeof body.code === 'string' ? codes.map.get(body.code) : undefined;
      const client = authenticateClient(body, code?.challenge !== undefined);
      if (!client) return fail('invalid_client', 401);
      if (!code || code.clientId !== client.id || code.expiresAt <= now) return fail('invalid_grant');
      const ttl = lifetimes(body, DEFAULT_REFRESH_TTL_S);
      if (!ttl) return fail('invalid_request');
      // A code is single-use: a failed exchange burns it too, as RFC 6749 §4.1.2 asks.
      codes.map.delete(body.code as string);
      if (body.redirect_uri !== code.redirectUri) return fail('invalid_grant');
      if (code.challenge !== undefined) {
        const verifier = body.code_verifier;
        if (typeof verifier !== 'string' || createHash('sha256').update(verifier).digest('base64url') !== code.challenge) return fail('invalid_grant');
      }
      return issue(client, code.userId, code.scopes, ttl, true);
    }

    const client = authenticateClient(body, false);
    if (!client) return fail('invalid_client', 401);
    const token = typeof body.refresh_token === 'string' ? body.refresh_token : undefined;
    const old = token === undefined ? undefined : refresh.map.get(token);
    if (!old || old.clientId !== client.id || old.expiresAt <= now) return fail('invalid_grant');
    // Everything is checked before the old pair is touched: a malformed refresh must not cost the connection.
    const ttl = lifetimes(body, old.refreshTtlS);
    if (!ttl) return fail('invalid_request');
    let scopes = old.scopes;
    const asked = parseScope(body.scope);
    if (asked) {
      // A refresh may narrow the scopes, never widen them [U].
      if ([...asked].some((s) => !old.scopes.has(s))) return fail('invalid_scope');
      scopes = asked;
    }
    // Rotation: the old pair dies now, before the answer is sent, so a second refresh with it gets invalid_grant.
    refresh.map.delete(token!);
    access.map.delete(old.accessToken);
    return issue(client, old.userId, scopes, ttl, true);
  }

  async function tokens(req: SimRequest): Promise<SimResponse> {
    if (req.method !== 'POST') return { status: 404, body: { error: 'InvalidEndpoint', description: 'Not found' } };
    const out = decide(req);
    if (settings.tokenDelayMs) await new Promise((r) => setTimeout(r, settings.tokenDelayMs));
    return out;
  }

  /** The authorization page's decision: a redirect URL, or an error shown on the page itself (no redirect). */
  function authorizeDecision(r: ZendeskSimAuthorizeRequest & { responseType?: string }): { location: string } | { pageError: string } {
    const client = clients.get(r.clientId);
    if (!client) return { pageError: 'unknown client' };
    if (!client.redirectUris.includes(r.redirectUri)) return { pageError: 'redirect_uri is not registered for this client' };
    const back = (params: Record<string, string>) => {
      const url = new URL(r.redirectUri);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      if (r.state !== undefined) url.searchParams.set('state', r.state);
      return { location: url.toString() };
    };
    const error = (e: OAuthError) => {
      if (e === 'invalid_scope') stats.invalidScope++;
      return back({ error: e, error_description: ERRORS[e] });
    };
    if ((r.responseType ?? 'code') !== 'code') return error('unsupported_response_type');
    const scopes = parseScope(r.scope);
    if (!scopes) return error('invalid_request');
    if (scopeProblem(client, scopes)) return error('invalid_scope');
    if (r.codeChallenge !== undefined && r.codeChallengeMethod !== 'S256') return error('invalid_request');
    if (r.codeChallenge === undefined && (client.kind === 'public' || r.codeChallengeMethod !== undefined)) return error('invalid_request');
    const email = (r.userEmail ?? admin.email).toLowerCase();
    const user = state.users.find((u) => u.email === email);
    if (!user) return { pageError: 'unknown user' };
    if (r.deny) return error('access_denied');
    const code = newSecret(24);
    codes.set(code, { clientId: client.id, userId: user.id, scopes, redirectUri: r.redirectUri, challenge: r.codeChallenge, expiresAt: state.now() + CODE_TTL_MS });
    return back({ code });
  }

  function authorizationPage(req: SimRequest): SimResponse {
    const q = req.url.searchParams;
    const opt = (k: string) => q.get(k) ?? undefined;
    const decision = authorizeDecision({
      clientId: q.get('client_id') ?? '',
      redirectUri: q.get('redirect_uri') ?? '',
      scope: q.get('scope') ?? '',
      ...(q.has('state') ? { state: q.get('state')! } : {}),
      ...(q.has('code_challenge') ? { codeChallenge: opt('code_challenge')! } : {}),
      ...(q.has('code_challenge_method') ? { codeChallengeMethod: opt('code_challenge_method')! } : {}),
      ...(q.has('response_type') ? { responseType: opt('response_type')! } : {}),
      ...(consent.userEmail === undefined ? {} : { userEmail: consent.userEmail }),
      ...(consent.deny ? { deny: true } : {}),
    });
    if ('pageError' in decision) {
      // RFC 6749 §4.1.2.1: never redirect to an unverified URI; Zendesk shows an error page [U: its text].
      return { status: 400, headers: { 'content-type': 'text/html; charset=utf-8' }, body: `<html><body><h1>Invalid authorization request</h1><p>${decision.pageError}</p></body></html>` };
    }
    return { status: 302, headers: { location: decision.location } };
  }

  /** Resolves `Authorization: Bearer`; undefined when the request does not use it. */
  function bearer(req: SimRequest): BearerResult | undefined {
    const m = (req.headers.authorization ?? '').match(/^Bearer\s+(\S+)\s*$/i);
    if (!m) return undefined;
    stats.bearerRequests++;
    const t = access.map.get(m[1]!);
    const user = t && t.expiresAt > state.now() ? state.userById.get(t.userId) : undefined;
    if (!t || !user) {
      stats.expiredTokenRequests++;
      return { kind: 'invalid' };
    }
    return { kind: 'ok', user, scopes: t.scopes };
  }

  /**
   * Whether the token's scopes cover the request: GET needs `<resource>:read` or `read`, other methods
   * `<resource>:write` or `write`, where the resource is the path's first segment after /api/v2 (the export's
   * after `incremental/`).
   */
  function allows(scopes: ReadonlySet<string>, method: string, pathname: string): boolean {
    const path = pathname.replace(/\.json$/, '');
    if (path === '/api/v2/users/me' && settings.usersMeAnyScope) return true;
    const parts = path.split('/').filter(Boolean).slice(2);
    const resource = parts[0] === 'incremental' ? (parts[1] ?? 'incremental') : (parts[0] ?? '');
    return grants(scopes, resource, method === 'GET' || method === 'HEAD' ? 'read' : 'write');
  }

  function revokeWhere(match: (clientId: string) => boolean) {
    for (const m of [access.map, refresh.map, codes.map] as Array<Map<string, { clientId: string }>>) for (const [k, v] of m) if (match(v.clientId)) m.delete(k);
  }

  const control: ZendeskSimOAuthControl = {
    client(kind = 'confidential', o = {}) {
      return clientView(addClient(kind, o.redirectUris ?? [DEFAULT_REDIRECT_URI], false));
    },
    allowScopes(clientId, scopes) {
      const c = clients.get(clientId);
      if (!c) throw new Error('simulator has no such OAuth client');
      c.allowedScopes = scopes ? new Set(scopes) : null;
    },
    authorize(request) {
      const decision = authorizeDecision(request);
      if ('pageError' in decision) throw new Error(`authorization page error: ${decision.pageError}`);
      return decision.location;
    },
    consent(o) {
      consent = { ...o };
    },
    revokeAll(clientId) {
      revokeWhere((id) => clientId === undefined || id === clientId);
    },
    expireAccessTokens() {
      const now = state.now();
      for (const t of access.map.values()) if (t.expiresAt > now) t.expiresAt = now;
    },
    stats: () => ({ ...stats, byGrant: { ...stats.byGrant } }),
    liveRefreshTokens(clientId) {
      const now = state.now();
      let n = 0;
      for (const t of refresh.map.values()) if (t.expiresAt > now && (clientId === undefined || t.clientId === clientId)) n++;
      return n;
    },
  };

  return { tokens, authorizationPage, bearer, allows, control, main: clientView(main), restricted: clientView(restricted) };
}
