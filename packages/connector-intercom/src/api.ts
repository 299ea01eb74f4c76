import type { RateLimitHeaders } from '@ticketbridge/core';
import { z } from 'zod';

/**
 * Intercom REST API endpoints and zod schemas of only the fields the connector reads. Objects are `looseObject`s, so
 * a parsed conversation or ticket still carries every field Intercom sent: it becomes the ticket's untouched `raw`.
 * Reference: intercom/Intercom-OpenAPI `descriptions/2.16/api.intercom.io.yaml` (commit 8889625).
 */

/**
 * The API version every request pins (`Intercom-Version`). 2.16 is the newest stable version in the OpenAPI
 * repository: `ticket_state` is an object with a `category` (2.12+), conversation `priority` is
 * `none|low|medium|high|urgent` and part types are granular (2.6+, singer-io/tap-intercom#65). Without the header an
 * app gets the version set in its Developer Hub, which may change under us.
 */
export const INTERCOM_VERSION = '2.16';

/**
 * Headers every request sends, as `HttpConfig.publicHeaders`: not in `headers`, whose values core treats as secrets,
 * so "2.16" is never redacted from a log line, error or event that mentions it.
 */
export const VERSION_HEADERS: Readonly<Record<string, string>> = { 'intercom-version': INTERCOM_VERSION };

/** Paths relative to the regional API host. */
export const paths = {
  me: 'me',
  searchConversations: 'conversations/search',
  conversation: (id: string) => `conversations/${encodeURIComponent(id)}`,
  searchTickets: 'tickets/search',
  ticket: (id: string) => `tickets/${encodeURIComponent(id)}`,
  deletedConversations: 'conversations/deleted',
  admins: 'admins',
  teams: 'teams',
} as const;

/** Largest `per_page` of Search conversations: "The default is 20 results per page and maximum is 150". */
export const PER_PAGE = 150;

/**
 * `per_page` sent to Search tickets. Intercom documents the default (20) but no maximum [U]; the conversation search's
 * 150 is used, and the walk never relies on the size it gets back.
 */
export const TICKET_PER_PAGE = 150;

/**
 * Retrieve a conversation "returns the 500 most recent conversation parts" at most ("Hard limit of 500 parts"); the
 * ticket's `ticket_parts` carry the same limit. A cut conversation is flagged, never passed off as whole.
 */
export const MAX_PARTS = 500;

/**
 * Intercom's rate-limit headers: `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (the UNIX time
 * the window resets; limits are spread over 10-second windows), no `Retry-After`.
 * https://developers.intercom.com/docs/references/rest-api/errors/rate-limiting
 */
export const intercomRateLimit: RateLimitHeaders = {
  windows: [{ remaining: 'x-ratelimit-remaining', reset: { header: 'x-ratelimit-reset', unit: 'epoch-seconds' } }],
};

const id = z.union([z.string(), z.number()]).transform(String);
/** Intercom prints 0 (2.12+) or null (older versions) for "nobody". */
const assigneeId = z.union([z.string(), z.number()]).nullable().optional();
const text = z.string().nullable().optional();

// GET /me: "the currently authorised admin along with the embedded app object".
export const MeResponse = z.looseObject({
  type: z.literal('admin'),
  id,
  name: text,
  email: text,
  app: z
    .looseObject({
      id_code: z.string(),
      name: text,
      region: text,
      timezone: text,
    })
    .nullable()
    .optional(),
});
/** The `/me` response. */
export type MeResponse = z.infer<typeof MeResponse>;

// conversation_part_author / conversation source author: "a Contact, Admin or Team ... For Twitter, this will be blank".
const Author = z
  .looseObject({ type: text, id: z.union([z.string(), z.number()]).nullable().optional(), name: text, email: text })
  .nullable()
  .optional();

const TagList = z
  .looseObject({ tags: z.array(z.looseObject({ id: id.optional(), name: text })).nullable().optional() })
  .nullable()
  .optional();

const ContactList = z
  .looseObject({ contacts: z.array(z.looseObject({ id, external_id: text, name: text, email: text })).nullable().optional() })
  .nullable()
  .optional();

// conversation_part: part_type (comment, note, assignment, open, close, ...), body may hold HTML (plain text in 2.15+
// webhook payloads only).
export const ConversationPart = z.looseObject({
  id,
  part_type: text,
  body: text,
  created_at: z.number(),
  author: Author,
  redacted: z.boolean().nullable().optional(),
});
/** One conversation part. */
export type ConversationPart = z.infer<typeof ConversationPart>;

// conversation (Intercom-OpenAPI 2.16 `#/components/schemas/conversation`).
export const IntercomConversation = z.looseObject({
  type: z.literal('conversation').optional(),
  id,
  title: text,
  created_at: z.number(),
  updated_at: z.number(),
  open: z.boolean().nullable().optional(),
  state: z.string().nullable().optional(),
  // none|low|medium|high|urgent in 2.16; priority|not_priority before.
  priority: text,
  admin_assignee_id: assigneeId,
  team_assignee_id: assigneeId,
  company: z.looseObject({ id: id.optional(), name: text }).nullable().optional(),
  tags: TagList,
  source: z
    .looseObject({ type: text, delivered_as: text, subject: text, body: text, url: text, author: Author })
    .nullable()
    .optional(),
  contacts: ContactList,
  custom_attributes: z.record(z.string(), z.unknown()).nullable().optional(),
  statistics: z.looseObject({ count_conversation_parts: z.number().nullable().optional() }).nullable().optional(),
  conversation_parts: z
    .looseObject({ conversation_parts: z.array(ConversationPart).nullable().optional(), total_count: z.number().nullable().optional() })
    .nullable()
    .optional(),
});
/** A conversation as Intercom returns it. */
export type IntercomConversation = z.infer<typeof IntercomConversation>;

