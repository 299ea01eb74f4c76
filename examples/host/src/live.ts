/**
 * Live mode of the example host (`pnpm start`): a simulator of every platform that has one, the host with its
 * Connect page and a SQLite store, and traffic: new tickets and changes on the platforms, their signed webhooks
 * sent to every connection that takes webhooks, and an in-house helpdesk pushing Standard Webhooks to Webhook Push
 * connections. No credentials and no network: everything listens on loopback.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@ticketbridge/core';
import { standardWebhooksSignature } from '@ticketbridge/connector-webhook-push/testing';
import { SqliteStore } from '@ticketbridge/store-sqlite';
import { startHostApp, type HostApp } from './app.js';
import { hostPlatforms, type HostPlatform, type OAuthClient, type PlatformSimulator } from './connectors.js';

/** Options of {@link startLive}. */
export interface LiveOptions {
  /** Port of the host (0: any free one). Default 0. */
  port?: number;
  /** Folder of the SQLite database. It is emptied at start: the simulators keep their accounts in memory only. */
  dataDir: string;
  /** Tickets each simulator holds before the first sync. Default 600. */
  tickets?: number;
  /** Time between two rounds of platform traffic; 0 sends none (a test drives it with `tick()`). Default 3000 ms. */
  trafficEveryMs?: number;
  /** Platforms offered; default {@link hostPlatforms}. */
  platforms?: HostPlatform[];
  logger?: Logger;
}

/** A running live setup. */
export interface Live {
  app: HostApp;
  /** The simulators, by connector id. */
  simulators: Map<string, PlatformSimulator>;
  /** One round of traffic now: for each connection taking webhooks, a new ticket, a change, and their webhook. */
  tick(): Promise<void>;
  /** Writes an angry customer's message on a ticket of this connection's platform and sends its webhook. */
  sendHostile(connectionId: string): Promise<{ ticketId: string; status: number }>;
  close(): Promise<void>;
}

/** What the in-house helpdesk pushes, and the mapping the Connect page suggests for it. */
export const IN_HOUSE_MAPPING = {
  id: 'ticket.id',
  updatedAt: 'ticket.updated_at',
  subject: 'ticket.title',
  description: 'ticket.body',
  status: { path: 'ticket.state', map: { Open: 'open', Waiting: 'pending', Done: 'solved' } },
  requester: { id: 'ticket.customer.id', name: 'ticket.customer.name', email: 'ticket.customer.email' },
  tags: 'ticket.labels',
};

const HOSTILE = {
  subject: 'This is unacceptable, worst support ever',
  body: 'Third time I write. Your product is useless and your support is pathetic. I am furious and I want a refund.',
};

