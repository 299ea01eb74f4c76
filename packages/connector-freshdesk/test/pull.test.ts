import { StuckCursorError } from '@ticketbridge/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestContext } from '@ticketbridge/core/testing';
import { FreshdeskCursor } from '../src/index.js';
import { closeSimulators, drain, latestById, setup } from './helpers.js';

afterEach(closeSimulators);

const listCalls = (sim: Awaited<ReturnType<typeof setup>>['sim']) => sim.requests().filter((r) => r.path === '/api/v2/tickets');

describe('freshdesk pull: List All Tickets', () => {
  it('always sends updated_since, ascending updated_at, 100 per page and only the includes the mapping reads', async () => {
    const { sim, connector, ctx } = await setup();
    await sim.seed(250);
    await drain(connector.pull(ctx, { cursor: null }));
    const calls = listCalls(sim);
    expect(calls.length).toBeGreaterThan(2);
    for (const c of calls) {
      // Without updated_since Freshdesk silently returns the last 30 days only.
      expect(c.query.get('updated_since'), c.query.toString()).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(c.query.get('order_by')).toBe('updated_at');
      expect(c.query.get('order_type')).toBe('asc');
      expect(c.query.get('per_page')).toBe('100');
      expect(c.query.get('include')).toBe('description,requester');
    }
    // The first sync reads the live tickets from the start, then the trash and spam.
    expect(calls[0]!.query.get('updated_since')).toBe('2000-01-01T00:00:00Z');
    expect(calls.map((c) => c.query.get('filter'))).toEqual([...calls.slice(0, -2).map(() => null), 'deleted', 'spam']);
  });

  it('starts every page as a fresh query from the last updated_at read, so it never pages toward the 300-page cap', async () => {
    const { sim, connector, ctx } = await setup();
    await sim.seed(1_000);
    const pages = await drain(connector.pull(ctx, { cursor: null }));
    expect(latestById(pages).size).toBe(1_000);
    const live = listCalls(sim).filter((c) => c.query.get('filter') === null);
    expect(live.every((c) => c.query.get('page') === '1')).toBe(true);
    // Each restart begins at the second the page before ended on.
    for (let i = 1; i < live.length; i++) expect(Date.parse(live[i]!.query.get('updated_since')!)).toBeGreaterThanOrEqual(Date.parse(live[i - 1]!.query.get('updated_since')!));
    // Same-second repeats at a restart are dropped before normalizing, not delivered twice.
    const delivered = pages.flatMap((p) => p.tickets.map((t) => t.externalId));
    expect(new Set(delivered).size).toBe(delivered.length);
  });

  it('pages through a run of tickets sharing one second with page numbers, then restarts after it', async () => {
    const { sim, connector, ctx } = await setup();
    await sim.seed(120);
    const burst = await sim.seedSameSecond(250, '2026-06-01T10:00:00Z');
    await sim.seed(30);
    const pages = await drain(connector.pull(ctx, { cursor: null }));
    const latest = latestById(pages);
    expect(latest.size).toBe(400);
    for (const id of burst) expect(latest.get(id)?.updatedAt).toBe('2026-06-01T10:00:00.000Z');
    const inBurst = listCalls(sim).filter((c) => c.query.get('updated_since') === '2026-06-01T10:00:00Z');
    expect(inBurst.map((c) => c.query.get('page'))).toEqual(['1', '2', '3']);
  });

  it('a backlog of 30,001 tickets in one second stops with StuckCursorError at the cap, never asking for page 301', async () => {
    const { sim, connector, ctx } = await setup();
    await sim.seedSameSecond(30_001, '2026-06-01T10:00:00Z');
    const pages: unknown[] = [];
    const error = await (async () => {
      for await (const page of connector.pull(ctx, { cursor: null })) pages.push(page);
    })().then(() => undefined, (e: unknown) => e);
    expect(StuckCursorError.isInstance(error)).toBe(true);
    // The first query (from 2000) re-anchors at the shared second, whose query is paged to the cap: 1 + 300 requests,
    // and the 300th page is never delivered: its restart is where the anchored query began.
    expect(pages).toHaveLength(300);
    const asked = listCalls(sim).map((c) => Number(c.query.get('page')));
    expect(Math.max(...asked)).toBe(300);
    expect(sim.stats().byPath['/api/v2/tickets']).toBe(301);
  }, 120_000);

  it('the simulator answers page 301 with Freshdesk\'s 400 and per_page 101 with its validation error', async () => {
    const { sim } = await setup();
    const auth = { authorization: `Basic ${Buffer.from(`${sim.credentials().apiKey}:X`).toString('base64')}` };
    const past = await fetch(`${sim.url}/api/v2/tickets?page=301&updated_since=2020-01-01T00:00:00Z`, { headers: auth });
    expect(past.status).toBe(400);
    expect(JSON.stringify(await past.json())).toContain('You cannot access tickets beyond the 300th page');
    const big = await fetch(`${sim.url}/api/v2/tickets?per_page=101`, { headers: auth });
    expect(big.status).toBe(400);
  });

  it('resumes inside a same-second run from the saved page, and the cursor survives JSON', async () => {
    const { sim, connector, ctx } = await setup();
    await sim.seedSameSecond(250, '2026-06-01T10:00:00Z');
    const delivered = new Set<string>();
    let saved: unknown;
    for await (const page of connector.pull(ctx, { cursor: null })) {
      for (const t of page.tickets) delivered.add(t.externalId);
      saved = JSON.parse(JSON.stringify(page.nextCursor));
      if (page.nextCursor.page > 1) break;
    }
    const cursor = FreshdeskCursor.parse(saved);
    expect(cursor).toMatchObject({ stream: 'tickets', page: 2, streams: { tickets: { since: '2026-06-01T10:00:00Z' } } });
    sim.resetStats();
    for (const t of [...latestById(await drain(connector.pull(ctx, { cursor })))].map(([id]) => id)) delivered.add(t);
    expect(delivered.size).toBe(250);
    expect(listCalls(sim)[0]!.query.get('page')).toBe('2');
  });

  it('sends deleted and spam tickets as deletions, each once, and a synced ticket later removed reaches the host', async () => {
    const { sim, connector, ctx } = await setup();
    const ids = await sim.seed(40);
    const first = await drain(connector.pull(ctx, { cursor: null }));
    const cursor = first.at(-1)!.nextCursor;
    await sim.remove([ids[3]!]);
    await sim.markSpam([ids[7]!]);
    const second = await drain(connector.pull(ctx, { cursor }));
    const got = latestById(second);
    expect(got.get(ids[3]!)).toMatchObject({ deleted: true });
    expect(got.get(ids[7]!)).toMatchObject({ deleted: true });
    expect((got.get(ids[7]!)!.raw as { spam: boolean }).spam).toBe(true);
    const filters = listCalls(sim).slice(-3).map((c) => c.query.get('filter'));
    expect(filters).toEqual([null, 'deleted', 'spam']);
    // The next pull hears nothing new about them (their updated_at is the restart second: skipped as already seen).
    const third = await drain(connector.pull(ctx, { cursor: second.at(-1)!.nextCursor }));
    expect(third.flatMap((p) => p.tickets)).toEqual([]);
  });

  it('reports removals only from about the first sync on, not the whole trash', async () => {
    const { sim, connector, ctx } = await setup();
    const ids = await sim.seed(10);
    await sim.patchTicket(ids[0]!, { deleted: true }, { at: '2026-01-01T00:00:00Z' });
    const pages = await drain(connector.pull(ctx, { cursor: null }));
    expect(latestById(pages).has(ids[0]!)).toBe(false);
  });

  it('maps custom statuses through the account\'s ticket fields, read once and only when one shows up', async () => {
    const { sim, connector, ctx } = await setup();
    const ids = await sim.seed(30);
    for (const id of ids) await sim.patchTicket(id, { status: 2 }, { at: '2026-02-01T00:00:00Z' });
    await drain(connector.pull(ctx, { cursor: null }));
    expect(sim.stats().byPath['/api/v2/ticket_fields']).toBeUndefined();
    await sim.patchTicket(ids[0]!, { status: 6 });
    await sim.patchTicket(ids[1]!, { status: 9 });
    const pages = await drain(connector.pull(ctx, { cursor: null }));
    const got = latestById(pages);
    // 6 "Waiting on Customer" is shown to customers as "Awaiting your Reply", Pending's label.
    expect(got.get(ids[0]!)).toMatchObject({ status: 'pending', rawStatus: '6' });
    // 9 is not in the account's status field: kept as open, with its code.
    expect(got.get(ids[1]!)).toMatchObject({ status: 'open', rawStatus: '9' });
    expect(sim.stats().byPath['/api/v2/ticket_fields']).toBe(1);
    expect(sim.requests().find((r) => r.path === '/api/v2/ticket_fields')!.query.get('type')).toBe('default_status');
  });
});

