import { markSecret, secretField } from '@ticketbridge/core';
import { z } from 'zod';

/**
 * Credentials of a HubSpot connection: a private app's access token, and optionally the app's client secret for
 * webhook signatures. HubSpot has no per-account host (every portal is served by `api.hubapi.com`), so there is no
 * subdomain field and nothing a user types can change where requests go.
 */
export const hubspotCredentials = z.object({
  accessToken: secretField({
    label: 'Private app access token',
    help:
      'HubSpot → Settings (gear icon) → Integrations → Private Apps (newer accounts: Development → Legacy apps) → ' +
      'Create a private app. On the Scopes tab tick ' +
      '"tickets" (add crm.objects.contacts.read and crm.objects.owners.read to get requester and assignee names), ' +
      'click Create app, then copy the token from the Auth tab (it starts with "pat-").',
    placeholder: 'pat-na1-…',
  }),
  clientSecret: markSecret(z.string().trim().optional(), {
    label: 'Private app client secret (for webhooks)',
    help:
      'Only needed to receive webhooks. The same private app → Auth tab → Client secret → Show. HubSpot signs every ' +
      'webhook with it (X-HubSpot-Signature-v3).',
  }),
});

/** Validated HubSpot credentials. */
export type HubSpotCredentials = z.infer<typeof hubspotCredentials>;
