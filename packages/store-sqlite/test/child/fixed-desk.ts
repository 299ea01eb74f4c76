// A platform with a fixed set of tickets, so a crashed process and the one that replaces it see the same data.
// It makes no HTTP requests: these tests are about the store under the hub, not a platform API.
import { CredentialsError, TicketDraft, defineConnector, secretField } from '@ticketbridge/core';
import { createTestDraft } from '@ticketbridge/core/testing';
import { z } from 'zod';

export const DESK_TOKEN = 'fixed-desk-token-0123456789';
export const TICKETS = 50;
export const PAGE_SIZE = 10;

const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();

export function deskTicket(i: number): TicketDraft {
  return createTestDraft({ externalId: String(i), platform: 'fixeddesk', createdAt: at(i), updatedAt: at(i), raw: { id: i } });
}

/** The connector; cursors are `{ after: <last ticket number> }`. */
export function fixedDesk() {
  return defineConnector({
    id: 'fixeddesk',
    displayName: 'Fixed Desk',
    credentials: z.object({ apiToken: secretField({ label: 'API token' }) }),
    http: (c) => ({ baseUrl: 'https://desk.example/api', headers: { authorization: `Bearer ${c.apiToken}` }, authField: 'apiToken' }),
    async testConnection(ctx) {
      if (ctx.credentials.apiToken !== DESK_TOKEN) throw new CredentialsError('token refused', { field: 'apiToken', platform: 'fixeddesk' });
      return { accountName: 'desk.example' };
    },
    cursor: z.object({ after: z.number().int() }),
    async *pull(_ctx, { cursor }) {
      const after = cursor?.after ?? 0;
      for (let first = after + 1; first <= TICKETS; first += PAGE_SIZE) {
        const last = Math.min(TICKETS, first + PAGE_SIZE - 1);
        const tickets = Array.from({ length: last - first + 1 }, (_, k) => deskTicket(first + k));
        yield { tickets, nextCursor: { after: last }, total: TICKETS };
      }
    },
    async fetchTicket(_ctx, { externalId }) {
      const i = Number(externalId);
      return i >= 1 && i <= TICKETS ? deskTicket(i) : null;
    },
  });
}
