import type { TicketDraft } from '../model/ticket.js';

/**
 * A valid {@link TicketDraft} for tests that need a ticket but not a platform: a store, the engine's dedupe, a host's
 * handler. Every field has a plain value (an open, normal-priority e-mail ticket created and updated at
 * `2026-01-01T00:00:00.000Z`); `url`, `subject` and `raw` follow `externalId`, and `updatedAt` follows `createdAt`,
 * unless they are overridden too. Each call returns new objects, so a test may change what it gets.
 *
 * @param overrides - Fields to set; anything left out keeps its default.
 *
 * @example
 * ```ts
 * import { createTestDraft } from '@ticketbridge/core/testing';
 *
 * const ticket = createTestDraft({ externalId: '42', platform: 'memdesk', status: 'pending' });
 * const edited = { ...ticket, subject: 'Printer on fire', updatedAt: '2026-01-01T00:05:00.000Z' };
 * ```
 */
export function createTestDraft(overrides: Partial<TicketDraft> = {}): TicketDraft {
  const externalId = overrides.externalId ?? '1';
  const createdAt = overrides.createdAt ?? '2026-01-01T00:00:00.000Z';
  return {
    externalId,
    platform: 'testdesk',
    url: `https://desk.example/tickets/${externalId}`,
    subject: `Ticket ${externalId}`,
    description: 'Help',
    status: 'open',
    rawStatus: 'open',
    priority: 'normal',
    rawPriority: 'normal',
    channel: 'email',
    requester: { externalId: 'u1', name: 'Ana', email: 'ana@example.com' },
    assignee: null,
    organization: null,
    tags: [],
    customFields: {},
    createdAt,
    updatedAt: createdAt,
    deleted: false,
    raw: { id: externalId },
    ...overrides,
  };
}
