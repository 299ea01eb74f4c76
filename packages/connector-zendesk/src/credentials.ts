import { credentialMethod, credentialMethods, emailField, secretField, subdomainField, textField } from '@ticketbridge/core';
import type { z } from 'zod';

/** The day Zendesk turns every API token off (developer.zendesk.com, "Migrating from API tokens to OAuth access tokens"). */
export const ZENDESK_API_TOKEN_END = '2027-04-30';

const subdomain = () =>
  subdomainField({
    label: 'Zendesk subdomain',
    suffix: '.zendesk.com',
    placeholder: 'acmecorp',
    help: 'The first part of your Zendesk address: "acmecorp" for https://acmecorp.zendesk.com.',
  });

/** The account's origin, built from the validated subdomain only (never from a user-supplied URL). */
export function zendeskOrigin(subdomain: string): string {
  return `https://${subdomain}.zendesk.com`;
}

/** Options that change which scopes a connection asks for. */
export interface ZendeskScopeOptions {
  /** `trigger` webhooks also create a trigger, which needs the triggers scopes. */
  webhookMode?: 'events' | 'trigger';
}

/**
 * The least OAuth scopes: reading tickets, users and organizations for the export and its side-loads; the webhook
 * scopes only when the connection registers a webhook (and the trigger scopes for trigger-mode webhooks).
 */
export function zendeskScopes(webhooks: boolean, options: ZendeskScopeOptions = {}): string[] {
  const scopes = ['tickets:read', 'users:read', 'organizations:read'];
  if (webhooks) scopes.push('webhooks:read', 'webhooks:write');
  if (webhooks && options.webhookMode === 'trigger') scopes.push('triggers:read', 'triggers:write');
  return scopes;
}

const tokenUrl = (c: { subdomain: string }) => `${zendeskOrigin(c.subdomain)}/oauth/tokens`;

/**
 * The credential methods of a Zendesk connection:
 *
 * - `oauth_client_credentials`: an OAuth client an admin created in Admin Center (confidential type), used server to
 *   server. The token acts as the admin who created the client; Zendesk issues no refresh token, so the core runs
 *   the grant again before each token expires.
 * - `oauth_authorization_code`: an admin signs in through Zendesk's consent page with the product's global OAuth
 *   client (`createHub({ oauthClients: { zendesk } })`); the core refreshes and rotates the pair.
 * - `api_token`: the legacy e-mail + API token, accepted until 30 Apr 2027. Credentials without a `method` are read
 *   as this one, so connections saved before OAuth keep working until then.
 *
 * Why an admin in every case: the incremental ticket export is admin-only; an agent passes `users/me` but gets 403
 * on the export later, so Test & Connect refuses it up front.
 */
export function zendeskCredentialMethods(options: ZendeskScopeOptions = {}) {
  return credentialMethods(
    {
      oauth_client_credentials: credentialMethod({
        label: 'OAuth client (recommended)',
        help: 'An OAuth client a Zendesk admin creates for this integration. Works without anyone signing in, and replaces API tokens.',
        fields: {
          subdomain: subdomain(),
          clientId: textField({
            label: 'Client identifier',
            placeholder: 'ticketbridge',
            help: 'Zendesk Admin Center → Apps and integrations → APIs → OAuth clients → Add OAuth client (client kind: Confidential). The "Identifier" field. The client must be created by an admin: its tokens act as that admin.',
          }),
          clientSecret: secretField({ label: 'Client secret', help: 'Shown once, when the client is saved ("Secret"); copy it then.' }),
          scopes: textField({
            label: 'Scopes (optional)',
            placeholder: 'tickets:read users:read organizations:read',
            help: 'Leave empty for the least the sync mode needs: tickets:read users:read organizations:read, plus webhooks:read webhooks:write for webhooks. If the client has "Allowed scopes", they must include these.',
          }).optional(),
        },
        oauth: {
          grant: 'client_credentials',
          tokenUrl,
          scopes: ({ credentials, webhooks }) => (credentials.scopes ? credentials.scopes.split(/[\s,]+/).filter(Boolean) : zendeskScopes(webhooks, options)),
          client: { idField: 'clientId', secretField: 'clientSecret' },
          // Zendesk's token endpoint takes JSON with the client in the body ("OAuth Tokens for Grant Types").
          encoding: 'json',
          clientAuthentication: 'body',
          scopesField: 'scopes',
        },
      }),
      oauth_authorization_code: credentialMethod({
        label: 'Sign in with Zendesk',
        help: 'An admin of the Zendesk account signs in and approves access. Needs the product\'s global OAuth client in the hub configuration.',
        fields: { subdomain: subdomain() },
        oauth: {
          grant: 'authorization_code',
          authorizeUrl: (c) => `${zendeskOrigin(c.subdomain)}/oauth/authorizations/new`,
          tokenUrl,
          scopes: ({ webhooks }) => zendeskScopes(webhooks, options),
          client: 'hub',
          encoding: 'json',
          clientAuthentication: 'body',
          pkce: true,
        },
      }),
      api_token: credentialMethod({
        label: 'API token (legacy, ends 30 Apr 2027)',
        help: 'E-mail and API token. Zendesk stopped issuing new API tokens on 27 Oct 2026, deactivates tokens unused for 30 days, and turns all of them off on 30 Apr 2027: use an OAuth client instead.',
        fields: {
          subdomain: subdomain(),
          email: emailField({
            label: 'Admin e-mail',
            placeholder: 'admin@acmecorp.com',
            help: 'The e-mail address of a Zendesk admin. The incremental ticket export that Ticketbridge uses is admin-only.',
          }),
          apiToken: secretField({
            label: 'API token',
            help: 'Zendesk Admin Center → Apps and integrations → APIs → Zendesk API → Settings. Existing tokens only: Zendesk no longer creates new ones.',
          }),
        },
        deprecated: { endsOn: ZENDESK_API_TOKEN_END, message: 'Zendesk turns API tokens off on that day: reconnect with an OAuth client or "Sign in with Zendesk".' },
      }),
    },
    { defaultMethod: 'api_token' },
  );
}

/** The credentials schema of a Zendesk connection with the default (events) webhooks. */
export const zendeskCredentials = zendeskCredentialMethods();

/** Validated Zendesk credentials: one of the three methods. */
export type ZendeskCredentials = z.output<typeof zendeskCredentials>;

/**
 * The `Authorization` header value for API-token auth: Basic base64("{email}/token:{token}").
 * https://developer.zendesk.com/api-reference/introduction/security-and-auth/#api-token
 */
export function zendeskAuthorization(credentials: { email: string; apiToken: string }): string {
  return `Basic ${Buffer.from(`${credentials.email}/token:${credentials.apiToken}`).toString('base64')}`;
}
