import { readFileSync } from 'node:fs';
import { TicketDraft } from '@ticketbridge/core';
import { describe, expect, it } from 'vitest';
import {
  IntercomConversationSchemaForTests,
  IntercomTicketSchemaForTests,
} from './schemas.js';
import {
  mapConversationPriority,
  mapConversationState,
  mapTicketCategory,
  normalizeConversation,
  normalizeParts,
  normalizeTicket,
  partsTruncated,
} from '../src/index.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const opts = { region: 'us' as const, appId: 'a86dr8yl' };

describe('Intercom normalization', () => {
  it('maps every conversation state and priority Intercom documents, legacy priorities included', () => {
    expect(['open', 'snoozed', 'closed', null, 'unknown'].map((s) => mapConversationState(s))).toEqual(['open', 'pending', 'solved', 'open', 'open']);
    expect(mapConversationState(null, false)).toBe('solved');
    expect(['none', 'low', 'medium', 'high', 'urgent', 'priority', 'not_priority', null].map(mapConversationPriority)).toEqual([null, 'low', 'normal', 'high', 'urgent', 'high', null, null]);
  });

  it('maps ticket states by category, custom states included', () => {
    expect(['submitted', 'in_progress', 'waiting_on_customer', 'resolved', null].map(mapTicketCategory)).toEqual(['new', 'open', 'pending', 'solved', 'open']);
  });

  it("normalizes Intercom's own conversation example: closed, no title, admin-initiated, team and admin assigned", () => {
    const c = IntercomConversationSchemaForTests.parse(fixture('conversation-found.json'));
    const t = normalizeConversation(c, opts);
    expect(TicketDraft.safeParse(t).success).toBe(true);
    expect(t).toMatchObject({
      externalId: 'conversation:503',
      url: 'https://app.intercom.com/a/inbox/a86dr8yl/inbox/conversation/503',
      subject: 'this is the message body',
      description: 'this is the message body',
      status: 'solved',
      rawStatus: 'closed',
      priority: null,
      rawPriority: 'none',
      channel: 'chat',
      requester: { externalId: '6762f1261bb69f9f2193bba7', name: null, email: null },
      assignee: { externalId: '991267715' },
      tags: ['Test tag'],
      createdAt: '2024-12-18T15:58:31.000Z',
      deleted: false,
    });
  });

  it('falls back to the team when no admin is assigned, and to nobody on 0 or null', () => {
    const base = IntercomConversationSchemaForTests.parse(fixture('conversation-found.json'));
    expect(normalizeConversation({ ...base, admin_assignee_id: 0 }, opts).assignee).toEqual({ externalId: 'team:5017691', name: null, email: null });
    expect(normalizeConversation({ ...base, admin_assignee_id: 0, team_assignee_id: 0 }, opts).assignee).toBeNull();
    expect(normalizeConversation({ ...base, admin_assignee_id: null, team_assignee_id: null }, opts).assignee).toBeNull();
  });

  it("normalizes Intercom's ticket example: title, description, state labels kept, ticket type and number", () => {
    const raw = IntercomTicketSchemaForTests.parse(fixture('ticket-updated.json'));
    const t = normalizeTicket(raw, { region: 'eu', appId: 'a86dr8yl' });
    expect(TicketDraft.safeParse(t).success).toBe(true);
    expect(t).toMatchObject({
      externalId: 'ticket:627',
      url: 'https://app.eu.intercom.com/a/inbox/a86dr8yl/inbox/conversation/627',
      subject: 'example',
      description: 'there is a problem',
      status: 'open',
      rawStatus: 'in_progress',
      priority: null,
      assignee: { externalId: '991268013' },
      requester: { externalId: '6762f2dd1bb69f9f2193bc55' },
    });
    expect(t.customFields).toMatchObject({
      ticket_state: { id: '8498', category: 'in_progress', internal_label: 'In progress', external_label: 'In progress' },
      ticket_type: { id: '90', name: 'my-ticket-type-25' },
      ticket_category: 'Back-office',
      ticket_number: '34',
    });
    expect(t.customFields).not.toHaveProperty('_default_title_');
  });

  it('reads a pre-2.12 ticket whose ticket_state is a bare string, and a ticket without attributes', () => {
    const raw = IntercomTicketSchemaForTests.parse({ ...fixture('ticket-updated.json'), ticket_state: 'waiting_on_customer', ticket_attributes: null, contacts: { type: 'contact.list', contacts: [] } });
    const t = normalizeTicket(raw, opts);
    expect(t).toMatchObject({ status: 'pending', rawStatus: 'waiting_on_customer', subject: '', description: '', requester: null });
  });

  it('turns parts with a body into comments, notes internal, HTML kept beside the text; skips empty event parts', () => {
    const comments = normalizeParts([
      { id: '1', part_type: 'comment', body: '<p>Hi &amp; welcome</p>', created_at: 1734537511, author: { type: 'user', id: 'u1', name: 'Dana', email: null } },
      { id: '2', part_type: 'note', body: 'plain note', created_at: 1734537512, author: { type: 'admin', id: '5', name: null, email: null } },
      { id: '3', part_type: 'assignment', body: null, created_at: 1734537513, author: null },
      { id: '4', part_type: 'close', body: '', created_at: 1734537514, author: { type: 'bot', id: '', name: 'Fin', email: null } },
    ]);
    expect(comments).toEqual([
      { externalId: '1', author: { externalId: 'u1', name: 'Dana', email: null }, body: 'Hi & welcome', htmlBody: '<p>Hi &amp; welcome</p>', public: true, createdAt: '2024-12-18T15:58:31.000Z' },
      { externalId: '2', author: { externalId: '5', name: null, email: null }, body: 'plain note', htmlBody: null, public: false, createdAt: '2024-12-18T15:58:32.000Z' },
    ]);
  });

  it('calls parts truncated at 500 read or when the total says more exist', () => {
    expect(partsTruncated(500, null)).toBe(true);
    expect(partsTruncated(12, 30)).toBe(true);
    expect(partsTruncated(12, 12)).toBe(false);
    expect(partsTruncated(0, null)).toBe(false);
  });

  it('uses the title, else the e-mail subject, else the first line of the first message as the subject', () => {
    const base = IntercomConversationSchemaForTests.parse(fixture('conversation-found.json'));
    const source = { ...base.source!, body: '<p></p><p>Line one</p><p>Line two</p>' };
    expect(normalizeConversation({ ...base, title: 'Refund <b>now</b>', source }, opts).subject).toBe('Refund now');
    expect(normalizeConversation({ ...base, title: null, source: { ...source, subject: 'Re: invoice' } }, opts).subject).toBe('Re: invoice');
    expect(normalizeConversation({ ...base, title: '', source }, opts).subject).toBe('Line one');
    expect(normalizeConversation({ ...base, title: null, source: null }, opts)).toMatchObject({ subject: '', description: '', channel: null });
  });
});
