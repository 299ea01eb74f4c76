import { afterEach, describe, expect, it } from 'vitest';
import { createHub, MemoryStore, type TicketEvent } from '../src/index.js';
import { TEST_HUB_DEFAULTS } from '../src/testing.js';
import { GOOD_TOKEN, MemDesk, memConnector } from './mem-connector.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(desk = new MemDesk()) {
  const store = new MemoryStore();
  const connector = memConnector(desk);
  const hub = createHub({ connectors: [connector], store, ...TEST_HUB_DEFAULTS });
  cleanups.push(() => hub.close());
  const events: TicketEvent[] = [];
  hub.on('ticket', (e) => {
    events.push(e);
  });
  const conn = await hub.connect({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: GOOD_TOKEN }, syncMode: 'poll' });
  return { hub, store, desk, events, conn, connector };
}

describe('the connector cursor schema', () => {
  it('a stored cursor that does not fit it (another connector, another version, corruption) starts the run over, and says so', async () => {
    const { hub, store, desk, events, conn } = await setup();
    desk.add(25);
    await hub.syncNow(conn.id);
    expect(events).toHaveLength(25);
    await store.setCursor(conn.id, { afterCursor: 'zendesk-cursor', v: 1 });
    const run = await hub.syncNow(conn.id);
    expect(run).toMatchObject({ status: 'succeeded', ticketsSynced: 0, duplicatesDropped: 25 });
    expect(run.note).toMatch(/stored cursor does not fit the memdesk connector's cursor schema \(after: invalid_type\); started over/);
    // Every version was already delivered: the restart cost reads, not duplicate events.
    expect(events).toHaveLength(25);
  });

  it('a page whose nextCursor does not fit it fails the run before that page is committed', async () => {
    const { hub, store, desk, conn, connector } = await setup();
    desk.add(15);
    const broken: typeof connector = {
      ...connector,
      async *pull(ctx, input) {
        let n = 0;
        for await (const page of connector.pull(ctx, input)) yield n++ === 0 ? page : { ...page, nextCursor: { after: 42 } as never };
      },
    };
    const hub2 = createHub({ connectors: [broken], store, ...TEST_HUB_DEFAULTS, autoStart: false });
    cleanups.push(() => hub2.close());
    const run = await hub2.syncNow(conn.id);
    expect(run).toMatchObject({ status: 'failed', pages: 1, errors: [{ code: 'config', message: expect.stringContaining('does not fit its own cursor schema (after: invalid_type)') }] });
    expect(run.nextRetryAt).toBeUndefined();
    expect(await store.getCursor(conn.id)).toEqual(run.cursorAfter);
    void hub;
  });
});
