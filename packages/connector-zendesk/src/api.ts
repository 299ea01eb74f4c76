import type { RateLimitHeaders } from '@ticketbridge/core';
import { z } from 'zod';

/**
 * Zendesk Support endpoints and zod schemas of only the fields the connector reads. Objects are `looseObject`s so
 * a parsed ticket still carries every field Zendesk sent: it becomes the ticket's untouched `raw`.
 */

/** Paths relative to `https://{subdomain}.zendesk.com/api/v2`. */
export const paths = {
  me: 'users/me.json',
  incrementalTickets: 'incremental/tickets/cursor.json',
  ticket: (id: string) => `tickets/${encodeURIComponent(id)}.json`,
  comments: (id: string) => `tickets/${encodeURIComponent(id)}/comments.json`,
  webhooks: 'webhooks',
  webhook: (id: string) => `webhooks/${encodeURIComponent(id)}`,
  signingSecret: (id: string) => `webhooks/${encodeURIComponent(id)}/signing_secret`,
  triggers: 'triggers.json',
  trigger: (id: string) => `triggers/${encodeURIComponent(id)}.json`,
} as const;

/** Rate-limit bucket of the incremental exports (10 requests/minute, separate from the account-wide limit). */
export const EXPORT_BUCKET = 'incremental-exports';

/**
 * Zendesk's rate-limit headers. Account-wide: `ratelimit-remaining` / `ratelimit-reset` (seconds) on list endpoints,
 * `X-Rate-Limit-Remaining` everywhere. The export endpoints add their own limit in
 * `Zendesk-RateLimit-incremental-exports: total=10; remaining=9; resets=2` (`resets` in seconds); both limits apply,
 * so the export bucket waits for whichever is exhausted.
 * https://developer.zendesk.com/api-reference/introduction/rate-limits/
 */
export const zendeskRateLimit: RateLimitHeaders = {
  windows: [
    { remaining: ['ratelimit-remaining', 'x-rate-limit-remaining'], reset: { header: 'ratelimit-reset', unit: 'seconds' } },
    {
      buckets: [EXPORT_BUCKET],
      remaining: { header: `zendesk-ratelimit-${EXPORT_BUCKET}`, field: 'remaining' },
      reset: { header: { header: `zendesk-ratelimit-${EXPORT_BUCKET}`, field: 'resets' }, unit: 'seconds' },
    },
  ],
};

/** Side-loads requested with tickets so requester, assignee and organization carry names and e-mails. */
export const TICKET_SIDELOADS = 'users,organizations';

/** Largest page of the comments endpoint with cursor pagination. */
export const COMMENTS_PAGE_SIZE = 100;

/**
 * The cursor export leaves out changes from the minute before each request, and refuses a `start_time` that is
 * not at least a minute in the past.
 * https://developer.zendesk.com/documentation/ticketing/managing-tickets/using-the-incremental-export-api
 */
export const EXPORT_EXCLUSION_SECONDS = 60;

const id = z.number();

// https://developer.zendesk.com/api-reference/ticketing/users/users/#show-the-currently-authenticated-user
// An unauthenticated or password-failed caller gets 200 with an anonymous user whose id is null.
export const MeResponse = z.object({
  user: z.looseObject({
    id: id.nullable(),
    name: z.string().nullable().optional(),
    email: z.string().nullable().optional(),
    role: z.string().nullable().optional(),
    active: z.boolean().optional(),
  }),
});
/** The `users/me` response. */
export type MeResponse = z.infer<typeof MeResponse>;

// https://developer.zendesk.com/api-reference/ticketing/users/users/#json-format (side-loaded with include=users)
const userShape = {
  id,
  name: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
};
export const ZendeskUser = z.looseObject(userShape);
/** A side-loaded user. */
export type ZendeskUser = z.infer<typeof ZendeskUser>;

// https://developer.zendesk.com/api-reference/ticketing/organizations/organizations/#json-format
const organizationShape = { id, name: z.string().nullable().optional() };
export const ZendeskOrganization = z.looseObject(organizationShape);
/** A side-loaded organization. */
export type ZendeskOrganization = z.infer<typeof ZendeskOrganization>;

// https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#json-format
const ticketShape = {
  id,
  subject: z.string().nullable().optional(),
  raw_subject: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  // new | open | pending | hold | solved | closed, plus "deleted" in the incremental export.
  status: z.string(),
  priority: z.string().nullable().optional(),
  type: z.string().nullable().optional(),
  via: z.looseObject({ channel: z.union([z.string(), z.number()]).nullable().optional() }).nullable().optional(),
  tags: z.array(z.string()).nullable().optional(),
  custom_fields: z.array(z.looseObject({ id, value: z.unknown() })).nullable().optional(),
  requester_id: id.nullable().optional(),
  submitter_id: id.nullable().optional(),
  assignee_id: id.nullable().optional(),
  organization_id: id.nullable().optional(),
  group_id: id.nullable().optional(),
  created_at: z.string(),
  updated_at: z.string(),
  generated_timestamp: z.number().optional(),
};
export const ZendeskTicket = z.looseObject(ticketShape);
/** A Zendesk ticket as the API returns it. */
export type ZendeskTicket = z.infer<typeof ZendeskTicket>;

