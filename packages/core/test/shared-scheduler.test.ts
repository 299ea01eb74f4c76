// A scheduler shared by several worker processes (Scheduler.bind): the hub hands it a resolver that rebuilds every
// job from its key, and delivers webhooks through it as `inbox:<connectionId>` jobs under the store's sync lock.
// The scheduler here is the in-process one that runs only what the resolver rebuilds, as a worker that never saw
// the closures would.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore, TimerScheduler, type JobResolver, type RecurringOptions } from '../src/index.js';
import { waitFor, startHubServer } from '../src/testing.js';
import { draft, GOOD_TOKEN, MemDesk, memConnector } from './mem-connector.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Runs each job as rebuilt from its key by the hub's resolver, never the closure: what another worker would run. */
class KeyOnlyScheduler extends TimerScheduler {
  resolve: JobResolver | undefined;
  readonly keys: string[] = [];
  bind(resolve: JobResolver): void {
    this.resolve = resolve;
  }
  #rebuilt(key: string): () => Promise<void> {
    this.keys.push(key);
    return async () => {
      const job = this.resolve?.(key);
      if (!job) throw new Error(`no job for ${key}`);
      await job();
    };
  }
  override every(key: string, intervalMs: number, _job: () => Promise<void>, options: RecurringOptions): void {
    super.every(key, intervalMs, this.#rebuilt(key), options);
  }
  override once(key: string, delayMs: number, _job: () => Promise<void>): void {
    super.once(key, delayMs, this.#rebuilt(key));
  }
}

async function setup(syncMode: 'webhook' | 'poll', pollIntervalMs = 60_000) {
  const desk = new MemDesk();
  const store = new MemoryStore();
  const scheduler = new KeyOnlyScheduler();
  const started = await startHubServer({ connectors: [memConnector(desk)], store, scheduler, pollIntervalMs, initialSyncDelayMs: 0 });
  cleanups.push(() => started.close());
  const conn = await started.hub.connect({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: GOOD_TOKEN }, syncMode });
  const post = (ids: string[]) => {
    const body = JSON.stringify({ ids });
    return fetch(conn.webhookUrl!, { method: 'POST', headers: { 'content-type': 'application/json', 'x-mem-signature': desk.sign(body, conn.webhookSecret!) }, body }).then((r) => r.status);
  };
  return { ...started, desk, store, scheduler, conn, post };
}

describe('a shared scheduler (Scheduler.bind)', () => {
  it('rebuilds polls from their keys: the first run is initial, the next ones scheduled', async () => {
    const { hub, desk, conn, events } = await setup('poll', 150);
    desk.add(3);
    await waitFor(async () => (await hub.history(conn.id)).filter((r) => r.status === 'succeeded').length >= 2, 5_000, 'two runs');
    const triggers = (await hub.history(conn.id)).map((r) => r.trigger).reverse();
    expect(triggers[0]).toBe('initial');
    expect(triggers.slice(1).every((t) => t === 'schedule')).toBe(true);
    expect(events).toHaveLength(3);
  });

  it('delivers webhooks as one job per connection, rebuilt from the key', async () => {
    const { hub, desk, conn, events, post, scheduler } = await setup('webhook');
    await waitFor(async () => (await hub.history(conn.id)).some((r) => r.status === 'succeeded'), 5_000, 'backfill');
    const [a, b] = desk.add(2);
    expect(await post([a!])).toBe(200);
    expect(await post([b!])).toBe(200);
    await waitFor(() => events.length === 2, 5_000, 'deliveries');
    expect(events.map((e) => [e.ticket.externalId, e.source])).toEqual([
      [a, 'webhook'],
      [b, 'webhook'],
    ]);
    const inboxKeys = scheduler.keys.filter((k) => k.startsWith('inbox:'));
    expect(new Set(inboxKeys)).toEqual(new Set([`inbox:${conn.id}`]));
  });

  it("waits for the connection's sync lock held by another worker, then delivers", async () => {
    const { hub, desk, conn, events, post, store } = await setup('webhook');
    await waitFor(async () => (await hub.history(conn.id)).some((r) => r.status === 'succeeded'), 5_000, 'backfill');
    await waitFor(async () => store.acquireLock(`sync:${conn.id}`, 'worker_elsewhere', 60_000), 5_000, 'the lock');
    const [a] = desk.add(1);
    expect(await post([a!])).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(events).toHaveLength(0);
    expect(await store.inboxPending(conn.id)).toHaveLength(1);
    await store.releaseLock(`sync:${conn.id}`, 'worker_elsewhere');
    await waitFor(() => events.length === 1, 5_000, 'the delivery after the lock');
    expect(await store.inboxPending(conn.id)).toHaveLength(0);
  });

  it('delivers after each poll the webhook entries a dead worker left without a delivery job', async () => {
    const { conn, events, store, scheduler } = await setup('poll', 150);
    // Accepted (in the inbox) by a worker that died before it queued the delivery: no inbox job exists.
    await store.inboxPut({ id: 'whk_orphan', connectionId: conn.id, receivedAt: new Date().toISOString(), source: 'webhook', tickets: [draft('orphan-1', Date.parse('2026-01-05T08:00:00Z'))], attempts: 0 });
    await waitFor(() => events.some((e) => e.ticket.externalId === 'orphan-1'), 5_000, 'the orphaned entry');
    expect(scheduler.keys).toContain(`inbox:${conn.id}`);
    expect(await store.inboxPending(conn.id)).toHaveLength(0);
  });
});
