import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHub, type SyncRun } from '@ticketbridge/core';
import { SqliteStore } from '../src/index.js';
import { bundleChild, children } from './child-process.js';
import { PAGE_SIZE, TICKETS, fixedDesk } from './child/fixed-desk.js';
import { tempDir } from './temp-dir.js';

const file = tempDir();
const spawn = children();
let hubWorker: string;
beforeAll(() => {
  hubWorker = bundleChild('hub-worker.ts');
});

const all = Array.from({ length: TICKETS }, (_, i) => String(i + 1));

describe('a host process killed mid-sync, then restarted on the same file', () => {
  it('resumes from the last committed page: every ticket delivered, only the unfinished page again, history kept', async () => {
    const path = file('crash');
    const key = randomBytes(32);

    // Process 1 syncs and is killed while its handler is inside ticket 25 (page 3 of 10-ticket pages).
    const first = spawn(hubWorker, [path, key.toString('base64'), '25']);
    await first.waitFor((m) => m.event === 'ready');
    const connectionId = await first.call<string>('connect');
    void first.call('syncAll').catch(() => undefined);
    await first.waitFor((m) => m.event === 'ticket' && m.data === '25');
    await first.crash();
    const handledBeforeCrash = first.events.filter((m) => m.event === 'ticket').map((m) => String(m.data));
    expect(handledBeforeCrash).toEqual(all.slice(0, 25));

    // Process 2: same file, same key.
    const store = new SqliteStore({ path, key });
    expect(await store.getCursor(connectionId)).toEqual({ after: 20 });
    const hub = createHub({ connectors: [fixedDesk()], store, lockTtlMs: 1000, autoStart: false });
    const handled: string[] = [];
    hub.on('ticket', (event) => {
      handled.push(event.ticket.externalId);
    });

    const [crashed] = await hub.history(connectionId);
    expect(crashed).toMatchObject({ pages: 2, ticketsSynced: 20, cursorBefore: null, cursorAfter: { after: 20 } });

    // The dead process's sync lock blocks a new sync until it expires; the run is recorded as skipped meanwhile.
    let resumed: SyncRun;
    for (;;) {
      resumed = await hub.syncNow(connectionId);
      if (resumed.status !== 'skipped') break;
      expect(resumed.note).toMatch(/another worker/);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(resumed).toMatchObject({ status: 'succeeded', cursorBefore: { after: 20 }, cursorAfter: { after: TICKETS }, ticketsSynced: 30 });
    expect(handled).toEqual(all.slice(20));

    // Together: every ticket at least once; the only repeats are the crashed page's tickets handled before the kill.
    const seen = [...handledBeforeCrash, ...handled];
    expect(new Set(seen)).toEqual(new Set(all));
    const repeats = seen.filter((id, i) => seen.indexOf(id) !== i);
    expect(repeats).toEqual(all.slice(20, 25));
    expect(repeats.length).toBeLessThanOrEqual(PAGE_SIZE);

    // Nothing is delivered twice after that.
    const again = await hub.syncNow(connectionId);
    expect(again).toMatchObject({ status: 'succeeded', ticketsSynced: 0 });
    expect(handled).toHaveLength(30);
    expect((await hub.history(connectionId)).map((r) => r.id)).toContain(crashed!.id);

    await hub.close();
    await store.close();
  });
});
