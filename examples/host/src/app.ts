import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHub, describeCredentialMethods, describeCredentials, TicketbridgeError, CredentialsError, type AnyConnector, type Hub, type StateStore, type TicketEvent, type Logger, type HubOptions } from '@ticketbridge/core';
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
  /**
   * Platform API origins set by the operator, by connector id (demo mode points them at the simulators). Never taken
   * from the Connect request: a user who could choose the origin could send the credentials to any host.
   */
  platformOrigins?: Record<string, string>;
  /**
   * The product's OAuth clients, by connector id, for "Sign in with …" methods. Called once the host listens, with
   * the callback URL the clients must have registered (`<publicUrl>/api/oauth/callback`).
   */
  oauthClients?: (callbackUrl: string) => NonNullable<HubOptions['oauthClients']>;
}

/** How long a started sign-in waits for its callback; the platform's code itself lives shorter (Zendesk: 120 s). */
const SIGN_IN_TTL_MS = 10 * 60_000;
/** Sign-ins waiting for their callback at once; past it the oldest is forgotten. */
const MAX_PENDING_SIGN_INS = 1_000;

/** Largest JSON body the Connect API reads; a Connect form is a few hundred bytes. */
const MAX_API_BODY_BYTES = 64 * 1024;

/** A Connect request the API refuses before it reaches the hub, with the status to answer. */
class BadRequest extends Error {
  constructor(
    message: string,
    readonly status: 400 | 413 = 400,
  ) {
    super(message);
  }
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
  const callbackUrl = `${url}/api/oauth/callback`;
  const hub = createHub({
    connectors: options.connectors,
    store: options.store,
    publicUrl: url,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.oauthClients ? { oauthClients: options.oauthClients(callbackUrl) } : {}),
    ...options.hub,
  });
  // state → the sign-in it belongs to. A real host keeps this in the user's server-side session instead.
  const signIns = new Map<string, { request: ConnectRequest; codeVerifier?: string; expiresAt: number }>();
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
      return send(
        res,
        200,
        options.connectors.map((c) => ({ id: c.id, name: c.displayName, webhooks: Boolean(c.webhook), methods: describeCredentialMethods(c.credentials), fields: describeCredentials(c.credentials) })),
      );
    }
    if (u.pathname === '/api/connections' && req.method === 'GET') return send(res, 200, await hub.list());
    if (u.pathname === '/api/connections' && req.method === 'POST') {
      const body = await connectRequest(req, res);
      if (!body) return;
      const origin = options.platformOrigins?.[body.platform];
      try {
        const conn = await hub.connect({ ...body, ...(origin ? { baseUrl: origin } : {}) });
        return send(res, 201, { ...conn, ...(conn.webhookSecret ? { webhookSecret: conn.webhookSecret } : {}), webhookSetup: conn.webhookSetup });
      } catch (error) {
        return sendHubError(res, error);
      }
    }
    if (u.pathname === '/api/oauth/start' && req.method === 'POST') {
      // "Sign in with …": the Connect form's values, then the browser goes to the platform's consent page.
      const body = await connectRequest(req, res);
      if (!body) return;
      const origin = options.platformOrigins?.[body.platform];
      try {
        const started = await hub.oauth.authorizationUrl({ ...body, redirectUri: callbackUrl, ...(origin ? { baseUrl: origin } : {}) });
        for (const [state, pending] of signIns) if (pending.expiresAt < Date.now()) signIns.delete(state);
        if (signIns.size >= MAX_PENDING_SIGN_INS) signIns.delete(signIns.keys().next().value!);
        signIns.set(started.state, { request: body, ...(started.codeVerifier ? { codeVerifier: started.codeVerifier } : {}), expiresAt: Date.now() + SIGN_IN_TTL_MS });
        return send(res, 200, { url: started.url, scopes: started.scopes });
      } catch (error) {
        return sendHubError(res, error);
      }
    }
    if (u.pathname === '/api/oauth/callback' && req.method === 'GET') {
      const state = u.searchParams.get('state') ?? '';
      const pending = signIns.get(state);
      // One use per state, whatever the outcome: a replayed callback finds nothing.
      signIns.delete(state);
      if (!pending || pending.expiresAt < Date.now()) return send(res, 400, { error: 'unknown or expired sign-in (state); start again' });
      const denied = u.searchParams.get('error');
      if (denied) return send(res, 400, { error: `the platform did not grant access: ${denied}` });
      const origin = options.platformOrigins?.[pending.request.platform];
      try {
        const conn = await hub.connect({
          ...pending.request,
          ...(origin ? { baseUrl: origin } : {}),
          oauth: { code: u.searchParams.get('code') ?? '', redirectUri: callbackUrl, ...(pending.codeVerifier ? { codeVerifier: pending.codeVerifier } : {}) },
        });
        return send(res, 201, { ...conn, webhookSetup: conn.webhookSetup });
      } catch (error) {
        return sendHubError(res, error);
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

/** The Connect form's values, or `undefined` after answering 400/413 for a body the API refuses. */
async function connectRequest(req: IncomingMessage, res: ServerResponse): Promise<ConnectRequest | undefined> {
  try {
    return parseConnectRequest(await readJson(req));
  } catch (error) {
    if (!(error instanceof BadRequest)) throw error;
    send(res, error.status, { error: error.message });
    return undefined;
  }
}

/** A hub refusal as the Connect API answers it: 422 naming the field for credentials, 400 for the rest. */
function sendHubError(res: ServerResponse, error: unknown) {
  if (CredentialsError.isInstance(error)) return send(res, 422, { error: error.message, field: error.field ?? null });
  if (TicketbridgeError.isInstance(error)) return send(res, 400, { error: error.message });
  throw error;
}

function send(res: ServerResponse, status: number, body: unknown) {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) }).end(payload);
}

interface ConnectRequest {
  platform: string;
  credentials: Record<string, unknown>;
  syncMode?: 'poll' | 'webhook' | 'both';
  name?: string;
}

function parseConnectRequest(value: unknown): ConnectRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadRequest('expected a JSON object');
  const v = value as Record<string, unknown>;
  if (typeof v.platform !== 'string') throw new BadRequest('platform: expected a connector id');
  if (typeof v.credentials !== 'object' || v.credentials === null || Array.isArray(v.credentials)) throw new BadRequest('credentials: expected an object');
  if (v.syncMode !== undefined && !['poll', 'webhook', 'both'].includes(v.syncMode as string)) throw new BadRequest('syncMode: expected poll, webhook or both');
  if ('baseUrl' in v) throw new BadRequest('baseUrl: the platform origin is set by the operator, not by the Connect form');
  return {
    platform: v.platform,
    credentials: v.credentials as Record<string, unknown>,
    ...(v.syncMode ? { syncMode: v.syncMode as ConnectRequest['syncMode'] } : {}),
    ...(typeof v.name === 'string' ? { name: v.name } : {}),
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_API_BODY_BYTES) throw new BadRequest(`body over ${MAX_API_BODY_BYTES} bytes`, 413);
    chunks.push(c as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequest('body is not valid JSON');
  }
}
