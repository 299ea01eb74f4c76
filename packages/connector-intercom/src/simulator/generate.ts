import type { GeneratedTicket } from '@ticketbridge/core/testing';
import { TICKET_STATES, escapeHtml, seconds, type SimState } from './state.js';
import type { SimConversation, SimPart, SimTicket, SimTicketPart } from './types.js';

/** Generated channel → `source.type` (the search's accepted values: conversation, email, phone_call, ...). */
const SOURCE_TYPES = { email: 'email', web: 'conversation', chat: 'conversation', phone: 'phone_call', api: 'conversation' } as const;

/** The body as Intercom's composer and e-mail intake store it: paragraphs as `<p>`. */
export function bodyHtml(text: string): string {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => `<p>${escapeHtml(line)}</p>`)
    .join('');
}

/** A contact id as Intercom prints them: 24 hex characters. */
export const contactId = (personId: string) => `6762f1261bb69f9f${Buffer.from(personId).toString('hex').padEnd(8, '0').slice(0, 8)}`;

/**
 * States and priorities cycle through every documented value (the n-th conversation or ticket gets the n-th), so a
 * workspace of a dozen items already holds each one; the rest of the item comes from the generator.
 */
const CONVERSATION_STATE_CYCLE = ['open', 'snoozed', 'closed'] as const;
const PRIORITY_CYCLE = ['none', 'low', 'medium', 'high', 'urgent'] as const;

/** Reshapes a generated ticket into an Intercom conversation, with the real variety of nulls, zeros and absences. */
export function toConversation(state: SimState, g: GeneratedTicket): { data: SimConversation; parts: SimPart[] } {
  const id = String(state.ids.item++);
  const created = seconds(g.createdAt);
  const updated = seconds(g.updatedAt);
  const contact = contactId(g.requester.id);
  const admin = g.assignee ? state.admins[Number(g.assignee.id.slice(1)) % state.admins.length]! : undefined;
  const variant = g.seq % 5;
  const n = state.made.conversation++;
  const convState = CONVERSATION_STATE_CYCLE[n % CONVERSATION_STATE_CYCLE.length]!;
  const customerStarted = g.channel !== 'api';
  const data: SimConversation = {
    type: 'conversation',
    id,
    // Most conversations have no title: the Messenger gives none, e-mails keep theirs in source.subject.
    title: variant === 0 ? g.subject : null,
    created_at: created,
    updated_at: updated,
    waiting_since: convState === 'open' ? updated : null,
    snoozed_until: convState === 'snoozed' ? updated + 86_400 : null,
    source: {
      type: SOURCE_TYPES[g.channel],
      id: String(403918000 + g.seq),
      delivered_as: customerStarted ? 'customer_initiated' : 'admin_initiated',
      subject: g.channel === 'email' ? g.subject : '',
      body: bodyHtml(g.description),
      author: customerStarted
        ? { type: 'user', id: contact, name: g.requester.name, email: g.requester.email }
        : { type: 'admin', id: state.admins[0]!.id, name: state.admins[0]!.name, email: state.admins[0]!.email },
      attachments: [],
      url: g.channel === 'web' ? 'https://example.com/pricing' : null,
      redacted: false,
    },
    contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: contact, external_id: variant === 1 ? null : g.requester.id }] },
    first_contact_reply: customerStarted ? { created_at: created, type: 'conversation', url: null } : null,
    // 2.12+: 0 when nobody is assigned.
    admin_assignee_id: admin ? Number(admin.id) : 0,
    team_assignee_id: g.seq % 4 === 0 ? 5017691 : 0,
    open: convState !== 'closed',
    state: convState,
    read: g.seq % 2 === 0,
    tags: {
      type: 'tag.list',
      tags: g.tags.map((name, i) => ({ type: 'tag', id: String(123456 + i), name, applied_at: created, applied_by: { type: 'admin', id: state.admins[0]!.id } })),
    },
    priority: PRIORITY_CYCLE[n % PRIORITY_CYCLE.length]!,
    sla_applied: null,
    statistics: variant === 2 ? null : { type: 'conversation_statistics', count_conversation_parts: 2 },
    conversation_rating: null,
    teammates: admin ? { type: 'admin.list', admins: [{ type: 'admin', id: admin.id }] } : null,
    custom_attributes: variant === 3 ? {} : { Plan: ['Free', 'Pro', 'Enterprise'][g.seq % 3], 'Order number': variant === 4 ? null : `ORD-${100000 + g.seq}` },
    topics: {},
    ticket: null,
    linked_objects: { type: 'list', data: [], total_count: 0, has_more: false },
    ai_agent: null,
    ai_agent_participated: false,
  };
  // Company is absent from most payloads, null on some, an object when the contact has one.
  if (g.organization) data.company = { type: 'company', id: `5f4d3c2b1a${g.organization.id.slice(1).padStart(6, '0')}`, name: g.organization.name };
  else if (variant === 4) data.company = null;
  const parts: SimPart[] = [
    part(state, 'comment', `<p>Thanks, we are looking into it.</p>`, updated, { type: 'admin', ...(admin ?? state.admins[0]!) }),
    part(state, 'note', `<p>Internal: check the ${escapeHtml(g.topic)} logs.</p>`, updated, { type: 'admin', ...state.admins[1]! }),
  ];
  return { data, parts };
}

