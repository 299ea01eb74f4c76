import { ResponseShapeError, type Comment, type Person, type TicketDraft, type TicketPriority, type TicketStatus } from '@ticketbridge/core';
import { htmlToText, looksLikeHtml } from '@ticketbridge/core/toolkit';
import { FreshdeskTicket, type FreshdeskConversation } from './api.js';
import { freshdeskOrigin } from './credentials.js';

/**
 * The four statuses every account has (https://developers.freshdesk.com/api/#ticket_attributes), with the label
 * Freshdesk shows customers for each: an admin's custom status reuses one of these customer labels when it means the
 * same to the customer, which is how {@link statusCategories} files it.
 */
const DEFAULT_STATUSES: ReadonlyArray<readonly [code: number, status: TicketStatus, customerLabel: string]> = [
  [2, 'open', 'Being Processed'],
  [3, 'pending', 'Awaiting your Reply'],
  [4, 'solved', 'This ticket has been Resolved'],
  [5, 'closed', 'This ticket has been Closed'],
];

/** Normalized status of each custom status code (6 and up), as read from the account's status field. */
export type FreshdeskStatusMap = ReadonlyMap<number, TicketStatus>;

/**
 * Freshdesk status code to the normalized status: 2 Open, 3 Pending, 4 Resolved, 5 Closed. A custom status (6+) is
 * looked up in `custom` (built from the account's ticket fields by {@link statusCategories}); one the account does not
 * describe stays `open`, the safe reading of work nobody closed, and `rawStatus` keeps the code.
 */
export function mapFreshdeskStatus(code: number, custom: FreshdeskStatusMap = new Map()): TicketStatus {
  const known = DEFAULT_STATUSES.find(([c]) => c === code);
  if (known) return known[1];
  return custom.get(code) ?? 'open';
}

/**
 * Reads the status field of `GET /api/v2/ticket_fields`: its `choices` map each status code to
 * `[label for agents, label for customers]`. A custom status whose customer label is a default status's customer
 * label ("Awaiting your Reply") takes that status's meaning; the others are left out (and read as `open`).
 */
export function statusCategories(fields: ReadonlyArray<{ name: string; choices?: unknown }>): Map<number, TicketStatus> {
  const out = new Map<number, TicketStatus>();
  const field = fields.find((f) => f.name === 'status');
  const choices = field?.choices;
  if (!choices || typeof choices !== 'object' || Array.isArray(choices)) return out;
  for (const [key, labels] of Object.entries(choices as Record<string, unknown>)) {
    const code = Number(key);
    if (!Number.isInteger(code) || code < 6 || !Array.isArray(labels)) continue;
    const customerLabel = typeof labels[1] === 'string' ? labels[1].trim().toLowerCase() : '';
    const same = DEFAULT_STATUSES.find(([, , label]) => label.toLowerCase() === customerLabel);
    if (same) out.set(code, same[1]);
  }
  return out;
}

/** Freshdesk priority code (1 Low, 2 Medium, 3 High, 4 Urgent) to the normalized priority; anything else is null. */
export function mapFreshdeskPriority(code: number | null | undefined): TicketPriority | null {
  switch (code) {
    case 1:
      return 'low';
    case 2:
      return 'normal';
    case 3:
      return 'high';
    case 4:
      return 'urgent';
    default:
      return null;
  }
}

/**
 * Freshdesk source codes to channel names: 1, 2, 3, 7, 9, 10 from the ticket properties table
 * (https://developers.freshdesk.com/api/#ticket_attributes), 4 Forum, 5 Twitter, 6 Facebook from the source field's
 * choices in the List All Ticket Fields sample. An unlisted code (newer channels such as WhatsApp) keeps its number as
 * `source:<code>` rather than being guessed.
 */
const SOURCES: Readonly<Record<number, string>> = {
  1: 'email',
  2: 'portal',
  3: 'phone',
  4: 'forum',
  5: 'twitter',
  6: 'facebook',
  7: 'chat',
  9: 'feedback_widget',
  10: 'outbound_email',
};

/** The channel of a Freshdesk source code. */
export function mapFreshdeskSource(code: number | null | undefined): string | null {
  if (code === null || code === undefined) return null;
  return SOURCES[code] ?? `source:${code}`;
}

