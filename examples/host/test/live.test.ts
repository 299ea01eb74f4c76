import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@ticketbridge/core/testing';
import { IN_HOUSE_MAPPING, startLive } from '../src/live.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('pnpm start (live mode)', () => {
  it('offers every platform, connects each simulated one, and its traffic reaches each kind of connection by signed webhook', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tb-live-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const live = await startLive({ dataDir, tickets: 30, trafficEveryMs: 0 });
    cleanups.push(() => live.close());
    const { app } = live;
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(app.url + path, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
      return { status: res.status, json: (await res.json()) as any };
    };

    const offered = (await api('GET', '/api/platforms')).json;
    expect(offered.map((p: { id: string }) => p.id)).toEqual(['zendesk', 'freshdesk', 'jira', 'intercom', 'hubspot', 'helpscout', 'webhook-push', 'csv']);
    const creds = Object.fromEntries(offered.filter((p: any) => p.simulatorCredentials).map((p: any) => [p.id, p.simulatorCredentials]));
    expect(Object.keys(creds).sort()).toEqual(['csv', 'freshdesk', 'helpscout', 'hubspot', 'intercom', 'jira', 'webhook-push', 'zendesk']);
    expect(JSON.parse(creds['webhook-push'].mapping)).toEqual(IN_HOUSE_MAPPING);

    const ids: Record<string, string> = {};
    const simulated = ['zendesk', 'freshdesk', 'jira', 'intercom', 'hubspot', 'helpscout'];
    for (const platform of [...simulated, 'webhook-push']) {
      const res = await api('POST', '/api/connections', { platform, credentials: creds[platform], syncMode: platform === 'webhook-push' ? 'webhook' : 'both' });
      expect([platform, res.status]).toEqual([platform, 201]);
      ids[platform] = res.json.id;
    }
    for (const platform of simulated) await waitFor(async () => (await app.hub.history(ids[platform]!))[0]?.status === 'succeeded', 30_000, `${platform}'s first sync`);

    await live.tick();
    const viaWebhook = (id: string) => app.events.filter((e) => e.connectionId === id && e.source === 'webhook');
    for (const [platform, id] of Object.entries(ids)) await waitFor(() => viaWebhook(id).length > 0, 10_000, `a webhook of ${platform}`);
    for (const id of Object.values(ids)) expect(await app.hub.deadLetters(id)).toEqual([]);

    for (const platform of ['zendesk', 'webhook-push']) {
      const hostile = await live.sendHostile(ids[platform]!);
      await waitFor(() => app.alerts.some((a) => a.connectionId === ids[platform] && a.ticketId === hostile.ticketId && a.source === 'webhook'), 10_000);
    }
  });
});
