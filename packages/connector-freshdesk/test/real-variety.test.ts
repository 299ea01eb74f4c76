import { TicketDraft } from '@ticketbridge/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeSimulators, drain, latestById, setup } from './helpers.js';

afterEach(closeSimulators);

describe('freshdesk: the real variety of payloads', () => {
  it('every generated ticket, with nulls, empty strings, absent members and unicode, is a valid draft that keeps what Freshdesk sent', async () => {
    const { sim, connector, ctx } = await setup({ seed: 11 });
    const ids = await sim.seed(300);
    const edge = await sim.seedEdgeCases();
    // A requester deleted from the contacts: include=requester has nothing to say about it.
    await sim.patchTicket(ids[0]!, { requester_id: 1 });
    const got = latestById(await drain(connector.pull(ctx, { cursor: null })));
    expect(got.size).toBe(304);
    for (const t of got.values()) expect(TicketDraft.safeParse(t).success, t.externalId).toBe(true);
    const raws = [...got.values()].map((t) => t.raw as Record<string, unknown>);
    // The account's variety reaches the connector as sent: nulls kept in raw and in custom fields.
    expect(raws.some((r) => r['company_id'] === null)).toBe(true);
    expect(raws.some((r) => r['responder_id'] === null)).toBe(true);
    expect(raws.some((r) => r['type'] === null)).toBe(true);
    expect([...got.values()].some((t) => t.customFields['cf_order_number'] === null)).toBe(true);
    expect([...got.values()].some((t) => t.customFields['cf_escalation_notes'] === '')).toBe(true);
    expect(got.get(ids[0]!)!.requester).toEqual({ externalId: '1', name: null, email: null });
    expect(new Set([...got.values()].map((t) => t.channel))).toEqual(new Set(['email', 'portal', 'phone', 'chat', 'feedback_widget', 'outbound_email']));
    // A huge custom field travels whole.
    expect((got.get(edge.huge.id)!.customFields['cf_escalation_notes'] as string).length).toBe(64 * 1024);
    // Unicode names of requesters survive the side-load.
    expect([...got.values()].some((t) => /[^\x00-\x7F]/.test(t.requester?.name ?? ''))).toBe(true);
  });
});

describe('freshdesk fetchTicket', () => {
  it('reads one ticket by id with the requester, a trashed one as a deletion, and null for purged or non-numeric ids', async () => {
    const { sim, connector, ctx } = await setup();
    const [a, b] = await sim.seed(2);
    await sim.remove([b!]);
    sim.resetStats();
    const live = await connector.fetchTicket(ctx, { externalId: a! });
    expect(live).toMatchObject({ externalId: a, deleted: false, requester: { name: expect.any(String) } });
    expect(await connector.fetchTicket(ctx, { externalId: b! })).toMatchObject({ externalId: b, deleted: true });
    expect(await connector.fetchTicket(ctx, { externalId: '999999' })).toBeNull();
    const before = sim.stats().requests;
    expect(await connector.fetchTicket(ctx, { externalId: '../agents/me' })).toBeNull();
    expect(sim.stats().requests).toBe(before);
  });
});
