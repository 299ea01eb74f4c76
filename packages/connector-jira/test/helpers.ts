import { createHub, MemoryStore, type Hub, type PullPage, type Scheduler, type TicketEvent } from '@ticketbridge/core';
import { createTestContext, drainPull, latestById, startHostServer, TEST_HUB_DEFAULTS } from '@ticketbridge/core/testing';
import { jira, type JiraCursor, type JiraOptions } from '../src/index.js';
import { startJiraSimulator, type JiraSimulator, type JiraSimulatorOptions } from '../src/testing.js';

const open: JiraSimulator[] = [];

/** Closes the simulators {@link setup} started; call it from `afterEach`. */
export async function closeSimulators(): Promise<void> {
  for (const s of open.splice(0)) await s.close();
}

/** A simulator, the connector and a context bound to it (metadata as Test & Connect wrote it), as a hub builds them. */
export async function setup(options: JiraSimulatorOptions = {}, connectorOptions: JiraOptions = {}, extra: { credentials?: Record<string, unknown>; overlapMs?: number } = {}) {
  const sim = await startJiraSimulator(options);
  open.push(sim);
  const connector = jira(connectorOptions);
  const credentials = { ...sim.credentials(), ...extra.credentials };
  const probe = createTestContext({ connector, credentials, baseUrl: sim.url });
  const info = await connector.testConnection(probe);
  const ctx = createTestContext({ connector, credentials, baseUrl: sim.url, metadata: info.metadata ?? {}, ...(extra.overlapMs === undefined ? {} : { overlapMs: extra.overlapMs }) });
  sim.resetStats();
  return { sim, connector, ctx, info };
}

/** Runs a pull to its end. */
export const drain = (pages: AsyncIterable<PullPage<JiraCursor>>) => drainPull(pages);

export { latestById };

/** The cursor a pull ended on. */
export function lastCursor(pages: ReadonlyArray<PullPage<JiraCursor>>): JiraCursor {
  return pages.at(-1)!.nextCursor;
}

/**
 * A hub with the Jira connector and the hub-held OAuth app, behind a loopback host server (its webhook endpoint),
 * collecting `ticket` events. `cleanups` receives what to close, in the order to close it reversed.
 */
export async function startOAuthHub(options: { clientSecret: string; redirectUri: string; cleanups: Array<() => Promise<void>>; store?: MemoryStore; scheduler?: Scheduler }) {
  let hubRef: Hub | undefined;
  const server = await startHostServer((req, res) => hubRef!.webhooks.nodeHandler()(req, res));
  options.cleanups.push(() => server.close());
  const store = options.store ?? new MemoryStore();
  const hub = createHub({
    connectors: [jira()],
    store,
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    publicUrl: server.url,
    oauthClients: { jira: { clientId: 'ticketbridge-app', clientSecret: options.clientSecret, redirectUri: options.redirectUri } },
    ...TEST_HUB_DEFAULTS,
  });
  hubRef = hub;
  options.cleanups.push(() => hub.close());
  const events: TicketEvent[] = [];
  hub.on('ticket', (e) => {
    events.push(e);
  });
  return { hub, store, events };
}
