import { z } from 'zod';
import type { HttpClient } from '../connector/http-client.js';
import { ConfigError } from '../errors/config-error.js';
import { CredentialsError } from '../errors/credentials-error.js';
import { PermanentError } from '../errors/permanent-error.js';
import { ResponseShapeError } from '../errors/response-shape-error.js';
import type { OAuthClientConfig, OAuthMethodConfig } from '../credentials/oauth-method.js';

/** OAuth tokens as a token endpoint issued them (RFC 6749 §5.1), before the core stores them. */
export interface OAuthTokens {
  accessToken: string;
  /** Absent for grants that issue none (client credentials). */
  refreshToken?: string;
  /** When the access token expires (ISO-8601), from `expires_in`; absent when the platform says nothing. */
  expiresAt?: string;
  /** When the refresh token expires (ISO-8601), when the platform says (`refresh_token_expires_in`). */
  refreshExpiresAt?: string;
  /** The scopes granted, space-separated. */
  scope?: string;
  /** When they were obtained (ISO-8601). */
  obtainedAt: string;
}

/** The field a refused authorization is blamed on: the OAuth grant itself, which only the browser flow renews. */
export const AUTHORIZATION_FIELD = 'authorization';

// RFC 6749 §5.1. `expires_in` arrives as a string from some servers; a missing one means "ask the docs".
const TokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/)]).optional().nullable(),
  refresh_token: z.string().min(1).optional().nullable(),
  refresh_token_expires_in: z.union([z.number(), z.string().regex(/^\d+$/)]).optional().nullable(),
  scope: z.string().optional().nullable(),
});

// RFC 6749 §5.2.
const TokenError = z.object({ error: z.string(), error_description: z.string().optional().nullable() });

/** An OAuth method resolved for one connection's credentials: whom to ask for tokens, and as which client. */
export interface OAuthClientContext {
  platform: string;
  /** The credential method's id, named in errors. */
  method: string;
  config: OAuthMethodConfig<Record<string, unknown>>;
  credentials: Record<string, unknown>;
  client: OAuthClientConfig;
  /** Where the client came from, for blaming the right field (`hub`: the hub's configuration). */
  clientFrom: 'credentials' | 'hub';
}

/** What one token request needs. */
export interface TokenRequest extends OAuthClientContext {
  /** A client on the token endpoint's origin. */
  http: HttpClient;
  /** Path of the token endpoint on that origin. */
  path: string;
  /** `grant_type` and its own parameters (`code`, `refresh_token`, `scope`...). */
  params: Record<string, string>;
  /** Scopes asked for, named when the platform refuses them. */
  scopes: readonly string[];
  now(): number;
}

/**
 * Sends one token request (RFC 6749 §4.1.3, §4.4.2, §6) and classifies the answer: tokens; `CredentialsError`
 * naming the field at fault for a refused client, grant or scope; `PermanentError` for a request the platform
 * calls malformed (a connector bug). Transient failures are the HTTP client's: a client-credentials request is
 * re-sent, a refresh is not (the platform may have rotated the pair already, and a second use would be refused).
 */
export async function requestTokens(request: TokenRequest): Promise<OAuthTokens> {
  const { config, client, platform } = request;
  // Numbers stay numbers in a JSON body (Zendesk's `expires_in`); a form body makes everything text anyway.
  const params: Record<string, string | number> = { ...config.tokenParams, ...request.params };
  const headers: Record<string, string> = {};
  if ((config.clientAuthentication ?? 'body') === 'basic') {
    const encode = (v: string) => encodeURIComponent(v);
    headers['authorization'] = `Basic ${Buffer.from(`${encode(client.clientId)}:${encode(client.clientSecret ?? '')}`).toString('base64')}`;
  } else {
    params['client_id'] = client.clientId;
    if (client.clientSecret) params['client_secret'] = client.clientSecret;
  }
  const asJson = config.encoding === 'json';
  const response = await request.http.request(request.path, {
    method: 'POST',
    ...(asJson ? { json: params } : { form: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) }),
    headers,
    acceptStatus: [400, 401, 403],
    idempotent: params['grant_type'] === 'client_credentials',
  });
  if (response.ok) {
    const parsed = TokenResponse.safeParse(response.data);
    if (!parsed.success) throw new ResponseShapeError(`the token endpoint answered ${response.status} without an access_token`, { platform, status: response.status });
    return issued(parsed.data, request.now());
  }
  const body = TokenError.safeParse(response.data);
  const code = body.success ? body.data.error : `HTTP ${response.status}`;
  const said = body.success && body.data.error_description ? `${code}: ${body.data.error_description}` : code;
  throw classify(request, code, said, response.status);
}

