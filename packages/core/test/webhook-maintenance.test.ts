import { afterEach, describe, expect, it } from 'vitest';
import { defineConnector, MemoryStore, TransientError, CredentialsError, type JobResolver, type WebhookMaintained, type WebhookRegistration } from '../src/index.js';
import { ManualScheduler, startHubServer } from '../src/testing.js';
import { GOOD_TOKEN, MemDesk, memConnector } from './mem-connector.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const EVERY = 20 * 24 * 3600_000;

type Behaviour = (registration: WebhookRegistration, secret: string) => Promise<{ registration?: WebhookRegistration; note?: string }>;

function connector(behaviour: { run: Behaviour }, runs: string[]) {
  const base = memConnector(new MemDesk());
  return defineConnector({
    ...base,
    webhook: {
      ...base.webhook!,
      register: async (_ctx, target) => ({ secret: target.secret, resources: { id: 'w1', expiresAt: 1 } }),
      maintain: {
        everyMs: EVERY,
        run: async (_ctx, { registration, secret }) => {
          runs.push(JSON.stringify(registration.resources));
          return behaviour.run(registration, secret);
        },
      },
    },
  });
}

/** A scheduler shared by worker processes: it keeps keys only and rebuilds each job through the hub's resolver. */
class SharedScheduler extends ManualScheduler {
  resolve: JobResolver | undefined;
  bind(resolve: JobResolver): void {
    this.resolve = resolve;
  }
  override once(key: string, delayMs: number, _job: () => Promise<void>): void {
    super.once(key, delayMs, async () => {
      const job = this.resolve?.(key);
      if (!job) throw new Error(`no job for ${key}`);
      await job();
    });
  }
}

async function setup(run: Behaviour, store = new MemoryStore(), scheduler: ManualScheduler = new ManualScheduler()) {
  const runs: string[] = [];
  const behaviour = { run };
  const started = await startHubServer({ connectors: [connector(behaviour, runs)], store, scheduler });
  cleanups.push(() => started.close());
  const events: WebhookMaintained[] = [];
  started.hub.on('webhook.maintained', (e) => events.push(e));
  return { hub: started.hub, store, scheduler, runs, events, behaviour };
}

/** Moves the stored upkeep clock back, as if the last success was `ms` ago. */
async function age(store: MemoryStore, id: string, ms: number) {
  const c = (await store.getConnection(id))!;
  await store.saveConnection({ ...c, webhook: { ...c.webhook!, maintenance: { ...c.webhook!.maintenance!, okAt: new Date(Date.now() - ms).toISOString() } } });
}

