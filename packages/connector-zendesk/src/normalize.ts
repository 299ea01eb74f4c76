import { ResponseShapeError, type Comment, type Person, type TicketDraft, type TicketPriority, type TicketStatus } from '@ticketbridge/core';
import { htmlToText, isoInstant } from '@ticketbridge/core/toolkit';
import { ShowTicketResponse, ZendeskTicket, type ZendeskComment, type ZendeskOrganization, type ZendeskUser } from './api.js';
import { zendeskOrigin } from './credentials.js';

/**
 * Zendesk status to the normalized status. `hold` is the only renamed one; `deleted` (incremental export only)
 * becomes `closed` with `deleted: true`, because the export does not say what the status was before deletion.
 * Event-subscription payloads spell statuses in capitals (`OPEN`), so the match ignores case.
 */
export function mapZendeskStatus(raw: string | null | undefined): TicketStatus {
  switch ((raw ?? '').toLowerCase()) {
    case 'new':
      return 'new';
    case 'open':
      return 'open';
    case 'pending':
      return 'pending';
    case 'hold':
    case 'on-hold':
      return 'on_hold';
    case 'solved':
      return 'solved';
    case 'closed':
    case 'deleted':
      return 'closed';
    default:
      // Custom ticket statuses always sit in one of the categories above; an unknown value is most likely open work.
      return 'open';
  }
}

/** Zendesk priority (`low|normal|high|urgent`, or null when unset) to the normalized priority. */
export function mapZendeskPriority(raw: string | null | undefined): TicketPriority | null {
  switch ((raw ?? '').toLowerCase()) {
    case 'low':
      return 'low';
    case 'normal':
      return 'normal';
    case 'high':
      return 'high';
    case 'urgent':
      return 'urgent';
    default:
      return null;
  }
}

/** Side-loaded users and organizations by id. */
export interface ZendeskLookups {
  users: Map<number, ZendeskUser>;
  organizations: Map<number, ZendeskOrganization>;
}

/** Builds {@link ZendeskLookups} from the side-load arrays of a response. */
export function lookupsFrom(users: ZendeskUser[] = [], organizations: ZendeskOrganization[] = []): ZendeskLookups {
  return { users: new Map(users.map((u) => [u.id, u])), organizations: new Map(organizations.map((o) => [o.id, o])) };
}

/** The agent-UI link of a ticket (the ticket's own `url` field is the API URL). */
export function zendeskTicketUrl(subdomain: string, ticketId: number | string): string {
  return `${zendeskOrigin(subdomain)}/agent/tickets/${ticketId}`;
}

function person(userId: number | null | undefined, lookups: ZendeskLookups): Person | null {
  if (userId === null || userId === undefined) return null;
  const user = lookups.users.get(userId);
  return { externalId: String(userId), name: user?.name ?? null, email: user?.email ?? null };
}

function iso(value: string): string {
  const instant = isoInstant(value);
  if (instant === undefined) throw new ResponseShapeError(`timestamp "${value}" is not a date`, { platform: 'zendesk' });
  return instant;
}

// Zendesk generates plain_body only for some comments: one created through the API with `body` alone comes back
// with plain_body "" (dust-tt/dust PR 9878), so the first body that says something wins, HTML last.
function commentText(c: ZendeskComment): string {
  if (c.plain_body?.trim()) return c.plain_body;
  if (c.body?.trim()) return c.body;
  return c.html_body ? htmlToText(c.html_body) : '';
}

/** Zendesk comments to the normalized model; `public: false` are internal notes and stay marked as such. */
export function normalizeZendeskComments(comments: ZendeskComment[], lookups: ZendeskLookups): Comment[] {
  return comments.map((c) => ({
    externalId: String(c.id),
    author: person(c.author_id, lookups),
    body: commentText(c),
    htmlBody: c.html_body ?? null,
    public: c.public,
    createdAt: iso(c.created_at),
  }));
}

/**
 * One Zendesk ticket to the normalized model. `raw` is the ticket object as Zendesk sent it; people and the
 * organization take their names from the side-loads when present.
 */
export function normalizeZendeskTicket(
  ticket: ZendeskTicket,
  options: { subdomain: string; lookups?: ZendeskLookups; comments?: Comment[] },
): TicketDraft {
  const lookups = options.lookups ?? lookupsFrom();
  const customFields: Record<string, unknown> = {};
  for (const field of ticket.custom_fields ?? []) customFields[String(field.id)] = field.value ?? null;
  const org = ticket.organization_id ?? null;
  const channel = ticket.via?.channel;
  // One literal of a fixed shape, comments added after: a spread inside the literal gave drafts of several hidden
  // classes, and every later copy of a draft (the event's ticket) went through V8's slow path.
  const draft: TicketDraft = {
    externalId: String(ticket.id),
    platform: 'zendesk',
    url: zendeskTicketUrl(options.subdomain, ticket.id),
    subject: ticket.subject ?? ticket.raw_subject ?? '',
    // Zendesk defines the description as the first comment: when the payload leaves it out, the comments (oldest
    // first) still state it; a description stated as "" is kept as stated.
    description: ticket.description ?? options.comments?.[0]?.body ?? '',
    status: mapZendeskStatus(ticket.status),
    rawStatus: ticket.status,
    priority: mapZendeskPriority(ticket.priority),
    rawPriority: ticket.priority ?? null,
    channel: channel === null || channel === undefined ? null : String(channel),
    requester: person(ticket.requester_id, lookups),
    assignee: person(ticket.assignee_id, lookups),
    organization: org === null ? null : { externalId: String(org), name: lookups.organizations.get(org)?.name ?? null },
    tags: ticket.tags ?? [],
    customFields,
    createdAt: iso(ticket.created_at),
    updatedAt: iso(ticket.updated_at),
    deleted: ticket.status.toLowerCase() === 'deleted',
    raw: ticket,
  };
  if (options.comments) draft.comments = options.comments;
  return draft;
}

/**
 * The connector's `normalize`: accepts a bare ticket object, or a Show Ticket response
 * (`{ ticket, users, organizations }`) whose side-loads fill in names and e-mails.
 */
export function normalizeZendesk(raw: unknown, subdomain: string): TicketDraft {
  const envelope = ShowTicketResponse.safeParse(raw);
  if (envelope.success) {
    return normalizeZendeskTicket(envelope.data.ticket, { subdomain, lookups: lookupsFrom(envelope.data.users, envelope.data.organizations) });
  }
  const bare = ZendeskTicket.safeParse(raw);
  if (!bare.success) {
    throw new ResponseShapeError('not a Zendesk ticket', { platform: 'zendesk', issues: bare.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
  }
  return normalizeZendeskTicket(bare.data, { subdomain });
}
