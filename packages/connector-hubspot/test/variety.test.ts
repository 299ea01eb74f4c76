import { readFileSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { TicketDraft } from '@ticketbridge/core';
import { createTestContext } from '@ticketbridge/core/testing';
import { BatchReadResponse, PipelinesResponse } from '../src/api.js';
import { hubspot, normalizeHubSpotTicket, type HubSpotLookups } from '../src/index.js';
import { stagesFromPipelines } from '../src/normalize.js';
import { startHubSpotSimulator, type HubSpotSimulator } from '../src/testing.js';
import { drain, latestById } from './helpers.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const lookups = (): HubSpotLookups => ({
  portalId: 62515,
  uiDomain: 'app.hubspot.com',
  stages: stagesFromPipelines(PipelinesResponse.parse(fixture('pipelines-response.json'))),
  owners: new Map(),
  requesters: new Map(),
});

const sims: HubSpotSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.close();
});

describe('hubspot payload variety (regressions)', () => {
  const [stageless, sparse, emptyStage] = BatchReadResponse.parse(fixture('ticket-batch-read-variety.json')).results.map((t) => normalizeHubSpotTicket(t, lookups()));

  it('a ticket without hs_pipeline_stage but with closed_date is closed; without either it keeps the fallback', () => {
    expect(stageless).toMatchObject({ status: 'closed', rawStatus: null });
    expect(sparse).toMatchObject({ status: 'open', rawStatus: null });
    // An empty stage is no stage: nothing is invented from it.
    expect(emptyStage).toMatchObject({ status: 'open', rawStatus: null });
  });

  it('microsecond, +00:00 and single-digit fractions normalize to ISO-8601 UTC with milliseconds', () => {
    expect(stageless!.updatedAt).toBe('2024-05-03T10:15:31.987Z');
    expect(stageless!.createdAt).toBe('2024-05-01T08:00:00.500Z');
    expect(sparse!.updatedAt).toBe('2024-05-02T09:30:00.000Z');
    expect(sparse!.createdAt).toBe('2024-05-02T09:00:00.000Z');
  });

  it('empty or absent text stays empty (HubSpot documents no fallback field), and every draft is valid', () => {
    expect(stageless!.description).toBe('');
    expect(sparse!.subject).toBe('');
    expect(sparse!.description).toBe('Printer on fire');
    expect(emptyStage).toMatchObject({ subject: '', description: '', priority: null, rawPriority: null, channel: null, assignee: null, tags: [] });
    expect(stageless!.customFields).toMatchObject({ hs_object_source: 'INTEGRATION', closed_date: '2024-05-03T10:15:30.123456+00:00' });
    for (const t of [stageless, sparse, emptyStage]) expect(TicketDraft.parse(t)).toBeTruthy();
  });

  it('over HTTP: stageless closed tickets sync as closed, timestamps match the API, bodies use only documented fields', async () => {
    const sim = await startHubSpotSimulator({ searchRateLimit: null, seed: 7 });
    sims.push(sim);
    const connector = hubspot();
    const probe = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url });
    const info = await connector.testConnection(probe);
    const ctx = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url, metadata: info.metadata ?? {} });
    const ids = await sim.seed(200);
    const latest = latestById(await drain(connector.pull(ctx, { cursor: null })));
    for (const [id, updatedAt] of sim.snapshot()) expect(latest.get(id)?.updatedAt, id).toBe(updatedAt);
    const raw = ids.map((id) => sim.ticket(id)!);
    const stagelessIds = raw.filter((t) => (t['properties'] as Record<string, unknown>)['hs_pipeline_stage'] === null).map((t) => t['id'] as string);
    expect(stagelessIds.length).toBeGreaterThan(0);
    for (const id of stagelessIds) expect(latest.get(id)).toMatchObject({ status: 'closed', rawStatus: null });
    // The variety is really there: several UTC spellings and unrequested properties.
    const stamps = raw.map((t) => (t['properties'] as Record<string, string>)['hs_lastmodifieddate']!);
    expect(stamps.some((s) => s.endsWith('+00:00'))).toBe(true);
    expect(stamps.some((s) => /\.\d{3}Z$/.test(s))).toBe(true);
    const hydrated = await connector.fetchTickets!(ctx, { externalIds: stagelessIds.slice(0, 3) });
    expect(hydrated.map((t) => t.status)).toEqual(['closed', 'closed', 'closed'].slice(0, hydrated.length));
    expect(sim.undocumentedFields).toEqual([]);
  });

  it('the simulator refuses what HubSpot refuses: unknown operators, missing inputs, oversized pages', async () => {
    const sim = await startHubSpotSimulator({ searchRateLimit: null });
    sims.push(sim);
    const post = (path: string, body: unknown) =>
      fetch(`${sim.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${sim.credentials().accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/crm/v3/objects/tickets/search', { filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GREATER_THAN', value: '0' }] }] })).status).toBe(400);
    expect((await post('/crm/v3/objects/tickets/search', { limit: 201 })).status).toBe(400);
    expect((await post('/crm/v3/objects/tickets/batch/read', { properties: ['subject'] })).status).toBe(400);
    expect((await post('/crm/v3/objects/tickets/batch/read', { inputs: Array.from({ length: 101 }, (_, i) => ({ id: String(i) })) })).status).toBe(400);
    const ok = await post('/crm/v3/objects/tickets/search', { limit: 200, bogus: true });
    expect(ok.status).toBe(200);
    expect(sim.undocumentedFields).toEqual(['bogus']);
  });

  it('the simulator imports nothing of the connector (an independent implementation)', () => {
    const dir = new URL('../src/simulator/', import.meta.url);
    for (const file of readdirSync(dir)) {
      const imports = [...readFileSync(new URL(file, dir), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      expect(imports.filter((i) => i.startsWith('..')), file).toEqual([]);
    }
  });
});
