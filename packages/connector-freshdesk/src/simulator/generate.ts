import type { GeneratedTicket } from '@ticketbridge/core/testing';
import { escapeHtml, iso, type SimState } from './state.js';
import type { SimFreshdeskTicket } from './types.js';

/**
 * Generated statuses to Freshdesk codes: 2 Open, 3 Pending, 4 Resolved, 5 Closed
 * (https://developers.freshdesk.com/api/#ticket_attributes); Freshdesk has no "new" (a new ticket is Open) and no
 * built-in "on hold", which accounts model as custom statuses (here those of Freshdesk's ticket-fields sample: 6
 * "Waiting on Customer", 7 "Waiting on Third Party", which a third of open tickets wait on).
 */
const STATUS_CODES = { new: 2, open: 2, pending: 3, on_hold: 6, solved: 4, closed: 5 } as const;
const statusCode = (status: GeneratedTicket['status'], id: number) => (status === 'open' && id % 3 === 0 ? 7 : STATUS_CODES[status]);
/** 1 Low, 2 Medium, 3 High, 4 Urgent. Every ticket has one: Low when nobody chose (the API's default). */
const PRIORITY_CODES = { low: 1, normal: 2, high: 3, urgent: 4 } as const;
/** 1 Email, 2 Portal, 3 Phone, 7 Chat, 9 Feedback widget, 10 Outbound email; API-created tickets default to Portal. */
const SOURCE_CODES = { email: 1, web: 2, phone: 3, chat: 7, api: 2 } as const;
const TYPES = [null, 'Question', 'Incident', 'Problem', 'Feature Request', 'Refund'] as const;
const GROUPS = [null, 48000123001, 48000123002] as const;

/** The description as Freshdesk stores it: each paragraph a `<div>`, as its editor and e-mail intake write them. */
export function descriptionHtml(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? '<div><br></div>' : `<div>${escapeHtml(line)}</div>`))
    .join('');
}

/** Reshapes a generated ticket into the Freshdesk ticket object, with the real variety of nulls and empties. */
export function toFreshdesk(state: SimState, g: GeneratedTicket): SimFreshdeskTicket {
  const id = state.ids.ticket++;
  const requester = state.contact(g.requester);
  const agentIndex = g.assignee ? Number(g.assignee.id.slice(1)) % state.agents.length : -1;
  const variant = id % 7;
  const created = g.createdAt;
  return {
    id,
    subject: g.subject,
    description: descriptionHtml(g.description),
    description_text: g.description,
    status: statusCode(g.status, id),
    priority: g.priority === null ? 1 : PRIORITY_CODES[g.priority],
    source: id % 11 === 0 ? 9 : id % 13 === 0 ? 10 : SOURCE_CODES[g.channel],
    type: TYPES[id % TYPES.length]!,
    tags: [...g.tags],
    // Custom fields always carry every field of the account, unset ones as null (cf_ names, as the API prints them).
    custom_fields: {
      cf_order_number: variant === 0 ? null : `ORD-${100000 + id}`,
      cf_plan: variant === 1 ? null : ['Free', 'Pro', 'Enterprise'][id % 3],
      cf_refund_amount: g.topic === 'refund' ? 49.5 : null,
      cf_escalation_notes: variant === 2 ? '' : null,
    },
    requester_id: requester.id,
    responder_id: agentIndex < 0 ? null : state.agents[agentIndex]!.id,
    group_id: GROUPS[id % GROUPS.length]!,
    company_id: g.organization ? 48000200000 + Number(g.organization.id.slice(1)) : null,
    product_id: null,
    email_config_id: g.channel === 'email' ? 48000033001 : null,
    cc_emails: variant === 3 ? ['cc@example.com'] : [],
    fwd_emails: [],
    reply_cc_emails: variant === 3 ? ['cc@example.com'] : [],
    ticket_cc_emails: variant === 3 ? ['cc@example.com'] : [],
    to_emails: g.channel === 'email' ? [`support@${state.subdomain}.freshdesk.com`] : null,
    fr_escalated: false,
    is_escalated: variant === 4,
    spam: false,
    deleted: false,
    due_by: iso(created + 3 * 86_400_000),
    fr_due_by: iso(created + 86_400_000),
    created_at: iso(created),
    updated_at: iso(g.updatedAt),
  };
}
