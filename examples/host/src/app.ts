import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHub, describeCredentials, TicketbridgeError, CredentialsError, type AnyConnector, type Hub, type StateStore, type TicketEvent, type Logger, type HubOptions } from '@ticketbridge/core';
import { analyse, type Alert } from './alerts.js';

/** Options of the example host. */
export interface HostAppOptions {
  connectors: AnyConnector[];
  store: StateStore;
  /** Port to listen on (0 = ephemeral). */
  port?: number;
  /** Public URL; defaults to the listening address (fine on loopback, wrong behind a proxy). */
  publicUrl?: string;
  logger?: Logger;
  hub?: Partial<HubOptions>;
}

/** A running example host. */
export interface HostApp {
  url: string;
  hub: Hub;
  server: Server;
  /** Every ticket event received, in order (a real host would write them to its database). */
  events: TicketEvent[];
  alerts: Alert[];
  close(): Promise<void>;
}

/**
 * A minimal host application: the JSON API a Connect form needs, the webhook endpoint, and alerting on hostile
 * tickets. It is what a product team writes around Ticketbridge, kept framework-free on purpose.
 */
export async function startHostApp(options: HostAppOptions): Promise<HostApp> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = options.publicUrl ?? `http://127.0.0.1:${port}`;
  const hub = createHub({ connectors: options.connectors, store: options.store, publicUrl: url, ...(options.logger ? { logger: options.logger } : {}), ...options.hub });
  const events: TicketEvent[] = [];
  const alerts: Alert[] = [];
  hub.on('ticket', async (event) => {
    events.push(event);
    const alert = analyse(event);
    if (alert) alerts.push(alert);
  });
  const webhooks = hub.webhooks.nodeHandler();

  server.on('request', (req, res) => {
    void route(req, res).catch((error: unknown) => send(res, 500, { error: error instanceof Error ? error.message : String(error) }));
  });

  async function route(req: IncomingMessage, res: ServerResponse) {
    const u = new URL(req.url ?? '/', url);
    const parts = u.pathname.split('/').filter(Boolean);
    if (u.pathname === '/api/webhooks/tickets') return webhooks(req, res);
    if (req.method === 'GET' && u.pathname === '/api/platforms') {
      return send(res, 200, options.connectors.map((c) => ({ id: c.id, name: c.displayName, webhooks: Boolean(c.webhook), fields: describeCredentials(c.credentials) })));
    }
    if (u.pathname === '/api/connections' && req.method === 'GET') return send(res, 200, await hub.list());
    if (u.pathname === '/api/connections' && req.method === 'POST') {
      const body = (await readJson(req)) as { platform: string; credentials: Record<string, unknown>; syncMode?: 'poll' | 'webhook' | 'both'; baseUrl?: string };
      try {
        const conn = await hub.connect(body);
        return send(res, 201, { ...conn, ...(conn.webhookSecret ? { webhookSecret: conn.webhookSecret } : {}), webhookSetup: conn.webhookSetup });
      } catch (error) {
        if (error instanceof CredentialsError) return send(res, 422, { error: error.message, field: error.field ?? null });
        if (TicketbridgeError.isInstance(error)) return send(res, 400, { error: error.message });
        throw error;
      }
    }
    if (parts[0] === 'api' && parts[1] === 'connections' && parts[2]) {
      const id = parts[2];
      if (parts[3] === 'history' && req.method === 'GET') return send(res, 200, await hub.history(id, { limit: Number(u.searchParams.get('limit') ?? 20) }));
      if (parts[3] === 'sync' && req.method === 'POST') return send(res, 200, await hub.syncNow(id));
      if (!parts[3] && req.method === 'DELETE') {
        await hub.disconnect(id);
        return send(res, 204, undefined);
      }
    }
    if (req.method === 'GET' && u.pathname === '/api/alerts') return send(res, 200, alerts);
    return send(res, 404, { error: 'not found' });
  }

  return {
    url,
    hub,
    server,
    events,
    alerts,
    async close() {
      await hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown) {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) }).end(payload);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}
