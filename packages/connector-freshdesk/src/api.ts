import type { RateLimitHeaders } from '@ticketbridge/core';
import { z } from 'zod';

/**
 * Freshdesk API v2 endpoints and zod schemas of only the fields the connector reads. Objects are `looseObject`s so
 * a parsed ticket still carries every field Freshdesk sent: it becomes the ticket's untouched `raw`.
 * Reference: https://developers.freshdesk.com/api/
 */

/** Paths relative to `https://{subdomain}.freshdesk.com/api/v2/`. */
export const paths = {
  me: 'agents/me',
  agents: 'agents',
  tickets: 'tickets',
  ticket: (id: string) => `tickets/${encodeURIComponent(id)}`,
  conversations: (id: string) => `tickets/${encodeURIComponent(id)}/conversations`,
  ticketFields: 'ticket_fields',
  /** Only the status field: "Filter by type: /api/v2/ticket_fields?type=[type]". */
  statusField: { type: 'default_status' },
} as const;

/** Largest `per_page` of list endpoints (default 30). https://developers.freshdesk.com/api/#pagination */
export const PER_PAGE = 100;

/**
 * The last page one list query serves: past it Freshdesk answers 400 "You cannot access tickets beyond the 300th
 * page" (airbytehq/airbyte#3858), so the pull restarts its `updated_since` window before it.
 */
export const MAX_PAGE = 300;

/**
 * Side-loads requested on the ticket list, only those the mapping needs. Each `include` costs 2 more API credits per
 * call (https://developers.freshdesk.com/api/#list_all_tickets): `description` because accounts created after
 * 2018-11-30 get no description on the list without it, `requester` for the requester's name and e-mail.
 * `stats` (SLA timestamps) is left out: nothing in the model reads it.
 */
export const LIST_INCLUDES = 'description,requester';

/** Side-loads on View a Ticket (hydrating webhooks): the description is always there, so only the requester. */
export const VIEW_INCLUDES = 'requester';

/**
 * The predefined filters that return what the plain list leaves out: "By default, only tickets that have not been
 * deleted or marked as spam will be returned, unless you use the 'filter' parameter."
 * https://developers.freshdesk.com/api/#list_all_tickets
 */
export const REMOVED_FILTERS = ['deleted', 'spam'] as const;
/** A predefined filter for removed tickets. */
export type RemovedFilter = (typeof REMOVED_FILTERS)[number];

/**
 * Freshdesk's rate-limit headers: `X-RateLimit-Total`, `X-RateLimit-Remaining`, `X-RateLimit-Used-CurrentRequest`
 * (values such as `700.0` occur), per minute and account-wide, with `Retry-After` on a 429. No header says when the
 * minute ends, so an exhausted window is waited out for one whole window (`windowMs`).
 * https://support.freshdesk.com/support/solutions/articles/225439 and https://developers.freshdesk.com/api/#ratelimit
 */
export function freshdeskRateLimit(windowMs: number): RateLimitHeaders {
  return { windows: [{ remaining: 'x-ratelimit-remaining', reset: { windowMs } }] };
}

const id = z.number();

// https://developers.freshdesk.com/api/#me (Currently Authenticated Agent). ticket_scope: 1 Global Access, 2 Group
// Access, 3 Restricted Access.
export const MeResponse = z.looseObject({
  id,
  ticket_scope: z.number().nullable().optional(),
  contact: z.looseObject({ name: z.string().nullable().optional(), email: z.string().nullable().optional() }).nullable().optional(),
});
/** The `agents/me` response. */
export type MeResponse = z.infer<typeof MeResponse>;

// https://developers.freshdesk.com/api/#list_all_agents: the agent's name and e-mail live in its contact.
export const AgentList = z.array(
  z.looseObject({
    id,
    contact: z.looseObject({ name: z.string().nullable().optional(), email: z.string().nullable().optional() }).nullable().optional(),
  }),
);

