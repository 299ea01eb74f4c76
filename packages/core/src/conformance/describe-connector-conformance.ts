import { describe, expect, it, afterEach } from 'vitest';
import type { AnyConnector } from '../connector/connector.js';
import { describeCredentials } from '../credentials/describe-credentials.js';
import { CredentialsError } from '../errors/index.js';
import { createHub, type HubOptions } from '../hub/create-hub.js';
import type { TicketEvent } from '../model/ticket.js';
import { MemoryStore } from '../store/memory-store.js';
import type { StateStore } from '../store/state-store.js';
import { EDGE_CASE_TEXT, type ConnectorSimulator } from '../testing/connector-simulator.js';
import { HOSTILE_SUBDOMAINS } from '../testing/hostile-subdomains.js';
import { startHubServer } from '../testing/start-host-server.js';
import { TEST_HUB_DEFAULTS } from '../testing/test-hub-defaults.js';
import { waitFor } from '../testing/wait-for.js';

/** Options of {@link describeConnectorConformance}. */
export interface ConnectorConformanceOptions {
  /** The connector id, as `hub.connect({ platform })` takes it; also the suite's title unless `title` is set. */
  name: string;
  /** Title of the suite, to run it twice for one connector (`zendesk (OAuth client)`). */
  title?: string;
  /** A fresh connector for each test. */
  connector: () => AnyConnector;
  /** Starts a fresh simulator for each test. */
  simulator: (options: { seed: number }) => Promise<ConnectorSimulator<object>>;
  /** Tickets seeded for pull tests (default 250: enough for several pages on most platforms). */
  tickets?: number;
  /** Extra hub options (e.g. shorter HTTP delays). */
  hub?: Partial<HubOptions>;
}

const versionKey = (e: TicketEvent) => `${e.ticket.externalId}@${Date.parse(e.ticket.updatedAt)}`;

/**
 * The conformance suite every connector runs against its simulator, through the public hub API over real loopback
 * HTTP. It checks: credentials accepted and refused (naming the field, never echoing the secret), hostile
 * subdomains refused before any request, full pull, incremental pull, resume after a crash, rate limits obeyed,
 * transient faults survived, webhook signatures accepted and forged ones refused, and no duplicate versions in
 * `both` mode.
 *
 * Needs vitest (it declares `describe`/`it` blocks), which is why it lives at `@ticketbridge/core/conformance` and
 * not beside the simulators in `@ticketbridge/core/testing`.
 *
 * @example
 * ```ts
 * // test/conformance.test.ts
 * import { describeConnectorConformance } from '@ticketbridge/core/conformance';
 * import { zendesk } from '@ticketbridge/connector-zendesk';
 * import { startZendeskSimulator } from '@ticketbridge/connector-zendesk/testing';
 *
 * describeConnectorConformance({ name: 'zendesk', connector: () => zendesk(), simulator: (o) => startZendeskSimulator(o) });
 * ```
 */
