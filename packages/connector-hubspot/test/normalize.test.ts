import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TicketDraft } from '@ticketbridge/core';
import { readRateLimitHeaders } from '@ticketbridge/core/toolkit';
import { AssociationsBatchResponse, PipelinesResponse, SearchResponse, hubspotErrorMessage } from '../src/api.js';
import { hubspot, mapHubSpotPriority, mapHubSpotStatus, normalizeHubSpotTicket, type HubSpotLookups, type HubSpotStage } from '../src/index.js';
import { lookupsFromMetadata, stagesFromPipelines, stagesToJson } from '../src/normalize.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

const stage = (label: string, ticketState: string | null): HubSpotStage => ({ id: 'x', label, pipelineId: 'p', pipelineLabel: 'P', ticketState });

function lookups(extra: Partial<HubSpotLookups> = {}): HubSpotLookups {
  const pipelines = PipelinesResponse.parse(fixture('pipelines-response.json'));
  return { portalId: 62515, uiDomain: 'app.hubspot.com', stages: stagesFromPipelines(pipelines), owners: new Map(), requesters: new Map(), ...extra };
}

describe('hubspot normalize', () => {
  it('normalizes the documented search response shape', () => {
    const page = SearchResponse.parse(fixture('ticket-search-response.json'));
    expect(page.paging?.next?.after).toBe('NTI1Cg%3D%3D');
    const owners = new Map([['910901', { externalId: '910901', name: 'Ana Lima', email: 'ana@example.com' }]]);
    const requesters = new Map([['512', { externalId: '151', name: 'Zoë Nguyễn', email: 'zoe@example.org' }]]);
    const [a, b] = page.results.map((t) => normalizeHubSpotTicket(t, lookups({ owners, requesters })));
    expect(TicketDraft.parse(a)).toBeTruthy();
    expect(a).toMatchObject({
      externalId: '512',
      platform: 'hubspot',
      url: 'https://app.hubspot.com/contacts/62515/ticket/512',
      subject: 'Troubleshoot report',
      description: 'Customer reports the weekly report is empty.',
      status: 'new',
      rawStatus: '1',
      priority: 'high',
      rawPriority: 'HIGH',
      channel: 'email',
      assignee: { externalId: '910901', name: 'Ana Lima' },
      requester: { externalId: '151', email: 'zoe@example.org' },
      tags: ['PRODUCT_ISSUE'],
      createdAt: '2019-10-30T03:30:17.883Z',
      updatedAt: '2019-12-07T16:50:06.678Z',
      deleted: false,
    });
    expect(a!.raw).toBe(page.results[0]);
    // Missing optional fields: nulls everywhere, a closed stage of a custom pipeline.
    expect(TicketDraft.parse(b)).toBeTruthy();
    expect(b).toMatchObject({ subject: '', description: '', status: 'closed', rawStatus: '1234914', priority: null, rawPriority: null, channel: null, assignee: null, requester: null, tags: [] });
    expect(b!.updatedAt).toBe('2019-12-07T16:51:00.001Z');
  });

  it('maps every stage kind and every priority', () => {
    expect(mapHubSpotStatus(stage('Done', 'CLOSED'), 'x')).toBe('closed');
    expect(mapHubSpotStatus(stage('Closed', 'CLOSED'), 'x')).toBe('closed');
    expect(mapHubSpotStatus(stage('Resolved', 'CLOSED'), 'x')).toBe('solved');
    expect(mapHubSpotStatus(stage('New', 'OPEN'), 'x')).toBe('new');
    expect(mapHubSpotStatus(stage('Waiting on contact', 'OPEN'), 'x')).toBe('pending');
    expect(mapHubSpotStatus(stage('Waiting on us', 'OPEN'), 'x')).toBe('open');
    expect(mapHubSpotStatus(stage('On hold', 'OPEN'), 'x')).toBe('on_hold');
    expect(mapHubSpotStatus(stage('Triage (tier 2)', 'OPEN'), 'x')).toBe('open');
    expect(['1', '2', '3', '4', '999', null].map((id) => mapHubSpotStatus(undefined, id))).toEqual(['new', 'pending', 'open', 'closed', 'open', 'open']);
    expect(['LOW', 'MEDIUM', 'HIGH', 'URGENT', 'low', '', null, undefined, 'CRITICAL'].map(mapHubSpotPriority)).toEqual(['low', 'normal', 'high', 'urgent', 'low', null, null, null, null]);
  });

  it('strips HTML, keeps unicode, carries huge custom properties, and accepts epoch-ms dates', () => {
    const huge = 'x'.repeat(200_000);
    const t = normalizeHubSpotTicket(
      {
        id: '9',
        properties: {
          subject: '配送が遅れています 🚚',
          content: '<p>Hello&nbsp;<b>team</b>,</p><p>Tom &amp; Jerry said &quot;hi&quot; &#128075;</p><script>alert(1)</script>',
          hs_pipeline_stage: '1234912',
          hs_pipeline: '812723471',
          createdate: '1714564800000',
          hs_lastmodifieddate: '1714638600123',
          custom_notes: huge,
        },
        createdAt: '2024-05-01T12:00:00Z',
        updatedAt: '2024-05-02T08:30:00Z',
      },
      lookups({ uiDomain: 'app-eu1.hubspot.com' }),
    );
    expect(t.subject).toBe('配送が遅れています 🚚');
    expect(t.description).toBe('Hello team,\nTom & Jerry said "hi" 👋');
    expect(t.customFields['custom_notes']).toBe(huge);
    expect(t.customFields['hs_pipeline_stage_label']).toBe('In Progress');
    expect(t.status).toBe('open');
    expect(t.createdAt).toBe('2024-05-01T12:00:00.000Z');
    expect(t.updatedAt).toBe('2024-05-02T08:30:00.123Z');
    expect(t.url).toBe('https://app-eu1.hubspot.com/contacts/62515/ticket/9');
  });

  it('normalizes from connection metadata alone and refuses foreign UI hosts', () => {
    const stages = stagesToJson(stagesFromPipelines(PipelinesResponse.parse(fixture('pipelines-response.json'))));
    const raw = (SearchResponse.parse(fixture('ticket-search-response.json')).results[1]);
    const t = normalizeHubSpotTicket(raw, lookupsFromMetadata({ portalId: 7, uiDomain: 'evil.example.com', stages }));
    expect(t.url).toBe('https://app.hubspot.com/contacts/7/ticket/513');
    expect(t.status).toBe('closed');
    expect(lookupsFromMetadata({}).portalId).toBeNull();
    expect(() => normalizeHubSpotTicket({ id: 1 } as never, lookupsFromMetadata({}))).toThrow(/shape of a HubSpot CRM object/);
  });

  it('reads the documented associations, error and rate-limit shapes', () => {
    const assoc = AssociationsBatchResponse.parse(fixture('associations-batch-read.json'));
    expect(assoc.results[0]!.to[0]!.toObjectId).toBe('151');
    expect(hubspotErrorMessage(fixture('error-403-missing-scopes.json'))).toMatch(/^MISSING_SCOPES: This app hasn't been granted/);
    expect(hubspotErrorMessage(fixture('error-429.json'))).toMatch(/^RATE_LIMIT: You have reached your secondly limit/);
    expect(hubspotErrorMessage('<html>')).toBeUndefined();
    // The connector declares its headers; core's client reads them (through the same public reader as here).
    const declared = hubspot().http({ accessToken: 'pat-x' }).rateLimit!;
    const hubspotRateLimit = (headers: Headers) => readRateLimitHeaders(declared, headers);
    const h = new Headers({ 'x-hubspot-ratelimit-max': '190', 'x-hubspot-ratelimit-remaining': '0', 'x-hubspot-ratelimit-interval-milliseconds': '10000' });
    expect(hubspotRateLimit(h)).toEqual({ remaining: 0, resetAfterMs: 10_000 });
    expect(hubspotRateLimit(new Headers())).toEqual({});
    const daily = hubspotRateLimit(new Headers({ 'x-hubspot-ratelimit-remaining': '12', 'x-hubspot-ratelimit-daily-remaining': '0' }));
    expect(daily.remaining).toBe(0);
    expect(daily.resetAfterMs).toBeGreaterThan(0);
  });
});
