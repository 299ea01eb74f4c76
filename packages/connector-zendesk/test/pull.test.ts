import { describe, expect, it } from 'vitest';
import { zendesk } from '../src/index.js';
import { createTestContext } from '@ticketbridge/core/testing';
import { pullAll, withSimulator } from './helpers.js';

const exportRequests = (sim: { requests(): Array<{ path: string; query: URLSearchParams }> }) =>
  sim.requests().filter((r) => r.path === '/api/v2/incremental/tickets/cursor.json');

describe('incremental pull over the cursor export', () => {
  it('sends start_time only on the first call, then follows the cursor until end_of_stream', async () => {
    await withSimulator({ seed: 3, exportPageSize: 40 }, async (sim) => {
      await sim.seed(100);
      const ctx = createTestContext({ connector: zendesk(), credentials: sim.credentials(), baseUrl: sim.url });
      const pages = await pullAll(ctx, null);
      expect(pages.map((p) => p.tickets.length)).toEqual([40, 40, 20]);
      const calls = exportRequests(sim);
      expect(calls).toHaveLength(3);
      expect(calls[0]!.query.get('start_time')).toBe('0');
      expect(calls[0]!.query.has('cursor')).toBe(false);
      for (const call of calls.slice(1)) {
        expect(call.query.has('start_time')).toBe(false);
        expect(call.query.get('cursor')).toBeTruthy();
      }
      for (const call of calls) expect(call.query.get('include')).toBe('users,organizations');
      // Each page's cursor is the export's after_cursor, and the next call sends exactly that.
      expect(calls[1]!.query.get('cursor')).toBe((pages[0]!.nextCursor as { afterCursor: string }).afterCursor);
      expect(new Set(pages.flatMap((p) => p.tickets.map((t) => t.externalId))).size).toBe(100);
    });
  });

  it('fills requester, assignee and organization from the side-loads', async () => {
    await withSimulator({ seed: 4 }, async (sim) => {
      await sim.seed(30);
      const [page] = await pullAll(createTestContext({ connector: zendesk(), credentials: sim.credentials(), baseUrl: sim.url }), null);
      const withRequester = page!.tickets.filter((t) => t.requester);
      expect(withRequester).toHaveLength(30);
      for (const t of withRequester) {
        expect(t.requester!.name).toBeTruthy();
        expect(t.requester!.email).toMatch(/@/);
      }
      const assigned = page!.tickets.filter((t) => t.assignee);
      expect(assigned.length).toBeGreaterThan(0);
      for (const t of assigned) expect(t.assignee!.name).toBeTruthy();
      const withOrg = page!.tickets.filter((t) => t.organization);
      expect(withOrg.length).toBeGreaterThan(0);
      for (const t of withOrg) expect(t.organization!.name).toBeTruthy();
      for (const t of page!.tickets) expect(t.url).toBe(`https://acmecorp.zendesk.com/agent/tickets/${t.externalId}`);
    });
  });

  it('keeps every field the export sent in raw, also those its schema does not read', async () => {
    await withSimulator({ seed: 6 }, async (sim) => {
      await sim.seed(10);
      const c = sim.credentials();
      const authorization = `Basic ${Buffer.from(`${c.email}/token:${c.apiToken}`).toString('base64')}`;
      const sent = (await (await fetch(`${sim.url}/api/v2/incremental/tickets/cursor.json?start_time=0`, { headers: { authorization } })).json()) as { tickets: Array<{ id: number }> };
      const [page] = await pullAll(createTestContext({ connector: zendesk(), credentials: c, baseUrl: sim.url }), null);
      expect(page!.tickets).toHaveLength(10);
      for (const t of page!.tickets) expect(t.raw).toEqual(sent.tickets.find((s) => String(s.id) === t.externalId));
      // Fields outside the schema are among them (the simulator sends what Zendesk sends).
      expect(Object.keys(page!.tickets[0]!.raw as object)).toEqual(expect.arrayContaining(['url', 'collaborator_ids', 'satisfaction_rating']));
    });
  });

  it('resumes from the stored cursor: only changed tickets come back, deleted ones as deleted', async () => {
    await withSimulator({ seed: 5 }, async (sim) => {
      const ids = await sim.seed(20);
      const ctx = createTestContext({ connector: zendesk(), credentials: sim.credentials(), baseUrl: sim.url });
      const first = await pullAll(ctx, null);
      const cursor = first.at(-1)!.nextCursor;
      expect(await pullAll(ctx, cursor).then((p) => p.flatMap((x) => x.tickets))).toHaveLength(0);

      await sim.update([ids[2]!, ids[7]!]);
      await sim.deleteTickets([ids[9]!]);
      const second = (await pullAll(ctx, cursor)).flatMap((p) => p.tickets);
      expect(second.map((t) => t.externalId).sort()).toEqual([ids[2], ids[7], ids[9]].sort());
      const deleted = second.find((t) => t.externalId === ids[9])!;
      expect(deleted).toMatchObject({ deleted: true, rawStatus: 'deleted', status: 'closed' });
      for (const t of second) expect(t.updatedAt).toBe(sim.snapshot().get(t.externalId));
    });
  });

  it('does not see changes from the last minute until the next poll (the export leaves them out)', async () => {
    await withSimulator({ seed: 6 }, async (sim) => {
      const ids = await sim.seed(10);
      const ctx = createTestContext({ connector: zendesk(), credentials: sim.credentials(), baseUrl: sim.url });
      const cursor = (await pullAll(ctx, null)).at(-1)!.nextCursor;
      // Changed "now" on the simulator's clock: inside the excluded minute.
      await sim.update([ids[1]!], { advanceMs: 0 });
      const early = await pullAll(ctx, cursor);
      expect(early.flatMap((p) => p.tickets)).toHaveLength(0);
      // The empty poll must not move the cursor past the excluded change.
      sim.clock.advance(61_000);
      const later = await pullAll(ctx, early.at(-1)!.nextCursor);
      expect(later.flatMap((p) => p.tickets.map((t) => t.externalId))).toEqual([ids[1]]);
    });
  });

  it('starts the first pull at the account\'s beginning (start_time=0), then follows the cursor only', async () => {
    await withSimulator({ seed: 7 }, async (sim) => {
      await sim.seed(5);
      const ctx = createTestContext({ connector: zendesk(), credentials: sim.credentials(), baseUrl: sim.url });
      const pages = await pullAll(ctx, null);
      const [call] = exportRequests(sim);
      expect(call!.query.get('start_time')).toBe('0');
      const before = exportRequests(sim).length;
      await pullAll(ctx, pages.at(-1)!.nextCursor);
      const resumed = exportRequests(sim).slice(before);
      expect(resumed.length).toBeGreaterThan(0);
      expect(resumed.every((r) => r.query.get('start_time') === null && r.query.get('cursor'))).toBe(true);
    });
  });

  it('pauses on the export bucket header instead of running into the 10-requests limit', async () => {
    await withSimulator({ seed: 8, exportPageSize: 5, exportLimitPerMinute: 2, exportWindowMs: 1_000 }, async (sim) => {
      await sim.seed(25);
      const pages = await pullAll(createTestContext({ connector: zendesk(), credentials: sim.credentials(), baseUrl: sim.url }), null);
      expect(pages.flatMap((p) => p.tickets)).toHaveLength(25);
      expect(sim.stats().limitViolations).toBe(0);
      expect(sim.stats().rateLimited).toBe(0);
    });
  });

  it('waits Retry-After on a 429 and carries on', async () => {
    await withSimulator({ seed: 9, exportPageSize: 5 }, async (sim) => {
      await sim.seed(12);
      sim.faults.inject('status429', { count: 1, path: /incremental/ });
      const pages = await pullAll(createTestContext({ connector: zendesk(), credentials: sim.credentials(), baseUrl: sim.url }), null);
      expect(pages.flatMap((p) => p.tickets)).toHaveLength(12);
      expect(sim.stats().rateLimited).toBe(1);
      expect(sim.stats().limitViolations).toBe(0);
    });
  });

  it('reads comments with cursor pagination when includeComments is on, public and private kept', async () => {
    await withSimulator({ seed: 10 }, async (sim) => {
      const ids = await sim.seed(3);
      for (let i = 0; i < 150; i++) await sim.addComment(ids[0]!, { body: `reply ${i}`, public: i % 3 !== 0 }, { advanceMs: 0 });
      await sim.addComment(ids[0]!, { body: 'internal', html: '<p>internal <b>note</b></p>', public: false });
      const connector = zendesk({ includeComments: true });
      const tickets = (await pullAll(createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url }), null, { includeComments: true })).flatMap((p) => p.tickets);
      const busy = tickets.find((t) => t.externalId === ids[0])!;
      expect(busy.comments!.length).toBeGreaterThan(150);
      expect(busy.comments!.some((c) => !c.public)).toBe(true);
      expect(busy.comments!.at(-1)).toMatchObject({ body: 'internal', htmlBody: '<p>internal <b>note</b></p>', public: false });
      expect(busy.comments!.at(-1)!.author?.name).toBeTruthy();
      const commentCalls = sim.requests().filter((r) => r.path === `/api/v2/tickets/${ids[0]}/comments.json`);
      expect(commentCalls.length).toBe(2);
      expect(commentCalls[0]!.query.get('page[size]')).toBe('100');
      expect(commentCalls[1]!.query.get('page[after]')).toBeTruthy();
      for (const t of tickets) expect(t.comments?.length).toBeGreaterThan(0);
    });
  });
});

describe('fetchTicket and fetchTickets', () => {
  it('hydrates one ticket with side-loads and answers null for deleted or unknown ids', async () => {
    await withSimulator({ seed: 11 }, async (sim) => {
      const ids = await sim.seed(4);
      const ctx = createTestContext({ connector: zendesk(), credentials: sim.credentials(), baseUrl: sim.url });
      const connector = zendesk();
      const one = await connector.fetchTicket(ctx, { externalId: ids[0]! });
      expect(one).toMatchObject({ externalId: ids[0], requester: { name: expect.any(String), email: expect.stringContaining('@') } });
      await sim.deleteTickets([ids[1]!]);
      expect(await connector.fetchTicket(ctx, { externalId: ids[1]! })).toBeNull();
      expect(await connector.fetchTicket(ctx, { externalId: '999999999' })).toBeNull();
      expect(await connector.fetchTicket(ctx, { externalId: '../users/me' })).toBeNull();
      const many = await connector.fetchTickets!(ctx, { externalIds: ids });
      expect(many.map((t) => t.externalId).sort()).toEqual([ids[0], ids[2], ids[3]].sort());
    });
  });
});