/** Most agent pages read for names (100 agents each); a bigger team keeps the ids of the rest. */
export const MAX_AGENT_PAGES = 50;

// https://developers.freshdesk.com/api/#tickets (Ticket properties; `requester` with include=requester)
export const FreshdeskTicket = z.looseObject({
  id,
  subject: z.string().nullable().optional(),
  // HTML; absent from the list of newer accounts without include=description.
  description: z.string().nullable().optional(),
  description_text: z.string().nullable().optional(),
  // 2 Open, 3 Pending, 4 Resolved, 5 Closed, 6+ custom statuses.
  status: z.number(),
  // 1 Low, 2 Medium, 3 High, 4 Urgent.
  priority: z.number().nullable().optional(),
  source: z.number().nullable().optional(),
  type: z.string().nullable().optional(),
  tags: z.array(z.string()).nullable().optional(),
  custom_fields: z.record(z.string(), z.unknown()).nullable().optional(),
  requester_id: id.nullable().optional(),
  responder_id: id.nullable().optional(),
  group_id: id.nullable().optional(),
  company_id: id.nullable().optional(),
  requester: z
    .looseObject({ id: id.optional(), name: z.string().nullable().optional(), email: z.string().nullable().optional() })
    .nullable()
    .optional(),
  deleted: z.boolean().nullable().optional(),
  spam: z.boolean().nullable().optional(),
  created_at: z.string(),
  updated_at: z.string(),
});
/** A Freshdesk ticket as the API returns it. */
export type FreshdeskTicket = z.infer<typeof FreshdeskTicket>;

/** One page of List All Tickets: a bare array; the `link` header announces the next page. */
export const TicketList = z.array(FreshdeskTicket);

// https://developers.freshdesk.com/api/#list_all_ticket_notes (List All Conversations of a Ticket)
export const FreshdeskConversation = z.looseObject({
  id,
  body: z.string().nullable().optional(),
  body_text: z.string().nullable().optional(),
  // true when the customer wrote it (a reply from the requester); false for agents.
  incoming: z.boolean().nullable().optional(),
  // true for private notes, visible to agents only.
  private: z.boolean().nullable().optional(),
  // 0 Reply, 2 Note, 5 Tweet, ... (the conversation's source).
  source: z.number().nullable().optional(),
  user_id: id.nullable().optional(),
  created_at: z.string(),
});
/** One reply or note. */
export type FreshdeskConversation = z.infer<typeof FreshdeskConversation>;

/** One page of List All Conversations: a bare array; the `link` header announces the next page. */
export const ConversationList = z.array(FreshdeskConversation);

// https://developers.freshdesk.com/api/#list_all_ticket_fields: the status field's `choices` maps each status id to
// [label for agents, label for customers], custom statuses included.
export const TicketFields = z.array(
  z.looseObject({
    name: z.string(),
    type: z.string().optional(),
    choices: z.unknown().optional(),
  }),
);

/**
 * Freshdesk's error envelopes: `{"code":"invalid_credentials","message":"You have to be logged in to perform this
 * action."}` and the validation form `{"description":"Validation failed","errors":[{"field","message","code"}]}`
 * (https://developers.freshdesk.com/api/#error). Returns the human part of whichever it is.
 */
export function freshdeskErrorMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    const text = body.trim();
    // An HTML error page says nothing a user can act on beyond its status.
    return text && !text.startsWith('<') ? text.slice(0, 500) : undefined;
  }
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof b.message === 'string') parts.push(b.message);
  if (typeof b.description === 'string') parts.push(b.description);
  if (Array.isArray(b.errors)) {
    for (const e of b.errors.slice(0, 5)) {
      if (!e || typeof e !== 'object') continue;
      const r = e as Record<string, unknown>;
      const text = [r.field, r.message].filter((x): x is string => typeof x === 'string' && x !== '').join(': ');
      if (text) parts.push(text);
    }
  }
  return parts.length ? parts.join(': ') : undefined;
}
