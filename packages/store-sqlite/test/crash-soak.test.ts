// Crash soak: a host process syncing 20,000 tickets from the Acme Desk simulator over loopback HTTP is SIGKILLed at
// seeded random moments and restarted on the same SQLite file, again and again; then the webhook inbox is crashed
// between the 2xx and the delivery. What the host received is reported by the child over IPC before each handler
// returns, so the parent's record is exactly what a host would have seen.
//
// The documented crash window (README, "Guarantees"; deliverBatch in core): the hub commits a page (its versions and
// cursor, in one transaction) only after the host's handler finished every ticket of it, so a process that dies
// mid-page hands the host, after restart, the tickets of that one page it had already seen, with the same
// idempotency keys. Here that is checked delivery by delivery: a page commit is reported by the child after it
// happened (`sync.progress`), so each killed process's deliveries after its last reported commit are its "tail",
// the page in flight; after each kill the parent reads the file to see whether that tail was committed. Then:
// - a key delivered again was, every earlier time, in an uncommitted tail (never a committed page);
// - every uncommitted tail delivery is delivered again later, or superseded by a newer version of the ticket;
// - a tail is at most one page, and committed all together or not at all.
//
// Reproduce a failure with its seed: TB_CRASH_SEED=<seed> pnpm --filter @ticketbridge/store-sqlite test crash-soak
// (TB_CRASH_KILLS and TB_CRASH_TICKETS change the size of the soak).
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRandom, startAcmeSimulator } from '@ticketbridge/core/testing';
import { SqliteStore } from '../src/index.js';
import { bundleChild, children, type Child, type ChildMessage } from './child-process.js';
import { tempDir } from './temp-dir.js';

const SEED = Number(process.env.TB_CRASH_SEED ?? 20260604);
const TICKETS = Number(process.env.TB_CRASH_TICKETS ?? 20_000);
/** Kills that must land while a sync run is in progress (the issue asks for 20 at least; some kills land before). */
const MIN_KILLS = Number(process.env.TB_CRASH_KILLS ?? 24);
const PAGE_SIZE = 100;
/** Short, so a restarted host waits little for its killed predecessor's sync lock. */
const LOCK_TTL_MS = 500;

const file = tempDir();
const spawn = children();
let soakWorker: string;
let webhookWorker: string;
beforeAll(() => {
  soakWorker = bundleChild('soak-worker.ts');
  webhookWorker = bundleChild('webhook-worker.ts');
});

/** One ticket event as the host received it. */
interface Delivery {
  life: number;
  externalId: string;
  updatedAt: string;
  key: string;
  type: string;
}

/** One host process, from spawn to kill. */
interface Life {
  n: number;
  plan: string;
  deliveries: Delivery[];
  /** Deliveries before the last page commit this process reported. */
  confirmed: number;
  pages: number;
  started: boolean;
  result?: RunSummary;
  killed: boolean;
  /** Whether the tail (deliveries after the last reported commit) was found committed in the file after the kill. */
  tailCommitted?: boolean;
  /**
   * Deliveries of pages a run stopped without committing because its lock lease expired (the process was starved of
   * CPU past the time-to-live, which CI's parallel suites do): the same window as a crash, replayed by the next run.
   */
  lockLostTails: Delivery[][];
}

interface RunSummary {
  status: string;
  ticketsSynced: number;
  duplicatesDropped: number;
  pages: number;
  errors: unknown[];
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const list = out.get(keyOf(item));
    if (list) list.push(item);
    else out.set(keyOf(item), [item]);
  }
  return out;
}

/**
 * How a host process is killed: when the parent has received its n-th ticket (`count`: the child runs on meanwhile,
 * so the kill lands anywhere after); while its handler is inside its n-th ticket (`hang`: mid-page, deterministic);
 * while its thread is blocked right after its p-th page commit (`block`: between pages, deterministic); or t ms after
 * its sync was requested (`timer`: anywhere, start-up and lock wait included).
 */
type KillMode = 'count' | 'hang' | 'block' | 'timer';
const MODES: KillMode[] = ['count', 'hang', 'block', 'timer'];