// https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/#incremental-ticket-export-cursor-based
// Read with `keepBody`: the schema checks the fields the connector reads (plain `z.object`, no copy of the rest) and
// the page comes back as sent, so each ticket's `raw` still has every field. No transforms here, or keepBody would
// hand back values the schema did not produce.
export const IncrementalTicketsResponse = z.object({
  tickets: z.array(z.object(ticketShape)),
  after_cursor: z.string().nullable().optional(),
  after_url: z.string().nullable().optional(),
  end_of_stream: z.boolean(),
  users: z.array(z.object(userShape)).optional(),
  organizations: z.array(z.object(organizationShape)).optional(),
});
/** One page of the cursor-based incremental ticket export. */
export type IncrementalTicketsResponse = z.infer<typeof IncrementalTicketsResponse>;

// https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#show-ticket (with include=users,organizations)
export const ShowTicketResponse = z.object({
  ticket: ZendeskTicket,
  users: z.array(ZendeskUser).optional(),
  organizations: z.array(ZendeskOrganization).optional(),
});
/** The Show Ticket response with side-loads. */
export type ShowTicketResponse = z.infer<typeof ShowTicketResponse>;

/** Side-loads as `keepBody` reads check them: the fields the connector reads, the rest left in place. */
const checkedSideloads = { users: z.array(z.object(userShape)).optional(), organizations: z.array(z.object(organizationShape)).optional() };

/** {@link ShowTicketResponse} for a `keepBody` read (webhook hydration): checked in place, the ticket kept whole for raw. */
export const ShowTicketChecked = z.object({ ticket: z.object(ticketShape), ...checkedSideloads });

// https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#show-multiple-tickets, read with keepBody.
export const ShowManyChecked = z.object({ tickets: z.array(z.object(ticketShape)), ...checkedSideloads });

// https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/#list-comments
export const ZendeskComment = z.looseObject({
  id,
  author_id: id.nullable().optional(),
  body: z.string().nullable().optional(),
  html_body: z.string().nullable().optional(),
  plain_body: z.string().nullable().optional(),
  public: z.boolean(),
  created_at: z.string(),
});
/** One ticket comment. */
export type ZendeskComment = z.infer<typeof ZendeskComment>;

// https://developer.zendesk.com/api-reference/introduction/pagination/#using-cursor-pagination
export const CommentsResponse = z.object({
  comments: z.array(ZendeskComment),
  users: z.array(ZendeskUser).optional(),
  meta: z.object({ has_more: z.boolean(), after_cursor: z.string().nullable().optional() }).optional(),
  links: z.object({ next: z.string().nullable().optional() }).optional(),
});
/** One page of List Comments with cursor pagination. */
export type CommentsResponse = z.infer<typeof CommentsResponse>;

// https://developer.zendesk.com/api-reference/webhooks/webhooks-api/webhooks/#create-or-clone-webhook
export const WebhookResponse = z.object({ webhook: z.looseObject({ id: z.string() }) });

// https://developer.zendesk.com/api-reference/webhooks/webhooks-api/webhooks/#show-webhook-signing-secret
export const SigningSecretResponse = z.object({
  signing_secret: z.object({ secret: z.string().min(1), algorithm: z.string().optional() }),
});

// https://developer.zendesk.com/api-reference/ticketing/business-rules/triggers/#create-trigger
export const TriggerResponse = z.object({ trigger: z.looseObject({ id }) });

/**
 * Zendesk answers errors in several envelopes (seen side by side on one account):
 * `{"error":"Couldn't authenticate you"}`, `{"error":"RecordNotFound","description":"Not found"}`,
 * `{"error":{"title":"Forbidden","message":"..."}}` and the webhooks API's `{"errors":[{"code","title","detail"}]}`.
 * Returns the human part of whichever it is.
 */
export function zendeskErrorMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim().slice(0, 500) || undefined;
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof b.error === 'string') parts.push(b.error);
  else if (b.error && typeof b.error === 'object') {
    const e = b.error as Record<string, unknown>;
    for (const k of ['title', 'message']) if (typeof e[k] === 'string') parts.push(e[k] as string);
  }
  if (typeof b.description === 'string') parts.push(b.description);
  if (Array.isArray(b.errors)) {
    for (const e of b.errors.slice(0, 5)) {
      if (!e || typeof e !== 'object') continue;
      const r = e as Record<string, unknown>;
      const text = [r.title, r.detail].filter((x): x is string => typeof x === 'string').join(': ');
      if (text) parts.push(text);
    }
  }
  return parts.length ? parts.join(': ') : undefined;
}
