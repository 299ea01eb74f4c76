import { describe, expect, it } from 'vitest';
import { TicketDraft } from '@ticketbridge/core';
import { createTestDraft } from '@ticketbridge/core/testing';

describe('createTestDraft', () => {
  it('is a valid draft as it is and with overrides', () => {
    expect(TicketDraft.parse(createTestDraft())).toEqual(createTestDraft());
    const pending = createTestDraft({ status: 'pending', rawStatus: 'Waiting', priority: null, rawPriority: null, deleted: true });
    expect(TicketDraft.parse(pending)).toMatchObject({ status: 'pending', rawStatus: 'Waiting', priority: null, deleted: true });
  });

  it('derives url, subject and raw from externalId, and updatedAt from createdAt, unless they are set', () => {
    expect(createTestDraft({ externalId: '42', createdAt: '2026-02-03T04:05:06.000Z' })).toMatchObject({
      url: 'https://desk.example/tickets/42',
      subject: 'Ticket 42',
      raw: { id: '42' },
      updatedAt: '2026-02-03T04:05:06.000Z',
    });
    expect(createTestDraft({ externalId: '42', url: null, subject: 'Printer on fire', updatedAt: '2026-03-01T00:00:00.000Z' })).toMatchObject({
      url: null,
      subject: 'Printer on fire',
      updatedAt: '2026-03-01T00:00:00.000Z',
    });
  });

  it('returns new objects on every call', () => {
    const a = createTestDraft();
    a.tags.push('changed');
    a.requester!.name = 'Changed';
    expect(createTestDraft()).toMatchObject({ tags: [], requester: { name: 'Ana' } });
  });
});