/** `pages` of a search answer: `next.starting_after` is the opaque cursor of the next page, absent on the last. */
const Pages = z
  .looseObject({
    next: z.looseObject({ starting_after: z.string().nullable().optional() }).nullable().optional(),
    per_page: z.number().optional(),
    total_pages: z.number().optional(),
  })
  .nullable()
  .optional();

// conversation_list: the Search conversations answer.
export const ConversationSearchPage = z.looseObject({
  type: z.literal('conversation.list').optional(),
  conversations: z.array(IntercomConversation),
  total_count: z.number().nullable().optional(),
  pages: Pages,
});
/** One page of Search conversations. */
export type ConversationSearchPage = z.infer<typeof ConversationSearchPage>;

// ticket_state (2.12+): an object; older versions printed the category as a bare string.
const TicketState = z.union([
  z.looseObject({ id: id.optional(), category: z.string(), internal_label: text, external_label: text }),
  z.string(),
]);

// ticket_part: notes, replies and state changes of a ticket.
export const TicketPart = z.looseObject({
  id,
  part_type: text,
  body: text,
  created_at: z.number(),
  author: Author,
});
/** One ticket part. */
export type TicketPart = z.infer<typeof TicketPart>;

// ticket (Intercom-OpenAPI 2.16 `#/components/schemas/ticket`).
export const IntercomTicket = z.looseObject({
  type: z.literal('ticket').optional(),
  id,
  ticket_id: text,
  category: text,
  ticket_attributes: z.record(z.string(), z.unknown()).nullable().optional(),
  ticket_state: TicketState.nullable().optional(),
  ticket_type: z.looseObject({ id: id.optional(), name: text }).nullable().optional(),
  contacts: ContactList,
  admin_assignee_id: assigneeId,
  team_assignee_id: assigneeId,
  created_at: z.number(),
  updated_at: z.number(),
  open: z.boolean().nullable().optional(),
  tags: TagList,
  ticket_parts: z
    .looseObject({ ticket_parts: z.array(TicketPart).nullable().optional(), total_count: z.number().nullable().optional() })
    .nullable()
    .optional(),
});
/** A ticket as Intercom returns it. */
export type IntercomTicket = z.infer<typeof IntercomTicket>;

// ticket_list: the Search tickets answer.
export const TicketSearchPage = z.looseObject({
  type: z.literal('ticket.list').optional(),
  tickets: z.array(IntercomTicket),
  total_count: z.number().nullable().optional(),
  pages: Pages,
});
/** One page of Search tickets. */
export type TicketSearchPage = z.infer<typeof TicketSearchPage>;

/**
 * List all deleted conversation IDs (2.16+): newest deletion first by default (the example lists `deleted_at`
 * 1734537460 before 1734537400), `page` numbers, `per_page` at most 60.
 */
export const DELETED_PER_PAGE = 60;

// deleted_conversation_list: `pages.next` is a URL (pages_link), absent or null on the last page.
export const DeletedConversationList = z.looseObject({
  conversations: z.array(z.looseObject({ id, deleted_at: z.number(), metrics_retained: z.boolean().nullable().optional() })),
  total_count: z.number().nullable().optional(),
  pages: z.looseObject({ next: z.string().nullable().optional() }).nullable().optional(),
});
/** One page of deleted conversation ids. */
export type DeletedConversationList = z.infer<typeof DeletedConversationList>;

// admin_list (List all admins): every teammate of the workspace in one answer, no pagination.
export const AdminList = z.looseObject({
  admins: z.array(z.looseObject({ id, name: text, email: text })).nullable().optional(),
});

// team_list (List all teams).
export const TeamList = z.looseObject({
  teams: z.array(z.looseObject({ id, name: text })).nullable().optional(),
});

/**
 * The body of a search from `since` (UNIX seconds): `updated_at > since`, where Intercom's `>` means "greater (or
 * equal) than" (the Accepted Operators table of both searches), oldest first. `sort` is accepted by the search
 * endpoints but missing from the OpenAPI description (intercom/Intercom-OpenAPI#114) [U].
 */
export function searchBody(since: number, perPage: number, startingAfter: string | undefined): Record<string, unknown> {
  return {
    query: { operator: 'AND', value: [{ field: 'updated_at', operator: '>', value: since }] },
    pagination: { per_page: perPage, ...(startingAfter ? { starting_after: startingAfter } : {}) },
    sort: { field: 'updated_at', order: 'ascending' },
  };
}

/**
 * Intercom's error envelope: `{"type":"error.list","request_id":"…","errors":[{"code":"unauthorized","message":"Access
 * Token Invalid"}]}` (every 4xx example of the OpenAPI description). Returns `code: message` of the first errors.
 */
export function intercomErrorMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    const t = body.trim();
    return t && !t.startsWith('<') ? t.slice(0, 500) : undefined;
  }
  if (!body || typeof body !== 'object') return undefined;
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return undefined;
  const parts: string[] = [];
  for (const e of errors.slice(0, 5)) {
    if (!e || typeof e !== 'object') continue;
    const r = e as Record<string, unknown>;
    const line = [r.code, r.message].filter((x): x is string => typeof x === 'string' && x !== '').join(': ');
    if (line) parts.push(line);
  }
  return parts.length ? parts.join('; ') : undefined;
}

/** The first error code of an Intercom error envelope. */
export function intercomErrorCode(body: unknown): string | undefined {
  const errors = body && typeof body === 'object' ? (body as { errors?: unknown }).errors : undefined;
  const first = Array.isArray(errors) ? (errors[0] as { code?: unknown } | undefined) : undefined;
  return typeof first?.code === 'string' ? first.code : undefined;
}
