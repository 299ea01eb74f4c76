import { afterEach, describe, expect, it } from 'vitest';
import { hubspot, type HubSpotCursor } from '../src/index.js';
import { startHubSpotSimulator, type HubSpotSimulator } from '../src/testing.js';
import { createTestContext } from '@ticketbridge/core/testing';
import { drain, latestById } from './helpers.js';

const sims: HubSpotSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.close();
});

async function setup(options: Parameters<typeof startHubSpotSimulator>[0] = {}, connectorOptions: Parameters<typeof hubspot>[0] = {}) {
  const sim = await startHubSpotSimulator({ searchRateLimit: null, ...options });
  sims.push(sim);
  const connector = hubspot(connectorOptions);
  const probe = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url });
  const info = await connector.testConnection(probe);
  const ctx = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url, metadata: info.metadata ?? {} });
  return { sim, connector, ctx, info };
}

describe('hubspot pull', () => {
  it('syncs a backlog larger than the search cap with no gap, never paging a query', async () => {
    // A cap of 300 makes "more than 10,000 results" cheap to reproduce.
    const { sim, connector, ctx } = await setup({ searchCap: 300 });
    await sim.seed(950);
    const pages = await drain(connector.pull(ctx, { cursor: null }));
    const latest = latestById(pages);
    expect(latest.size).toBe(950);
    for (const [id, updatedAt] of sim.snapshot()) expect(latest.get(id)?.updatedAt, id).toBe(updatedAt);
    // Every query starts from the last modified date seen instead of following `after` toward the cap.
    expect(sim.searches.every((s) => (s as { after?: string }).after === undefined)).toBe(true);
    expect(sim.searches.every((s) => (s as { limit: number }).limit === 200)).toBe(true);
    expect(sim.stats().byPath['/crm/v3/pipelines/tickets']).toBe(2); // Test & Connect + once per sync
    expect(sim.stats().byPath['/crm/v3/owners']).toBe(1);
  });

  it('reads each requester contact once per pull: a repeat requester on a later page costs no request', async () => {
    const { sim, connector, ctx } = await setup({ rateLimit: null });
    await sim.seed(1000);
    const pages = await drain(connector.pull(ctx, { cursor: null }));
    const seen = new Set<string>();
    let withRequester = 0;
    let expectedReads = 0;
    let readsWithoutCache = 0;
    for (const page of pages) {
      const onPage = new Set(page.tickets.flatMap((t) => (t.requester ? [t.requester.externalId] : [])));
      withRequester += page.tickets.filter((t) => t.requester).length;
      const fresh = [...onPage].filter((id) => !seen.has(id));
      for (const id of fresh) seen.add(id);
      expectedReads += Math.ceil(fresh.length / 100);
      readsWithoutCache += Math.ceil(onPage.size / 100);
      // A cached requester carries its name and e-mail like a freshly read one.
      for (const t of page.tickets) if (t.requester) expect(t.requester.email, t.externalId).toMatch(/@example\.org$/);
    }
    // The simulator's customers write in more than once, across pages.
    expect(seen.size).toBeLessThan(withRequester);
    expect(readsWithoutCache).toBeGreaterThanOrEqual(expectedReads);
    expect(sim.stats().byPath['/crm/v3/objects/contacts/batch/read']).toBe(expectedReads);
    // Each contact asked for once in the whole pull.
    expect(sim.contactReads.length).toBe(seen.size);
    expect(new Set(sim.contactReads).size).toBe(seen.size);
  });

  it('the simulator refuses to page a query past its cap with HubSpot\'s 400', async () => {
    const sim = await startHubSpotSimulator({ searchCap: 300, searchRateLimit: null });
    sims.push(sim);
    await sim.seed(400);
    const ask = (after: string) =>
      fetch(`${sim.url}/crm/v3/objects/tickets/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sim.credentials().accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ limit: 200, after, sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }] }),
      });
    const ok = await ask('200');
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { total: number }).total).toBe(400);
    const past = await ask('300');
    expect(past.status).toBe(400);
    expect(await past.json()).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', correlationId: expect.any(String) });
    const tooBig = await fetch(`${sim.url}/crm/v3/objects/tickets/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.credentials().accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ limit: 201 }),
    });
    expect(tooBig.status).toBe(400);
  });

  it('walks a millisecond shared by more tickets than a page by object id', async () => {
    const { sim, connector, ctx } = await setup({}, { pageSize: 50 });
    await sim.seed(30);
    const bulk = await sim.seed(180, { modifiedAt: Date.now() - 3_600_000 });
    await sim.seed(20);
    const pages = await drain(connector.pull(ctx, { cursor: null }));
    const latest = latestById(pages);
    expect(latest.size).toBe(230);
    for (const id of bulk) expect(latest.has(id)).toBe(true);
    const tieQueries = sim.searches.filter((s) => JSON.stringify(s).includes('"hs_object_id","operator":"GT"'));
    expect(tieQueries.length).toBeGreaterThan(0);
  });

  it('a first sync reads each ticket once: the next page leaves out the tickets of the boundary millisecond already read', async () => {
    const { sim, connector, ctx } = await setup({}, { pageSize: 50 });
    await sim.seed(200);
    // Six tickets share one millisecond that the first page's end falls inside: 47 older tickets, then 3 of the 6.
    const times = [...sim.snapshot().values()].map((at) => Date.parse(at)).sort((a, b) => a - b);
    const shared = await sim.seed(6, { modifiedAt: times[46]! + 1 });
    const pages = await drain(connector.pull(ctx, { cursor: null }));
    const reads = pages.flatMap((p) => p.tickets.map((t) => t.externalId));
    expect(new Set(reads).size).toBe(206);
    expect(reads.length).toBe(206);
    for (const id of shared) expect(reads).toContain(id);
    const second = sim.searches[1] as { filterGroups: Array<{ filters: Array<{ operator: string; values?: string[] }> }> };
    expect(second.filterGroups).toHaveLength(2);
    expect(second.filterGroups[1]!.filters.find((f) => f.operator === 'NOT_IN')!.values).toHaveLength(3);
    expect(sim.stats().byPath['/crm/v3/objects/tickets/search']).toBe(Math.ceil(206 / 50));
  });

  it('incremental pull re-reads the overlap and returns the changed tickets at their new version', async () => {
    const { sim, connector, ctx } = await setup();
    const ids = await sim.seed(120);
    const first = await drain(connector.pull(ctx, { cursor: null }));
    const cursor = first.at(-1)!.nextCursor;
    const changed = await sim.update([ids[5]!, ids[77]!]);
    const second = await drain(connector.pull(ctx, { cursor }));
    const latest = latestById(second);
    for (const id of changed) expect(latest.get(id)?.updatedAt).toBe(sim.snapshot().get(id));
    // Only the overlap window is re-read, not the backlog.
    expect(latest.size).toBeLessThan(15);
    // A third pull from the new cursor sees nothing newer than the overlap.
    const third = latestById(await drain(connector.pull(ctx, { cursor: second.at(-1)!.nextCursor })));
    for (const t of third.values()) expect(Date.parse(t.updatedAt)).toBeGreaterThanOrEqual(Date.parse(sim.snapshot().get(changed[1]!)!) - ctx.overlapMs);
  });

  it('an index lag shorter than the overlap loses nothing', async () => {
    const { sim, connector, ctx } = await setup({ indexLagMs: 400 });
    const ids = await sim.seed(20);
    const cursor = (await drain(connector.pull(ctx, { cursor: null }))).at(-1)!.nextCursor;
    await sim.update([ids[3]!]);
    const hiddenPages = await drain(connector.pull(ctx, { cursor }));
    expect(latestById(hiddenPages).get(ids[3]!)?.updatedAt).not.toBe(sim.snapshot().get(ids[3]!));
    await new Promise((r) => setTimeout(r, 450));
    // The next poll continues from where the lagged one stopped.
    const seen = latestById(await drain(connector.pull(ctx, { cursor: hiddenPages.at(-1)!.nextCursor })));
    expect(seen.get(ids[3]!)?.updatedAt).toBe(sim.snapshot().get(ids[3]!));
  });

  it('reports tickets deleted after the first sync from the archived listing', async () => {
    const { sim, connector, ctx } = await setup();
    const ids = await sim.seed(30);
    const cursor = (await drain(connector.pull(ctx, { cursor: null }))).at(-1)!.nextCursor;
    await sim.remove([ids[2]!, ids[9]!]);
    const pages = await drain(connector.pull(ctx, { cursor }));
    const deleted = pages.flatMap((p) => p.tickets).filter((t) => t.deleted);
    expect(deleted.map((t) => t.externalId).sort()).toEqual([ids[2]!, ids[9]!].sort());
    expect(deleted[0]!.subject).not.toBe('');
  });

  it('resumes from a mid-pull cursor without skipping', async () => {
    const { sim, connector, ctx } = await setup({}, { pageSize: 40 });
    await sim.seed(200);
    const seen = new Map<string, string>();
    let saved: HubSpotCursor | null = null;
    let n = 0;
    for await (const page of connector.pull(ctx, { cursor: null })) {
      for (const t of page.tickets) seen.set(t.externalId, t.updatedAt);
      saved = page.nextCursor;
      if (++n === 2) break; // crash after two pages
    }
    for (const page of await drain(connector.pull(ctx, { cursor: saved }))) for (const t of page.tickets) seen.set(t.externalId, t.updatedAt);
    expect(seen.size).toBe(200);
  });

  it('resolves requesters and owners in batches and keeps ids when the token lacks their scopes', async () => {
    const { sim, connector, ctx } = await setup();
    await sim.seed(60);
    sim.resetStats();
    const tickets = [...latestById(await drain(connector.pull(ctx, { cursor: null }))).values()];
    expect(tickets.some((t) => t.requester?.email?.endsWith('@example.org'))).toBe(true);
    expect(tickets.some((t) => t.assignee?.name)).toBe(true);
    expect(sim.stats().byPath['/crm/v4/associations/tickets/contacts/batch/read']).toBe(1);
    const limited = createTestContext({ connector, credentials: { accessToken: sim.ticketsOnlyToken() }, baseUrl: sim.url, metadata: ctx.metadata });
    const bare = [...latestById(await drain(connector.pull(limited, { cursor: null }))).values()];
    expect(bare).toHaveLength(60);
    expect(bare.every((t) => t.requester === null)).toBe(true);
    const owned = bare.filter((t) => t.assignee);
    expect(owned.length).toBeGreaterThan(0);
    expect(owned.every((t) => t.assignee!.name === null && /^\d+$/.test(t.assignee!.externalId))).toBe(true);
  });
});

describe('hubspot rate limits', () => {
  it('backs off on the separate search limit (Retry-After) and never sends while told to wait', async () => {
    const { sim, connector, ctx } = await setup({ searchRateLimit: { limit: 1, windowMs: 300 } }, { pageSize: 50 });
    await sim.seed(200);
    sim.resetStats();
    const latest = latestById(await drain(connector.pull(ctx, { cursor: null })));
    expect(latest.size).toBe(200);
    expect(sim.stats().rateLimited).toBeGreaterThan(0);
    expect(sim.stats().limitViolations).toBe(0);
  });

  it('pauses when X-HubSpot-RateLimit-Remaining reaches 0 instead of running into 429s', async () => {
    const { sim, connector, ctx } = await setup({ rateLimit: { limit: 3, windowMs: 400 } }, { pageSize: 100 });
    await sim.seed(300);
    sim.rateLimit.set({ limit: 3, windowMs: 400 });
    sim.resetStats();
    const latest = latestById(await drain(connector.pull(ctx, { cursor: null })));
    expect(latest.size).toBe(300);
    expect(sim.stats().rateLimited).toBe(0);
    expect(sim.stats().limitViolations).toBe(0);
  });
});
