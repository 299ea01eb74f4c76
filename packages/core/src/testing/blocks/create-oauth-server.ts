import { createHash, randomBytes } from 'node:crypto';
import type { SimRequest, SimResponse } from '../loopback-server.js';

/** An OAuth client the simulated platform knows. */
export interface SimOAuthClient {
  clientId: string;
  /** Absent for a public client, which must use PKCE. */
  clientSecret?: string;
  redirectUris: string[];
  /** Scopes an admin allowed for this client; `null` allows every scope. */
  allowedScopes: string[] | null;
}

/** Options of {@link createOAuthServer}. */
export interface OAuthServerOptions {
  /** Access-token lifetime in seconds (default 1800); tests use one or two. */
  accessTokenTtlSec?: number;
  /** Refresh-token lifetime in seconds (default 30 days). */
  refreshTokenTtlSec?: number;
  /** Token request encodings accepted (default both: RFC 6749's form, and JSON as Zendesk takes it). */
  encodings?: ReadonlyArray<'form' | 'json'>;
  /** Clock in epoch ms (default `Date.now`); a simulator passes its own. */
  now?: () => number;
  /** Prefix of issued tokens, to tell platforms apart in logs. */
  tokenPrefix?: string;
}

/** What a bearer token is worth, for a simulator's `authenticate`. */
export type BearerCheck =
  | { ok: true; clientId: string; userId: string; scopes: string[] }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' };

/** Counters of the token endpoint, for tests that assert "one refresh", "no invalid_grant". */
export interface OAuthServerStats {
  tokenRequests: number;
  byGrant: Record<string, number>;
  invalidGrant: number;
  invalidClient: number;
  invalidScope: number;
}

/** A simulated OAuth 2 authorization server. */
export interface OAuthServer {
  /** Registers a client; returns it. */
  addClient(client: Partial<SimOAuthClient> & { clientId: string }): SimOAuthClient;
  client(clientId: string): SimOAuthClient | undefined;
  /** Restricts a client's allowed scopes (`null`: all). */
  allowScopes(clientId: string, scopes: string[] | null): void;
  /**
   * Answers `POST` to the token endpoint (RFC 6749 §4.1.3, §4.4, §6; errors as §5.2). The decision (and the
   * consumption of a code or refresh token) happens on arrival; the answer leaves after `tokenDelayMs`.
   */
  token(req: SimRequest): Promise<SimResponse>;
  /**
   * The consent page's answer to `GET` with `response_type=code` (the user approves at once, or denies): a 302 to
   * the redirect URI with `code` and `state`, or 400 for a request that names no valid client or redirect URI.
   */
  authorize(req: SimRequest, options?: { userId?: string; deny?: boolean }): SimResponse;
  /** Checks an `Authorization: Bearer` value. */
  bearer(token: string): BearerCheck;
  /** Every live access token expires now (what the clock passing their lifetime does). */
  expireAccessTokens(): void;
  /** Revokes every token of a client, or all (an admin deleting the client or the grant). */
  revokeAll(clientId?: string): void;
  /** Refresh tokens that still work, per client or in all. A correct client keeps exactly one per connection. */
  liveRefreshTokens(clientId?: string): number;
  /** Pauses token answers this long after the request is accepted (to make two refreshes overlap). */
  tokenDelayMs: number;
  stats(): OAuthServerStats;
}

interface AccessRecord {
  clientId: string;
  userId: string;
  scopes: string[];
  expiresAt: number;
  revoked: boolean;
}

interface RefreshRecord {
  clientId: string;
  userId: string;
  scopes: string[];
  expiresAt: number;
  /** The access token issued with it, revoked when this refresh token is used. */
  accessToken: string;
}

interface CodeRecord {
  clientId: string;
  userId: string;
  scopes: string[];
  redirectUri: string;
  challenge?: string;
  expiresAt: number;
}

/** Most tokens kept at once: a simulator must not grow without bound however long a test runs. */
const MAX_TOKENS = 10_000;

/**
 * A small OAuth 2 authorization server for platform simulators, written from RFC 6749 and RFC 7636: client
 * credentials, authorization code with PKCE (S256), and refresh with rotation (the old pair dies the moment a
 * refresh is accepted, so a second use of it, concurrent or later, gets `invalid_grant`). Errors are RFC 6749 §5.2
 * bodies: `invalid_client` (401), `invalid_grant`, `invalid_scope`, `unsupported_grant_type`, `invalid_request`.
 *
 * A simulator mounts {@link OAuthServer.token} and {@link OAuthServer.authorize} on its platform's paths and calls
 * {@link OAuthServer.bearer} in its `authenticate`.
 */
