import type { DeliveredVersion, InboxEntry, StoredConnection, SyncRun } from '@ticketbridge/core';

/** The secret values the sealing tests look for in the raw file. */
export const API_TOKEN = 'zd-api-token-5f2c9a1e7b3d4c6f';
export const WEBHOOK_SECRET = 'whsec-8c1d2e3f4a5b6c7d8e9f';

/** A connection shaped like the hub stores one after Test & Connect with a registered webhook. */
export function connection(id: string, overrides: Partial<StoredConnection> = {}): StoredConnection {
  return {
    id,
    platform: 'zendesk',
    accountName: 'acme.zendesk.com',
    syncMode: 'both',
    status: 'active',
    credentials: { subdomain: 'acme', email: 'ops@acme.example', apiToken: API_TOKEN },
    secretFields: ['apiToken'],
    metadata: { plan: 'enterprise' },
    pollIntervalMs: 900_000,
    webhook: { secret: WEBHOOK_SECRET, registration: { secret: WEBHOOK_SECRET, resources: { webhookId: '01HZX', triggerId: 7 } } },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function version(externalId: string, deliveredAt: string): DeliveredVersion {
  return {
    externalId,
    updatedAt: '2026-01-01T00:00:00.000Z',
    fingerprint: `fp-${externalId}`,
    status: 'open',
    priority: 'normal',
    assigneeId: null,
    tags: [],
    deleted: false,
    deliveredAt,
  };
}

export function run(id: string, connectionId: string, startedAt = '2026-01-01T00:00:00.000Z'): SyncRun {
  return {
    id,
    connectionId,
    trigger: 'schedule',
    status: 'succeeded',
    startedAt,
    finishedAt: startedAt,
    ticketsSynced: 3,
    duplicatesDropped: 1,
    pages: 1,
    requests: 2,
    rateLimited: 0,
    rateLimitWaitMs: 0,
    errors: [],
    attempt: 1,
    cursorBefore: null,
    cursorAfter: { after: 'b' },
  };
}

export function inbox(id: string, connectionId: string): InboxEntry {
  return { id, connectionId, receivedAt: '2026-01-01T00:00:00.000Z', source: 'webhook', tickets: [], attempts: 1 };
}
