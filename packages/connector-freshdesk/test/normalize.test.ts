import { readFileSync } from 'node:fs';
import { ResponseShapeError, TicketDraft } from '@ticketbridge/core';
import { describe, expect, it } from 'vitest';
import {
  freshdeskTicketUrl,
  mapFreshdeskPriority,
  mapFreshdeskSource,
  mapFreshdeskStatus,
  normalizeFreshdesk,
  normalizeFreshdeskConversations,
  normalizeFreshdeskTicket,
  statusCategories,
} from '../src/index.js';
import { FreshdeskTicket } from '../src/api.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const base = fixture('create-ticket-response.json');
const ticket = (over: Record<string, unknown> = {}) => FreshdeskTicket.parse({ ...base, ...over });

describe('statuses, priorities and sources', () => {
  it('maps every default status code: 2 Open, 3 Pending, 4 Resolved, 5 Closed', () => {
    expect([2, 3, 4, 5].map((s) => mapFreshdeskStatus(s))).toEqual(['open', 'pending', 'solved', 'closed']);
    for (const s of [2, 3, 4, 5]) expect(normalizeFreshdeskTicket(ticket({ status: s }), { subdomain: 'acme' }).rawStatus).toBe(String(s));
  });

  it('reads custom statuses from the account\'s status field, by the label customers see', () => {
    const fields = [
      { name: 'status', choices: { '2': ['Open', 'Being Processed'], '3': ['Pending', 'Awaiting your Reply'], '4': ['Resolved', 'This ticket has been Resolved'], '5': ['Closed', 'This ticket has been Closed'], '6': ['Waiting on Customer', 'Awaiting your Reply'], '7': ['Waiting on Third Party', 'Being Processed'], '8': ['Shipped', 'This ticket has been Resolved'], '9': ['Escalated to R&D', 'Our engineers are on it'] } },
      { name: 'priority', choices: { Low: 1 } },
    ];
    const custom = statusCategories(fields);
    expect([...custom]).toEqual([
      [6, 'pending'],
      [7, 'open'],
      [8, 'solved'],
    ]);
    expect(mapFreshdeskStatus(6, custom)).toBe('pending');
    // Not described in a way that says what it means: open work, and rawStatus keeps the code.
    expect(mapFreshdeskStatus(9, custom)).toBe('open');
    expect(normalizeFreshdeskTicket(ticket({ status: 9 }), { subdomain: 'acme', statuses: custom })).toMatchObject({ status: 'open', rawStatus: '9' });
    expect(statusCategories([{ name: 'status', choices: null }]).size).toBe(0);
    expect(statusCategories([]).size).toBe(0);
  });

  it('maps every priority: 1 Low, 2 Medium, 3 High, 4 Urgent; anything else is null', () => {
    expect([1, 2, 3, 4].map(mapFreshdeskPriority)).toEqual(['low', 'normal', 'high', 'urgent']);
    expect([0, 5, null, undefined].map(mapFreshdeskPriority)).toEqual([null, null, null, null]);
    expect(normalizeFreshdeskTicket(ticket({ priority: 4 }), { subdomain: 'acme' })).toMatchObject({ priority: 'urgent', rawPriority: '4' });
    expect(normalizeFreshdeskTicket(ticket({ priority: null }), { subdomain: 'acme' })).toMatchObject({ priority: null, rawPriority: null });
  });

  it('names the documented sources and keeps an unknown code as a number', () => {
    expect([1, 2, 3, 7, 9, 10].map(mapFreshdeskSource)).toEqual(['email', 'portal', 'phone', 'chat', 'feedback_widget', 'outbound_email']);
    // From the source field's choices in Freshdesk's ticket-fields sample.
    expect([4, 5, 6].map(mapFreshdeskSource)).toEqual(['forum', 'twitter', 'facebook']);
    expect(mapFreshdeskSource(13)).toBe('source:13');
    expect(mapFreshdeskSource(null)).toBeNull();
  });
});

