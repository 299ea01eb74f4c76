import type { TicketDraft } from '../model/ticket.js';

/**
 * The version of a deleted ticket when only its id is known (a deletion webhook, a 404 on read-back, an id that
 * vanished from the platform): `deleted: true`, `status: 'closed'`, `rawStatus: 'deleted'`, nothing invented.
 *
 * @example
 * yield { tickets: [tombstone('jira', '10042', new Date().toISOString())], nextCursor };
 */
export function tombstone(platform: string, externalId: string, deletedAt: string, raw: unknown = null): TicketDraft {
  return {
    externalId,
    platform,
    url: null,
    subject: '',
    description: '',
    status: 'closed',
    rawStatus: 'deleted',
    priority: null,
    rawPriority: null,
    channel: null,
    requester: null,
    assignee: null,
    organization: null,
    tags: [],
    customFields: {},
    createdAt: deletedAt,
    updatedAt: deletedAt,
    deleted: true,
    raw,
  };
}
