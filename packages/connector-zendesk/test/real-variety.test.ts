import { TicketDraft, type WebhookRequest } from '@ticketbridge/core';
import { describe, expect, it } from 'vitest';
import { lookupsFrom, normalizeZendeskComments } from '../src/normalize.js';
import { normalizeZendesk, normalizeZendeskTicket, parseZendeskWebhook, TICKET_EVENT_TYPES } from '../src/index.js';
import { ZendeskTicket } from '../src/api.js';

// Regressions on payloads shaped like the ones Zendesk sends; the README's fixture section names each source.

const base = { id: 35436, status: 'open', created_at: '2024-05-03T10:15:30Z', updated_at: '2024-05-03T10:15:30Z' };

function delivery(body: unknown): WebhookRequest {
  return { method: 'POST', url: 'https://app.example.com/hook', headers: {}, rawBody: Buffer.from(JSON.stringify(body)), receivedAt: new Date('2030-01-01T00:00:00Z') };
}

describe('comments whose preferred body is empty', () => {
  // A comment created through the API with `body` only has no generated plain_body (dust-tt/dust PR 9878;
  // developer.zendesk.com ticket_comments "Bodies").
  it('falls back to body when plain_body is ""', () => {
    const [c] = normalizeZendeskComments([{ id: 1, public: true, created_at: base.created_at, plain_body: '', body: 'Printer is on fire', html_body: '<p>Printer is on fire</p>' }], lookupsFrom());
    expect(c!.body).toBe('Printer is on fire');
  });

  it('falls back to html_body as text when plain_body and body are empty', () => {
    const [c] = normalizeZendeskComments([{ id: 2, public: false, created_at: base.created_at, plain_body: '', body: '', html_body: '<div class="zd-comment"><p>Hello &amp; <b>welcome</b></p></div>' }], lookupsFrom());
    expect(c!.body).toBe('Hello & welcome');
  });

  it('stays "" when no body says anything (nothing invented)', () => {
    const [c] = normalizeZendeskComments([{ id: 3, public: true, created_at: base.created_at, plain_body: '', body: null }], lookupsFrom());
    expect(c!.body).toBe('');
  });
});

describe('tickets', () => {
  it('tags: null becomes []', () => {
    expect(normalizeZendesk({ ...base, tags: null }, 'acmecorp').tags).toEqual([]);
  });

  it('nanosecond timestamps parse and normalize to ISO-8601 UTC', () => {
    const t = normalizeZendesk({ ...base, created_at: '2019-05-20T22:55:29.721021468Z', updated_at: '2024-05-03T10:15:30.123456789Z' }, 'acmecorp');
    expect(t.createdAt).toBe('2019-05-20T22:55:29.721Z');
    expect(t.updatedAt).toBe('2024-05-03T10:15:30.123Z');
  });

  it('a description Zendesk left out is the first comment (the docs define it so), else unknown', () => {
    const comments = normalizeZendeskComments(
      [
        { id: 1, public: true, created_at: base.created_at, plain_body: '', body: 'My printer is on fire' },
        { id: 2, public: false, created_at: base.updated_at, plain_body: 'note' },
      ],
      lookupsFrom(),
    );
    const withComments = normalizeZendeskTicket(ZendeskTicket.parse(base), { subdomain: 'acmecorp', comments });
    expect(withComments.description).toBe('My printer is on fire');
    const without = normalizeZendeskTicket(ZendeskTicket.parse(base), { subdomain: 'acmecorp' });
    expect(without.description).toBe('');
    // A description stated as "" is kept: Zendesk said it, nothing is derived over it.
    expect(normalizeZendeskTicket(ZendeskTicket.parse({ ...base, description: '' }), { subdomain: 'acmecorp', comments }).description).toBe('');
  });

  it('optional text present but empty, absent properties and unknown extra properties pass through to raw', () => {
    const raw = { ...base, subject: '', raw_subject: '', external_id: '', custom_status_id: 8447320465790, ticket_form_id: 360000000001, email_cc_ids: [], followup_ids: [], encoded_id: 'ABCD-1234', some_future_field: { nested: true } };
    const t = normalizeZendesk(raw, 'acmecorp');
    expect(TicketDraft.parse(t)).toBeTruthy();
    expect(t).toMatchObject({ subject: '', description: '', priority: null, requester: null, assignee: null, organization: null, channel: null });
    expect(t.raw).toEqual(raw);
  });
});

describe('webhook events', () => {
  const soft = {
    account_id: 12514403,
    detail: { id: '5158', status: 'DELETED', external_id: '', organization_id: null, tags: null },
    event: {},
    id: 'cbe4028c-7239-495d-b020-f22348516046',
    subject: 'zen:ticket:5158',
    time: '2025-01-08T10:14:41.672717030Z',
    type: 'zen:event-type:ticket.soft_deleted',
    zendesk_event_version: '2022-11-06',
  };

  it('a deletion without detail.updated_at is dated by the event time, nanoseconds and all', () => {
    expect(parseZendeskWebhook(delivery(soft))).toEqual([{ kind: 'deleted', externalId: '5158', deletedAt: '2025-01-08T10:14:41.672Z' }]);
  });

  it('ids as strings in the detail, tags: null, external_id "" still make a reference', () => {
    expect(parseZendeskWebhook(delivery({ ...soft, type: 'zen:event-type:ticket.comment_made_private' }))).toEqual([{ kind: 'ref', externalId: '5158' }]);
  });

  it('events mode subscribes to every ticket event that changes a normalized field or the comments', () => {
    // developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/ (names as documented)
    const expected = [
      'agent_assignment_changed', 'brand_changed', 'comment_added', 'comment_made_private', 'comment_redacted', 'created', 'custom_field_changed',
      'custom_status_changed', 'description_changed', 'email_ccs_changed', 'external_id_changed', 'followers_changed', 'form_changed',
      'group_assignment_changed', 'marked_as_spam', 'merged', 'organization_changed', 'permanently_deleted', 'priority_changed', 'requester_changed',
      'soft_deleted', 'status_changed', 'subject_changed', 'submitter_changed', 'tags_changed', 'type_changed', 'undeleted',
    ].map((n) => `zen:event-type:ticket.${n}`);
    expect([...TICKET_EVENT_TYPES].sort()).toEqual(expected.sort());
  });
});
