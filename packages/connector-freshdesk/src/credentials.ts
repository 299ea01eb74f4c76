import { secretField, subdomainField } from '@ticketbridge/core';
import { z } from 'zod';

/**
 * The credentials a Freshdesk connection needs: the account's subdomain and an agent's API key.
 *
 * The key acts as the agent it belongs to: tickets that agent cannot see are not listed, so Test & Connect refuses the
 * key of an agent with Group or Restricted Access (`ticket_scope` 2 or 3).
 */
export const freshdeskCredentials = z.object({
  subdomain: subdomainField({
    label: 'Freshdesk subdomain',
    suffix: '.freshdesk.com',
    placeholder: 'acme',
    help: 'The first part of your Freshdesk address: "acme" for https://acme.freshdesk.com. API v2 answers only on *.freshdesk.com, not on a custom domain (CNAME).',
  }),
  apiKey: secretField({
    label: 'API key',
    help: 'In Freshdesk, click your profile picture (top right) → Profile settings → "View API key" (complete the captcha). Use the key of an admin or of an agent with Global Access (Admin → Agents → Ticket scope): the API returns only the tickets that agent can see.',
  }),
});

/** Validated Freshdesk credentials. */
export type FreshdeskCredentials = z.infer<typeof freshdeskCredentials>;

/**
 * The `Authorization` header value: Basic auth with the API key as the user name and any password ("X").
 * https://developers.freshdesk.com/api/#authentication
 */
export function freshdeskAuthorization(apiKey: string): string {
  return `Basic ${Buffer.from(`${apiKey}:X`).toString('base64')}`;
}

/** The account's origin, built from the validated subdomain only (never from a user-supplied URL). */
export function freshdeskOrigin(subdomain: string): string {
  return `https://${subdomain}.freshdesk.com`;
}
