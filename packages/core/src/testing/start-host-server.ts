import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHub, type Hub, type HubOptions } from '../hub/create-hub.js';
import type { TicketEvent } from '../model/ticket.js';
import { TEST_HUB_DEFAULTS } from './test-hub-defaults.js';

/** A host's HTTP server on loopback, for the webhook endpoint. */
export async function startHostServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A hub behind a loopback host server, collecting its `ticket` events: what most hub tests start with. */
export interface TestHubServer {
  hub: Hub;
  /** The host's origin; the hub's `publicUrl`. */
  url: string;
  /** Every `ticket` event, in order. */
  events: TicketEvent[];
  /** Closes the hub, then the server. */
  close(): Promise<void>;
}

/**
 * Starts a host server on loopback and a hub whose `publicUrl` it is, with {@link TEST_HUB_DEFAULTS} under `options`
 * and the hub's webhook handler mounted, so platform simulators can deliver webhooks to it.
 *
 * @example
 * const { hub, events, close } = await startHubServer({ connectors: [acme()], store: new MemoryStore() });
 */
export async function startHubServer(options: HubOptions): Promise<TestHubServer> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = await startHostServer((req, res) => handler!(req, res));
  const hub = createHub({ publicUrl: server.url, ...TEST_HUB_DEFAULTS, ...options });
  handler = hub.webhooks.nodeHandler();
  const events: TicketEvent[] = [];
  hub.on('ticket', (e) => {
    events.push(e);
  });
  return {
    hub,
    url: server.url,
    events,
    async close() {
      await hub.close();
      await server.close();
    },
  };
}
