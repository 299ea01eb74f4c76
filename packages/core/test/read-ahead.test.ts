import { afterEach, describe, expect, it } from 'vitest';
import { createHub, MemoryStore, type PageCommit } from '../src/index.js';
import { TEST_HUB_DEFAULTS } from '../src/testing.js';
import { GOOD_TOKEN, MemDesk, memConnector } from './mem-connector.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A store that notes each page commit in the shared log. */
class LoggingStore extends MemoryStore {
  constructor(private readonly log: string[]) {
    super();
  }
  override async commitPage(connectionId: string, commit: PageCommit): Promise<void> {
    await super.commitPage(connectionId, commit);
    this.log.push(`commit ${commit.run?.pages ?? "?"}`);
  }
}

describe('a poll reads the next page while the host handles the current one', () => {
  it('asks for page N+1 before page N is committed, and delivers page N+1 only after that commit', async () => {
    const log: string[] = [];
    const desk = new MemDesk();
    desk.add(30);
    const base = memConnector(desk);
    // The platform side: note when the engine asks the connector for each page.
    const connector = {
      ...base,
      async *pull(...args: Parameters<typeof base.pull>) {
        let n = 0;
        log.push(`read ${++n}`);
        for await (const page of base.pull(...args)) {
          yield page;
          log.push(`read ${++n}`);
        }
      },
    };
    const hub = createHub({ connectors: [connector], store: new LoggingStore(log), ...TEST_HUB_DEFAULTS });
    cleanups.push(() => hub.close());
    hub.on('ticket', (e) => {
      if (Number(e.ticket.externalId) % 10 === 1) log.push(`deliver ${Math.ceil(Number(e.ticket.externalId) / 10)}`);
    });
    const connection = await hub.connect({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: GOOD_TOKEN } });
    const run = await hub.syncNow(connection.id);
    expect(run.status).toBe('succeeded');
    expect(run.pages).toBe(3);
    // read 4 is the call that finds the end of the feed.
    expect(log).toEqual(['read 1', 'read 2', 'deliver 1', 'commit 1', 'read 3', 'deliver 2', 'commit 2', 'read 4', 'deliver 3', 'commit 3']);
    // The history record went in with each page: the stored run counts every page.
    expect((await hub.history(connection.id))[0]).toMatchObject({ pages: 3, ticketsSynced: 30, status: 'succeeded' });
  });
});
