import type { Comment, Person, TicketDraft, TicketPriority, TicketStatus } from '@ticketbridge/core';
import { htmlToText, looksLikeHtml, tombstone } from '@ticketbridge/core/toolkit';
import { MAX_PARTS, type ConversationPart, type IntercomConversation, type IntercomTicket, type TicketPart } from './api.js';
import { APP_ORIGINS, type IntercomRegion } from './credentials.js';

/**
 * Prefixes of external ids. Conversations and tickets share one id space in Intercom (a customer ticket is a
 * conversation: "the conversation (or customer ticket)" of Link a conversation to a ticket), so a bare number does not
 * say which endpoint reads it back; the prefix does, and keeps `conversation:123` and `ticket:123` apart.
 */
export const CONVERSATION_PREFIX = 'conversation:';
/** Prefix of a ticket's external id. */
export const TICKET_PREFIX = 'ticket:';

/** What an external id names. */
export type IntercomRef = { kind: 'conversation' | 'ticket'; id: string };

/** Splits an external id; `undefined` for anything that is not one of ours (a bare or forged id never reaches the API). */
export function parseExternalId(externalId: string): IntercomRef | undefined {
  const m = /^(conversation|ticket):(\d{1,24})$/.exec(externalId);
  return m ? { kind: m[1] as IntercomRef['kind'], id: m[2]! } : undefined;
}

/** Conversation `state` → status. A closed conversation reopens when the customer writes again, hence `solved`. */
export function mapConversationState(state: string | null | undefined, open?: boolean | null): TicketStatus {
  switch (state) {
    case 'open':
      return 'open';
    case 'snoozed':
      // Snoozed until a time or a customer reply: waiting, not being worked on.
      return 'pending';
    case 'closed':
      return 'solved';
    default:
      return open === false ? 'solved' : 'open';
  }
}

/**
 * Ticket state category → status (2.12+ `ticket_state.category`; custom states carry one of the four categories).
 * `submitted` is a ticket nobody has picked up yet.
 */
export function mapTicketCategory(category: string | null | undefined): TicketStatus {
  switch (category) {
    case 'submitted':
      return 'new';
    case 'in_progress':
      return 'open';
    case 'waiting_on_customer':
      return 'pending';
    case 'resolved':
      return 'solved';
    default:
      return 'open';
  }
}

/** Conversation `priority` → priority: `none|low|medium|high|urgent` (2.16), `priority|not_priority` before. */
export function mapConversationPriority(priority: string | null | undefined): TicketPriority | null {
  switch (priority) {
    case 'low':
      return 'low';
    case 'medium':
      return 'normal';
    case 'high':
    case 'priority':
      return 'high';
    case 'urgent':
      return 'urgent';
    default:
      return null;
  }
}

/** `source.type` → channel: `conversation` is the Messenger; the others keep Intercom's name. */
export function mapSourceType(type: string | null | undefined): string | null {
  if (!type) return null;
  if (type === 'conversation') return 'chat';
  if (type === 'phone_call' || type === 'phone_switch') return 'phone';
  return type;
}

/** Where a human opens the conversation or ticket in the Inbox [U: URL shape from third-party mappings]. */
export function intercomInboxUrl(region: IntercomRegion, appId: string | undefined, id: string): string | null {
  return appId ? `${APP_ORIGINS[region]}/a/inbox/${encodeURIComponent(appId)}/inbox/conversation/${encodeURIComponent(id)}` : null;
}

/** What normalization needs besides the object. */
export interface NormalizeIntercomOptions {
  region: IntercomRegion;
  /** The workspace id (`app.id_code` of `/me`), for the Inbox URL. */
  appId?: string;
  /** Admin and team names by id, for the assignee; ids alone when absent. */
  directory?: Directory;
  /** Parts read with Retrieve a conversation / ticket; absent when parts were not read. */
  parts?: { comments: Comment[]; truncated: boolean; total: number | null };
}

