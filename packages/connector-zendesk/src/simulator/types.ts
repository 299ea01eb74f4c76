import type { ConnectorSimulator, SimulatorWebhooks } from '@ticketbridge/core/testing';

/**
 * The credentials the simulator accepts, declared here rather than imported: the simulator is written from
 * Zendesk's documentation, independently of the connector it tests.
 */
// A type alias, not an interface, so it stays assignable to the Record the hub's connect() takes.
export type ZendeskSimCredentials = {
  subdomain: string;
  email: string;
  apiToken: string;
};

/**
 * OAuth client credentials of a confidential client created by the account's first admin. The token the client
 * credentials grant returns acts as that admin and comes without a refresh token.
 */
export type ZendeskSimOAuthCredentials = {
  method: 'oauth_client_credentials';
  subdomain: string;
  clientId: string;
  clientSecret: string;
};

/** What `credentials()` / `badCredentials()` return: legacy API tokens (default) or OAuth client credentials. */
export type ZendeskSimAuth = 'api_token' | 'oauth_client_credentials';

/** The credential shape of an {@link ZendeskSimAuth} mode (a union when the mode is not known statically). */
export type ZendeskSimCredentialsFor<A extends ZendeskSimAuth> = A extends 'oauth_client_credentials' ? ZendeskSimOAuthCredentials : ZendeskSimCredentials;

/** Fields a `badCredentials()` case may blame. `scopes`: the client may not ask for the scopes a sync needs. */
export type ZendeskSimCredentialField = 'apiToken' | 'email' | 'clientId' | 'clientSecret' | 'scopes';

/** Grant types `POST /oauth/tokens` accepts. */
export type ZendeskSimGrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';

/**
 * Kinds of OAuth client. `public`: no secret, must use PKCE. `confidential`: has a secret. `global`: a confidential
 * client accepted on every Zendesk account; the simulator plays one account, so it behaves as `confidential`.
 */
export type ZendeskSimClientKind = 'confidential' | 'public' | 'global';

/** An OAuth client registered on the simulated account. */
export interface ZendeskSimOAuthClient {
  /** The client's unique identifier (`client_id`). */
  clientId: string;
  /** Absent for public clients. */
  clientSecret?: string;
  /** Redirect URLs registered for the client; `redirect_uri` must equal one of them. */
  redirectUris: string[];
}

/** What a user does on the simulated authorization page (`GET /oauth/authorizations/new`). */
export interface ZendeskSimAuthorizeRequest {
  clientId: string;
  redirectUri: string;
  /** Space-separated scopes, as in the `scope` query parameter. */
  scope: string;
  state?: string;
  codeChallenge?: string;
  /** Zendesk documents `S256` only; anything else is refused. */
  codeChallengeMethod?: string;
  /** The user who approves; default the account's first admin. */
  userEmail?: string;
  /** The user clicks "Deny": the redirect carries `error=access_denied`. */
  deny?: boolean;
}

/** Counters of the OAuth endpoints and of Bearer-authenticated API calls since the simulator started. */
export interface ZendeskSimOAuthStats {
  /** Every `POST /oauth/tokens`, whatever the outcome. */
  tokenRequests: number;
  /** Token requests per `grant_type` (unknown grant types are counted in `tokenRequests` only). */
  byGrant: Record<ZendeskSimGrantType, number>;
  /** 400 `invalid_grant` answers (bad, expired or reused code or refresh token; PKCE or redirect_uri mismatch). */
  invalidGrant: number;
  /** 401 `invalid_client` answers. */
  invalidClient: number;
  /** 400 `invalid_scope` answers, and authorization redirects with `error=invalid_scope`. */
  invalidScope: number;
  /** API requests (not /oauth/*) carrying `Authorization: Bearer`. */
  bearerRequests: number;
  /** Bearer requests refused 401 `invalid_token`: expired, revoked, rotated away or unknown. */
  expiredTokenRequests: number;
}

