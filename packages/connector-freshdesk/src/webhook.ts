import { TicketbridgeError, type ConnectorContext, type ConnectorWebhook, type WebhookInstructions, type WebhookItem, type WebhookRequest } from '@ticketbridge/core';
import { readWebhookJson, sharedSecret, type SharedSecret } from '@ticketbridge/core/toolkit';
import { z } from 'zod';
import type { FreshdeskCredentials } from './credentials.js';
import { freshdeskOrigin } from './credentials.js';

/** The custom header the automation rule sends the connection's secret in. */
export const SECRET_HEADER = 'X-Ticketbridge-Secret';
/** The query parameter carrying the secret when it travels in the URL instead (`secretIn: 'query'`). */
export const SECRET_QUERY = 'tb_secret';

/**
 * Where the rule sends the connection's secret. Freshdesk signs nothing, so this value is the only proof a request
 * came from the account's rule.
 * - `header` (default): the "Add custom headers" option of the Trigger webhook action, `X-Ticketbridge-Secret: <secret>`.
 *   Headers stay out of access logs.
 * - `query`: the secret as `tb_secret=` in the callback URL, for setups that cannot send a custom header. URLs are
 *   logged by proxies, so prefer the header.
 */
export type FreshdeskSecretLocation = 'header' | 'query';

/**
 * The JSON body of the rule, in Freshdesk placeholders. Placeholders render labels (`{{ticket.status}}` prints
 * "Open", and a translated label on a translated helpdesk), not the codes the API returns, so the body only names the
 * ticket and the connector reads the ticket itself by id.
 */
export const PAYLOAD_TEMPLATE = '{"ticketbridge":"freshdesk.v1","ticket_id":"{{ticket.id}}"}';

// The body of PAYLOAD_TEMPLATE once Freshdesk rendered it; a rule left in "Simple" content mode sends its selected
// fields under `freshdesk_webhook` (ticket_id among them), which is accepted too.
const TemplatePayload = z.object({ ticketbridge: z.string(), ticket_id: z.union([z.string(), z.number()]) });
const SimplePayload = z.object({ freshdesk_webhook: z.looseObject({ ticket_id: z.union([z.string(), z.number()]) }) });
const Payload = z.union([TemplatePayload, SimplePayload]);

function malformed(message: string): TicketbridgeError {
  return new TicketbridgeError('webhook', message, { platform: 'freshdesk' });
}

/** The ticket id a rendered rule body names. */
export function parseFreshdeskPayload(request: WebhookRequest): string {
  const payload = readWebhookJson(request, Payload, { platform: 'freshdesk', expected: 'the Ticketbridge rule body with ticket_id' });
  const raw = 'ticketbridge' in payload ? payload.ticket_id : payload.freshdesk_webhook.ticket_id;
  const id = String(raw).trim();
  // An unrendered placeholder means the rule was saved with the body in the wrong field or as plain text.
  if (!/^\d{1,20}$/.test(id)) throw malformed(`ticket_id ${JSON.stringify(id.slice(0, 40))} is not a ticket id; paste the body template exactly`);
  return id;
}

/** The manual setup: a rule on ticket creation and one on ticket updates, each with the Trigger webhook action. */
export function freshdeskInstructions(subdomain: string, target: { url: string; secret: string }, secretIn: FreshdeskSecretLocation): WebhookInstructions {
  const url = secretIn === 'query' ? `${target.url}${target.url.includes('?') ? '&' : '?'}${SECRET_QUERY}=${encodeURIComponent(target.secret)}` : target.url;
  const action = [
    'Action "Trigger webhook": Request type POST',
    `URL ${url}`,
    ...(secretIn === 'header' ? [`"Add custom headers" checked, with the line  ${SECRET_HEADER}: ${target.secret}`] : []),
    '"Requires authentication" unchecked',
    'Encoding JSON',
    `Content "Advanced", with this body: ${PAYLOAD_TEMPLATE}`,
  ].join('; ');
  return {
    title: 'Send Freshdesk ticket changes to Ticketbridge with two automation rules (Freshdesk has no webhook API)',
    steps: [
      `Sign in to ${freshdeskOrigin(subdomain)} as an admin (the Trigger webhook action needs the Growth plan or above).`,
      'Open Admin → Workflows → Automations, tab "Ticket Creation", and click "New rule". Name it "Ticketbridge: ticket created".',
      'Conditions: leave the rule matching every ticket (for example "Ticket: Source is any of" every source, as Freshdesk saves no rule without a condition).',
      `Actions: ${action}. Click "Preview and save", then Save.`,
      'Open the "Ticket Updates" tab and click "New rule". Name it "Ticketbridge: ticket updated".',
      'Events: "Ticket is updated" performed by "Anyone" (or add the events you care about: status, priority, agent, group, type, reply sent, note added, ticket deleted / marked as spam where offered). Conditions: none beyond what Freshdesk requires.',
      `Actions: the same Trigger webhook action as above (${secretIn === 'header' ? `POST ${url}, custom header ${SECRET_HEADER}` : `POST ${url}`}, JSON, Advanced, the same body). Save.`,
      'Drag both rules to the top of their lists if an earlier rule could stop processing ("Skip remaining rules").',
      'Keep the connection in "both" sync mode: Freshdesk drops webhook calls it deferred for more than 24 hours and stops retrying after an hour, and the poll catches what a missed call would have said.',
    ],
    docsUrl: 'https://support.freshdesk.com/support/solutions/articles/132589-using-webhooks-in-automation-rules',
  };
}

/** Options of the webhook part. */
export interface FreshdeskWebhookOptions {
  secretIn: FreshdeskSecretLocation;
  /** Reads the ticket a verified request names: the router checks its `updated_at` against the replay window. */
  hydrate: (ctx: ConnectorContext<FreshdeskCredentials>, externalId: string) => Promise<WebhookItem[]>;
  replayWindowMs?: number;
}

/** The secret check for a location. */
export function freshdeskSecretCheck(secretIn: FreshdeskSecretLocation): SharedSecret {
  return sharedSecret(secretIn === 'header' ? { header: SECRET_HEADER } : { query: SECRET_QUERY });
}

/**
 * Builds the connector's webhook part. The host generates a secret per connection and the admin pastes it into the
 * rule; a request without it is refused (401) before its body is read.
 *
 * The body is hydrated in `parse`, not by the router: a static secret covers no time and the rendered body has none
 * (no Freshdesk placeholder prints a timestamp), so the only event time there is, the ticket's `updated_at`, comes from
 * reading the ticket. Freshdesk fires the rule on the change itself, so a fresh call carries a fresh `updated_at`,
 * and the router refuses a captured call replayed after the replay window unless the ticket changed again (then
 * what it delivers is the current ticket, read from the API: a replay can never inject content).
 */
export function freshdeskWebhook(options: FreshdeskWebhookOptions): ConnectorWebhook<FreshdeskCredentials> {
  const check = freshdeskSecretCheck(options.secretIn);
  return {
    secretSource: 'host',
    ...(options.replayWindowMs === undefined ? {} : { replayWindowMs: options.replayWindowMs }),
    verify: (_ctx, { request, secret }) => check.verify(request, secret),
    parse: async (ctx, { request }) => options.hydrate(ctx, parseFreshdeskPayload(request)),
    instructions: (ctx, target) => freshdeskInstructions(ctx.credentials.subdomain, target, options.secretIn),
  };
}
