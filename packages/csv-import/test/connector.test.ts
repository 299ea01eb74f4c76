import { describe, expect, it } from 'vitest';
import { createHub, describeCredentials, MemoryStore } from '@ticketbridge/core';
import { TEST_HUB_DEFAULTS } from '@ticketbridge/core/testing';
import { csvSource } from '../src/index.js';
import { csvHub } from './helpers.js';

describe('csvSource()', () => {
  it('connects with a name and a preset, schedules nothing, and a manual sync is skipped', async () => {
    const { hub, conn } = await csvHub({ label: 'Zendesk Q1 export', preset: 'zendesk' });
    expect(conn).toMatchObject({ platform: 'csv', accountName: 'Zendesk Q1 export', status: 'active', credentials: { label: 'Zendesk Q1 export', preset: 'zendesk' } });
    expect(await hub.history(conn.id)).toEqual([]);
    expect(await hub.syncNow(conn.id)).toMatchObject({ status: 'skipped', requests: 0 });
  });

  it('describes a Connect form of two plain fields, the preset a choice with a default', async () => {
    const fields = describeCredentials(csvSource().credentials);
    expect(fields.map((f) => [f.name, f.kind, f.secret])).toEqual([
      ['label', 'text', false],
      ['preset', 'select', false],
    ]);
    const hub = createHub({ connectors: [csvSource()], store: new MemoryStore(), ...TEST_HUB_DEFAULTS });
    try {
      const conn = await hub.connect({ platform: 'csv', credentials: { label: 'My file' }, syncMode: 'poll' });
      expect(conn.credentials).toEqual({ label: 'My file', preset: 'none' });
      await expect(hub.connect({ platform: 'csv', credentials: { label: 'x', preset: 'trello' }, syncMode: 'poll' })).rejects.toThrow();
    } finally {
      await hub.close();
    }
  });
});
