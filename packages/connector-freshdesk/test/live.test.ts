import { TicketDraft } from '@ticketbridge/core';
import { createTestContext } from '@ticketbridge/core/testing';
import { describe, expect, it } from 'vitest';
import { freshdesk } from '../src/index.js';

// Runs against a real Freshdesk account when its credentials are in the environment, and is skipped otherwise (CI has
// none). It goes through the same code path as a hub: the connector's context, Test & Connect, the list pull.
const env = {
  subdomain: process.env['TICKETBRIDGE_LIVE_FRESHDESK_SUBDOMAIN'],
  apiKey: process.env['TICKETBRIDGE_LIVE_FRESHDESK_API_KEY'],
};
const live = env.subdomain && env.apiKey ? { subdomain: env.subdomain, apiKey: env.apiKey } : undefined;

describe.skipIf(!live)('live Freshdesk account (TICKETBRIDGE_LIVE_FRESHDESK_SUBDOMAIN, _API_KEY)', () => {
  const connector = freshdesk();
  const ctx = () => createTestContext({ connector, credentials: live!, baseUrl: `https://${live!.subdomain}.freshdesk.com`, http: { timeoutMs: 30_000 } });

  it('tests the connection and reads the first list page, every ticket a valid draft', async () => {
    const info = await connector.testConnection(ctx());
    expect(info.accountName).toBe(`${live!.subdomain}.freshdesk.com`);
    for await (const page of connector.pull(ctx(), { cursor: null })) {
      for (const ticket of page.tickets) expect(TicketDraft.safeParse(ticket).success, `ticket ${ticket.externalId}`).toBe(true);
      expect(connector.cursor.safeParse(page.nextCursor).success).toBe(true);
      break;
    }
  }, 60_000);

  it('refuses a wrong API key naming apiKey', async () => {
    const bad = createTestContext({ connector, credentials: { ...live!, apiKey: 'not-a-real-key-000000' }, baseUrl: `https://${live!.subdomain}.freshdesk.com` });
    await expect(connector.testConnection(bad)).rejects.toMatchObject({ field: 'apiKey' });
  }, 60_000);
});