/** One conversation part. */
export function part(state: SimState, partType: string, body: string | null, at: number, author: { type: string; id: string; name: string | null; email: string | null }): SimPart {
  return {
    type: 'conversation_part',
    id: String(state.ids.part++),
    part_type: partType,
    body,
    created_at: at,
    updated_at: at,
    notified_at: at,
    assigned_to: null,
    author: { type: author.type, id: author.id, name: author.name, email: author.email },
    attachments: [],
    external_id: null,
    redacted: false,
  };
}

/** Reshapes a generated ticket into an Intercom ticket (Customer category, the default ticket type). */
export function toTicket(state: SimState, g: GeneratedTicket): { data: SimTicket; parts: SimTicketPart[] } {
  const id = String(state.ids.item++);
  const created = seconds(g.createdAt);
  const updated = seconds(g.updatedAt);
  const admin = g.assignee ? state.admins[Number(g.assignee.id.slice(1)) % state.admins.length]! : undefined;
  const s = TICKET_STATES[state.made.ticket++ % TICKET_STATES.length]!;
  const data: SimTicket = {
    type: 'ticket',
    id,
    ticket_id: String(state.ids.ticketNumber++),
    category: g.seq % 7 === 0 ? 'Back-office' : 'Customer',
    ticket_attributes: {
      _default_title_: g.subject,
      // The description attribute is plain text (a textarea), null when the form left it empty.
      _default_description_: g.description,
      'Order number': g.seq % 5 === 0 ? null : `ORD-${100000 + g.seq}`,
      Severity: ['Minor', 'Major', 'Critical'][g.seq % 3],
    },
    ticket_state: { ...s },
    ticket_type: { type: 'ticket_type', id: '90', name: 'Bug report', description: 'A bug that has been reported.', icon: '🐞', archived: false, category: 'Customer' },
    contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: contactId(g.requester.id), external_id: g.requester.id }] },
    admin_assignee_id: admin ? Number(admin.id) : 0,
    team_assignee_id: g.seq % 4 === 0 ? 5017691 : 0,
    created_at: created,
    updated_at: updated,
    open: s.category !== 'resolved',
    snoozed_until: null,
    linked_objects: { type: 'list', data: [], total_count: 0, has_more: false },
    is_shared: g.seq % 7 !== 0,
    previous_ticket_state_id: null,
  };
  const parts: SimTicketPart[] = [
    {
      type: 'ticket_part',
      id: String(state.ids.part++),
      part_type: 'ticket_state_updated_by_admin',
      ticket_state: s.category,
      previous_ticket_state: 'submitted',
      created_at: updated,
      updated_at: updated,
      author: { type: 'admin', id: state.admins[0]!.id, name: state.admins[0]!.name, email: state.admins[0]!.email },
      attachments: [],
      redacted: false,
    },
    {
      type: 'ticket_part',
      id: String(state.ids.part++),
      part_type: 'note',
      body: '<p>Reproduced on staging.</p>',
      created_at: updated,
      updated_at: updated,
      author: { type: 'admin', id: state.admins[1]!.id, name: state.admins[1]!.name, email: state.admins[1]!.email },
      attachments: [],
      redacted: false,
    },
  ];
  return { data, parts };
}