export function describeConnectorConformance(options: ConnectorConformanceOptions): void {
  const count = options.tickets ?? 250;

  describe(`${options.title ?? options.name} connector conformance`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    async function setup(seed = 1, hubExtra: Partial<HubOptions> = {}, store: StateStore = new MemoryStore()) {
      const sim = await options.simulator({ seed });
      cleanups.push(() => sim.close());
      const connector = options.connector();
      const started = await startHubServer({ connectors: [connector], store, ...options.hub, ...hubExtra });
      cleanups.push(() => started.close());
      const { hub, events } = started;
      return { sim, hub, events, connector, store, server: { url: started.url } };
    }

    it('accepts valid credentials (Test & Connect)', async () => {
      const { sim, hub } = await setup();
      const conn = await hub.connect({ platform: options.name, credentials: sim.credentials() as Record<string, unknown>, baseUrl: sim.url, syncMode: 'poll' });
      expect(conn.status).toBe('active');
      expect(conn.accountName).toBeTruthy();
      const json = JSON.stringify(conn);
      for (const f of describeCredentials(options.connector().credentials).filter((x) => x.secret)) {
        const value = (sim.credentials() as Record<string, unknown>)[f.name];
        if (typeof value === 'string' && value) expect(json).not.toContain(value);
      }
    });

    it('refuses bad credentials with a CredentialsError naming the field, without echoing secrets', async () => {
      const { sim, hub } = await setup();
      const cases = sim.badCredentials();
      expect(cases.length).toBeGreaterThan(0);
      for (const bad of cases) {
        const error = await hub
          .connect({ platform: options.name, credentials: bad.credentials as Record<string, unknown>, baseUrl: sim.url, syncMode: 'poll' })
          .then(() => undefined, (e: unknown) => e);
        expect(error, bad.description).toBeInstanceOf(CredentialsError);
        expect((error as CredentialsError).field, bad.description).toBe(bad.field);
        const text = `${(error as Error).message} ${JSON.stringify(error)}`;
        for (const f of describeCredentials(options.connector().credentials).filter((x) => x.secret)) {
          const value = (bad.credentials as Record<string, unknown>)[f.name];
          if (typeof value === 'string' && value.length >= 4) expect(text, bad.description).not.toContain(value);
        }
      }
      expect(await hub.list()).toHaveLength(0);
    });

    it('refuses hostile subdomains before sending any request', async () => {
      const { sim, hub } = await setup();
      const subdomains = describeCredentials(options.connector().credentials).filter((f) => f.kind === 'subdomain');
      if (subdomains.length === 0) return expect(subdomains).toHaveLength(0);
      sim.resetStats();
      for (const field of subdomains) {
        for (const hostile of HOSTILE_SUBDOMAINS) {
          const credentials = { ...(sim.credentials() as Record<string, unknown>), [field.name]: hostile };
          const error = await hub.connect({ platform: options.name, credentials, baseUrl: sim.url }).then(() => undefined, (e: unknown) => e);
          expect(error, hostile).toBeInstanceOf(CredentialsError);
          expect((error as CredentialsError).field, hostile).toBe(field.name);
        }
      }
      expect(sim.stats().requests).toBe(0);
    });

    it('full pull delivers every ticket once, at its latest version', async () => {
      const { sim, hub, events } = await setup();
      await sim.seed(count);
      const conn = await hub.connect({ platform: options.name, credentials: sim.credentials() as Record<string, unknown>, baseUrl: sim.url, syncMode: 'poll' });
      const run = await hub.syncNow(conn.id);
      expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
      const snapshot = sim.snapshot();
      const latest = new Map(events.map((e) => [e.ticket.externalId, e]));
      expect(latest.size).toBe(snapshot.size);
      for (const [id, updatedAt] of snapshot) {
        expect(latest.get(id), id).toBeDefined();
        expect(Date.parse(latest.get(id)!.ticket.updatedAt), id).toBe(Date.parse(updatedAt));
      }
      expect(new Set(events.map(versionKey)).size).toBe(events.length);
      expect(events.every((e) => e.source === 'poll' && e.connectionId === conn.id && e.ticket.platform === options.name)).toBe(true);
      const [history] = await hub.history(conn.id);
      expect(history!.ticketsSynced).toBe(events.length);
      expect(history!.requests).toBeGreaterThan(0);
    });

    it('incremental pull after updates delivers exactly the changed tickets', async () => {
      const { sim, hub, events } = await setup();
      const ids = await sim.seed(count);
      const conn = await hub.connect({ platform: options.name, credentials: sim.credentials() as Record<string, unknown>, baseUrl: sim.url, syncMode: 'poll' });
      expect((await hub.syncNow(conn.id)).status).toBe('succeeded');
      events.length = 0;
      const changed = await sim.update([ids[3]!, ids[Math.floor(ids.length / 2)]!, ids[ids.length - 1]!]);
      const run = await hub.syncNow(conn.id);
      expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
      expect(new Set(events.map((e) => e.ticket.externalId))).toEqual(new Set(changed));
      expect(events).toHaveLength(changed.length);
      for (const e of events) {
        expect(e.type).toBe('ticket.updated');
        expect(Date.parse(e.ticket.updatedAt)).toBe(Date.parse(sim.snapshot().get(e.ticket.externalId)!));
      }
      events.length = 0;
      expect((await hub.syncNow(conn.id)).status).toBe('succeeded');
      expect(events).toHaveLength(0);
    });

    it('maps every status and priority the platform documents as documented, and keeps the platform object in raw', async () => {
      const { sim, hub, events } = await setup();
      await sim.seed(count);
      const conn = await hub.connect({ platform: options.name, credentials: sim.credentials() as Record<string, unknown>, baseUrl: sim.url, syncMode: 'poll' });
      expect((await hub.syncNow(conn.id)).status).toBe('succeeded');
      const statuses = new Map(sim.vocabulary.statuses);
      const priorities = new Map(sim.vocabulary.priorities);
      const seenStatuses = new Set<string | null>();
      const seenPriorities = new Set<string | null>();
      for (const { ticket } of events) {
        expect(statuses.has(ticket.rawStatus), `rawStatus ${JSON.stringify(ticket.rawStatus)} is one the platform documents`).toBe(true);
        expect([statuses.get(ticket.rawStatus)].flat(), `status of rawStatus ${JSON.stringify(ticket.rawStatus)}`).toContain(ticket.status);
        expect(priorities.has(ticket.rawPriority), `rawPriority ${JSON.stringify(ticket.rawPriority)} is one the platform documents`).toBe(true);
        expect(ticket.priority, `priority of rawPriority ${JSON.stringify(ticket.rawPriority)}`).toBe(priorities.get(ticket.rawPriority));
        expect(ticket.raw, 'raw keeps the platform object').not.toBeNull();
        seenStatuses.add(ticket.rawStatus);
        seenPriorities.add(ticket.rawPriority);
      }
      // A mapping is only proven for values that occurred: the simulator must produce them all.
      expect([...seenStatuses].map(String).sort()).toEqual([...statuses.keys()].map(String).sort());
      expect([...seenPriorities].map(String).sort()).toEqual([...priorities.keys()].map(String).sort());
    });

    it('normalizes sparse, unicode, HTML and huge tickets without inventing or losing values', async () => {
      const { sim, hub, events } = await setup();
      await sim.seed(5);
      const edge = await sim.seedEdgeCases();
      const conn = await hub.connect({ platform: options.name, credentials: sim.credentials() as Record<string, unknown>, baseUrl: sim.url, syncMode: 'poll' });
      const run = await hub.syncNow(conn.id);
      expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
      const byId = new Map(events.map((e) => [e.ticket.externalId, e.ticket]));
      const sparse = byId.get(edge.sparse)!;
      expect(sparse, 'the sparse ticket is synced').toBeDefined();
      expect({ subject: sparse.subject, description: sparse.description, assignee: sparse.assignee, organization: sparse.organization, priority: sparse.priority, tags: sparse.tags }).toEqual({
        subject: '',
        description: '',
        assignee: null,
        organization: null,
        priority: null,
        tags: [],
      });
      const unicode = byId.get(edge.unicode)!;
      expect(unicode.subject).toBe(EDGE_CASE_TEXT);
      expect(unicode.description).toBe(EDGE_CASE_TEXT);
      const huge = byId.get(edge.huge.id)!;
      expect(huge.description.length).toBe(edge.huge.length);
      if (edge.html) {
        const html = byId.get(edge.html.id)!;
        expect(html.description, 'an HTML description reads as its text').toBe(edge.html.text);
      }
    });

    it('picks up changes made in the very second of the newest change it already read', async () => {
      const { sim, hub, events } = await setup();
      const ids = await sim.seed(count);
      const conn = await hub.connect({ platform: options.name, credentials: sim.credentials() as Record<string, unknown>, baseUrl: sim.url, syncMode: 'poll' });
      expect((await hub.syncNow(conn.id)).status).toBe('succeeded');
      const newest = new Date(Math.max(...[...sim.snapshot().values()].map((at) => Date.parse(at)))).toISOString();
      events.length = 0;
      // Two tickets changed within the second the last pass ended on: only an overlap finds them.
      const changed = await sim.update([ids[1]!, ids[Math.floor(ids.length / 2)]!], { at: newest });
      const run = await hub.syncNow(conn.id);
      expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
      expect(new Set(events.map((e) => e.ticket.externalId))).toEqual(new Set(changed));
    });

    it('a deleted ticket reaches the host as ticket.deleted once, by webhook and by poll', async () => {
      const { sim, hub, events, connector } = await setup();
      const ids = await sim.seed(count);
      const webhooks = connector.webhook && sim.webhooks ? sim.webhooks : undefined;
      const conn = await hub.connect({ platform: options.name, credentials: sim.credentials() as Record<string, unknown>, baseUrl: sim.url, syncMode: webhooks ? 'both' : 'poll' });
      expect((await hub.syncNow(conn.id)).status).toBe('succeeded');
      events.length = 0;
      const [gone] = await sim.remove([ids[4]!]);
      expect(gone).toBe(ids[4]);
      if (webhooks) {
        const res = await webhooks.deliver(conn.webhookUrl!, [gone!], { event: 'deleted', ...(conn.webhookSecret ? { secret: conn.webhookSecret } : {}) });
        expect(res.status).toBe(200);
        await waitFor(() => events.some((e) => e.ticket.externalId === gone), 10_000, 'webhook deletion');
      }
      const run = await hub.syncNow(conn.id);
      expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
      const about = events.filter((e) => e.ticket.externalId === gone);
      expect(about.map((e) => e.type)).toEqual(['ticket.deleted']);
      expect(about[0]!.ticket.deleted).toBe(true);
    });

    it('resumes from the last checkpoint after a crash, losing nothing', async () => {
      const store = new MemoryStore();
      const first = await setup(7, {}, store);
      await first.sim.seed(count);
      const conn = await first.hub.connect({ platform: options.name, credentials: first.sim.credentials() as Record<string, unknown>, baseUrl: first.sim.url, syncMode: 'poll' });
      const crashAfter = Math.max(1, Math.floor(count * 0.6));
      const seenBeforeCrash: TicketEvent[] = [];
      first.hub.on('ticket', (e) => {
        if (seenBeforeCrash.length >= crashAfter) throw new Error('simulated crash');
        seenBeforeCrash.push(e);
      });
      const crashed = await first.hub.syncNow(conn.id);
      expect(crashed.status).not.toBe('succeeded');
      await first.hub.close();

      // A new process on the same store and the same platform.
      const second = createHub({ connectors: [options.connector()], store, ...TEST_HUB_DEFAULTS, ...options.hub });
      cleanups.push(() => second.close());
      const after: TicketEvent[] = [];
      second.on('ticket', (e) => {
        after.push(e);
      });
      const resumed = await second.syncNow(conn.id);
      expect(resumed.status, JSON.stringify(resumed.errors)).toBe('succeeded');
      const all = new Map<string, TicketEvent>();
      for (const e of [...seenBeforeCrash, ...after]) all.set(e.ticket.externalId, e);
      expect(all.size).toBe(first.sim.snapshot().size);
      // Replays are only the uncommitted page, and carry the same idempotency keys.
      const firstKeys = new Set(seenBeforeCrash.map((e) => e.idempotencyKey));
      const replayed = after.filter((e) => firstKeys.has(e.idempotencyKey));
      expect(replayed.length).toBeLessThan(seenBeforeCrash.length + 1);
      expect(after.length).toBeLessThan(count);
    });

    it('obeys the rate-limit headers before any 429 (no request sent while told to wait)', async () => {
      const { sim, hub, events } = await setup();
      await sim.seed(count);
      const conn = await hub.connect({ platform: options.name, credentials: sim.credentials() as Record<string, unknown>, baseUrl: sim.url, syncMode: 'poll' });
      sim.resetStats();
      sim.rateLimit.set({ limit: 2, windowMs: 1_000 });
      const run = await hub.syncNow(conn.id);
      expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
      expect(new Set(events.map((e) => e.ticket.externalId)).size).toBe(sim.snapshot().size);
      // Every 200 told the client how many requests were left: a connector that reads those headers never needs a 429.
      expect(sim.stats().limitViolations).toBe(0);
      expect(sim.stats().rateLimited).toBe(0);
      sim.rateLimit.set(null);
    });

    it('survives transient faults (5xx, resets, truncated bodies, 429)', async () => {
      const { sim, hub, events } = await setup();
      await sim.seed(count);
      const conn = await hub.connect({ platform: options.name, credentials: sim.credentials() as Record<string, unknown>, baseUrl: sim.url, syncMode: 'poll' });
      sim.faults.inject('status500', { count: 1 });
      sim.faults.inject('reset', { count: 1 });
      sim.faults.inject('truncated', { count: 1 });
      sim.faults.inject('status503', { count: 1 });
      sim.faults.inject('status429', { count: 1 });
      const run = await hub.syncNow(conn.id);
      expect(run.status, JSON.stringify(run.errors)).toBe('succeeded');
      expect(new Set(events.map((e) => e.ticket.externalId)).size).toBe(sim.snapshot().size);
    });

    it('accepts signed webhooks and refuses forged ones', async () => {
      const { sim, hub, events, connector } = await setup();
      if (!connector.webhook || !sim.webhooks) return expect(connector.webhook && sim.webhooks).toBeFalsy();
      const ids = await sim.seed(5);
      const conn = await hub.connect({ platform: options.name, credentials: sim.credentials() as Record<string, unknown>, baseUrl: sim.url, syncMode: 'webhook' });
      const rejected: number[] = [];
      hub.on('webhook.rejected', (r) => rejected.push(r.status));
      const url = conn.webhookUrl!;
      const secret = conn.webhookSecret;
      const forged = await sim.webhooks.deliver(url, [ids[0]!], { forge: true, ...(secret ? { secret } : {}) });
      expect(forged.status).toBe(401);
      expect(rejected).toEqual([401]);
      const ok = await sim.webhooks.deliver(url, [ids[1]!], secret ? { secret } : {});
      expect(ok.status, ok.body).toBeLessThan(300);
      await waitFor(() => events.some((e) => e.ticket.externalId === ids[1]), 10_000, 'webhook ticket event');
      expect(events.filter((e) => e.source === 'webhook').map((e) => e.ticket.externalId)).toEqual([ids[1]]);
      const unknown = await sim.webhooks.deliver(url.replace(conn.id, 'conn_unknown'), [ids[2]!], secret ? { secret } : {});
      expect(unknown.status).toBe(404);
    });

    it('registers its webhook on connect and removes it on disconnect, or gives manual steps with the URL', async () => {
      const { sim, hub, connector } = await setup();
      if (!connector.webhook || !sim.webhooks) return expect(connector.webhook && sim.webhooks).toBeFalsy();
      const conn = await hub.connect({ platform: options.name, credentials: sim.credentials() as Record<string, unknown>, baseUrl: sim.url, syncMode: 'webhook' });
      if (!connector.webhook.register) {
        expect(conn.webhookSetup.kind).toBe('manual');
        expect(conn.webhookSetup.kind === 'manual' && conn.webhookSetup.instructions.steps.join('\n')).toContain(conn.webhookUrl!);
        return;
      }
      const registered = sim.webhooks.registered?.bind(sim.webhooks);
      expect(registered, 'the simulator of a platform that registers webhooks lists them (webhooks.registered)').toBeDefined();
      expect(conn.webhookSetup.kind).toBe('registered');
      expect(registered!()).toContain(conn.webhookUrl);
      const others = registered!().filter((url) => url !== conn.webhookUrl);
      await hub.disconnect(conn.id);
      expect(registered!()).toEqual(others);
    });

    it('refuses a captured webhook replayed ten minutes later', async () => {
      const { sim, hub, events, connector } = await setup();
      if (!connector.webhook || !sim.webhooks) return expect(connector.webhook && sim.webhooks).toBeFalsy();
      const ids = await sim.seed(2);
      const conn = await hub.connect({ platform: options.name, credentials: sim.credentials() as Record<string, unknown>, baseUrl: sim.url, syncMode: 'webhook' });
      const secret = conn.webhookSecret;
      const replayed = await sim.webhooks.deliver(conn.webhookUrl!, [ids[0]!], { sentAt: new Date(Date.now() - 10 * 60_000), ...(secret ? { secret } : {}) });
      expect(replayed.status).toBe(401);
      await new Promise((r) => setTimeout(r, 50));
      expect(events.filter((e) => e.source === 'webhook')).toEqual([]);
    });

    it('both mode: webhook and poll together deliver each version once', async () => {
      const { sim, hub, events, connector } = await setup();
      if (!connector.webhook || !sim.webhooks) return expect(connector.webhook && sim.webhooks).toBeFalsy();
      const ids = await sim.seed(Math.min(count, 50));
      const conn = await hub.connect({ platform: options.name, credentials: sim.credentials() as Record<string, unknown>, baseUrl: sim.url, syncMode: 'both' });
      expect((await hub.syncNow(conn.id)).status).toBe('succeeded');
      const changed = await sim.update(ids.slice(0, 5));
      const secret = conn.webhookSecret;
      const res = await sim.webhooks.deliver(conn.webhookUrl!, changed, secret ? { secret } : {});
      expect(res.status, res.body).toBeLessThan(300);
      await waitFor(() => changed.every((id) => events.some((e) => e.source === 'webhook' && e.ticket.externalId === id)), 10_000, 'webhook events');
      // The safety-net poll sees the same versions and must drop them; a redelivered webhook too.
      expect((await hub.syncNow(conn.id)).status).toBe('succeeded');
      await sim.webhooks.deliver(conn.webhookUrl!, changed, secret ? { secret } : {});
      await new Promise((r) => setTimeout(r, 200));
      const keys = events.map(versionKey);
      expect(new Set(keys).size).toBe(keys.length);
      expect(new Set(events.map((e) => e.ticket.externalId)).size).toBe(sim.snapshot().size);
    });
  });
}