function classify(request: TokenRequest, code: string, said: string, status: number): Error {
  const { platform, method, config } = request;
  const grant = request.params['grant_type'];
  const options = { platform, status, platformMessage: said };
  const clientFields = typeof config.client === 'object' ? config.client : undefined;
  if (code === 'invalid_client' || (status === 401 && code !== 'invalid_grant')) {
    if (request.clientFrom === 'hub') {
      return new ConfigError(`the token endpoint refused the hub's OAuth client (${said}): check createHub({ oauthClients: { ${platform}: … } })`, { platform, field: 'oauthClients' });
    }
    const field = clientFields?.secretField ?? clientFields?.idField;
    return new CredentialsError(`the token endpoint refused the OAuth client (${said}): check the client id and secret`, { ...options, ...(field ? { field } : {}), method });
  }
  if (code === 'invalid_scope') {
    const field = config.scopesField ?? AUTHORIZATION_FIELD;
    return new CredentialsError(
      `the OAuth client may not ask for the scopes ${request.scopes.map((s) => `"${s}"`).join(', ')} (${said}): an admin must allow them in the client's allowed scopes`,
      { ...options, field, method },
    );
  }
  if (code === 'invalid_grant') {
    if (grant === 'refresh_token') {
      return new CredentialsError(`the token endpoint refused the refresh token (${said}): the authorization was revoked or has expired; re-authorize the connection`, {
        ...options,
        field: AUTHORIZATION_FIELD,
        method,
        reauthorize: true,
      });
    }
    if (grant === 'authorization_code') {
      return new CredentialsError(`the token endpoint refused the authorization code (${said}): codes are single-use and short-lived; start the sign-in again`, {
        ...options,
        field: AUTHORIZATION_FIELD,
        method,
        reauthorize: true,
      });
    }
    const field = clientFields?.secretField ?? clientFields?.idField ?? AUTHORIZATION_FIELD;
    return new CredentialsError(`the token endpoint refused the grant (${said})`, { ...options, field, method });
  }
  if (code === 'unauthorized_client') {
    const field = clientFields?.idField ?? AUTHORIZATION_FIELD;
    return new CredentialsError(`this OAuth client may not use the ${grant ?? 'requested'} grant (${said}): change the client's type or grants on ${platform}`, { ...options, field, method });
  }
  if (status === 403) return new CredentialsError(`the token endpoint refused the request (${said})`, { ...options, field: AUTHORIZATION_FIELD, method });
  return new PermanentError(`the token endpoint called the ${grant ?? ''} request malformed (${said})`, options);
}

function issued(body: z.infer<typeof TokenResponse>, now: number): OAuthTokens {
  const seconds = (v: number | string | null | undefined) => (v === undefined || v === null ? undefined : Number(v));
  const expiresIn = seconds(body.expires_in);
  const refreshExpiresIn = seconds(body.refresh_token_expires_in);
  return {
    accessToken: body.access_token,
    ...(body.refresh_token ? { refreshToken: body.refresh_token } : {}),
    ...(expiresIn !== undefined && expiresIn > 0 ? { expiresAt: new Date(now + expiresIn * 1000).toISOString() } : {}),
    ...(refreshExpiresIn !== undefined && refreshExpiresIn > 0 ? { refreshExpiresAt: new Date(now + refreshExpiresIn * 1000).toISOString() } : {}),
    ...(body.scope ? { scope: body.scope } : {}),
    obtainedAt: new Date(now).toISOString(),
  };
}
