import { TicketDraft } from '@ticketbridge/core';
import { createTestContext } from '@ticketbridge/core/testing';
import { describe, expect, it } from 'vitest';
import { jira } from '../src/index.js';

// Runs against a real Jira Service Management site when its credentials are in the environment, and is skipped
// otherwise (CI has none). It goes through the same code path as a hub: the connector's context, Test & Connect, the
// search pull. Read-only: it creates nothing on the site.
const env = {
  subdomain: process.env['TICKETBRIDGE_LIVE_JIRA_SUBDOMAIN'],
  email: process.env['TICKETBRIDGE_LIVE_JIRA_EMAIL'],
  apiToken: process.env['TICKETBRIDGE_LIVE_JIRA_API_TOKEN'],
};
const live = env.subdomain && env.email && env.apiToken ? { subdomain: env.subdomain, email: env.email, apiToken: env.apiToken } : undefined;

describe.skipIf(!live)('live Jira site (TICKETBRIDGE_LIVE_JIRA_SUBDOMAIN, _EMAIL, _API_TOKEN)', () => {
  const connector = jira({ deletionCheckEveryMs: Number.POSITIVE_INFINITY });
  const site = () => `https://${live!.subdomain}.atlassian.net`;

  it('tests the connection and reads the first search page, every issue a valid draft', async () => {
    const info = await connector.testConnection(createTestContext({ connector, credentials: live!, baseUrl: site(), http: { timeoutMs: 30_000 } }));
    expect(info.accountName).toContain(`${live!.subdomain}.atlassian.net`);
    const ctx = createTestContext({ connector, credentials: live!, baseUrl: site(), metadata: info.metadata ?? {}, http: { timeoutMs: 30_000 } });
    for await (const page of connector.pull(ctx, { cursor: null })) {
      for (const ticket of page.tickets) expect(TicketDraft.safeParse(ticket).success, `issue ${ticket.externalId}`).toBe(true);
      expect(connector.cursor.safeParse(page.nextCursor).success).toBe(true);
      break;
    }
  }, 60_000);

  it('refuses a wrong API token naming apiToken, with Jira\'s own message', async () => {
    const bad = createTestContext({ connector, credentials: { ...live!, apiToken: 'ATATT-not-a-real-token-000000' }, baseUrl: site() });
    await expect(connector.testConnection(bad)).rejects.toMatchObject({ field: 'apiToken' });
  }, 60_000);
});
