import { afterEach, describe, expect, it } from 'vitest';
import { StuckCursorError } from '@ticketbridge/core';
import { jqlDateTime } from '../src/index.js';
import { safeBound } from '../src/jql.js';
import { closeSimulators, drain, lastCursor, latestById, setup } from './helpers.js';

afterEach(closeSimulators);

const searches = (sim: { requests(): Array<{ path: string; query: URLSearchParams }> }) => sim.requests().filter((r) => r.path === '/rest/api/3/search/jql');

describe('the changes query', () => {
  it('writes the checkpoint in the profile\'s time zone, minus the overlap, with explicit fields and service projects only', async () => {
    for (const timeZone of ['America/Los_Angeles', 'Asia/Kolkata', 'Australia/Sydney']) {
      const { sim, connector, ctx } = await setup({ timeZone });
      await sim.seed(30);
      const first = await drain(connector.pull(ctx, { cursor: null }));
      const since = lastCursor(first).since;
      sim.resetStats();
      await drain(connector.pull(ctx, { cursor: lastCursor(first) }));
      const [search] = searches(sim);
      const jql = search!.query.get('jql')!;
      expect(jql).toBe(`projectType = "service_desk" AND updated >= "${jqlDateTime(since - ctx.overlapMs, timeZone)}" ORDER BY updated ASC, key ASC`);
      const fields = search!.query.get('fields')!.split(',');
      expect(fields).toEqual(expect.arrayContaining(['summary', 'description', 'status', 'priority', 'labels', 'reporter', 'assignee', 'updated', 'comment', 'customfield_10010', 'customfield_10030']));
      expect(search!.query.get('maxResults')).toBe('100');
    }
  });

  it('finds an update made just now in a zone behind UTC (a bound written in UTC would skip hours of changes)', async () => {
    const { sim, connector, ctx } = await setup({ timeZone: 'America/Los_Angeles', start: new Date(Date.now() - 3_600_000) });
    const ids = await sim.seed(40);
    const first = await drain(connector.pull(ctx, { cursor: null }));
    expect(latestById(first).size).toBe(40);
    await sim.update([ids[7]!]);
    const second = await drain(connector.pull(ctx, { cursor: lastCursor(first) }));
    expect([...latestById(second).keys()]).toContain(ids[7]);
  });

  it('leaves out issues of software projects, and only reads the chosen projects when keys are given', async () => {
    const { sim, connector, ctx } = await setup({}, {}, { credentials: { projectKeys: 'help' } });
    await sim.seed(40);
    await sim.create(5, { project: 'DEV' });
    const pages = await drain(connector.pull(ctx, { cursor: null }));
    const keys = [...latestById(pages).values()].map((t) => t.customFields.projectKey);
    expect(keys.length).toBeGreaterThan(0);
    expect(new Set(keys)).toEqual(new Set(['HELP']));
    expect(searches(sim)[0]!.query.get('jql')).toMatch(/^project in \("HELP"\) AND updated >= /);
  });

  it('walks 250 issues updated within one minute by nextPageToken, never stuck, never on counts', async () => {
    // The site answers 37 issues a page although 100 were asked: the walk follows the token, not the count.
    const { sim, connector, ctx } = await setup({ searchPageMax: 37 });
    const ids = await sim.seedSameMinute(250, '2026-01-05T08:00:00Z');
    const pages = await drain(connector.pull(ctx, { cursor: null }));
    expect(new Set([...latestById(pages).keys()])).toEqual(new Set(ids));
    const tokens = searches(sim).map((r) => r.query.get('nextPageToken'));
    expect(tokens.filter((t) => t !== null).length).toBe(Math.ceil(250 / 37) - 1);
  });

  it('stops with StuckCursorError, not a loop, when one minute holds more issues than a query is followed for', async () => {
    // 10 pages of 2 per query: the 21st issue of one minute sends the restart back to where the query began.
    const { sim, connector, ctx } = await setup({ searchPageMax: 2 }, { pagesPerQuery: 10 });
    await sim.seedSameMinute(21, '2026-01-05T08:00:00Z');
    const error = await drain(connector.pull(ctx, { cursor: null })).then(() => undefined, (e: unknown) => e);
    expect(StuckCursorError.isInstance(error)).toBe(true);
    // The first query (from the start date) is followed 10 pages, restarted at the crowded minute for 10 more, and
    // the restart after those would be the same query: stopped there.
    expect(searches(sim).length).toBe(20);
  });

  it('moves the bound an hour back across the autumn clock change, where a local time names two instants', () => {
    const zone = 'America/Los_Angeles';
    // 2026-11-01 01:30 PDT happens, then 01:30 PST an hour later.
    const second = Date.parse('2026-11-01T09:30:00Z');
    expect(jqlDateTime(second, zone)).toBe('2026-11-01 01:30');
    expect(safeBound(second, zone)).toBe(second - 3_600_000);
    const ordinary = Date.parse('2026-06-01T12:00:00Z');
    expect(safeBound(ordinary, zone)).toBe(ordinary);
  });

  it('resumes a walk from its saved token, and drops a token older than Jira keeps them (7 days)', async () => {
    const { sim, connector, ctx } = await setup({ searchPageMax: 20 });
    await sim.seed(70);
    const pages = [];
    for await (const p of connector.pull(ctx, { cursor: null })) {
      pages.push(p);
      if (pages.length === 2) break;
    }
    const mid = pages[1]!.nextCursor;
    expect(mid.token).toBeDefined();
    sim.resetStats();
    const resumed = await drain(connector.pull(ctx, { cursor: mid }));
    expect(searches(sim)[0]!.query.get('nextPageToken')).toBe(mid.token);
    expect(latestById([...pages, ...resumed]).size).toBe(70);

    sim.resetStats();
    const stale = { ...mid, tokenAt: Date.now() - 8 * 86_400_000 };
    const restarted = await drain(connector.pull(ctx, { cursor: stale }));
    expect(searches(sim)[0]!.query.get('nextPageToken')).toBeNull();
    expect(latestById(restarted).size).toBeGreaterThanOrEqual(30);
  });

  it('re-reads the overlap, so an update the lagging index showed late is still found', async () => {
    for (const overlapMs of [0, undefined]) {
      const { sim, connector, ctx } = await setup({}, {}, overlapMs === undefined ? {} : { overlapMs });
      const [late, other] = await sim.create(2);
      const first = await drain(connector.pull(ctx, { cursor: null }));
      expect(latestById(first).size).toBe(2);
      const now = Date.now();
      await sim.patchIssue(late!, { summary: 'written first, indexed late' }, { at: new Date(now - 3 * 60_000).toISOString() });
      sim.index.lag([late!]);
      await sim.patchIssue(other!, { summary: 'written later, indexed at once' }, { at: new Date(now).toISOString() });
      const second = await drain(connector.pull(ctx, { cursor: lastCursor(first) }));
      expect([...latestById(second).keys()]).toEqual([other]);
      sim.index.catchUp();
      const third = await drain(connector.pull(ctx, { cursor: lastCursor(second) }));
      // With no overlap the bound already passed the late write's minute: it is lost for good.
      expect([...latestById(third).keys()].includes(late!), `overlap ${String(overlapMs)}`).toBe(overlapMs !== 0);
    }
  });
});

