import { TicketDraft } from '@ticketbridge/core';
import { afterEach, describe, expect, it } from 'vitest';
import { INTERCOM_VERSION, MAX_PARTS, type IntercomCursor } from '../src/index.js';
import { closeSimulators, drain, latestById, setup } from './helpers.js';

afterEach(closeSimulators);

describe('Intercom pull', () => {
  it('pins Intercom-Version on every request and searches updated_at ">" (greater or equal), oldest first, 150 per page', async () => {
    const { sim, connector, ctx } = await setup({ seed: 2 });
    await sim.seed(40);
    await drain(connector.pull(ctx, { cursor: null }));
    const log = sim.requests();
    expect(log.length).toBeGreaterThan(40);
    expect(new Set(log.map((r) => r.version))).toEqual(new Set([INTERCOM_VERSION]));
    const searches = log.filter((r) => r.path.endsWith('/search'));
    expect(searches.map((r) => r.path)).toEqual(['/conversations/search', '/tickets/search']);
    for (const s of searches) {
      expect(s.body).toMatchObject({
        query: { operator: 'AND', value: [{ field: 'updated_at', operator: '>' }] },
        pagination: { per_page: 150 },
        sort: { field: 'updated_at', order: 'ascending' },
      });
    }
  });

  it('follows starting_after through pages and restarts nothing: 400 items, each delivered once', async () => {
    const { sim, connector, ctx } = await setup({ seed: 3 }, { includeParts: false });
    const ids = await sim.seed(400);
    const pages = await drain(connector.pull(ctx, { cursor: null }));
    const all = pages.flatMap((p) => p.tickets.map((t) => t.externalId));
    expect(new Set(all)).toEqual(new Set(ids));
    expect(all).toHaveLength(ids.length);
    const bodies = sim.requests().map((r) => r.body as { pagination?: { starting_after?: string } } | undefined);
    expect(bodies.filter((b) => b?.pagination?.starting_after).length).toBeGreaterThan(0);
  });

  it('flags a conversation cut at 500 parts instead of passing it off as whole', async () => {
    const { sim, connector, ctx } = await setup({ seed: 4 });
    const [long, short] = await sim.seedKind('conversation', 2);
    await sim.addParts(long!, 620);
    const byId = latestById(await drain(connector.pull(ctx, { cursor: null })));
    const cut = byId.get(long!)!;
    expect(cut.customFields['intercom_parts_truncated']).toBe(true);
    expect(cut.customFields['intercom_parts_total']).toBe(622);
    // 500 parts came back; the notes among them are internal.
    expect(cut.comments).toHaveLength(MAX_PARTS);
    expect(cut.comments!.some((c) => !c.public)).toBe(true);
    const whole = byId.get(short!)!;
    expect(whole.customFields['intercom_parts_truncated']).toBeUndefined();
    expect(whole.comments!.map((c) => c.body)).toEqual(['Thanks, we are looking into it.', expect.stringContaining('Internal: check the')]);
  });

  it('delivers a conversation deleted between the search and its read-back (404) as a deletion, and the run goes on', async () => {
    const { sim, connector, ctx } = await setup({ seed: 5 });
    const ids = await sim.seedKind('conversation', 25);
    const out = [];
    let removed = false;
    for await (const page of connector.pull(ctx, { cursor: null })) {
      out.push(page);
      // The search listed all 25; the second batch of read-backs has not happened yet.
      if (!removed) {
        await sim.removeQuietly([ids[15]!]);
        removed = true;
      }
    }
    const byId = latestById(out);
    const conversations = [...byId.values()].filter((t) => t.externalId.startsWith('conversation:'));
    expect(conversations).toHaveLength(25);
    expect(byId.get(ids[15]!)).toMatchObject({ deleted: true, externalId: ids[15] });
    expect(conversations.filter((t) => t.deleted).map((t) => t.externalId)).toEqual([ids[15]]);
  });

  it('keeps one position per search and resumes in the ticket search after a stop there, without re-reading conversations', async () => {
    const { sim, connector, ctx } = await setup({ seed: 6 });
    await sim.seedKind('conversation', 12);
    const tickets = await sim.seedKind('ticket', 25);
    let stopped: IntercomCursor | undefined;
    const before = new Set<string>();
    for await (const page of connector.pull(ctx, { cursor: null })) {
      for (const t of page.tickets) before.add(t.externalId);
      if (page.nextCursor.stream === 'tickets' && page.tickets.some((t) => t.externalId.startsWith('ticket:'))) {
        stopped = page.nextCursor;
        break;
      }
    }
    expect(stopped).toBeDefined();
    expect(connector.cursor.safeParse(stopped).success).toBe(true);
    expect(stopped!.streams.conversations.since).toBeGreaterThan(0);
    sim.resetStats();
    const rest = latestById(await drain(connector.pull(ctx, { cursor: stopped! })));
    expect(sim.requests().some((r) => r.path === '/conversations/search')).toBe(false);
    const delivered = new Set([...before, ...rest.keys()].filter((id) => id.startsWith('ticket:')));
    expect(delivered).toEqual(new Set(tickets));
    // Only the remainder of the ticket search was read back.
    expect(sim.requests().filter((r) => r.path.startsWith('/tickets/') && r.method === 'GET').length).toBeLessThan(tickets.length);
  });

  it('an incremental pull searches again but reads back only what changed', async () => {
    const { sim, connector, ctx } = await setup({ seed: 7 });
    const ids = await sim.seed(30);
    const first = await drain(connector.pull(ctx, { cursor: null }));
    const cursor = first.at(-1)!.nextCursor;
    expect(cursor.stream).toBe('conversations');
    await sim.update([ids[2]!, ids[3]!]);
    sim.resetStats();
    const second = latestById(await drain(connector.pull(ctx, { cursor })));
    expect([...second.keys()].sort()).toEqual([ids[2]!, ids[3]!].sort());
    const reads = sim.requests().filter((r) => r.method === 'GET' && r.path !== '/conversations/deleted');
    expect(reads).toHaveLength(2);
  });

  it('hears of deletions between polls from the deleted-ids list, newest first, stopping at the last one it handled', async () => {
    const { sim, connector, ctx } = await setup({ seed: 15 }, {}, 0);
    const ids = await sim.seed(30);
    const first = await drain(connector.pull(ctx, { cursor: null }));
    await sim.removeQuietly([ids[1]!, ids[2]!]);
    sim.resetStats();
    const second = await drain(connector.pull(ctx, { cursor: first.at(-1)!.nextCursor }));
    const deleted = second.flatMap((p) => p.tickets).filter((t) => t.deleted);
    // Each id is deleted under both prefixes: the listing does not say whether it was a ticket.
    expect(new Set(deleted.map((t) => t.externalId.split(':')[1]))).toEqual(new Set([ids[1]!, ids[2]!].map((id) => id.split(':')[1])));
    expect(deleted).toHaveLength(4);
    expect(sim.requests().filter((r) => r.path === '/conversations/deleted')).toHaveLength(1);
    // Handled deletions are not delivered again.
    const third = await drain(connector.pull(ctx, { cursor: second.at(-1)!.nextCursor }));
    expect(third.flatMap((p) => p.tickets)).toEqual([]);
  });

  it('walks the deleted-ids list across pages and resumes a walk stopped mid-way', async () => {
    const { sim, connector, ctx } = await setup({ seed: 16 }, { includeParts: false }, 0);
    const ids = await sim.seedKind('conversation', 150);
    const first = await drain(connector.pull(ctx, { cursor: null }));
    await sim.removeQuietly(ids.slice(0, 130));
    let stopped: IntercomCursor | undefined;
    const seen = new Set<string>();
    for await (const page of connector.pull(ctx, { cursor: first.at(-1)!.nextCursor })) {
      for (const t of page.tickets) if (t.deleted) seen.add(t.externalId);
      if (page.nextCursor.streams.deleted.walk) {
        stopped = page.nextCursor;
        break;
      }
    }
    expect(stopped?.streams.deleted.walk?.page).toBe(2);
    for await (const page of connector.pull(ctx, { cursor: stopped! })) for (const t of page.tickets) if (t.deleted) seen.add(t.externalId);
    expect([...seen].filter((id) => id.startsWith('conversation:')).sort()).toEqual(ids.slice(0, 130).sort());
  });

  it('pages through 300 items that share one second without getting stuck', async () => {
    const { sim, connector, ctx } = await setup({ seed: 8 }, { includeParts: false });
    const ids = await sim.seedSameSecond(300, '2026-03-01T10:00:00Z');
    const pages = await drain(connector.pull(ctx, { cursor: null }));
    expect(new Set(pages.flatMap((p) => p.tickets.map((t) => t.externalId)))).toEqual(new Set(ids));
  });

  it('when the search ignores sort (newest first), nothing is skipped on the first sync', async () => {
    const { sim, connector, ctx } = await setup({ seed: 9, honourSort: false }, { includeParts: false });
    const ids = await sim.seed(200);
    const pages = await drain(connector.pull(ctx, { cursor: null }));
    expect(new Set(pages.flatMap((p) => p.tickets.map((t) => t.externalId)))).toEqual(new Set(ids));
  });

  it('names assignees from List all admins and List all teams, read once per sync, and keeps ids without "Read admins"', async () => {
    const { sim, connector, ctx } = await setup({ seed: 13 });
    const ids = await sim.seedKind('conversation', 24);
    await sim.patch(ids[0]!, { admin_assignee_id: 991267460, team_assignee_id: 0 });
    await sim.patch(ids[1]!, { admin_assignee_id: 0, team_assignee_id: 5017691 });
    const byId = latestById(await drain(connector.pull(ctx, { cursor: null })));
    expect(byId.get(ids[0]!)!.assignee).toEqual({ externalId: '991267460', name: 'Zoë Ñandú', email: 'zoe@example.com' });
    expect(byId.get(ids[1]!)!.assignee).toEqual({ externalId: 'team:5017691', name: 'Billing & Refunds', email: null });
    expect(sim.stats().byPath['/admins']).toBe(1);
    expect(sim.stats().byPath['/teams']).toBe(1);

    const bare = await setup({ seed: 13, readAdmins: false });
    const more = await bare.sim.seedKind('conversation', 3);
    await bare.sim.patch(more[0]!, { admin_assignee_id: 991267460 });
    const drafts = latestById(await drain(bare.connector.pull(bare.ctx, { cursor: null })));
    expect(drafts.get(more[0]!)!.assignee).toEqual({ externalId: '991267460', name: null, email: null });
    expect(drafts.size).toBe(3);
  });

  it('every seeded item, whatever its nulls, empties and absences, is a valid draft', async () => {
    const { sim, connector, ctx } = await setup({ seed: 14 });
    await sim.seed(60);
    await sim.seedEdgeCases();
    const drafts = [...latestById(await drain(connector.pull(ctx, { cursor: null }))).values()];
    expect(drafts).toHaveLength(64);
    for (const d of drafts) expect(TicketDraft.safeParse(d).success, d.externalId).toBe(true);
  });

  it('fetchTicket reads conversations and tickets by their prefixed ids and never sends a malformed id to the API', async () => {
    const { sim, connector, ctx } = await setup({ seed: 10 });
    const [c] = await sim.seedKind('conversation', 1);
    const [t] = await sim.seedKind('ticket', 1);
    expect((await connector.fetchTicket(ctx, { externalId: c! }))?.externalId).toBe(c);
    expect((await connector.fetchTicket(ctx, { externalId: t! }))?.externalId).toBe(t);
    sim.resetStats();
    for (const bad of ['123', 'conversation:../me', 'ticket:', 'issue:5', 'conversation:1?x=1']) expect(await connector.fetchTicket(ctx, { externalId: bad })).toBeNull();
    expect(sim.stats().requests).toBe(0);
    await sim.removeQuietly([t!]);
    expect(await connector.fetchTicket(ctx, { externalId: t! })).toBeNull();
  });
});
