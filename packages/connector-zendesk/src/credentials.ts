import { emailField, secretField, subdomainField } from '@ticketbridge/core';
import { z } from 'zod';

/**
 * The credentials a Zendesk connection needs: the account subdomain, an admin's e-mail and an API token.
 *
 * Why an admin: the incremental ticket export is allowed for admins only; an agent's token passes `users/me` but
 * gets 403 on the export later, so Test & Connect refuses it up front.
 */
export const zendeskCredentials = z.object({
  subdomain: subdomainField({
    label: 'Zendesk subdomain',
    suffix: '.zendesk.com',
    placeholder: 'acmecorp',
    help: 'The first part of your Zendesk address: "acmecorp" for https://acmecorp.zendesk.com.',
  }),
  email: emailField({
    label: 'Admin e-mail',
    placeholder: 'admin@acmecorp.com',
    help: 'The e-mail address of a Zendesk admin. The incremental ticket export that Ticketbridge uses is admin-only.',
  }),
  apiToken: secretField({
    label: 'API token',
    help: 'Zendesk Admin Center → Apps and integrations → APIs → Zendesk API → Settings: enable token access, then "Add API token" (shown once). Note: Zendesk stopped creating new API tokens on 27 Oct 2026 and turns existing ones off on 30 Apr 2027; a token unused for 30 days is deactivated.',
  }),
});

/** Validated Zendesk credentials. */
export type ZendeskCredentials = z.infer<typeof zendeskCredentials>;

/**
 * The `Authorization` header value for API-token auth: Basic base64("{email}/token:{token}").
 * https://developer.zendesk.com/api-reference/introduction/security-and-auth/#api-token
 */
export function zendeskAuthorization(credentials: Pick<ZendeskCredentials, 'email' | 'apiToken'>): string {
  return `Basic ${Buffer.from(`${credentials.email}/token:${credentials.apiToken}`).toString('base64')}`;
}

/** The account's origin, built from the validated subdomain only (never from a user-supplied URL). */
export function zendeskOrigin(subdomain: string): string {
  return `https://${subdomain}.zendesk.com`;
}
