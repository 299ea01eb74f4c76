import { TicketDraft } from '@ticketbridge/core';
import { createTestContext } from '@ticketbridge/core/testing';
import { describe, expect, it } from 'vitest';
import { API_ORIGINS, intercom, type IntercomRegion } from '../src/index.js';

// Runs against a real Intercom workspace when an access token is in the environment, and is skipped otherwise (CI has
// none). It goes through the same code path as a hub: the connector's context, Test & Connect, the searches and the
// read-backs. Read-only: it never writes to the workspace.
const token = process.env['TICKETBRIDGE_LIVE_INTERCOM_ACCESS_TOKEN'];
const region = (process.env['TICKETBRIDGE_LIVE_INTERCOM_REGION'] ?? 'us').toLowerCase() as IntercomRegion;
const live = token ? { accessToken: token, region } : undefined;

describe.skipIf(!live)('live Intercom workspace (TICKETBRIDGE_LIVE_INTERCOM_ACCESS_TOKEN, optional _REGION)', () => {
  const connector = intercom();
  const ctx = (metadata = {}) => createTestContext({ connector, credentials: live!, baseUrl: API_ORIGINS[region], metadata, http: { timeoutMs: 30_000 } });

  it('tests the connection, records the workspace and reads the first pages of both searches, every item a valid draft', async () => {
    const info = await connector.testConnection(ctx());
    expect(info.metadata).toMatchObject({ region });
    let pages = 0;
    const streams = new Set<string>();
    for await (const page of connector.pull(ctx(info.metadata ?? {}), { cursor: null })) {
      for (const ticket of page.tickets) expect(TicketDraft.safeParse(ticket).success, `item ${ticket.externalId}`).toBe(true);
      expect(connector.cursor.safeParse(page.nextCursor).success).toBe(true);
      streams.add(page.nextCursor.stream);
      if (++pages >= 3) break;
    }
    expect(pages).toBeGreaterThan(0);
  }, 120_000);

  it('refuses a wrong access token naming accessToken', async () => {
    const bad = createTestContext({ connector, credentials: { ...live!, accessToken: 'dG9rOm5vdC1hLXJlYWwtdG9rZW4=' }, baseUrl: API_ORIGINS[region] });
    await expect(connector.testConnection(bad)).rejects.toMatchObject({ field: 'accessToken' });
  }, 60_000);
});
