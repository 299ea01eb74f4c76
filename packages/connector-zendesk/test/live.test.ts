import { createHub, MemoryStore, TicketDraft } from '@ticketbridge/core';
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

// The OAuth client method through a real hub (the core obtains the token): TICKETBRIDGE_LIVE_ZENDESK_SUBDOMAIN with
// _CLIENT_ID and _CLIENT_SECRET of a confidential OAuth client an admin created.
const oauthEnv = {
  subdomain: process.env['TICKETBRIDGE_LIVE_ZENDESK_SUBDOMAIN'],
  clientId: process.env['TICKETBRIDGE_LIVE_ZENDESK_CLIENT_ID'],
  clientSecret: process.env['TICKETBRIDGE_LIVE_ZENDESK_CLIENT_SECRET'],
};
const liveOAuth =
  oauthEnv.subdomain && oauthEnv.clientId && oauthEnv.clientSecret
    ? { method: 'oauth_client_credentials' as const, subdomain: oauthEnv.subdomain, clientId: oauthEnv.clientId, clientSecret: oauthEnv.clientSecret }
    : undefined;

describe.skipIf(!liveOAuth)('live Zendesk account over OAuth (TICKETBRIDGE_LIVE_ZENDESK_SUBDOMAIN, _CLIENT_ID, _CLIENT_SECRET)', () => {
  it('connects with the OAuth client and syncs the first pages in poll mode', async () => {
    const hub = createHub({ connectors: [zendesk()], store: new MemoryStore(), autoStart: false, initialSyncDelayMs: 24 * 3600_000, maxPagesPerRun: 2 });
    try {
      const conn = await hub.connect({ platform: 'zendesk', credentials: liveOAuth!, syncMode: 'poll' });
      expect(conn.accountName).toBe(`${liveOAuth!.subdomain}.zendesk.com`);
      const run = await hub.syncNow(conn.id);
      // Two pages at most: a page_limit stop is expected on a large account; anything else must be a success.
      expect(['succeeded', 'failed'].includes(run.status)).toBe(true);
      if (run.status === 'failed') expect(run.errors.map((e) => e.code)).toEqual(['page_limit']);
    } finally {
      await hub.close();
    }
  }, 120_000);
});
