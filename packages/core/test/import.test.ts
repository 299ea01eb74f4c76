import { afterEach, describe, expect, it } from 'vitest';
import { createHub, MemoryStore, type Hub, type ImportBatch, type TicketEvent } from '../src/index.js';
import { createTestDraft, TEST_HUB_DEFAULTS } from '../src/testing.js';
import { MemDesk, memConnector, GOOD_TOKEN } from './mem-connector.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const hub: Hub = createHub({ connectors: [memConnector(new MemDesk())], store: new MemoryStore(), ...TEST_HUB_DEFAULTS });
  cleanups.push(() => hub.close());
  const events: TicketEvent[] = [];
  hub.on('ticket', (e) => {
    events.push(e);
  });
  const conn = await hub.connect({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: GOOD_TOKEN }, syncMode: 'poll' });
  return { hub, events, conn };
}

const draft = (id: string, updatedAt: string, subject = `ticket ${id}`) => createTestDraft({ externalId: id, platform: 'memdesk', subject, updatedAt, createdAt: '2026-01-01T00:00:00.000Z' });

describe('hub.importTickets', () => {
  it('delivers imported batches as one csv run: source csv, refused records counted, re-import emits nothing, changes emit once', async () => {
    const { hub, events, conn } = await setup();
    const file = (): ImportBatch[] => [
      { tickets: [draft('1', '2026-02-01T00:00:00.000Z'), draft('2', '2026-02-01T00:00:00.000Z')], rejected: [{ at: 'row 3', field: 'Updated at', reason: 'not a date: "yesterday"' }] },
      { tickets: [draft('3', '2026-02-02T00:00:00.000Z')] },
    ];
    const cursorBefore = await hub.history(conn.id);
    const run = await hub.importTickets(conn.id, file());
    expect(run).toMatchObject({ trigger: 'csv', status: 'succeeded', ticketsSynced: 3, pages: 2, rejected: 1, cursorBefore: null, cursorAfter: null });
    expect(run.errors).toEqual([expect.objectContaining({ code: 'rejected_record', field: 'Updated at', message: 'row 3, Updated at: not a date: "yesterday"' })]);
    expect(events.map((e) => [e.type, e.source, e.ticket.externalId])).toEqual([
      ['ticket.created', 'csv', '1'],
      ['ticket.created', 'csv', '2'],
      ['ticket.created', 'csv', '3'],
    ]);
    expect(cursorBefore).toEqual([]);
    // The history's record is the finished run's, counts included (a running import saves it at most once a second).
    expect((await hub.history(conn.id))[0]).toEqual(run);

    const again = await hub.importTickets(conn.id, file());
    expect(again).toMatchObject({ ticketsSynced: 0, duplicatesDropped: 3 });
    const later = await hub.importTickets(conn.id, [{ tickets: [draft('1', '2026-02-01T00:00:00.000Z'), draft('2', '2026-03-01T00:00:00.000Z', 'renamed')] }]);
    expect(later).toMatchObject({ ticketsSynced: 1, duplicatesDropped: 1 });
    expect(events.slice(3).map((e) => [e.type, e.ticket.externalId, e.changes])).toEqual([['ticket.updated', '2', undefined]]);
    expect((await hub.history(conn.id)).map((r) => r.trigger)).toEqual(['csv', 'csv', 'csv']);
  });

  it('a batch whose handlers are sometimes asynchronous delivers each version once and in order, a repeat within the batch dropped', async () => {
    const { hub, events, conn } = await setup();
    // A second listener that answers with a promise for every other ticket: the batch stops at each and goes on from
    // where it stopped once the promise resolved, with the ticket it waited on already counted as delivered.
    let calls = 0;
    hub.on('ticket', async () => {
      if (calls++ % 2 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    });
    const run = await hub.importTickets(conn.id, [
      {
        tickets: [
          draft('1', '2026-02-01T00:00:00.000Z'),
          draft('2', '2026-02-01T00:00:00.000Z'),
          draft('1', '2026-02-01T00:00:00.000Z'),
          draft('3', '2026-02-01T00:00:00.000Z'),
          draft('1', '2026-02-05T00:00:00.000Z', 'renamed'),
        ],
      },
    ]);
    expect(run).toMatchObject({ status: 'succeeded', ticketsSynced: 4, duplicatesDropped: 1 });
    expect(events.map((e) => [e.type, e.ticket.externalId])).toEqual([
      ['ticket.created', '1'],
      ['ticket.created', '2'],
      ['ticket.created', '3'],
      ['ticket.updated', '1'],
    ]);
    expect(calls).toBe(4);
    const again = await hub.importTickets(conn.id, [{ tickets: [draft('1', '2026-02-05T00:00:00.000Z', 'renamed'), draft('3', '2026-02-01T00:00:00.000Z')] }]);
    expect(again).toMatchObject({ ticketsSynced: 0, duplicatesDropped: 2 });
  });

  it('an import that fails midway keeps what it delivered, records why, and is not retried as a poll', async () => {
    const { hub, events, conn } = await setup();
    async function* broken(): AsyncIterable<ImportBatch> {
      yield { tickets: [draft('1', '2026-02-01T00:00:00.000Z')] };
      throw new Error('the file ended in the middle of a quoted field');
    }
    const run = await hub.importTickets(conn.id, broken());
    expect(run.status).toBe('failed');
    expect(run.nextRetryAt).toBeUndefined();
    expect(run.errors[0]!.message).toContain('quoted field');
    expect(events).toHaveLength(1);
    expect((await hub.get(conn.id))!.status).toBe('active');
  });
});

describe('hub.importTickets and the drafts it is given', () => {
  it('copies drafts it is lent, and uses handed-over drafts as the tickets themselves', async () => {
    const { hub, events, conn } = await setup();
    const lent = draft('1', '2026-02-01T00:00:00.000Z');
    const given = draft('2', '2026-02-01T00:00:00.000Z');
    await hub.importTickets(conn.id, [{ tickets: [lent] }, { tickets: [given], handOver: true }]);
    expect(events.map((e) => e.ticket.externalId)).toEqual(['1', '2']);
    expect(events[0]!.ticket).not.toBe(lent);
    expect(lent).not.toHaveProperty('connectionId');
    expect(events[1]!.ticket).toBe(given);
    expect(events[1]!.ticket.connectionId).toBe(conn.id);
  });
});

describe('a connector with nothing to poll (polls: false)', () => {
  it('is never scheduled, and a manual sync is skipped with the reason, while imports still work', async () => {
    const hub = createHub({ connectors: [{ ...memConnector(new MemDesk()), polls: false }], store: new MemoryStore(), ...TEST_HUB_DEFAULTS, initialSyncDelayMs: 0 });
    cleanups.push(() => hub.close());
    const conn = await hub.connect({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: GOOD_TOKEN }, syncMode: 'poll' });
    await new Promise((r) => setTimeout(r, 100));
    expect(await hub.history(conn.id)).toEqual([]);
    const manual = await hub.syncNow(conn.id);
    expect(manual).toMatchObject({ status: 'skipped', requests: 0 });
    expect(manual.note).toMatch(/nothing to poll/);
    expect((await hub.importTickets(conn.id, [{ tickets: [draft('9', '2026-02-01T00:00:00.000Z')] }])).ticketsSynced).toBe(1);
  });
});