describe('service-desk data and comments', () => {
  it('reads the request type, SLAs, customer organization and the reporter (the customer) as requester', async () => {
    const { sim, connector, ctx } = await setup();
    await sim.seed(30);
    const tickets = [...latestById(await drain(connector.pull(ctx, { cursor: null }))).values()];
    const withType = tickets.filter((t) => typeof t.customFields.requestType === 'string');
    expect(withType.length).toBe(tickets.length);
    expect(new Set(withType.map((t) => t.customFields.requestType))).toEqual(new Set(['Get IT help', 'Report a bug', 'Emailed request']));
    expect(tickets.some((t) => t.customFields['sla:Time to resolution'] && typeof (t.customFields['sla:Time to resolution'] as { breached: boolean }).breached === 'boolean')).toBe(true);
    expect(tickets.some((t) => t.organization !== null)).toBe(true);
    const one = tickets[0]!;
    const raw = sim.issue(one.externalId);
    expect(one.requester?.externalId).toBe(raw.reporterId);
    expect(one.url).toBe(`https://acme.atlassian.net/browse/${raw.key}`);
  });

  it('completes a comment list Jira cut short, internal notes as not public, and reads no more when it is whole', async () => {
    const { sim, connector, ctx } = await setup({ embeddedComments: 20 });
    const [busy, quiet] = await sim.create(2);
    for (let i = 0; i < 33; i++) await sim.addComment(busy!, { text: `reply ${i}`, internal: i % 5 === 0 });
    await sim.addComment(quiet!, { text: 'only one' });
    const tickets = latestById(await drain(connector.pull(ctx, { cursor: null })));
    const comments = tickets.get(busy!)!.comments!;
    expect(comments.map((c) => c.body)).toEqual(Array.from({ length: 33 }, (_, i) => `reply ${i}`));
    expect(comments.filter((c) => !c.public).length).toBe(7);
    expect(tickets.get(quiet!)!.comments!.map((c) => c.body)).toEqual(['only one']);
    expect(sim.requests().filter((r) => r.path.endsWith('/comment')).map((r) => r.path)).toEqual([`/rest/api/3/issue/${busy}/comment`]);
  });
});