describe('freshdesk pull: agents', () => {
  it('names assignees from the agents list, read once per sync and only when a ticket is assigned', async () => {
    const { sim, connector, ctx } = await setup();
    const ids = await sim.seed(250);
    const pages = await drain(connector.pull(ctx, { cursor: null }));
    const assigned = [...latestById(pages).values()].filter((t) => t.assignee);
    expect(assigned.length).toBeGreaterThan(0);
    for (const t of assigned) expect(t.assignee!.name, t.externalId).toBeTruthy();
    expect(assigned.some((t) => t.assignee!.email === 'chen@acme.example.com' && t.assignee!.name === 'Chen Wei 陈伟')).toBe(true);
    expect(sim.stats().byPath['/api/v2/agents']).toBe(1);
    // An unassigned-only page never asks.
    const fresh = await setup();
    const [only] = await fresh.sim.seed(1);
    await fresh.sim.patchTicket(only!, { responder_id: null });
    await drain(fresh.connector.pull(fresh.ctx, { cursor: null }));
    expect(fresh.sim.stats().byPath['/api/v2/agents']).toBeUndefined();
    expect(ids.length).toBe(250);
  });
});

describe('freshdesk pull: conversations and request budget', () => {
  it('reads replies and private notes only with includeComments, telling them apart', async () => {
    const { sim, connector, ctx } = await setup({}, { includeComments: true });
    const ids = await sim.seed(3);
    await sim.addConversation(ids[0]!, { body: 'Customer says hi', incoming: true });
    await sim.addConversation(ids[0]!, { body: 'Internal: refund approved', private: true });
    await sim.addConversation(ids[0]!, { body: 'Agent reply', html: '<div>Agent <b>reply</b></div>' });
    const got = latestById(await drain(connector.pull(ctx, { cursor: null })));
    const comments = got.get(ids[0]!)!.comments!;
    expect(comments.map((c) => [c.body, c.public])).toEqual([
      ['Customer says hi', true],
      ['Internal: refund approved', false],
      ['Agent reply', true],
    ]);
    expect(comments[2]!.htmlBody).toBe('<div>Agent <b>reply</b></div>');
    expect(got.get(ids[1]!)!.comments).toEqual([]);
    const plain = await setup();
    await plain.sim.seed(3);
    const without = latestById(await drain(plain.connector.pull(plain.ctx, { cursor: null })));
    expect([...without.values()].every((t) => t.comments === undefined)).toBe(true);
    expect(plain.sim.requests().some((r) => r.path.endsWith('/conversations'))).toBe(false);
  });

  it('pages conversations past 100 with the link header', async () => {
    const { sim, connector, ctx } = await setup({}, { includeComments: true });
    const [id] = await sim.seed(1);
    for (let i = 0; i < 130; i++) await sim.addConversation(id!, { body: `note ${i}`, private: true });
    const got = latestById(await drain(connector.pull(ctx, { cursor: null })));
    expect(got.get(id!)!.comments).toHaveLength(130);
    expect(sim.requests().filter((r) => r.path.endsWith('/conversations')).map((r) => r.query.get('page'))).toEqual(['1', '2']);
  });

  it('stops a runaway conversation at 50 pages and says so in the log', async () => {
    const { sim, connector } = await setup({}, { includeComments: true });
    const warnings: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (message: string, fields?: Record<string, unknown>) => void warnings.push({ message, ...(fields ? { fields } : {}) }) };
    const ctx = createTestContext({ connector, credentials: sim.credentials(), baseUrl: sim.url, logger });
    const [id] = await sim.seed(1);
    for (let i = 0; i < 5_050; i++) await sim.addConversation(id!, { body: `auto-reply ${i}` });
    const got = latestById(await drain(connector.pull(ctx, { cursor: null })));
    expect(got.get(id!)!.comments).toHaveLength(5_000);
    expect(sim.requests().filter((r) => r.path.endsWith('/conversations'))).toHaveLength(50);
    expect(warnings).toEqual([{ message: expect.stringContaining('more conversations'), fields: expect.objectContaining({ ticketId: id, read: 5_000 }) }]);
  });

  it('reads conversations only for tickets that changed since the last pull', async () => {
    const { sim, connector, ctx } = await setup({}, { includeComments: true });
    const ids = await sim.seed(200);
    const first = await drain(connector.pull(ctx, { cursor: null }));
    sim.resetStats();
    await sim.update([ids[5]!, ids[150]!]);
    const second = await drain(connector.pull(ctx, { cursor: first.at(-1)!.nextCursor }));
    expect(new Set(second.flatMap((p) => p.tickets.map((t) => t.externalId)))).toEqual(new Set([ids[5], ids[150]]));
    expect(sim.requests().filter((r) => r.path.endsWith('/conversations')).map((r) => r.path).sort()).toEqual(
      [`/api/v2/tickets/${ids[150]}/conversations`, `/api/v2/tickets/${ids[5]}/conversations`].sort(),
    );
  });

  it('measures requests and credits per 1,000 tickets, with and without conversations', async () => {
    const counts: Record<string, { requests: number; credits: number }> = {};
    for (const includeComments of [false, true]) {
      const { sim, connector, ctx } = await setup({}, { includeComments });
      await sim.seed(1_000);
      sim.resetStats();
      const pages = await drain(connector.pull(ctx, { cursor: null }));
      expect(latestById(pages).size).toBe(1_000);
      counts[String(includeComments)] = { requests: sim.stats().requests, credits: sim.credits() };
    }
    // About one list call per 100 tickets (each restart re-reads the tickets of its first second), plus trash and spam.
    expect(counts['false']!.requests).toBeLessThanOrEqual(15);
    // Conversations cannot be side-loaded on the list: one call per changed ticket, no more.
    expect(counts['true']!.requests).toBe(counts['false']!.requests + 1_000);
    console.info(`[freshdesk] per 1,000 tickets: ${JSON.stringify(counts)}`);
  });
});