/** Test controls of the simulator's OAuth server (`sim.oauth`). */
export interface ZendeskSimOAuthControl {
  /**
   * Registers a new OAuth client created by the account's first admin. Each call makes a distinct client.
   * `redirectUris` default: `['https://app.example.com/zendesk/callback']`.
   */
  client(kind?: ZendeskSimClientKind, options?: { redirectUris?: string[] }): ZendeskSimOAuthClient;
  /**
   * Sets the client's allowed scopes, as an admin does in Admin Center; `null` lifts the restriction. Asking for any
   * other scope then fails with 400 `invalid_scope`. Existing tokens keep their scopes.
   */
  allowScopes(clientId: string, scopes: readonly string[] | null): void;
  /**
   * Runs the authorization page's logic without HTTP and returns the `Location` it would redirect to:
   * `redirectUri?code=…&state=…`, or `redirectUri?error=…&error_description=…&state=…`. Throws (as the page shows
   * an error instead of redirecting) for an unknown client, an unregistered redirect URI or an unknown user.
   */
  authorize(request: ZendeskSimAuthorizeRequest): string;
  /**
   * What the simulated user does on `GET /oauth/authorizations/new` from now on: approve as `userEmail` (default the
   * first admin) or deny.
   */
  consent(options: { userEmail?: string; deny?: boolean }): void;
  /** Revokes every access and refresh token and pending code of a client (all clients without an id): what deleting the client does. */
  revokeAll(clientId?: string): void;
  /** Every live access token expires now; refresh tokens keep working. */
  expireAccessTokens(): void;
  stats(): ZendeskSimOAuthStats;
  /**
   * Refresh tokens that would still be accepted (of one client, or all). A client that persists each rotated pair
   * ends with exactly one per connection, however many times it refreshed.
   */
  liveRefreshTokens(clientId?: string): number;
}

/** Options of {@link startZendeskSimulator}. */
export interface ZendeskSimulatorOptions<A extends ZendeskSimAuth = 'api_token'> {
  /**
   * What `credentials()` and `badCredentials()` return: API-token credentials (default, as before OAuth) or the
   * client credentials of a confidential OAuth client. Both keep working on every endpoint either way.
   */
  auth?: A;
  /** The OAuth server's settings. */
  oauth?: {
    /**
     * Lifetime of access tokens in seconds when the token request has no `expires_in` (Zendesk: 1800). Tests set a
     * few seconds, or use `sim.clock.advance()` / `sim.oauth.expireAccessTokens()`.
     */
    accessTokenTtlSec?: number;
    /**
     * Delay before `POST /oauth/tokens` answers, in ms. The grant is decided (and a refresh token consumed) when the
     * request arrives, so two refreshes sent within the delay overlap as they would on a slow network.
     */
    tokenDelayMs?: number;
    /**
     * Whether `GET /api/v2/users/me` answers a Bearer token of any scope. Default false: it needs `users:read` or
     * `read`, like the Users API (Zendesk does not document an exception), so a connector that relies on `users/me`
     * must ask for a users scope.
     */
    usersMeAnyScope?: boolean;
  };
  /** Seed of the deterministic data generator: the same seed gives the same account, variety included. */
  seed?: number;
  /** The account subdomain the simulator plays (only used in URLs it returns). Default `acmecorp`. */
  subdomain?: string;
  /** Account-wide requests per minute (Enterprise: 700). `rateLimit.set()` overrides it. */
  accountLimitPerMinute?: number;
  /** Requests per minute on the incremental exports (Zendesk: 10; 30 with High Volume API). */
  exportLimitPerMinute?: number;
  /**
   * Length of the export limit's window in ms (Zendesk: one minute). Tests shorten it to see the connector pause
   * on the `Zendesk-RateLimit-incremental-exports` header without waiting a minute.
   */
  exportWindowMs?: number;
  /** Tickets per page of the cursor export. Zendesk returns up to 1000; lower it to test paging with few tickets. */
  exportPageSize?: number;
  /**
   * What `users/me` answers for an e-mail that belongs to no user: 401 (default), or 200 with the anonymous user
   * (what Zendesk does for failed password auth). Zendesk's behaviour for API tokens here is not documented.
   */
  unknownEmail?: 'unauthorized' | 'anonymous';
  /**
   * Where the simulator's clock starts (ISO). Default: the real time. The clock then runs with real time, and
   * `update()` / `clock.advance()` move it further ahead.
   */
  clockStart?: string;
}

/**
 * A ticket as the simulator stores it: a Zendesk ticket object plus the export's `generated_timestamp`. Optional
 * members are left out of some generated tickets (absent rather than null), and `tags` is null on some, as real
 * payloads vary; the README's fixture section names the source of each shape.
 */
