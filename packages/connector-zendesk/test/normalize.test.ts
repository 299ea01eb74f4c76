import { readFileSync } from 'node:fs';
import { ResponseShapeError, TicketDraft } from '@ticketbridge/core';
import { describe, expect, it } from 'vitest';
import { IncrementalTicketsResponse } from '../src/api.js';
import { mapZendeskPriority, mapZendeskStatus, normalizeZendesk, normalizeZendeskTicket, zendesk } from '../src/index.js';
import { lookupsFrom, normalizeZendeskComments } from '../src/normalize.js';
import { CommentsResponse } from '../src/api.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const ctx = { credentials: { subdomain: 'acmecorp', email: 'admin@acmecorp.test', apiToken: 'secret-token' }, metadata: {} };

describe('status and priority mappings', () => {
  it.each([
    ['new', 'new'],
    ['open', 'open'],
    ['pending', 'pending'],
    ['hold', 'on_hold'],
    ['solved', 'solved'],
    ['closed', 'closed'],
    ['deleted', 'closed'],
    ['OPEN', 'open'],
    ['Hold', 'on_hold'],
    ['something-custom', 'open'],
  ] as const)('status %s → %s', (raw, normalized) => {
    expect(mapZendeskStatus(raw)).toBe(normalized);
  });

  it.each([
    ['low', 'low'],
    ['normal', 'normal'],
    ['high', 'high'],
    ['urgent', 'urgent'],
    ['URGENT', 'urgent'],
    [null, null],
    ['-', null],
  ] as const)('priority %s → %s', (raw, normalized) => {
    expect(mapZendeskPriority(raw)).toBe(normalized);
  });
});

describe('normalize on the documented payloads', () => {
  it('maps the Show Ticket example, with side-loaded people and organization', () => {
    const raw = fixture('show-ticket.json') as { ticket: Record<string, unknown> };
    const withSideloads = {
      ...raw,
      users: [
        { id: 20978392, name: 'Zoë Requester', email: 'zoe@example.com' },
        { id: 235323, name: 'Aaron Agent', email: 'aaron@company.com' },
      ],
      organizations: [{ id: 509974, name: 'Acme Holdings' }],
    };
    const ticket = normalizeZendesk(withSideloads, ctx.credentials.subdomain);
    expect(TicketDraft.parse(ticket)).toBeTruthy();
    expect(ticket).toMatchObject({
      externalId: '35436',
      platform: 'zendesk',
      url: 'https://acmecorp.zendesk.com/agent/tickets/35436',
      subject: 'Help, my printer is on fire!',
      description: 'The fire is very colorful.',
      status: 'open',
      rawStatus: 'open',
      priority: 'high',
      rawPriority: 'high',
      channel: 'web',
      requester: { externalId: '20978392', name: 'Zoë Requester', email: 'zoe@example.com' },
      assignee: { externalId: '235323', name: 'Aaron Agent', email: 'aaron@company.com' },
      organization: { externalId: '509974', name: 'Acme Holdings' },
      tags: ['enterprise', 'other_tag'],
      customFields: { '27642': '745', '27648': 'yes' },
      createdAt: '2009-07-20T22:55:29.000Z',
      updatedAt: '2011-05-05T10:38:52.000Z',
      deleted: false,
    });
    // raw keeps what Zendesk sent, including fields the connector does not read.
    expect(ticket.raw).toMatchObject({ raw_subject: '{{dc.printer_on_fire}}', external_id: 'ahg35h3jh', satisfaction_rating: { score: 'good' } });
  });

  it('maps the incremental export example; without side-loads people carry ids only', () => {
    const page = IncrementalTicketsResponse.parse(fixture('incremental-tickets-cursor.json'));
    expect(page.after_cursor).toBe('MTU3NjYxMzUzOS4wfHw0Njd8');
    const ticket = normalizeZendeskTicket(page.tickets[0]!, { subdomain: 'acmecorp' });
    expect(ticket.requester).toEqual({ externalId: '20978392', name: null, email: null });
    expect(ticket.organization).toEqual({ externalId: '509974', name: null });
    expect((ticket.raw as { generated_timestamp: number }).generated_timestamp).toBe(1304553600);
  });

  it('marks a ticket deleted in the export as deleted, status closed, raw status kept', () => {
    const raw = (fixture('show-ticket.json') as { ticket: Record<string, unknown> }).ticket;
    const ticket = normalizeZendesk({ ...raw, status: 'deleted' }, 'acmecorp');
    expect(ticket).toMatchObject({ deleted: true, status: 'closed', rawStatus: 'deleted' });
  });

  it('tolerates missing optional fields', () => {
    const ticket = normalizeZendesk(
      { id: 7, status: 'new', created_at: '2024-01-02T03:04:05Z', updated_at: '2024-01-02T03:04:05Z', subject: null, description: null, priority: null, tags: null, via: null, custom_fields: null, requester_id: null, assignee_id: null, organization_id: null },
      'acmecorp',
    );
    expect(TicketDraft.parse(ticket)).toBeTruthy();
    expect(ticket).toMatchObject({ subject: '', description: '', priority: null, rawPriority: null, channel: null, requester: null, assignee: null, organization: null, tags: [], customFields: {} });
  });

  it('keeps unicode and huge custom fields as they are', () => {
    const big = 'x'.repeat(200_000);
    const ticket = normalizeZendesk(
      {
        id: 8,
        status: 'pending',
        subject: '配送が遅れています — Zoë 🚚',
        description: 'Ünïcödé body ✓',
        created_at: '2024-01-02T03:04:05Z',
        updated_at: '2024-01-02T03:04:05Z',
        custom_fields: [
          { id: 1, value: big },
          { id: 2, value: ['multi', 'select'] },
          { id: 3, value: null },
          { id: 4, value: 12.5 },
        ],
      },
      'acmecorp',
    );
    expect(ticket.subject).toBe('配送が遅れています — Zoë 🚚');
    expect(ticket.customFields).toEqual({ '1': big, '2': ['multi', 'select'], '3': null, '4': 12.5 });
  });

  it('refuses something that is not a ticket with a ResponseShapeError', () => {
    expect(() => normalizeZendesk({ hello: 'world' }, 'acmecorp')).toThrow(ResponseShapeError);
  });
});

describe('comments', () => {
  it('maps the List Comments example and keeps public/private', () => {
    const page = CommentsResponse.parse(fixture('ticket-comments.json'));
    const [comment] = normalizeZendeskComments(page.comments, lookupsFrom([{ id: 123123, name: 'Customer', email: 'c@example.com' }]));
    expect(comment).toEqual({
      externalId: '1274',
      author: { externalId: '123123', name: 'Customer', email: 'c@example.com' },
      body: 'Thanks for your help!',
      htmlBody: null,
      public: true,
      createdAt: '2009-07-20T22:55:29.000Z',
    });
  });

  it('prefers plain_body, and strips HTML when only html_body exists', () => {
    const comments = normalizeZendeskComments(
      [
        { id: 1, public: false, created_at: '2024-01-01T00:00:00Z', body: 'raw', plain_body: 'plain', html_body: '<p>html</p>' },
        { id: 2, public: true, created_at: '2024-01-01T00:00:00Z', html_body: '<div><p>Hello &amp; <b>welcome</b></p><p>Line&nbsp;2</p></div>' },
      ],
      lookupsFrom(),
    );
    expect(comments[0]).toMatchObject({ body: 'plain', htmlBody: '<p>html</p>', public: false });
    expect(comments[1]).toMatchObject({ body: 'Hello & welcome\nLine 2', public: true });
  });
});
