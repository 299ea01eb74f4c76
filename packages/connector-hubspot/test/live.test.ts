import { TicketDraft } from '@ticketbridge/core';
import { createTestContext } from '@ticketbridge/core/testing';
import { describe, expect, it } from 'vitest';
import { hubspot } from '../src/index.js';

// Runs against a real HubSpot portal when a private app token is in the environment, and is skipped otherwise (CI
// has none). It goes through the same code path as a hub: the connector's context, Test & Connect, the search pull.
const accessToken = process.env['TICKETBRIDGE_LIVE_HUBSPOT_ACCESS_TOKEN'];

describe.skipIf(!accessToken)('live HubSpot portal (TICKETBRIDGE_LIVE_HUBSPOT_ACCESS_TOKEN)', () => {
  const connector = hubspot();

  it('tests the connection and reads the first search page, every ticket a valid draft', async () => {
    const probe = createTestContext({ connector, credentials: { accessToken: accessToken! }, baseUrl: 'https://api.hubapi.com', http: { timeoutMs: 30_000 } });
    const info = await connector.testConnection(probe);
    expect(info.accountName).toMatch(/^HubSpot portal \d+$/);
    const ctx = createTestContext({ connector, credentials: { accessToken: accessToken! }, baseUrl: 'https://api.hubapi.com', metadata: info.metadata ?? {}, http: { timeoutMs: 30_000 } });
    for await (const page of connector.pull(ctx, { cursor: null })) {
      for (const ticket of page.tickets) expect(TicketDraft.safeParse(ticket).success, `ticket ${ticket.externalId}`).toBe(true);
      expect(connector.cursor.safeParse(page.nextCursor).success).toBe(true);
      break;
    }
  }, 60_000);
});
