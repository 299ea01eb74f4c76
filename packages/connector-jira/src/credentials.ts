import { credentialMethod, credentialMethods, emailField, markField, secretField, subdomainField } from '@ticketbridge/core';
import { z } from 'zod';

const subdomain = () =>
  subdomainField({
    label: 'Atlassian site',
    suffix: '.atlassian.net',
    placeholder: 'acme',
    help: 'The first part of your Jira address: "acme" for https://acme.atlassian.net.',
  });

/** A Jira project key: an upper-case letter, then upper-case letters, digits or underscores (Jira's default key rule). */
export const PROJECT_KEY = /^[A-Z][A-Z0-9_]{0,254}$/;

/**
 * The optional list of service project keys that limits the sync, typed as "SUP, HELP". Parsed here so a malformed
 * key is refused at Test & Connect, before it can reach a JQL string.
 */
const projectKeys = () =>
  markField(
    z
      .string()
      .transform((v) => [...new Set(v.split(/[\s,]+/).map((k) => k.trim().toUpperCase()).filter(Boolean))])
      .superRefine((keys, ctx) => {
        const bad = keys.find((k) => !PROJECT_KEY.test(k));
        if (bad !== undefined) ctx.addIssue({ code: 'custom', message: `Project keys: "${bad.slice(0, 40)}" is not a Jira project key (letters, digits, underscore; starting with a letter)` });
        if (keys.length > 100) ctx.addIssue({ code: 'custom', message: 'Project keys: at most 100 projects' });
      })
      .optional(),
    {
      label: 'Project keys (optional)',
      placeholder: 'SUP, HELP',
      help: 'Limit the sync to these service projects, comma-separated (the key is the prefix of every request key: "SUP" for SUP-42). Leave empty to sync every service project the account can see.',
    },
  );

const email = () =>
  emailField({
    label: 'Atlassian account e-mail',
    placeholder: 'agent@acme.com',
    help: 'The e-mail address of the Atlassian account the API token belongs to. The sync sees what this account sees: use an agent of every service project to sync (and a Jira admin, so the webhook can be registered for you).',
  });

const apiToken = (scoped: boolean) =>
  secretField({
    label: scoped ? 'Scoped API token' : 'API token',
    help: scoped
      ? 'id.atlassian.com → Security → API tokens → "Create API token with scopes": choose Jira, then the scopes read:jira-work, read:jira-user, read:servicedesk-request (and manage:jira-webhook for webhooks). Tokens expire after at most a year.'
      : 'id.atlassian.com → Security → API tokens → "Create API token". Copy it when shown: Atlassian shows it once. Tokens expire (one year by default, at most 365 days); when this one does, create a new one and reconnect.',
  });

/**
 * The credential methods of a Jira Service Management connection:
 *
 * - `api_token` (default): Basic `{email}:{token}` on `https://{site}.atlassian.net`. What most admins have; API-token
 *   traffic is governed by burst limits only.
 * - `scoped_token`: a scoped API token, which Atlassian accepts only through the API gateway
 *   `https://api.atlassian.com/ex/jira/{cloudId}`; the cloud id comes from `https://{site}.atlassian.net/_edge/tenant_info`.
 * - `oauth`: OAuth 2.0 (3LO) with the product's Atlassian app (`createHub({ oauthClients: { jira } })`); the core
 *   obtains and refreshes the tokens, and Test & Connect resolves the site's cloud id from the accessible resources.
 */
export function jiraCredentialMethods() {
  return credentialMethods(
    {
      api_token: credentialMethod({
        label: 'API token',
        help: 'An Atlassian account e-mail and one of its API tokens. Works on every plan.',
        fields: { subdomain: subdomain(), email: email(), apiToken: apiToken(false), projectKeys: projectKeys() },
      }),
      scoped_token: credentialMethod({
        label: 'Scoped API token',
        help: 'An API token limited to the scopes the sync needs. Atlassian serves scoped tokens only through api.atlassian.com, which needs the site\'s cloud id.',
        fields: {
          subdomain: subdomain(),
          cloudId: markField(
            z
              .string()
              .trim()
              .toLowerCase()
              .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, { message: 'Cloud id must be the UUID that /_edge/tenant_info shows' }),
            {
              label: 'Cloud id',
              placeholder: '11223344-a1b2-3b33-c444-def123456789',
              help: 'Open https://<site>.atlassian.net/_edge/tenant_info in a browser and copy the "cloudId" value.',
            },
          ),
          email: email(),
          apiToken: apiToken(true),
          projectKeys: projectKeys(),
        },
      }),
      oauth: credentialMethod({
        label: 'Sign in with Atlassian',
        help: 'A user of the site approves access on Atlassian\'s consent page. Needs the product\'s Atlassian OAuth 2.0 app in the hub configuration.',
        fields: { subdomain: subdomain(), projectKeys: projectKeys() },
        oauth: {
          grant: 'authorization_code',
          authorizeUrl: () => 'https://auth.atlassian.com/authorize',
          tokenUrl: () => 'https://auth.atlassian.com/oauth/token',
          client: 'hub',
          // Dynamic webhooks need manage:jira-webhook (with read:jira-work): asked for only in webhook modes.
          scopes: ({ webhooks }) => [...JIRA_OAUTH_SCOPES, ...(webhooks ? [JIRA_WEBHOOK_SCOPE] : [])],
          // https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/: audience and prompt=consent on the
          // authorization URL; offline_access for a refresh token. Atlassian rotates refresh tokens.
          authorizeParams: { audience: 'api.atlassian.com', prompt: 'consent' },
          encoding: 'json',
          // The 3LO page documents a confidential client (client_secret at the token endpoint) and no PKCE [U].
          pkce: false,
        },
      }),
    },
    { defaultMethod: 'api_token' },
  );
}

/**
 * Classic scopes of the 3LO method: issues and their fields, users (reporter, assignee), service-desk requests, and
 * `offline_access` for the refresh token. https://developer.atlassian.com/cloud/jira/platform/scopes-for-oauth-2-3LO-and-forge-apps/
 */
export const JIRA_OAUTH_SCOPES = ['read:jira-work', 'read:jira-user', 'read:servicedesk-request', 'offline_access'] as const;

/**
 * The scope of the dynamic-webhook operations (`/rest/api/3/webhook`: register, list, refresh, delete), asked for when
 * the connection receives webhooks. https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-webhooks/
 */
export const JIRA_WEBHOOK_SCOPE = 'manage:jira-webhook';

/** The credentials schema of a Jira connection. */
export const jiraCredentials = jiraCredentialMethods();

/** Validated Jira credentials: one of the three methods. */
export type JiraCredentials = z.output<typeof jiraCredentials>;

/** The site's origin, built from the validated subdomain only. */
export function jiraSite(subdomain: string): string {
  return `https://${subdomain}.atlassian.net`;
}

/** The API gateway of Atlassian Cloud, where scoped tokens and OAuth 2.0 tokens are accepted. */
export const ATLASSIAN_API = 'https://api.atlassian.com';

/**
 * The `Authorization` value of the token methods: Basic base64("{email}:{token}").
 * https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/
 */
export function jiraAuthorization(credentials: { email: string; apiToken: string }): string {
  return `Basic ${Buffer.from(`${credentials.email}:${credentials.apiToken}`).toString('base64')}`;
}