/** Starts simulators, the host and the traffic. */
export async function startLive(options: LiveOptions): Promise<Live> {
  mkdirSync(options.dataDir, { recursive: true });
  const dbPath = join(options.dataDir, 'host.db');
  for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
  const platforms = options.platforms ?? hostPlatforms();
  const simulators = new Map<string, PlatformSimulator>();
  for (const p of platforms) if (p.simulator) simulators.set(p.connector.id, await p.simulator(options.tickets ?? 600));

  // A real host keeps this key in its secret manager; simulated accounts need no better.
  const store = new SqliteStore({ path: dbPath, key: process.env.TICKETBRIDGE_KEY ?? 'example host passphrase, not for production use' });
  const app = await startHostApp({
    connectors: platforms.map((p) => p.connector),
    store,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    hub: { pollIntervalMs: 15 * 60_000, http: { minRetryDelayMs: 50, maxRetryDelayMs: 1_000 } },
    platformOrigins: Object.fromEntries([...simulators].map(([id, s]) => [id, s.sim.url])),
    badges: Object.fromEntries(platforms.map((p) => [p.connector.id, p.badge])),
    simulatorCredentials: {
      ...Object.fromEntries([...simulators].map(([id, s]) => [id, s.sim.credentials() as Record<string, unknown>])),
      'webhook-push': { name: 'In-house helpdesk', verification: 'standard-webhooks', mapping: JSON.stringify(IN_HOUSE_MAPPING, null, 2) },
      csv: { label: 'Zendesk export (CSV)', preset: 'zendesk' },
    },
    oauthClients: (callbackUrl) => {
      const clients: Record<string, OAuthClient> = {};
      for (const [id, s] of simulators) if (s.oauthClient) clients[id] = s.oauthClient(callbackUrl);
      return clients;
    },
  });

  let pushed = 0;
  /** Sends a webhook of the connection's platform for these tickets, signed with the connection's secret. */
  const deliver = async (connectionId: string, platform: string, ids: string[]) => {
    const sim = simulators.get(platform)!.sim;
    const stored = await store.getConnection(connectionId);
    // Host-generated secrets are what the user pasted into the platform; registered webhooks carry the platform's.
    const secret = stored?.webhook && !stored.webhook.registration ? stored.webhook.secret : undefined;
    return sim.webhooks!.deliver(app.hub.webhooks.urlFor(connectionId)!, ids, secret ? { secret } : {});
  };
  const push = async (connectionId: string, hostile: boolean) => {
    const stored = await store.getConnection(connectionId);
    if (!stored?.webhook) return;
    const n = ++pushed;
    const body = JSON.stringify({
      ticket: {
        id: `IH-${n}`,
        title: hostile ? HOSTILE.subject : `Badge printer jammed (#${n})`,
        body: hostile ? HOSTILE.body : 'The badge printer at the front desk shows a paper jam again.',
        state: ['Open', 'Waiting', 'Done'][n % 3],
        customer: { id: `u${n % 7}`, name: 'Kai Müller', email: `kai${n % 7}@example.com` },
        labels: ['in-house'],
        updated_at: new Date().toISOString(),
      },
    });
    const msg = `msg_${Date.now()}_${n}`;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = standardWebhooksSignature.sign({ secret: stored.webhook.secret, body, timestamp, headers: { 'webhook-id': msg } });
    await fetch(app.hub.webhooks.urlFor(connectionId)!, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'webhook-id': msg, 'webhook-timestamp': timestamp, 'webhook-signature': signature },
    });
  };

  let rounds = 0;
  const tick = async () => {
    rounds++;
    for (const c of await app.hub.list()) {
      if (c.status !== 'active' || c.syncMode === 'poll') continue;
      if (c.platform === 'webhook-push') {
        await push(c.id, rounds % 5 === 0);
        continue;
      }
      const s = simulators.get(c.platform);
      if (!s?.sim.webhooks) continue;
      const [created] = await s.sim.seed(1);
      const ids = [...s.sim.snapshot().keys()];
      const changed = await s.sim.update([ids[Math.floor(Math.random() * ids.length)]!]);
      await deliver(c.id, c.platform, [...(created ? [created] : []), ...changed]);
    }
  };

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const every = options.trafficEveryMs ?? 3_000;
  if (every > 0) {
    timer = setInterval(() => {
      // One round at a time: a slow machine skips rounds rather than piling them up.
      running ??= tick()
        .catch((error: unknown) => options.logger?.warn('live: traffic round failed', { error: error instanceof Error ? error.message : String(error) }))
        .finally(() => (running = undefined));
    }, every);
  }

  return {
    app,
    simulators,
    tick,
    async sendHostile(connectionId) {
      const conn = await app.hub.get(connectionId);
      if (!conn) throw new Error(`no connection "${connectionId}"`);
      if (conn.platform === 'webhook-push') {
        await push(connectionId, true);
        return { ticketId: `IH-${pushed}`, status: 200 };
      }
      const s = simulators.get(conn.platform);
      if (!s) throw new Error(`no simulator for ${conn.platform}`);
      const [id] = await s.sim.seed(1);
      await hostileText(s, id!);
      const res = await deliver(connectionId, conn.platform, [id!]);
      return { ticketId: id!, status: res.status };
    },
    async close() {
      if (timer) clearInterval(timer);
      await running;
      await app.close();
      await store.close();
      for (const s of simulators.values()) await s.sim.close();
    },
  };
}

/** Puts the angry message on the ticket, with whatever edit the platform's simulator offers. */
async function hostileText(s: PlatformSimulator, id: string) {
  const sim = s.sim as unknown as {
    patchTicket?(id: string, fields: Record<string, unknown>): Promise<void>;
    patch?(id: string, fields: Record<string, unknown>): Promise<void>;
  };
  if (sim.patchTicket) await sim.patchTicket(id, { subject: HOSTILE.subject, description: HOSTILE.body });
  else if (sim.patch) await sim.patch(id, { title: HOSTILE.subject });
}
