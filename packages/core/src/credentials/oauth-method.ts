/** The OAuth 2 grants a connector can declare (RFC 6749 §4.1 with RFC 7636 PKCE, §4.4). Refresh (§6) is implied. */
export type OAuthGrant = 'client_credentials' | 'authorization_code';

/** Where the OAuth client's id and secret come from. */
export type OAuthClientSource<C> =
  /** From the connection's own form fields: a client an admin of the account created (Zendesk "OAuth client"). */
  | { idField: keyof C & string; secretField?: keyof C & string }
  /**
   * From the hub's configuration (`createHub({ oauthClients: { zendesk: { clientId, clientSecret } } })`): the
   * product's global OAuth client, so a connection holds only the account's subdomain and its tokens.
   */
  | 'hub';

/**
 * How a connector's OAuth 2 credential method works, as data: the core obtains tokens, refreshes them before they
 * expire (and once on a 401), persists each rotation atomically, and sends the access token; the connector never
 * handles a token itself.
 */
export interface OAuthMethodConfig<C> {
  /** `client_credentials`: server to server, no user in the loop. `authorization_code`: the host runs the browser flow. */
  grant: OAuthGrant;
  /** The token endpoint, built from the validated credentials only (`https://{subdomain}.zendesk.com/oauth/tokens`). */
  tokenUrl(credentials: C): string;
  /** The consent page of the authorization-code grant (`https://{subdomain}.zendesk.com/oauth/authorizations/new`). */
  authorizeUrl?(credentials: C): string;
  /**
   * The least scopes the connection needs. `webhooks` is true when the connection registers webhooks (sync mode
   * `webhook` or `both`), so a poll-only connection never asks for write access.
   */
  scopes(input: { credentials: C; webhooks: boolean }): readonly string[];
  /** Where the client id and secret come from. */
  client: OAuthClientSource<C>;
  /** Token request encoding: `form` (RFC 6749, the default) or `json` (Zendesk). */
  encoding?: 'form' | 'json';
  /**
   * How the client authenticates to the token endpoint: `body` (`client_id` and `client_secret` parameters, the
   * default) or `basic` (HTTP Basic, RFC 6749 §2.3.1).
   */
  clientAuthentication?: 'body' | 'basic';
  /** Use PKCE (S256) in the authorization-code grant. Default true: required for public clients, harmless otherwise. */
  pkce?: boolean;
  /** Extra parameters of every token request (Zendesk's `expires_in`). */
  tokenParams?: Readonly<Record<string, string | number>>;
  /** Extra query parameters of the consent page (`prompt`, `audience`...). */
  authorizeParams?: Readonly<Record<string, string>>;
  /** Headers that carry the access token. Default `{ authorization: 'Bearer <token>' }`. */
  authorizationHeaders?(accessToken: string): Record<string, string>;
  /** The form field an `invalid_scope` answer is blamed on, when the method lets the user choose scopes. */
  scopesField?: keyof C & string;
}

/** An OAuth client as the hub holds it for `client: 'hub'` methods. */
export interface OAuthClientConfig {
  clientId: string;
  /** Absent for a public client (PKCE only). */
  clientSecret?: string;
  /** The redirect URI registered with the platform; the default for `authorizationUrl` and `exchangeCode`. */
  redirectUri?: string;
}