describe('webhook upkeep (ConnectorWebhook.maintain)', () => {
  it('is rebuilt from its key alone by a scheduler shared between workers (maintain:<connectionId>)', async () => {
    const scheduler = new SharedScheduler();
    const store = new MemoryStore();
    const { hub, runs, events } = await setup(async () => ({ note: 'refreshed' }), store, scheduler);
    const conn = await hub.connect({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: GOOD_TOKEN }, syncMode: 'both' });
    expect(scheduler.resolve?.(`maintain:${conn.id}`)).toBeTypeOf('function');
    await age(store, conn.id, EVERY + 1000);
    await scheduler.fire(`maintain:${conn.id}`);
    expect(runs).toHaveLength(1);
    expect(events.map((e) => e.ok)).toEqual([true]);
  });

  it('is scheduled everyMs after the registration, runs only when due, and stores what the run returned', async () => {
    const { hub, store, scheduler, runs, events } = await setup(async (r) => ({ registration: { ...r, resources: { id: 'w1', expiresAt: 2 } }, note: 'refreshed' }));
    const conn = await hub.connect({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: GOOD_TOKEN }, syncMode: 'both' });
    const key = `maintain:${conn.id}`;
    expect(scheduler.jobs.get(key)!.delayMs).toBeGreaterThan(EVERY - 5_000);
    expect((await store.getConnection(conn.id))!.webhook!.maintenance!.okAt).toBeDefined();
    // A timer that fires early (the 2^31 ms limit, another worker) finds nothing due and waits again.
    await scheduler.fire(key);
    expect(runs).toEqual([]);
    expect(scheduler.jobs.get(key)!.delayMs).toBeGreaterThan(EVERY - 5_000);

    await age(store, conn.id, EVERY + 1000);
    await scheduler.fire(key);
    expect(runs).toEqual(['{"id":"w1","expiresAt":1}']);
    expect(events).toMatchObject([{ connectionId: conn.id, platform: 'memdesk', ok: true, note: 'refreshed' }]);
    expect(Date.parse(events[0]!.nextRunAt) - Date.parse(events[0]!.at)).toBe(EVERY);
    const stored = (await store.getConnection(conn.id))!.webhook!;
    expect(stored.registration!.resources).toEqual({ id: 'w1', expiresAt: 2 });
    expect(stored.maintenance).toMatchObject({ note: 'refreshed' });
    expect(stored.maintenance!.error).toBeUndefined();
    expect(scheduler.jobs.get(key)!.delayMs).toBe(EVERY);
    const view = await hub.get(conn.id);
    expect(view!.webhookSetup).toMatchObject({ kind: 'registered', maintenance: { note: 'refreshed' } });

    await hub.disconnect(conn.id);
    expect(scheduler.jobs.has(key)).toBe(false);
  });

  it('retries a transient failure with back-off, records it redacted, and clears it on the next success', async () => {
    const { hub, store, scheduler, runs, events, behaviour } = await setup(async (_r, secret) => {
      throw new TransientError(`gateway said no to ${secret}`, { platform: 'memdesk' });
    });
    const conn = await hub.connect({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: GOOD_TOKEN }, syncMode: 'both' });
    const key = `maintain:${conn.id}`;
    const stored = (await store.getConnection(conn.id))!;
    await age(store, conn.id, EVERY + 1000);
    await scheduler.fire(key);
    expect(runs).toHaveLength(1);
    expect(events[0]).toMatchObject({ ok: false, error: { code: 'transient' } });
    expect(events[0]!.error!.message).not.toContain(stored.webhook!.secret);
    // Back-off from the hub's retry policy (60 s in the test defaults), not the 20-day interval.
    expect(scheduler.jobs.get(key)!.delayMs).toBeLessThanOrEqual(60_000);
    expect((await store.getConnection(conn.id))!.webhook!.maintenance).toMatchObject({ failures: 1, error: { code: 'transient' } });
    expect(JSON.stringify(await store.getConnection(conn.id))).not.toContain(`to ${stored.webhook!.secret}`);

    behaviour.run = async () => ({ note: 'ok again' });
    await scheduler.fire(key);
    expect(events[1]).toMatchObject({ ok: true, note: 'ok again' });
    const after = (await store.getConnection(conn.id))!.webhook!.maintenance!;
    expect(after.error).toBeUndefined();
    expect(after.failures).toBeUndefined();
  });

  it('does not retry a refusal (credentials): it checks again within hours, well before an expiry', async () => {
    const { hub, store, scheduler, events } = await setup(async () => {
      throw new CredentialsError('not allowed', { platform: 'memdesk', field: 'apiToken', status: 403 });
    });
    const conn = await hub.connect({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: GOOD_TOKEN }, syncMode: 'both' });
    const key = `maintain:${conn.id}`;
    await age(store, conn.id, EVERY + 1000);
    await scheduler.fire(key);
    expect(events[0]).toMatchObject({ ok: false, error: { code: 'credentials', field: 'apiToken' } });
    expect(scheduler.jobs.get(key)!.delayMs).toBe(6 * 3_600_000);
  });

  it('runs an overdue upkeep right after a restart, and a fresh one only when due', async () => {
    const store = new MemoryStore();
    const first = await setup(async () => ({}), store);
    const conn = await first.hub.connect({ platform: 'memdesk', credentials: { subdomain: 'acme', apiToken: GOOD_TOKEN }, syncMode: 'both' });
    const fresh = await setup(async () => ({}), store);
    await fresh.hub.start();
    expect(fresh.scheduler.jobs.get(`maintain:${conn.id}`)!.delayMs).toBeGreaterThan(EVERY - 60_000);
    await age(store, conn.id, EVERY + 1000);
    const later = await setup(async () => ({ note: 'caught up' }), store);
    await later.hub.start();
    const key = `maintain:${conn.id}`;
    expect(later.scheduler.jobs.get(key)!.delayMs).toBe(0);
    await later.scheduler.fire(key);
    expect(later.events).toMatchObject([{ ok: true, note: 'caught up' }]);
  });

  it('is refused at load time without register() or with an interval under a minute', () => {
    const base = memConnector(new MemDesk());
    expect(() => defineConnector({ ...base, webhook: { ...base.webhook!, maintain: { everyMs: 1000, run: async () => ({}) }, register: async (_c, t) => ({ secret: t.secret, resources: null }) } })).toThrow(/everyMs of at least 60000/);
    expect(() => defineConnector({ ...base, webhook: { ...base.webhook!, maintain: { everyMs: EVERY, run: async () => ({}) } } })).toThrow(/needs register\(\)/);
  });
});
