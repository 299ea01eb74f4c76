import { TicketDraft } from '@ticketbridge/core';
import { createTestContext } from '@ticketbridge/core/testing';
import { describe, expect, it } from 'vitest';
import { zendesk } from '../src/index.js';

// Runs against a real Zendesk account when its credentials are in the environment, and is skipped otherwise (CI has
// none). It goes through the same code path as a hub: the connector's context, Test & Connect, the export pull.
const env = {
  subdomain: process.env['TICKETBRIDGE_LIVE_ZENDESK_SUBDOMAIN'],
  email: process.env['TICKETBRIDGE_LIVE_ZENDESK_EMAIL'],
  apiToken: process.env['TICKETBRIDGE_LIVE_ZENDESK_API_TOKEN'],
};
const live = env.subdomain && env.email && env.apiToken ? { subdomain: env.subdomain, email: env.email, apiToken: env.apiToken } : undefined;

describe.skipIf(!live)('live Zendesk account (TICKETBRIDGE_LIVE_ZENDESK_SUBDOMAIN, _EMAIL, _API_TOKEN)', () => {
  const connector = zendesk();
  const ctx = () => createTestContext({ connector, credentials: live!, baseUrl: `https://${live!.subdomain}.zendesk.com`, http: { timeoutMs: 30_000 } });

  it('tests the connection and reads the first export page, every ticket a valid draft', async () => {
    const info = await connector.testConnection(ctx());
    expect(info.accountName).toBe(`${live!.subdomain}.zendesk.com`);
    for await (const page of connector.pull(ctx(), { cursor: null })) {
      for (const ticket of page.tickets) expect(TicketDraft.safeParse(ticket).success, `ticket ${ticket.externalId}`).toBe(true);
      expect(connector.cursor.safeParse(page.nextCursor).success).toBe(true);
      break;
    }
  }, 60_000);
});