describe('normalizeFreshdeskTicket', () => {
  it('maps Freshdesk\'s own View a Ticket sample field by field', () => {
    const t = normalizeFreshdesk(fixture('view-ticket.json'), 'acme');
    expect(TicketDraft.parse(t)).toBeTruthy();
    expect(t).toMatchObject({
      externalId: '20',
      platform: 'freshdesk',
      url: 'https://acme.freshdesk.com/a/tickets/20',
      subject: '',
      description: 'Not given.',
      status: 'open',
      rawStatus: '2',
      priority: 'low',
      rawPriority: '1',
      channel: 'portal',
      requester: { externalId: '1', name: 'Rachel', email: 'test@test.com' },
      assignee: null,
      organization: { externalId: '1', name: null },
      tags: [],
      customFields: { category: 'Primary' },
      createdAt: '2015-08-24T11:56:51.000Z',
      updatedAt: '2015-08-24T11:59:05.000Z',
      deleted: false,
    });
    expect(t.raw).toEqual(fixture('view-ticket.json'));
  });

  it('reads the HTML description as text, and description_text when the HTML is absent', () => {
    const html = ticket({ description: '<div dir="ltr"><p>Hello&nbsp;<b>team</b>,</p><p>line &amp; more</p><script>x()</script></div>', description_text: 'Hello team, line & more' });
    expect(normalizeFreshdeskTicket(html, { subdomain: 'acme' }).description).toBe('Hello team,\nline & more');
    // Newer accounts list no description without include=description: the plain text is all there is.
    const { description: _d, ...withoutHtml } = base;
    expect(normalizeFreshdeskTicket(FreshdeskTicket.parse({ ...withoutHtml, description_text: 'plain only' }), { subdomain: 'acme' }).description).toBe('plain only');
    expect(normalizeFreshdeskTicket(FreshdeskTicket.parse({ ...withoutHtml, description_text: undefined }), { subdomain: 'acme' }).description).toBe('');
    // Typed angle brackets in text that is no markup stay as typed.
    expect(normalizeFreshdeskTicket(ticket({ description: '5 > 3 and <not a tag>' }), { subdomain: 'acme' }).description).toBe('5 > 3 and <not a tag>');
  });

  it('keeps custom fields as Freshdesk names them, nulls and huge values included', () => {
    const huge = 'z'.repeat(200_000);
    const t = normalizeFreshdeskTicket(ticket({ custom_fields: { cf_order: 'ORD-1', cf_empty: null, cf_blank: '', cf_notes: huge, cf_amount: 49.5, cf_flag: true } }), { subdomain: 'acme' });
    expect(t.customFields).toEqual({ cf_order: 'ORD-1', cf_empty: null, cf_blank: '', cf_notes: huge, cf_amount: 49.5, cf_flag: true });
    expect(normalizeFreshdeskTicket(ticket({ custom_fields: null }), { subdomain: 'acme' }).customFields).toEqual({});
  });

  it('a ticket in the trash or marked as spam is a deletion', () => {
    expect(normalizeFreshdeskTicket(ticket({ deleted: true }), { subdomain: 'acme' }).deleted).toBe(true);
    expect(normalizeFreshdeskTicket(ticket({ spam: true }), { subdomain: 'acme' }).deleted).toBe(true);
    expect(normalizeFreshdeskTicket(ticket({ spam: false }), { subdomain: 'acme' }).deleted).toBe(false);
  });

  it('people without side-loads keep their ids; absent and null members stay null, tags null becomes []', () => {
    const t = normalizeFreshdeskTicket(ticket({ responder_id: 48000000002, requester: undefined, tags: null, company_id: null, source: undefined, subject: null }), { subdomain: 'acme' });
    expect(t).toMatchObject({ assignee: { externalId: '48000000002', name: null, email: null }, requester: { externalId: '48008271709', name: null, email: null }, organization: null, tags: [], channel: null, subject: '' });
  });

  it('builds the agent URL from the subdomain', () => {
    expect(freshdeskTicketUrl('acme', 41)).toBe('https://acme.freshdesk.com/a/tickets/41');
  });

  it('refuses what is not a ticket, naming the fields', () => {
    expect(() => normalizeFreshdesk({ id: 'x' }, 'acme')).toThrow(ResponseShapeError);
    expect(() => normalizeFreshdesk(ticket({ updated_at: 'yesterday' }), 'acme')).toThrow(/not a date/);
  });
});

describe('conversations', () => {
  it('tells replies, customer replies and private notes apart, and falls back to the HTML when body_text is empty', () => {
    const comments = normalizeFreshdeskConversations(fixture('conversations.json') as unknown as Parameters<typeof normalizeFreshdeskConversations>[0]);
    expect(comments.map((c) => [c.externalId, c.public, c.body, c.author?.externalId])).toEqual([
      ['3', true, 'We are working on it.', '1'],
      ['4', false, 'Refund approved by finance.', '1'],
      ['5', true, 'Thanks!\nIt works now.', '7'],
    ]);
    expect(comments[0]!.htmlBody).toBe('<div>We are working on it.</div>');
    expect(comments[2]!.createdAt).toBe('2015-08-25T09:00:00.000Z');
  });
});