export interface SimZendeskTicket {
  id: number;
  url: string;
  external_id?: string | null;
  type?: string | null;
  subject: string;
  raw_subject: string;
  description: string;
  priority?: string | null;
  status: string;
  recipient: string | null;
  requester_id: number;
  submitter_id: number;
  assignee_id?: number | null;
  organization_id?: number | null;
  group_id?: number | null;
  collaborator_ids: number[];
  follower_ids: number[];
  has_incidents: boolean;
  is_public: boolean;
  due_at?: string | null;
  tags: string[] | null;
  custom_fields: Array<{ id: number; value: unknown }>;
  satisfaction_rating: null;
  via: { channel: string; source: { from: Record<string, unknown>; to: Record<string, unknown>; rel: string | null } };
  brand_id: number;
  allow_channelback: boolean;
  allow_attachments: boolean;
  from_messaging_channel: boolean;
  created_at: string;
  updated_at: string;
  generated_timestamp: number;
  /** Fields nobody asked for: Zendesk adds properties over time, and a client must carry them through. */
  [extra: string]: unknown;
}

/** A webhook as the simulator stores it: the Webhooks API's `webhook` object, with its signing secret. */
export interface SimWebhook {
  id: string;
  name: string;
  description?: string;
  endpoint: string;
  http_method: string;
  request_format: string;
  status: string;
  subscriptions: string[];
  created_at: string;
  created_by: string;
  secret: string;
}

/** A trigger as the simulator stores it: the Triggers API's `trigger` object, trimmed to what the connector sets. */
export interface SimTrigger {
  id: number;
  title: string;
  active: boolean;
  conditions: unknown;
  actions: Array<{ field: string; value: unknown }>;
  created_at: string;
}

/** A request the simulator received, for tests that check how the connector called the API. */
export interface ZendeskSimRequestRecord {
  method: string;
  path: string;
  query: URLSearchParams;
}

/**
 * The Zendesk simulator: the kit's `ConnectorSimulator` plus Zendesk-specific controls. `A` is the `auth` option,
 * which decides the shape of `credentials()`.
 */
export interface ZendeskSimulator<A extends ZendeskSimAuth = 'api_token'> extends ConnectorSimulator<ZendeskSimCredentialsFor<A>> {
  /**
   * Changes these tickets at the simulator's current time, then moves the clock on by `advanceMs` (default 61 s)
   * so the cursor export, which leaves out the last minute, includes the change on the next request. Pass
   * `advanceMs: 0` to keep the change inside the excluded minute.
   */
  /** `at` sets `updated_at` (the export still lists the change at the end: it is ordered by when it was written). */
  update(externalIds: string[], options?: { advanceMs?: number; at?: string }): Promise<string[]>;
  /** Soft-deletes tickets: they stay in the export with `status: "deleted"` and 404 on Show Ticket. */
  deleteTickets(externalIds: string[], options?: { advanceMs?: number }): Promise<string[]>;
  /**
   * Adds a comment (public reply or internal note) to a ticket; updates it like `update`. `plainBody` overrides the
   * generated `plain_body` (pass `""` for a comment created through the API with `body` only).
   */
  addComment(externalId: string, comment: { body: string; html?: string; plainBody?: string; public: boolean; authorId?: number }, options?: { advanceMs?: number }): Promise<void>;
  /** Replaces fields of a stored ticket as-is (unicode, HTML, huge custom fields); updates it like `update`. */
  patchTicket(externalId: string, fields: Partial<SimZendeskTicket>, options?: { advanceMs?: number }): Promise<void>;
  /** The simulator's clock: the export's one-minute exclusion is measured against it. */
  readonly clock: { now(): Date; advance(ms: number): void };
  /** Users by role, to build credentials of a non-admin in tests. */
  user(role: 'admin' | 'agent' | 'end-user'): { id: number; email: string; name: string };
  /** Every request received, in order. */
  requests(): ZendeskSimRequestRecord[];
  /** Webhooks and triggers that exist on the simulated account. */
  registered(): { webhooks: Array<Omit<SimWebhook, 'secret'>>; triggers: SimTrigger[] };
  readonly webhooks: SimulatorWebhooks;
  /** The OAuth server: clients, the authorization page's decisions, token expiry and revocation, counters. */
  readonly oauth: ZendeskSimOAuthControl;
}