describe('a host syncing 20,000 tickets, SIGKILLed at random moments and restarted on the same file', () => {
  it(
    'ends with every ticket at its latest version; a version comes twice only from the page in flight at a kill, with the same idempotency key',
    async () => {
      const began = Date.now();
      const random = createRandom(SEED);
      const path = file('soak');
      const key = randomBytes(32);
      const sim = await startAcmeSimulator({ seed: SEED, tickets: TICKETS, rateLimit: null });
      const allIds = [...sim.snapshot().keys()];
      expect(allIds).toHaveLength(TICKETS);

      const lives: Life[] = [];
      const receivedIds = new Set<string>();
      let connectionId: string | undefined;
      let updatedAlreadyReceived = 0;
      let updates = 0;
      let removals = 0;
      const context = () => `seed ${SEED}, life ${lives.length - 1} (${lives.at(-1)?.plan ?? 'none yet'})`;

      const update = async (ids: string[]) => {
        for (const id of await sim.update(ids)) {
          updates++;
          if (receivedIds.has(id)) updatedAlreadyReceived++;
        }
      };

      /** Spawns a host process that starts a sync at once; resolves when it was killed (or finished, for `final`). */
      const live = async (plan: { mode: KillMode | 'final'; at: number; midUpdate: string[] }): Promise<Life> => {
        const childPlan = plan.mode === 'hang' ? `hang:${plan.at}` : plan.mode === 'block' ? `block:${plan.at}` : 'none';
        const life: Life = { n: lives.length, plan: `${plan.mode}:${plan.at}`, deliveries: [], confirmed: 0, pages: 0, started: false, killed: false, lockLostTails: [] };
        lives.push(life);
        const child: Child = spawn(soakWorker, [path, key.toString('base64'), String(LOCK_TTL_MS), String(PAGE_SIZE), childPlan]);
        let trigger!: () => void;
        const triggered = new Promise<void>((resolve) => (trigger = resolve));
        child.process.on('message', (raw) => {
          const msg = raw as ChildMessage;
          if (msg.event === 'ticket') {
            const [externalId, updatedAt, idempotencyKey, type] = msg.data as [string, string, string, string];
            life.deliveries.push({ life: life.n, externalId, updatedAt, key: idempotencyKey, type });
            receivedIds.add(externalId);
            if ((plan.mode === 'count' || plan.mode === 'hang') && life.deliveries.length === plan.at) trigger();
          } else if (msg.event === 'page') {
            life.pages++;
            life.confirmed = life.deliveries.length;
            // The simulator changes while the host is mid-pass: updated tickets move to the end of the feed.
            if (life.pages === 1 && plan.midUpdate.length) void update(plan.midUpdate);
            if (plan.mode === 'block' && life.pages === plan.at) trigger();
          } else if (msg.event === 'started') life.started = true;
          else if (msg.event === 'skipped') {
            // The run stopped at a lost lock: its engine checks the lease right before each page commit, so what the
            // host got since the last reported commit was not committed and comes again in the next run.
            const tail = life.deliveries.slice(life.confirmed);
            if (tail.length) life.lockLostTails.push(tail);
            life.confirmed = life.deliveries.length;
          }
        });
        await child.waitFor((m) => m.event === 'ready');
        if (connectionId === undefined) connectionId = await child.call<string>('connect', sim.credentials(), sim.url);
        const sync = child.call<RunSummary>('sync').then(
          (result) => {
            life.result = result;
            trigger();
          },
          () => undefined, // killed: the call dies with the process
        );
        if (plan.mode === 'final') {
          await sync;
          await child.stop();
          return life;
        }
        const timer = plan.mode === 'timer' ? setTimeout(trigger, plan.at) : undefined;
        let diedAlone = false;
        void child.closed().then(() => {
          diedAlone = true;
          trigger();
        });
        await triggered;
        clearTimeout(timer);
        expect(diedAlone, `${context()}: the host process died before it was killed`).toBe(false);
        await child.crash();
        life.killed = true;
        return life;
      };

      /** After a kill: was the dead process's tail (the page in flight) committed? All of it or none, never part. */
      const inspectTail = async (life: Life) => {
        const tail = life.deliveries.slice(life.confirmed);
        if (tail.length === 0) return;
        const store = new SqliteStore({ path, key });
        try {
          const stored = await store.getVersions(connectionId!, tail.map((d) => d.externalId));
          const committed = tail.map((d) => stored.get(d.externalId)?.updatedAt === d.updatedAt);
          expect(new Set(committed).size, `${context()}: a page committed in part`).toBe(1);
          life.tailCommitted = committed[0];
        } finally {
          await store.close();
        }
      };

      // The soak: kill, maybe change the platform, restart, until enough kills landed in the middle of a sync.
      const midSync = () => lives.filter((l) => l.killed && l.started && l.result === undefined).length;
      while (midSync() < MIN_KILLS) {
        expect(lives.length, `${context()}: too many lives without enough mid-sync kills`).toBeLessThan(MIN_KILLS * 4);
        // Everything random is drawn up front, so a seed replays the same plan whatever the timing.
        const mode = MODES[lives.length % MODES.length]!;
        const at = mode === 'block' ? random.int(1, 12) : mode === 'timer' ? random.int(0, 1000) : random.int(1, 1500);
        const midUpdate = random.chance(0.3) ? random.sample(allIds, random.int(10, 100)) : [];
        const betweenUpdate = random.chance(0.4) ? random.sample(allIds, random.int(20, 300)) : [];
        const removal = random.chance(0.25) ? random.sample(allIds, random.int(1, 4)) : [];
        // Once a host has caught up, the next one would finish before its kill point: give it that much new work.
        const topUp = random.sample(allIds, mode === 'block' ? at * PAGE_SIZE + PAGE_SIZE : mode === 'timer' ? 1000 : at + PAGE_SIZE);
        if (lives.at(-1)?.result) await update(topUp);

        const life = await live({ mode, at, midUpdate });
        if (life.result) expect(life.result, `${context()}: a run failed`).toMatchObject({ status: 'succeeded' });
        expect(life.deliveries.length - life.confirmed, `${context()}: more than one page in flight`).toBeLessThanOrEqual(PAGE_SIZE);
        await inspectTail(life);
        // Between restarts the platform moves on: updates (some of tickets the host already has) and deletions.
        await update(betweenUpdate);
        removals += (await sim.remove(removal)).length;
      }

      // The last host runs to the end, then once more: nothing left to deliver.
      const last = await live({ mode: 'final', at: 0, midUpdate: [] });
      expect(last.result, context()).toMatchObject({ status: 'succeeded' });
      {
        const child = spawn(soakWorker, [path, key.toString('base64'), String(LOCK_TTL_MS), String(PAGE_SIZE), 'none']);
        await child.waitFor((m) => m.event === 'ready');
        expect(await child.call<RunSummary>('sync')).toMatchObject({ status: 'succeeded', ticketsSynced: 0 });
        await child.stop();
        expect(child.events.filter((m) => m.event === 'ticket')).toHaveLength(0);
      }
      await sim.close();

      // ---- What the host received, checked against the platform and the crash window ----
      const deliveries = lives.flatMap((l) => l.deliveries);
      const snapshot = sim.snapshot();
      expect(snapshot.size).toBe(TICKETS);

      // Every ticket's latest version arrived, and versions of a ticket only ever move forward.
      const byTicket = groupBy(deliveries, (d) => d.externalId);
      expect([...byTicket.keys()].filter((id) => !snapshot.has(id)), 'tickets the platform never had').toEqual([]);
      const missing = [...snapshot.keys()].filter((id) => !byTicket.has(id));
      expect(missing, `${context()}: tickets never delivered`).toEqual([]);
      const notLatest: string[] = [];
      const backwards: string[] = [];
      for (const [id, list] of byTicket) {
        if (list[list.length - 1]!.updatedAt !== snapshot.get(id)) notLatest.push(id);
        if (list.some((d, i) => i > 0 && Date.parse(d.updatedAt) < Date.parse(list[i - 1]!.updatedAt))) backwards.push(id);
        if (sim.ticket(id)!.deleted) expect(list[list.length - 1]!.type, `ticket ${id} was deleted`).toBe('ticket.deleted');
      }
      expect(notLatest, `${context()}: tickets whose latest version never arrived`).toEqual([]);
      expect(backwards, `${context()}: an older version delivered after a newer one`).toEqual([]);

      // One idempotency key per version, one version per key: a host can drop redeliveries by key alone.
      const keyOf = new Map<string, string>();
      const versionOf = new Map<string, string>();
      for (const d of deliveries) {
        const version = `${d.externalId}@${d.updatedAt}`;
        expect(keyOf.get(version) ?? d.key, `${version} came with two keys`).toBe(d.key);
        expect(versionOf.get(d.key) ?? version, `key ${d.key} named two versions`).toBe(version);
        keyOf.set(version, d.key);
        versionOf.set(d.key, version);
      }

      // The crash window. Tails: each killed process's deliveries after its last reported commit.
      const inTail = new Set<Delivery>();
      const uncommittedTail = new Set<Delivery>();
      for (const l of lives) {
        for (const d of l.deliveries.slice(l.confirmed)) {
          inTail.add(d);
          if (l.killed && l.tailCommitted === false) uncommittedTail.add(d);
        }
        for (const tail of l.lockLostTails) for (const d of tail) uncommittedTail.add(d);
      }
      const lockLosses = lives.reduce((n, l) => n + l.lockLostTails.length, 0);
      const byKey = groupBy(deliveries, (d) => d.key);
      let duplicates = 0;
      const outsideWindow: string[] = [];
      for (const [k, list] of byKey) {
        duplicates += list.length - 1;
        // Every delivery but the last of a key must have been in a page that a kill left uncommitted.
        for (const d of list.slice(0, -1)) if (!uncommittedTail.has(d)) outsideWindow.push(`${k} (life ${d.life})`);
      }
      expect(outsideWindow, `${context()}: versions delivered again outside the crash window`).toEqual([]);
      // And a page left uncommitted is replayed: what the host saw of it comes again, unless a newer version replaced it.
      const dropped: string[] = [];
      for (const d of uncommittedTail) {
        const later = byTicket.get(d.externalId)!;
        const after = later.slice(later.indexOf(d) + 1);
        if (!after.some((x) => x.key === d.key || Date.parse(x.updatedAt) > Date.parse(d.updatedAt))) dropped.push(d.key);
      }
      expect(dropped, `${context()}: deliveries of an uncommitted page never replayed`).toEqual([]);

      const kills = lives.filter((l) => l.killed);
      const midPage = kills.filter((l) => l.tailCommitted === false).length;
      const betweenPages = kills.filter((l) => l.started && l.result === undefined && l.deliveries.length === l.confirmed).length;
      expect(midSync()).toBeGreaterThanOrEqual(MIN_KILLS);
      expect(duplicates).toBeLessThanOrEqual((kills.length + lockLosses) * PAGE_SIZE);
      expect(duplicates).toBeLessThanOrEqual(uncommittedTail.size);
      // The soak did what it claims: kills mid-page and between pages, replays, updates of tickets already delivered.
      expect(midPage, 'kills that left a page half-delivered').toBeGreaterThan(0);
      expect(betweenPages, 'kills between pages').toBeGreaterThan(0);
      expect(duplicates, 'replayed deliveries').toBeGreaterThan(0);
      expect(updatedAlreadyReceived, 'updates of tickets the host already had').toBeGreaterThan(0);

      const seconds = ((Date.now() - began) / 1000).toFixed(1);
      console.log(
        [
          `crash soak (seed ${SEED}): ${kills.length} kills survived (${midSync()} mid-sync: ${midPage} mid-page, ${betweenPages} between pages), ${lives.length} host processes`,
          `  tickets ${TICKETS}, deliveries ${deliveries.length}, distinct versions ${byKey.size}, duplicates ${duplicates} (all droppable by idempotency key)`,
          `  largest page in flight at a kill ${Math.max(0, ...kills.map((l) => l.deliveries.length - l.confirmed))} (page size ${PAGE_SIZE}); tail deliveries ${inTail.size}, of them uncommitted ${uncommittedTail.size}; runs stopped by a lost lock mid-page ${lockLosses}`,
          `  platform changes during the soak: ${updates} updates (${updatedAlreadyReceived} of tickets already delivered), ${removals} deletions; latest version of all ${snapshot.size} tickets received; ${seconds} s`,
        ].join('\n'),
      );
    },
    150_000,
  );
});