describe('deletions found by the id check', () => {
  it('emits ticket.deleted for ids that vanished, not for issues that moved or were created meanwhile, and only once', async () => {
    const { sim, connector, ctx } = await setup({}, { deletionCheckEveryMs: 0 });
    const ids = await sim.create(30);
    const first = await drain(connector.pull(ctx, { cursor: null }));
    await sim.remove([ids[3]!, ids[17]!]);
    await sim.move(ids[5]!, 'DEV');
    const second = await drain(connector.pull(ctx, { cursor: lastCursor(first) }));
    const deleted = second.flatMap((p) => p.tickets).filter((t) => t.deleted);
    expect(deleted.map((t) => t.externalId).sort()).toEqual([ids[17]!, ids[3]!].sort());
    expect(deleted.every((t) => t.rawStatus === 'deleted')).toBe(true);
    // The ids-only search asks for 5000 ids a page, then one bulk fetch confirms what vanished.
    const idSearch = searches(sim).find((r) => r.query.get('fields') === 'id')!;
    expect(idSearch.query.get('maxResults')).toBe('5000');
    expect(sim.requests().filter((r) => r.path === '/rest/api/3/issue/bulkfetch')).toHaveLength(1);
    const third = await drain(connector.pull(ctx, { cursor: lastCursor(second) }));
    expect(third.flatMap((p) => p.tickets).filter((t) => t.deleted)).toEqual([]);
  });

  it('is bounded per pull and resumes its walk from the saved token on the next one', async () => {
    const { sim, connector, ctx } = await setup({ idPageMax: 10 }, { deletionCheckEveryMs: 0, deletionCheckPagesPerRun: 2, deletionVerifyPerRun: 100 });
    const ids = await sim.create(45);
    // With a zero interval the first pull starts a walk too: ids 1-20 of 45.
    let cursor = lastCursor(await drain(connector.pull(ctx, { cursor: null })));
    expect(searches(sim).filter((r) => r.query.get('fields') === 'id')).toHaveLength(2);
    await sim.remove([ids[40]!]);
    const found: string[] = [];
    const idPagesPerRun: number[] = [];
    for (let run = 0; run < 3; run++) {
      sim.resetStats();
      const pages = await drain(connector.pull(ctx, { cursor }));
      idPagesPerRun.push(searches(sim).filter((r) => r.query.get('fields') === 'id').length);
      found.push(...pages.flatMap((p) => p.tickets).filter((t) => t.deleted).map((t) => t.externalId));
      cursor = lastCursor(pages);
    }
    // 45 ids in pages of 10 are five pages, two per pull: the walk ends on the second pull (one page), finds the
    // deletion, and the third pull starts the next walk.
    expect(idPagesPerRun).toEqual([2, 1, 2]);
    expect(found).toEqual([ids[40]]);
  });

  it('waits for its interval, and never runs when turned off', async () => {
    const { sim, connector, ctx } = await setup({}, { deletionCheckEveryMs: Number.POSITIVE_INFINITY });
    const ids = await sim.create(10);
    const first = lastCursor(await drain(connector.pull(ctx, { cursor: null })));
    await sim.remove([ids[0]!]);
    sim.resetStats();
    await drain(connector.pull(ctx, { cursor: first }));
    expect(searches(sim).filter((r) => r.query.get('fields') === 'id')).toEqual([]);
  });
});

describe('cost', () => {
  it('a first sync of 1,000 issues takes 12 requests: /myself, /field and ten search pages', async () => {
    const { sim, connector, ctx } = await setup();
    await sim.seed(1000);
    const pages = await drain(connector.pull(ctx, { cursor: null }));
    expect(latestById(pages).size).toBe(sim.snapshot().size);
    const stats = sim.stats();
    // The simulator's issues are 1000 minus the software project's; counted per 1,000 synced.
    const perThousand = (stats.requests / sim.snapshot().size) * 1000;
    console.info(`jira first sync: ${stats.requests} requests for ${sim.snapshot().size} issues (${perThousand.toFixed(1)} per 1,000)`, stats.byPath);
    expect(stats.requests).toBe(2 + Math.ceil(sim.snapshot().size / 100));
  });
});