export function createOAuthServer(options: OAuthServerOptions = {}): OAuthServer {
  const now = options.now ?? Date.now;
  const accessTtl = (options.accessTokenTtlSec ?? 1800) * 1000;
  const refreshTtl = (options.refreshTokenTtlSec ?? 30 * 86_400) * 1000;
  const encodings = new Set(options.encodings ?? ['form', 'json']);
  const prefix = options.tokenPrefix ?? 'sim';
  const clients = new Map<string, SimOAuthClient>();
  const access = new Map<string, AccessRecord>();
  const refresh = new Map<string, RefreshRecord>();
  const codes = new Map<string, CodeRecord>();
  const stats: OAuthServerStats = { tokenRequests: 0, byGrant: {}, invalidGrant: 0, invalidClient: 0, invalidScope: 0 };

  const error = (status: number, code: string, description: string): SimResponse => {
    if (code === 'invalid_grant') stats.invalidGrant++;
    if (code === 'invalid_client') stats.invalidClient++;
    if (code === 'invalid_scope') stats.invalidScope++;
    return { status, headers: { 'cache-control': 'no-store' }, body: { error: code, error_description: description } };
  };

  const prune = () => {
    const t = now();
    for (const [k, v] of access) if (v.expiresAt <= t || v.revoked) access.delete(k);
    for (const [k, v] of refresh) if (v.expiresAt <= t) refresh.delete(k);
    for (const [k, v] of codes) if (v.expiresAt <= t) codes.delete(k);
    // Still too many: the oldest go first (Map keeps insertion order).
    for (const map of [access, refresh, codes] as Array<Map<string, unknown>>) {
      while (map.size > MAX_TOKENS) map.delete(map.keys().next().value as string);
    }
  };

  const issue = (clientId: string, userId: string, scopes: string[], withRefresh: boolean) => {
    prune();
    const accessToken = `${prefix}_at_${randomBytes(18).toString('base64url')}`;
    access.set(accessToken, { clientId, userId, scopes, expiresAt: now() + accessTtl, revoked: false });
    const body: Record<string, unknown> = { access_token: accessToken, token_type: 'bearer', scope: scopes.join(' '), expires_in: Math.round(accessTtl / 1000) };
    if (withRefresh) {
      const refreshToken = `${prefix}_rt_${randomBytes(18).toString('base64url')}`;
      refresh.set(refreshToken, { clientId, userId, scopes, expiresAt: now() + refreshTtl, accessToken });
      body['refresh_token'] = refreshToken;
      body['refresh_token_expires_in'] = Math.round(refreshTtl / 1000);
    }
    return { status: 200, headers: { 'cache-control': 'no-store' }, body } satisfies SimResponse;
  };

  const params = (req: SimRequest): Record<string, string> | undefined => {
    const type = String(req.headers['content-type'] ?? '');
    if (type.includes('application/json') && encodings.has('json')) {
      if (typeof req.json !== 'object' || req.json === null) return undefined;
      return Object.fromEntries(Object.entries(req.json as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    }
    if (type.includes('application/x-www-form-urlencoded') && encodings.has('form')) return Object.fromEntries(new URLSearchParams(req.body.toString('utf8')));
    return undefined;
  };

  /** RFC 6749 §2.3.1: Basic first, then the body. */
  const clientOf = (req: SimRequest, p: Record<string, string>): SimOAuthClient | 'bad' => {
    let id = p['client_id'];
    let secret = p['client_secret'];
    const basic = /^Basic\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      id = decodeURIComponent(decoded.slice(0, sep));
      secret = decodeURIComponent(decoded.slice(sep + 1));
    }
    const client = id === undefined ? undefined : clients.get(id);
    if (!client) return 'bad';
    if (client.clientSecret !== undefined && secret !== client.clientSecret) return 'bad';
    return client;
  };

  const scopesFor = (client: SimOAuthClient, asked: string | undefined): string[] | 'invalid' => {
    const scopes = (asked ?? 'read').split(/\s+/).filter(Boolean);
    if (client.allowedScopes && scopes.some((s) => !client.allowedScopes!.includes(s))) return 'invalid';
    return scopes;
  };

  function decide(req: SimRequest): SimResponse {
    stats.tokenRequests++;
    const p = params(req);
    if (!p) return error(400, 'invalid_request', 'The request is missing a required parameter or is otherwise malformed.');
    const grant = p['grant_type'] ?? '';
    stats.byGrant[grant] = (stats.byGrant[grant] ?? 0) + 1;
    const client = clientOf(req, p);
    if (client === 'bad') return error(401, 'invalid_client', 'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.');
    if (grant === 'client_credentials') {
      if (client.clientSecret === undefined) return error(400, 'unauthorized_client', 'A public client may not use the client credentials grant.');
      const scopes = scopesFor(client, p['scope']);
      if (scopes === 'invalid') return error(400, 'invalid_scope', `The requested scope is invalid, unknown, or malformed: allowed are ${client.allowedScopes!.join(' ')}.`);
      return issue(client.clientId, 'admin', scopes, false);
    }
    if (grant === 'authorization_code') {
      const code = codes.get(p['code'] ?? '');
      // Single use: gone whatever happens next.
      codes.delete(p['code'] ?? '');
      if (!code || code.clientId !== client.clientId || code.expiresAt <= now()) return error(400, 'invalid_grant', 'The provided authorization grant is invalid, expired, revoked, or was issued to another client.');
      if (p['redirect_uri'] !== code.redirectUri) return error(400, 'invalid_grant', 'The redirect URI does not match the one used in the authorization request.');
      if (code.challenge !== undefined) {
        const verifier = p['code_verifier'] ?? '';
        if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge) return error(400, 'invalid_grant', 'The code verifier does not match the code challenge.');
      } else if (client.clientSecret === undefined) {
        return error(400, 'invalid_request', 'A public client must use PKCE.');
      }
      return issue(client.clientId, code.userId, code.scopes, true);
    }
    if (grant === 'refresh_token') {
      const token = p['refresh_token'] ?? '';
      const record = refresh.get(token);
      // Consumed the moment it is accepted: a concurrent second use finds nothing.
      refresh.delete(token);
      if (!record || record.clientId !== client.clientId || record.expiresAt <= now()) return error(400, 'invalid_grant', 'The refresh token is invalid, expired or revoked.');
      const old = access.get(record.accessToken);
      if (old) old.revoked = true;
      return issue(client.clientId, record.userId, record.scopes, true);
    }
    return error(400, 'unsupported_grant_type', 'The authorization grant type is not supported by the authorization server.');
  }

  const server: OAuthServer = {
    tokenDelayMs: 0,

    addClient(input) {
      const client: SimOAuthClient = { redirectUris: [], allowedScopes: null, ...input };
      clients.set(client.clientId, client);
      return client;
    },
    client: (id) => clients.get(id),
    allowScopes(clientId, scopes) {
      const client = clients.get(clientId);
      if (client) client.allowedScopes = scopes;
    },

    async token(req) {
      const answer = decide(req);
      if (server.tokenDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, server.tokenDelayMs));
      return answer;
    },

    authorize(req, o = {}) {
      const q = req.url.searchParams;
      const client = clients.get(q.get('client_id') ?? '');
      const redirectUri = q.get('redirect_uri') ?? '';
      if (!client || !client.redirectUris.includes(redirectUri)) return { status: 400, body: { error: 'invalid_request', error_description: 'Unknown client or redirect URI.' } };
      const back = new URL(redirectUri);
      const state = q.get('state');
      if (state !== null) back.searchParams.set('state', state);
      if (q.get('response_type') !== 'code') back.searchParams.set('error', 'unsupported_response_type');
      else if (o.deny) back.searchParams.set('error', 'access_denied');
      else {
        const scopes = scopesFor(client, q.get('scope') ?? undefined);
        const challenge = q.get('code_challenge') ?? undefined;
        if (scopes === 'invalid') back.searchParams.set('error', 'invalid_scope');
        else if (challenge !== undefined && q.get('code_challenge_method') !== 'S256') back.searchParams.set('error', 'invalid_request');
        else if (challenge === undefined && client.clientSecret === undefined) back.searchParams.set('error', 'invalid_request');
        else {
          prune();
          const code = randomBytes(16).toString('base64url');
          codes.set(code, { clientId: client.clientId, userId: o.userId ?? 'admin', scopes, redirectUri, ...(challenge ? { challenge } : {}), expiresAt: now() + 120_000 });
          back.searchParams.set('code', code);
        }
      }
      return { status: 302, headers: { location: back.toString() } };
    },

    bearer(token) {
      const record = access.get(token);
      if (!record) return { ok: false, reason: 'unknown' };
      if (record.revoked) return { ok: false, reason: 'revoked' };
      if (record.expiresAt <= now()) return { ok: false, reason: 'expired' };
      return { ok: true, clientId: record.clientId, userId: record.userId, scopes: record.scopes };
    },

    expireAccessTokens() {
      const t = now();
      for (const record of access.values()) record.expiresAt = Math.min(record.expiresAt, t);
    },
    revokeAll(clientId) {
      for (const [k, v] of access) if (clientId === undefined || v.clientId === clientId) access.delete(k);
      for (const [k, v] of refresh) if (clientId === undefined || v.clientId === clientId) refresh.delete(k);
    },
    liveRefreshTokens(clientId) {
      let n = 0;
      for (const v of refresh.values()) if ((clientId === undefined || v.clientId === clientId) && v.expiresAt > now()) n++;
      return n;
    },
    stats: () => structuredClone(stats),
  };
  return server;
}
