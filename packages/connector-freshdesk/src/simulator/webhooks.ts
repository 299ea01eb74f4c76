import { sendWebhook, type SimulatorWebhooks } from '@ticketbridge/core/testing';
import { PRIORITY_LABELS, STATUS_CHOICES, iso, type SimState } from './state.js';
import type { SimFreshdeskTicket } from './types.js';

/** The rule body the package README tells admins to paste (Content "Advanced"). */
export const DEFAULT_TEMPLATE = '{"ticketbridge":"freshdesk.v1","ticket_id":"{{ticket.id}}"}';
/** The custom header the README's rule sends the secret in. */
export const DEFAULT_SECRET_HEADER = 'X-Ticketbridge-Secret';

const jsonText = (s: string) => JSON.stringify(s).slice(1, -1);

/**
 * Renders Freshdesk placeholders the way the Trigger webhook action does: labels, not codes (`{{ticket.status}}` is
 * "Open", `{{ticket.priority}}` is "Low"), text escaped for the JSON body.
 */
export function renderTemplate(template: string, t: SimFreshdeskTicket): string {
  const values: Record<string, string> = {
    'ticket.id': String(t.id),
    'ticket.subject': t.subject,
    'ticket.status': STATUS_CHOICES[String(t.status)]?.[0] ?? String(t.status),
    'ticket.priority': t.priority === null ? '' : (PRIORITY_LABELS[t.priority] ?? ''),
  };
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => jsonText(values[name] ?? ''));
}

/**
 * Delivers the automation rule's webhook: one POST per ticket (a rule fires per ticket), JSON, the secret in the
 * configured header or query parameter, no signature (Freshdesk signs nothing). The rule fires because the ticket
 * just changed, so the ticket is stamped updated at the send time when it is older; `sentAt` models a call captured
 * then and replayed now.
 */
export function createWebhookSender(state: SimState): SimulatorWebhooks {
  const location = state.options.webhookSecret ?? { header: DEFAULT_SECRET_HEADER };
  const template = state.options.webhookTemplate ?? DEFAULT_TEMPLATE;
  return {
    async deliver(url, externalIds, options = {}) {
      const sentAt = (options.sentAt ?? new Date(state.now())).getTime();
      const secret = options.forge ? 'forged-secret-value' : (options.secret ?? '');
      let last = { status: 204, body: '' };
      for (const id of externalIds) {
        const t = state.ticket(id);
        if (Date.parse(t.updated_at) < Math.floor(sentAt / 1000) * 1000) t.updated_at = iso(sentAt);
        let target = url;
        const headers: Record<string, string> = { 'user-agent': 'Freshdesk' };
        if ('header' in location) headers[location.header.toLowerCase()] = secret;
        else target = `${url}${url.includes('?') ? '&' : '?'}${encodeURIComponent(location.query)}=${encodeURIComponent(secret)}`;
        const res = await sendWebhook({ url: target, body: Buffer.from(renderTemplate(template, t)), headers: { 'content-type': 'application/json', ...headers } });
        last = { status: res.status, body: res.body };
        if (res.status >= 300) return last;
      }
      return last;
    },
  };
}
