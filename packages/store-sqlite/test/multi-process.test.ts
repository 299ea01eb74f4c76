import { beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { bundleChild, children } from './child-process.js';
import { connection, version } from '@ticketbridge/test-support/store-fixtures';
import { tempDir } from './temp-dir.js';

const file = tempDir();
const spawn = children();
let worker: string;
beforeAll(() => {
  worker = bundleChild('store-worker.ts');
});

async function twoProcesses() {
  const path = file('shared');
  const here = new SqliteStore({ path, allowPlaintext: true });
  const there = spawn(worker, [path]);
  await there.waitFor((m) => m.event === 'ready');
  return { here, there };
}

/** Waits until the wall clock has moved past `at` (epoch ms): lock expiry is judged by each process's clock. */
async function waitUntilPast(at: number) {
  while (Date.now() <= at) await new Promise((resolve) => setTimeout(resolve, at - Date.now() + 5));
}

describe('two processes on one file', () => {
  it('a webhook route saved by one process is found by the other, and follows its re-registration', async () => {
    const { here, there } = await twoProcesses();
    const routed = (keys: string[]) => connection('c1', { platform: 'jira', webhook: { secret: 'whsec-0123456789abcdef', registration: { secret: 'whsec-0123456789abcdef', resources: {}, routeKeys: keys } } });
    await there.call('saveConnection', routed(['site:acme.atlassian.net/webhook:10000']));
    expect(await here.findConnectionsByWebhookRoute('jira', ['site:acme.atlassian.net/webhook:10000'], 5)).toEqual(['c1']);
    await there.call('saveConnection', routed(['site:acme.atlassian.net/webhook:10001']));
    expect(await here.findConnectionsByWebhookRoute('jira', ['site:acme.atlassian.net/webhook:10000'], 5)).toEqual([]);
    expect(await here.findConnectionsByWebhookRoute('jira', ['site:acme.atlassian.net/webhook:10001'], 5)).toEqual(['c1']);
    await here.close();
  });

  it('a lock held by another process blocks this one until it expires, then the holder has lost it', async () => {
    const { here, there } = await twoProcesses();
    const ttlMs = 1000;
    const takenAt = Date.now();
    expect(await there.call('acquireLock', 'sync:c1', 'worker-there', ttlMs)).toBe(true);
    expect(await here.acquireLock('sync:c1', 'worker-here', 60_000)).toBe(false);
    expect(await here.renewLock('sync:c1', 'worker-here', 60_000)).toBe(false);
    await here.releaseLock('sync:c1', 'worker-here');
    expect(await there.call('renewLock', 'sync:c1', 'worker-there', ttlMs)).toBe(true);
    const renewedUntil = Date.now() + ttlMs;
    expect(await here.acquireLock('sync:c1', 'worker-here', 60_000)).toBe(false);

    await waitUntilPast(Math.max(takenAt + ttlMs, renewedUntil));
    expect(await here.acquireLock('sync:c1', 'worker-here', 60_000)).toBe(true);
    expect(await there.call('renewLock', 'sync:c1', 'worker-there', ttlMs)).toBe(false);
    expect(await there.call('acquireLock', 'sync:c1', 'worker-there', ttlMs)).toBe(false);
    await here.releaseLock('sync:c1', 'worker-here');
    expect(await there.call('acquireLock', 'sync:c1', 'worker-there', ttlMs)).toBe(true);
    await here.close();
  });

  it('a process killed while holding a lock leaves it to expire, not forever', async () => {
    const { here, there } = await twoProcesses();
    const ttlMs = 1000;
    expect(await there.call('acquireLock', 'sync:c1', 'worker-there', ttlMs)).toBe(true);
    // The child stamped the expiry with its own clock somewhere before this line: measured after the answer, the wait
    // below cannot end early on a loaded machine.
    const takenBy = Date.now();
    await there.crash();
    expect(await here.acquireLock('sync:c1', 'worker-here', 60_000)).toBe(false);
    await waitUntilPast(takenBy + ttlMs);
    expect(await here.acquireLock('sync:c1', 'worker-here', 60_000)).toBe(true);
    await here.close();
  });

  it('racing for the same fresh locks, each lock goes to exactly one process', async () => {
    const { here, there } = await twoProcesses();
    const keys = Array.from({ length: 40 }, (_, i) => `sync:c${i}`);
    const results = await Promise.all(
      keys.map(async (key) => {
        const [a, b] = await Promise.all([there.call<boolean>('acquireLock', key, 'worker-there', 60_000), here.acquireLock(key, 'worker-here', 60_000)]);
        return Number(a) + Number(b);
      }),
    );
    expect(results).toEqual(keys.map(() => 1));
    await here.close();
  });

  it('a page committed by one process is whole and visible in the other at once', async () => {
    const { here, there } = await twoProcesses();
    await here.saveConnection(connection('c1'));
    const versions = Array.from({ length: 200 }, (_, i) => version(`t${i}`, new Date().toISOString()));
    await there.call('commitPage', 'c1', { cursor: { after: 't199' }, versions });
    expect(await here.getCursor('c1')).toEqual({ after: 't199' });
    expect((await here.getVersions('c1', versions.map((v) => v.externalId))).size).toBe(200);
    await here.close();
  });
});