/** The agent-UI link of a ticket (the API has no human URL field). */
export function freshdeskTicketUrl(subdomain: string, ticketId: number | string): string {
  return `${freshdeskOrigin(subdomain)}/a/tickets/${ticketId}`;
}

function iso(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ResponseShapeError(`timestamp "${value}" is not a date`, { platform: 'freshdesk' });
  return new Date(ms).toISOString();
}

/**
 * The description as text. `description` is the HTML Freshdesk stores (a rich-text editor's or an e-mail's markup);
 * it is read through `htmlToText` when it holds markup, so entities and line breaks come out as a reader sees them.
 * `description_text` is Freshdesk's own plain rendering, used when the HTML is absent (an account created after
 * 2018-11-30 listing without `include=description`, or a webhook-era payload).
 */
function descriptionText(ticket: FreshdeskTicket): string {
  const html = ticket.description;
  if (html !== null && html !== undefined && html !== '') return looksLikeHtml(html) ? htmlToText(html) : html;
  return ticket.description_text ?? '';
}

function person(userId: number | null | undefined, side?: { name?: string | null | undefined; email?: string | null | undefined } | null): Person | null {
  if (userId === null || userId === undefined) return null;
  return { externalId: String(userId), name: side?.name ?? null, email: side?.email ?? null };
}

/** Replies and notes to the normalized model: a private note is `public: false`; replies and public notes are public. */
export function normalizeFreshdeskConversations(conversations: readonly FreshdeskConversation[]): Comment[] {
  return conversations.map((c) => {
    const html = c.body ?? null;
    const text = c.body_text?.trim() ? c.body_text : html ? (looksLikeHtml(html) ? htmlToText(html) : html) : '';
    return {
      externalId: String(c.id),
      author: person(c.user_id),
      body: text,
      htmlBody: html,
      public: c.private !== true,
      createdAt: iso(c.created_at),
    };
  });
}

/** Options of {@link normalizeFreshdeskTicket}. */
export interface NormalizeFreshdeskOptions {
  subdomain: string;
  /** Custom statuses of the account (see {@link statusCategories}). */
  statuses?: FreshdeskStatusMap;
  /** Agents by id, for the assignee's name and e-mail. */
  agents?: ReadonlyMap<number, { name: string | null; email: string | null }>;
  comments?: Comment[];
}

/**
 * One Freshdesk ticket to the normalized model. A ticket in the trash (`deleted: true`) or marked as spam
 * (`spam: true`) is a deletion: the host gets it as `ticket.deleted`. `raw` is the ticket as Freshdesk sent it.
 */
export function normalizeFreshdeskTicket(ticket: FreshdeskTicket, options: NormalizeFreshdeskOptions): TicketDraft {
  const requester = ticket.requester_id ?? ticket.requester?.id ?? null;
  return {
    externalId: String(ticket.id),
    platform: 'freshdesk',
    url: freshdeskTicketUrl(options.subdomain, ticket.id),
    subject: ticket.subject ?? '',
    description: descriptionText(ticket),
    status: mapFreshdeskStatus(ticket.status, options.statuses),
    rawStatus: String(ticket.status),
    priority: mapFreshdeskPriority(ticket.priority),
    rawPriority: ticket.priority === null || ticket.priority === undefined ? null : String(ticket.priority),
    channel: mapFreshdeskSource(ticket.source),
    requester: person(requester, ticket.requester),
    assignee: person(ticket.responder_id, ticket.responder_id === null || ticket.responder_id === undefined ? undefined : options.agents?.get(ticket.responder_id)),
    organization: ticket.company_id === null || ticket.company_id === undefined ? null : { externalId: String(ticket.company_id), name: null },
    tags: ticket.tags ?? [],
    customFields: { ...(ticket.custom_fields ?? {}) },
    createdAt: iso(ticket.created_at),
    updatedAt: iso(ticket.updated_at),
    ...(options.comments ? { comments: options.comments } : {}),
    deleted: ticket.deleted === true || ticket.spam === true,
    raw: ticket,
  };
}

/** The connector's `normalize` for a bare ticket object (a list item or a View a Ticket response). */
export function normalizeFreshdesk(raw: unknown, subdomain: string): TicketDraft {
  const parsed = FreshdeskTicket.safeParse(raw);
  if (!parsed.success) {
    throw new ResponseShapeError('not a Freshdesk ticket', { platform: 'freshdesk', issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
  }
  return normalizeFreshdeskTicket(parsed.data, { subdomain });
}