/** The workspace's admins and teams by id (List all admins, List all teams). */
export interface Directory {
  admins: ReadonlyMap<string, { name: string | null; email: string | null }>;
  teams: ReadonlyMap<string, string | null>;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const plain = (s: string | null | undefined) => (s ? (looksLikeHtml(s) ? htmlToText(s) : s) : '');
const idOf = (v: string | number | null | undefined) => (v === null || v === undefined || String(v) === '0' || String(v) === '' ? null : String(v));

function person(p: { id?: string | number | null; name?: string | null; email?: string | null } | null | undefined): Person | null {
  const id = idOf(p?.id ?? null);
  return id ? { externalId: id, name: p?.name ?? null, email: p?.email ?? null } : null;
}

/** The assignee: the admin, else the team (as `team:<id>`, so a host can tell a team from a person). */
function assignee(adminId: string | number | null | undefined, teamId: string | number | null | undefined, directory: Directory | undefined): Person | null {
  const admin = idOf(adminId);
  if (admin) {
    const known = directory?.admins.get(admin);
    return { externalId: admin, name: known?.name ?? null, email: known?.email ?? null };
  }
  const team = idOf(teamId);
  return team ? { externalId: `team:${team}`, name: directory?.teams.get(team) ?? null, email: null } : null;
}

const tagNames = (tags: IntercomConversation['tags']) => (tags?.tags ?? []).map((t) => t.name ?? '').filter((n) => n !== '');

/** First line of a text, as a subject for a conversation without a title. */
const firstLine = (s: string) => (s.split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 255);

/** Parts with something to read become comments; `note` parts are internal. */
export function normalizeParts(parts: ReadonlyArray<ConversationPart | TicketPart>): Comment[] {
  const out: Comment[] = [];
  for (const p of parts) {
    if (!p.body) continue;
    const author = person(p.author);
    out.push({
      externalId: p.id,
      author,
      body: plain(p.body),
      htmlBody: looksLikeHtml(p.body) ? p.body : null,
      public: !(p.part_type ?? '').startsWith('note'),
      createdAt: iso(p.created_at),
    });
  }
  return out;
}

/**
 * Whether Intercom cut a conversation's parts: it returns the 500 most recent, so 500 read, or a `total_count` /
 * `statistics.count_conversation_parts` above what came back, means older parts are missing.
 */
export function partsTruncated(read: number, total: number | null | undefined): boolean {
  return read >= MAX_PARTS || (typeof total === 'number' && total > read);
}

function partsFields(parts: NormalizeIntercomOptions['parts']): Record<string, unknown> {
  if (!parts) return {};
  return parts.truncated ? { intercom_parts_truncated: true, intercom_parts_total: parts.total } : {};
}

/** A conversation → ticket draft (`conversation:<id>`). */
export function normalizeConversation(c: IntercomConversation, options: NormalizeIntercomOptions): TicketDraft {
  const description = plain(c.source?.body);
  const subject = c.title ? plain(c.title) : c.source?.subject ? plain(c.source.subject) : firstLine(description);
  const firstContact = c.contacts?.contacts?.[0];
  const author = c.source?.author;
  // Search results carry only contact ids; the source author (a user or lead) names the requester who wrote first.
  const byContact = author && author.type !== 'admin' && author.type !== 'team' && author.type !== 'bot' && idOf(author.id) === firstContact?.id ? author : undefined;
  const requester = firstContact ? { externalId: firstContact.id, name: firstContact.name ?? byContact?.name ?? null, email: firstContact.email ?? byContact?.email ?? null } : null;
  return {
    externalId: `${CONVERSATION_PREFIX}${c.id}`,
    platform: 'intercom',
    url: intercomInboxUrl(options.region, options.appId, c.id),
    subject,
    description,
    status: mapConversationState(c.state, c.open),
    rawStatus: c.state ?? null,
    priority: mapConversationPriority(c.priority),
    rawPriority: c.priority ?? null,
    channel: mapSourceType(c.source?.type),
    requester,
    assignee: assignee(c.admin_assignee_id, c.team_assignee_id, options.directory),
    organization: c.company && idOf(c.company.id ?? null) ? { externalId: String(c.company.id), name: c.company.name ?? null } : null,
    tags: tagNames(c.tags),
    customFields: { ...(c.custom_attributes ?? {}), ...partsFields(options.parts) },
    createdAt: iso(c.created_at),
    updatedAt: iso(c.updated_at),
    ...(options.parts ? { comments: options.parts.comments } : {}),
    deleted: false,
    raw: c,
  };
}

/** Default attribute keys of a ticket's title and description. */
const TITLE = '_default_title_';
const DESCRIPTION = '_default_description_';

/** The state of a ticket: its category (mapped) and labels (kept), from 2.12+ objects or older bare strings. */
export function ticketState(t: IntercomTicket): { category: string | null; id: string | null; internal: string | null; external: string | null } {
  const s = t.ticket_state;
  if (!s) return { category: null, id: null, internal: null, external: null };
  if (typeof s === 'string') return { category: s, id: null, internal: null, external: null };
  return { category: s.category, id: s.id ?? null, internal: s.internal_label ?? null, external: s.external_label ?? null };
}

/** A ticket → ticket draft (`ticket:<id>`). Tickets carry no priority in Intercom's ticket model. */
export function normalizeTicket(t: IntercomTicket, options: NormalizeIntercomOptions): TicketDraft {
  const attributes = { ...(t.ticket_attributes ?? {}) };
  const title = attributes[TITLE];
  const body = attributes[DESCRIPTION];
  delete attributes[TITLE];
  delete attributes[DESCRIPTION];
  const state = ticketState(t);
  const contact = t.contacts?.contacts?.[0];
  return {
    externalId: `${TICKET_PREFIX}${t.id}`,
    platform: 'intercom',
    url: intercomInboxUrl(options.region, options.appId, t.id),
    subject: typeof title === 'string' ? plain(title) : '',
    description: typeof body === 'string' ? plain(body) : '',
    status: mapTicketCategory(state.category),
    rawStatus: state.category,
    priority: null,
    rawPriority: null,
    channel: null,
    requester: contact ? { externalId: contact.id, name: contact.name ?? null, email: contact.email ?? null } : null,
    assignee: assignee(t.admin_assignee_id, t.team_assignee_id, options.directory),
    organization: null,
    tags: tagNames(t.tags),
    customFields: {
      ...attributes,
      ticket_state: { id: state.id, category: state.category, internal_label: state.internal, external_label: state.external },
      ticket_type: t.ticket_type ? { id: t.ticket_type.id ?? null, name: t.ticket_type.name ?? null } : null,
      ticket_category: t.category ?? null,
      ticket_number: t.ticket_id ?? null,
      ...partsFields(options.parts),
    },
    createdAt: iso(t.created_at),
    updatedAt: iso(t.updated_at),
    ...(options.parts ? { comments: options.parts.comments } : {}),
    deleted: false,
    raw: t,
  };
}

/** A deletion learnt from a 404 on read-back (the conversation or ticket was deleted after the search listed it). */
export function deletedDraft(externalId: string, at: string, raw: unknown): TicketDraft {
  return tombstone('intercom', externalId, at, raw ?? null);
}
