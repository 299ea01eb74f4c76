import { credentialMethod, credentialMethods, secretField, selectField } from '@ticketbridge/core';
import type { z } from 'zod';

/** The regions an Intercom workspace is hosted in, as the Connect form offers them. */
export const INTERCOM_REGIONS = ['us', 'eu', 'au'] as const;
/** An Intercom data-hosting region. */
export type IntercomRegion = (typeof INTERCOM_REGIONS)[number];

/**
 * The API host of each region: the `servers` of the OpenAPI description ("The production API server",
 * "The european API server", "The australian API server"). A workspace answers only on its own region's host.
 */
export const API_ORIGINS: Record<IntercomRegion, string> = {
  us: 'https://api.intercom.io',
  eu: 'https://api.eu.intercom.io',
  au: 'https://api.au.intercom.io',
};

/** The web app a human opens a conversation in, per region [U: the EU and AU app hosts follow the API hosts' pattern]. */
export const APP_ORIGINS: Record<IntercomRegion, string> = {
  us: 'https://app.intercom.com',
  eu: 'https://app.eu.intercom.com',
  au: 'https://app.au.intercom.com',
};

/** The regional API origin, built from the validated region only (never from a user-supplied URL). */
export function intercomOrigin(region: IntercomRegion): string {
  return API_ORIGINS[region];
}

/**
 * Intercom's OAuth token endpoint ("Trade your authorization code for an Access Token",
 * developers.intercom.com setting-up-oauth): one host for every region [U: no regional variant is documented].
 */
export const TOKEN_URL = 'https://api.intercom.io/auth/eagle/token';
/** Intercom's consent page (the `authorize_url` of Intercom's OAuth client libraries). */
export const AUTHORIZE_URL = 'https://app.intercom.com/oauth';

const region = () =>
  selectField({
    label: 'Region',
    choices: INTERCOM_REGIONS,
    help: 'Where your workspace is hosted: US (default), EU or Australia. Intercom → Settings → Workspace → General shows it; an EU workspace lives at app.eu.intercom.com.',
  }).default('us');

const clientSecret = () =>
  secretField({
    label: 'Client secret (for webhooks)',
    help: 'Developer Hub → your app → Configure → Basic information → "Client secret". Intercom signs every webhook with it (X-Hub-Signature); needed for the webhook and both sync modes, optional for polling only.',
  }).optional();

/**
 * The credential methods of an Intercom connection:
 *
 * - `access_token` (default): the Access Token of a private app in the workspace's Developer Hub. It does not expire.
 * - `oauth`: an admin installs the product's public Intercom app through Intercom's consent page, with the hub's OAuth
 *   client (`createHub({ oauthClients: { intercom } })`). Intercom's token endpoint takes the RFC 6749 code grant and
 *   answers a token that never expires and comes without a refresh token; permissions are chosen on the app, not
 *   per request, so no scope is sent.
 *
 * Both carry the region (it picks the API host) and the app's client secret, which signs webhooks.
 */
export const intercomCredentials = credentialMethods(
  {
    access_token: credentialMethod({
      label: 'Access token (private app)',
      help: 'For your own workspace: the Access Token of an app you create in the Developer Hub.',
      fields: {
        accessToken: secretField({
          label: 'Access token',
          help: 'Intercom → Settings → Integrations → Developer Hub → "New app" (pick your workspace) → Configure → Authentication → "Access token". It acts with the permissions ticked there: it needs "Read conversations" and "Read tickets".',
        }),
        region: region(),
        clientSecret: clientSecret(),
      },
    }),
    oauth: credentialMethod({
      label: 'Install our Intercom app',
      help: 'An admin of the workspace approves the product\'s public Intercom app. Needs the product\'s OAuth client in the hub configuration.',
      fields: { region: region(), clientSecret: clientSecret() },
      oauth: {
        grant: 'authorization_code',
        authorizeUrl: () => AUTHORIZE_URL,
        tokenUrl: () => TOKEN_URL,
        // Intercom's permissions are ticked on the app in the Developer Hub; the consent page takes no scope.
        scopes: () => [],
        client: 'hub',
        encoding: 'form',
        clientAuthentication: 'body',
        // Intercom's consent page documents no PKCE parameters.
        pkce: false,
      },
    }),
  },
  { defaultMethod: 'access_token' },
);

/** Validated Intercom credentials: one of the two methods. */
export type IntercomCredentials = z.output<typeof intercomCredentials>;