interface WebhookTicket {
  externalId: string;
  updatedAt: string;
  key: string;
  type: string;
  source: string;
}

describe('a host killed after answering webhooks 2xx and before handing them over, then restarted', () => {
  it(
    'replays the inbox at restart: each webhook version arrives once, with the key it had before the kill',
    async () => {
      const path = file('webhooks');
      const key = randomBytes(32);
      const args = (mode: 'normal' | 'hang') => [path, key.toString('base64'), mode];
      const sim = await startAcmeSimulator({ seed: SEED, tickets: 40, rateLimit: null });
      const tickets = (child: Child) => child.events.filter((m) => m.event === 'ticket').map((m) => m.data as WebhookTicket);
      const fromWebhooks = (child: Child) => tickets(child).filter((t) => t.source === 'webhook');

      // Life 1: connect (webhooks + poll) and backfill, so later restarts have nothing to poll for a day.
      const first = spawn(webhookWorker, args('normal'));
      await first.waitFor((m) => m.event === 'ready');
      const { id: connectionId, secret } = await first.call<{ id: string; secret: string }>('connect', sim.credentials(), sim.url);
      expect(secret).toEqual(expect.any(String));
      expect(await first.call('sync')).toMatchObject({ status: 'succeeded', ticketsSynced: 40 });
      await first.stop();

      // The platform changes: five tickets updated, one deleted.
      const updated = await sim.update(['3', '11', '17', '25', '32']);
      const [deleted] = await sim.remove(['8']);
      expect(updated).toHaveLength(5);
      const expected = new Map([...updated, deleted!].map((id) => [id, new Date(sim.ticket(id)!.updated_at).toISOString()]));

      // Life 2: the webhooks arrive, each answered 2xx once it is in the inbox. The first one reaches the host's
      // handler, which never finishes; the others are accepted but wait behind it. Then the process is killed.
      const second = spawn(webhookWorker, args('hang'));
      await second.waitFor((m) => m.event === 'ready');
      const url = await second.call<string>('url');
      const batch: Array<[string, 'updated' | 'deleted']> = [...updated.map((id) => [id, 'updated'] as [string, 'updated']), [deleted!, 'deleted'], [updated[1]!, 'updated']];
      for (const [id, event] of batch) {
        const answer = await sim.webhooks.deliver(url, [id], { secret, event });
        expect(answer.status, `webhook for ${id}: ${answer.body}`).toBe(200);
        expect(JSON.parse(answer.body)).toMatchObject({ ok: true, accepted: 1 });
      }
      await second.waitFor((m) => m.event === 'ticket');
      await second.waitFor(() => second.events.filter((m) => m.event === 'accepted').length === batch.length);
      await second.crash();
      const [hung, ...beyond] = fromWebhooks(second);
      expect(beyond, 'webhooks handed over before the kill besides the first').toEqual([]);
      expect(hung).toMatchObject({ externalId: updated[0], updatedAt: expected.get(updated[0]!), source: 'webhook' });
      expect(tickets(second).filter((t) => t.source !== 'webhook')).toEqual([]);

      // The file holds every accepted webhook, none acknowledged.
      {
        const store = new SqliteStore({ path, key });
        expect((await store.inboxPending(connectionId)).map((e) => e.tickets.map((t) => t.externalId))).toEqual(batch.map(([id]) => [id]));
        await store.close();
      }

      // Life 3: restarts, replays the inbox, and is killed again in the middle of the replay.
      const third = spawn(webhookWorker, args('hang'));
      await third.waitFor((m) => m.event === 'ticket');
      await third.crash();
      expect(fromWebhooks(third)).toEqual([hung]);

      // Life 4: the replay runs to the end. Each version once; the repeated webhook for one ticket is dropped as a
      // duplicate; the version delivered before the kills comes again with the same idempotency key.
      const fourth = spawn(webhookWorker, args('normal'));
      await fourth.waitFor(() => fromWebhooks(fourth).length >= expected.size);
      expect(await fourth.call('drain'), 'inbox entries left after the replay').toBe(0);
      await fourth.stop();
      const replayed = fromWebhooks(fourth);
      expect(tickets(fourth)).toEqual(replayed);
      expect(replayed).toHaveLength(expected.size);
      expect(replayed[0]).toEqual(hung);
      expect(new Set(replayed.map((t) => t.key)).size).toBe(replayed.length);
      expect(new Map(replayed.map((t) => [t.externalId, t.updatedAt]))).toEqual(expected);
      expect(replayed.find((t) => t.externalId === deleted)).toMatchObject({ type: 'ticket.deleted' });
      expect(fourth.events.filter((m) => m.event === 'error')).toEqual([]);

      // Across the three kills and restarts, only the version in flight at the kills came more than once.
      const everything = [second, third, fourth].flatMap(fromWebhooks);
      const counts = new Map<string, number>();
      for (const t of everything) counts.set(t.key, (counts.get(t.key) ?? 0) + 1);
      expect([...counts].filter(([, n]) => n > 1)).toEqual([[hung!.key, 3]]);

      // Life 5: a further restart replays nothing.
      const fifth = spawn(webhookWorker, args('normal'));
      await fifth.waitFor((m) => m.event === 'ready');
      expect(await fifth.call('drain')).toBe(0);
      await fifth.stop();
      expect(tickets(fifth)).toEqual([]);
      await sim.close();

      console.log(
        `webhook inbox crash (seed ${SEED}): ${batch.length} webhooks answered 200, 2 kills (after the 2xx; mid-replay), ` +
          `${replayed.length} versions delivered once after restart, 1 version (in flight at both kills) delivered 3 times with one key`,
      );
    },
    60_000,
  );
});
