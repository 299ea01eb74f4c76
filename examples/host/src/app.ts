import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  createHub,
  describeCredentialMethods,
  describeCredentials,
  TicketbridgeError,
  CredentialsError,
  TimerScheduler,
  type AnyConnector,
  type Connection,
  type Hub,
  type HubOptions,
  type Logger,
  type Scheduler,
  type StateStore,
  type SyncRun,
  type TicketEvent,
} from '@ticketbridge/core';
import { importCsv, previewCsv, CsvImportError, type PresetName } from '@ticketbridge/csv-import';
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
  /** Badges (initials, colour) of the Connect page, by connector id. */
  badges?: Record<string, { initials: string; color: string }>;
  /**
   * Credentials the Connect page may fill in for the user, by connector id: only for simulators (`pnpm start`).
   * Never set this with real accounts: `GET /api/platforms` hands them to anyone who asks.
   */
  simulatorCredentials?: Record<string, Record<string, unknown>>;
  /** Ticket events kept in `events` (oldest dropped first). Default 100 000. */
  maxEvents?: number;
}

/** How long a started sign-in waits for its callback; the platform's code itself lives shorter (Zendesk: 120 s). */
const SIGN_IN_TTL_MS = 10 * 60_000;
/** Sign-ins waiting for their callback at once; past it the oldest is forgotten. */
const MAX_PENDING_SIGN_INS = 1_000;
/** Largest JSON body the Connect API reads; a Connect form is a few hundred bytes, a Webhook Push mapping a few KiB. */
const MAX_API_BODY_BYTES = 64 * 1024;
/** Largest CSV file the upload takes; a real host streams larger exports from object storage instead. */
const MAX_CSV_BYTES = 20 * 1024 * 1024;
/** Live-feed entries and alerts kept for a page that opens late. */
const FEED_SIZE = 200;
/** Pages following the live events at once; the next one is answered 503. */
const MAX_EVENT_STREAMS = 32;
/** A page that reads its events slower than this much buffered output is disconnected (it reconnects and re-reads the lists). */
const MAX_STREAM_BUFFER_BYTES = 1024 * 1024;
/** Sync history runs one request returns at most. */
const MAX_HISTORY = 100;

/** A request the API refuses before it reaches the hub, with the status to answer and the fields at fault. */
class BadRequest extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 413 | 422 = 400,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }
}

/** One problem with a request, by the path of its field (`mapping.status.map`). */
export interface FieldProblem {
  /** The top-level field: the form input to show the message at. */
  field: string;
  /** The whole path, for nested settings. */
  path: string;
  message: string;
}

/** A ticket of the live feed. */
export interface FeedTicket {
  at: string;
  connectionId: string;
  platform: string;
  type: TicketEvent['type'];
  source: TicketEvent['source'];
  ticketId: string;
  subject: string;
  status: string;
  priority: string | null;
  requester: string | null;
  url: string | null;
}

/** A running example host. */
export interface HostApp {
  url: string;
  hub: Hub;
  server: Server;
  /** Ticket events received, in order, the last `maxEvents` (a real host writes them to its database). */
  events: TicketEvent[];
  alerts: Alert[];
  close(): Promise<void>;
}

/** Where the page's files are: `public/` (HTML, CSS) and `dist/web/` (the bundled script), from src/ and dist/ alike. */
const root = fileURLToPath(new URL('..', import.meta.url));
const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: `${root}public/index.html`, type: 'text/html; charset=utf-8' },
  '/style.css': { file: `${root}public/style.css`, type: 'text/css; charset=utf-8' },
  '/app.js': { file: `${root}dist/web/app.js`, type: 'text/javascript; charset=utf-8' },
};

/**
 * A minimal host application: the Connect page and the JSON API behind it, the webhook endpoint, live events for
 * the page, and alerting on hostile tickets. It is what a product team writes around Ticketbridge, kept
 * framework-free on purpose. It has no authentication and no tenants: a real host puts its own in front.
 */
export async function startHostApp(options: HostAppOptions): Promise<HostApp> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = options.publicUrl ?? `http://127.0.0.1:${port}`;
  const callbackUrl = `${url}/api/oauth/callback`;
  const polls = new PollClock(options.hub?.scheduler ?? new TimerScheduler());
  const hub = createHub({
    connectors: options.connectors,
    store: options.store,
    publicUrl: url,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.oauthClients ? { oauthClients: options.oauthClients(callbackUrl) } : {}),
    ...options.hub,
    scheduler: polls,
  });
  const connectors = new Map(options.connectors.map((c) => [c.id, c]));
  const maxEvents = options.maxEvents ?? 100_000;
  // state → the sign-in it belongs to. A real host keeps this in the user's server-side session instead.
  const signIns = new Map<string, { request: ConnectRequest; codeVerifier?: string; expiresAt: number }>();
  const events: TicketEvent[] = [];
  const alerts: Alert[] = [];
  const feed: FeedTicket[] = [];
  const streams = new Set<ServerResponse>();

  const broadcast = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const res of streams) {
      if (res.writableLength > MAX_STREAM_BUFFER_BYTES) {
        streams.delete(res);
        res.destroy();
      } else res.write(frame);
    }
  };
  const keep = <T>(list: T[], item: T, max: number) => {
    list.push(item);
    if (list.length > max + Math.ceil(max / 10)) list.splice(0, list.length - max);
  };

  hub.on('ticket', async (event) => {
    keep(events, event, maxEvents);
    const t = event.ticket;
    const entry: FeedTicket = {
      at: event.receivedAt,
      connectionId: event.connectionId,
      platform: t.platform,
      type: event.type,
      source: event.source,
      ticketId: t.externalId,
      subject: t.subject,
      status: t.status,
      priority: t.priority,
      requester: t.requester?.name ?? t.requester?.email ?? null,
      url: t.url,
    };
    keep(feed, entry, FEED_SIZE);
    broadcast('ticket', entry);
    const alert = analyse(event);
    if (alert) {
      keep(alerts, alert, Math.max(FEED_SIZE, maxEvents));
      broadcast('alert', alert);
    }
  });
  hub.on('sync.started', (run) => broadcast('run', runSummary(run)));
  hub.on('sync.progress', (progress) => broadcast('progress', progress));
  hub.on('sync.finished', (run) => broadcast('run', runSummary(run)));
  hub.on('sync.failed', (run, _error, willRetry) => broadcast('run', { ...runSummary(run), willRetry }));
  hub.on('connection.error', (c) => broadcast('connection', { id: c.id, status: 'error', reason: c.reason ?? null }));
  const webhooks = hub.webhooks.nodeHandler();

  server.on('request', (req, res) => {
    void route(req, res).catch((error: unknown) => {
      if (error instanceof BadRequest) return send(res, error.status, { error: error.message, ...(error.fields.length ? { field: error.fields[0]!.field, fields: error.fields } : {}) });
      if (res.headersSent) return res.destroy();
      // Internal details stay in the log; the page gets a message it can show.
      options.logger?.error('host: request failed', { path: req.url, error: error instanceof Error ? error.message : String(error) });
      return send(res, 500, { error: 'internal error' });
    });
  });

  /** The connection, or a 404 naming the id: every `/api/connections/:id/...` route goes through here. */
  const mustGet = async (id: string): Promise<Connection> => {
    const conn = await hub.get(id);
    if (!conn) throw new BadRequest(`no connection "${id}"`, 404);
    return conn;
  };
  const withSchedule = (c: Connection) => {
    const next = polls.nextRun(`poll:${c.id}`);
    return { ...c, nextPollAt: c.status === 'active' && next ? new Date(next).toISOString() : null };
  };

  async function route(req: IncomingMessage, res: ServerResponse) {
    const u = new URL(req.url ?? '/', url);
    const parts = u.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (u.pathname === '/api/webhooks/tickets') return webhooks(req, res);
    const file = req.method === 'GET' ? STATIC[u.pathname] : undefined;
    if (file) return sendFile(res, file.file, file.type);
    if (req.method === 'GET' && u.pathname === '/api/platforms') {
      return send(
        res,
        200,
        options.connectors.map((c) => ({
          id: c.id,
          name: c.displayName,
          badge: options.badges?.[c.id] ?? { initials: c.displayName.slice(0, 2).toUpperCase(), color: '#444' },
          webhooks: Boolean(c.webhook),
          // What the user will have to do for real-time updates.
          webhookSetup: !c.webhook ? 'none' : c.webhook.register ? (c.webhook.canRegister ? 'automatic-or-manual' : 'automatic') : 'manual',
          methods: describeCredentialMethods(c.credentials),
          fields: describeCredentials(c.credentials),
          ...(options.simulatorCredentials?.[c.id] ? { simulatorCredentials: options.simulatorCredentials[c.id] } : {}),
        })),
      );
    }
    if (req.method === 'GET' && u.pathname === '/api/events') return openStream(req, res);
    if (req.method === 'GET' && u.pathname === '/api/tickets') {
      const limit = Math.min(FEED_SIZE, Math.max(1, Number(u.searchParams.get('limit') ?? 50) || 50));
      return send(res, 200, feed.slice(-limit).reverse());
    }
    if (req.method === 'GET' && u.pathname === '/api/alerts') return send(res, 200, alerts.slice(-FEED_SIZE).reverse());

    if (u.pathname === '/api/connections' && req.method === 'GET') return send(res, 200, (await hub.list()).map(withSchedule));
    if (u.pathname === '/api/connections' && req.method === 'POST') {
      const body = connectRequest(await readJson(req));
      const origin = options.platformOrigins?.[body.platform];
      try {
        const conn = await hub.connect({ ...body, ...(origin ? { baseUrl: origin } : {}) });
        broadcast('connection', { id: conn.id, status: conn.status });
        return send(res, 201, { ...conn, ...(conn.webhookSecret ? { webhookSecret: conn.webhookSecret } : {}), webhookSetup: conn.webhookSetup });
      } catch (error) {
        return sendHubError(res, error);
      }
    }
    if (u.pathname === '/api/connections/test' && req.method === 'POST') {
      const body = connectRequest(await readJson(req));
      const origin = options.platformOrigins?.[body.platform];
      try {
        const info = await hub.test({ ...body, ...(origin ? { baseUrl: origin } : {}) });
        return send(res, 200, { ok: true, accountName: info.accountName });
      } catch (error) {
        return sendHubError(res, error);
      }
    }
    if (u.pathname === '/api/oauth/start' && req.method === 'POST') {
      // "Sign in with …": the Connect form's values, then the browser goes to the platform's consent page.
      const body = connectRequest(await readJson(req));
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
    if (u.pathname === '/api/oauth/callback' && req.method === 'GET') return oauthCallback(req, res, u);

    if (parts[0] === 'api' && parts[1] === 'connections' && parts[2] && parts.length <= 5) {
      const id = parts[2];
      const action = parts.slice(3).join('/');
      const method = req.method ?? 'GET';
      if (action === '' && method === 'GET') return send(res, 200, withSchedule(await mustGet(id)));
      if (action === '' && method === 'DELETE') {
        await mustGet(id);
        await hub.disconnect(id);
        broadcast('connection', { id, status: 'disconnected' });
        return send(res, 204, undefined);
      }
      if (action === 'history' && method === 'GET') {
        await mustGet(id);
        const limit = Math.min(MAX_HISTORY, Math.max(1, Number(u.searchParams.get('limit') ?? 20) || 20));
        return send(res, 200, await hub.history(id, { limit }));
      }
      if (action === 'sync' && method === 'POST') {
        await mustGet(id);
        return send(res, 200, await hub.syncNow(id));
      }
      if ((action === 'pause' || action === 'resume') && method === 'POST') {
        await mustGet(id);
        const conn = action === 'pause' ? await hub.pause(id) : await hub.resume(id);
        broadcast('connection', { id, status: conn.status });
        return send(res, 200, withSchedule(conn));
      }
      if (action === 'credentials' && method === 'PUT') {
        // Rotate credentials: the whole form again, tested like Test & Connect; cursor, history and webhook stay.
        const conn = await mustGet(id);
        const body = readCredentials(await readJson(req), connectors.get(conn.platform));
        try {
          const updated = await hub.updateCredentials(id, body);
          broadcast('connection', { id, status: updated.status });
          return send(res, 200, withSchedule(updated));
        } catch (error) {
          return sendHubError(res, error);
        }
      }
      if (action === 'webhook' && method === 'GET') {
        // The secret again, for a user who lost it: a real host asks the user to re-authenticate first.
        const conn = await mustGet(id);
        const stored = await options.store.getConnection(id);
        const manual = conn.webhookSetup.kind === 'manual' ? stored?.webhook?.instructions : undefined;
        return send(res, 200, {
          url: conn.webhookUrl,
          kind: conn.webhookSetup.kind,
          ...(manual ? { instructions: manual, secret: stored?.webhook?.secret ?? null } : {}),
        });
      }
      if (action === 'dead-letters' && method === 'GET') {
        await mustGet(id);
        return send(res, 200, await hub.deadLetters(id, { limit: 50 }));
      }
      if (action === 'dead-letters/replay' && method === 'POST') {
        await mustGet(id);
        return send(res, 200, await hub.replayDeadLetters(id));
      }
      if ((action === 'csv/preview' || action === 'csv/import') && method === 'POST') {
        const conn = await mustGet(id);
        if (conn.platform !== 'csv') throw new BadRequest(`connection "${id}" is not a CSV connection`, 400, [{ field: 'connectionId', path: 'connectionId', message: 'not a CSV connection' }]);
        return csvRoute(req, res, u, id, conn, action === 'csv/preview');
      }
      return send(res, 404, { error: `no route ${method} ${u.pathname}` });
    }
    return send(res, 404, { error: `no route ${req.method} ${u.pathname}` });
  }

  async function oauthCallback(req: IncomingMessage, res: ServerResponse, u: URL) {
    const state = u.searchParams.get('state') ?? '';
    const pending = signIns.get(state);
    // One use per state, whatever the outcome: a replayed callback finds nothing.
    signIns.delete(state);
    // A browser comes back here from the consent page: it goes on to the page; scripts get JSON.
    const browser = (req.headers.accept ?? '').includes('text/html');
    const answer = (status: number, body: Record<string, unknown>) => {
      if (!browser) return send(res, status, body);
      const to = status === 201 ? `/?connected=${encodeURIComponent(String(body.id))}` : `/?signInError=${encodeURIComponent(String(body.error))}`;
      res.writeHead(303, { location: to }).end();
    };
    if (!pending || pending.expiresAt < Date.now()) return answer(400, { error: 'unknown or expired sign-in (state); start again' });
    const denied = u.searchParams.get('error');
    if (denied) return answer(400, { error: `the platform did not grant access: ${denied}` });
    const origin = options.platformOrigins?.[pending.request.platform];
    try {
      const conn = await hub.connect({
        ...pending.request,
        ...(origin ? { baseUrl: origin } : {}),
        oauth: { code: u.searchParams.get('code') ?? '', redirectUri: callbackUrl, ...(pending.codeVerifier ? { codeVerifier: pending.codeVerifier } : {}) },
      });
      broadcast('connection', { id: conn.id, status: conn.status });
      return answer(201, { ...conn, webhookSetup: conn.webhookSetup });
    } catch (error) {
      if (!TicketbridgeError.isInstance(error)) throw error;
      return answer(CredentialsError.isInstance(error) ? 422 : 400, { error: publicMessage(error) });
    }
  }

  async function csvRoute(req: IncomingMessage, res: ServerResponse, u: URL, id: string, conn: Connection, dryRun: boolean) {
    const body = await readBody(req, MAX_CSV_BYTES);
    const timeZone = u.searchParams.get('timeZone') ?? undefined;
    const input = () => Readable.from([body]);
    try {
      if (dryRun) {
        const preset = conn.credentials['preset'];
        const preview = await previewCsv(input(), {
          rows: 20,
          ...(typeof preset === 'string' && preset !== 'none' ? { preset: preset as PresetName } : {}),
          ...(timeZone ? { timeZone } : {}),
        });
        return send(res, 200, preview);
      }
      const report = await importCsv(hub, id, input(), timeZone ? { timeZone } : {});
      return send(res, 200, { run: report.run, progress: report.progress, rejected: report.rejected.slice(0, 100) });
    } catch (error) {
      if (error instanceof CsvImportError) return send(res, 422, { error: publicMessage(error), code: error.code });
      throw error;
    }
  }

  function openStream(req: IncomingMessage, res: ServerResponse) {
    if (streams.size >= MAX_EVENT_STREAMS) return send(res, 503, { error: `${MAX_EVENT_STREAMS} pages already follow the live events` });
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    streams.add(res);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    heartbeat.unref();
    req.on('close', () => {
      clearInterval(heartbeat);
      streams.delete(res);
    });
  }

  /** The Connect form's values, validated as far as the host can without the platform: every problem listed. */
  function connectRequest(value: unknown): ConnectRequest {
    const v = asObject(value);
    const problems: FieldProblem[] = [];
    if (typeof v.platform !== 'string' || !v.platform) problems.push({ field: 'platform', path: 'platform', message: v.platform === undefined ? 'required' : 'expected a connector id' });
    if (v.credentials === undefined) problems.push({ field: 'credentials', path: 'credentials', message: 'required' });
    else if (typeof v.credentials !== 'object' || v.credentials === null || Array.isArray(v.credentials)) problems.push({ field: 'credentials', path: 'credentials', message: 'expected an object' });
    if (v.syncMode !== undefined && !['poll', 'webhook', 'both'].includes(v.syncMode as string)) problems.push({ field: 'syncMode', path: 'syncMode', message: 'expected poll, webhook or both' });
    if ('baseUrl' in v) problems.push({ field: 'baseUrl', path: 'baseUrl', message: 'the platform origin is set by the operator, not by the Connect form' });
    if (v.name !== undefined && typeof v.name !== 'string') problems.push({ field: 'name', path: 'name', message: 'expected a string' });
    if (problems.length) throw invalid(problems, 400);
    const platform = v.platform as string;
    const connector = connectors.get(platform);
    if (!connector) throw invalid([{ field: 'platform', path: 'platform', message: `unknown platform "${platform}"; offered: ${[...connectors.keys()].join(', ')}` }], 400);
    return {
      platform,
      credentials: readCredentials(v.credentials, connector),
      ...(v.syncMode ? { syncMode: v.syncMode as ConnectRequest['syncMode'] } : {}),
      ...(typeof v.name === 'string' ? { name: v.name } : {}),
    };
  }

  return {
    url,
    hub,
    server,
    events,
    alerts,
    async close() {
      for (const res of streams) res.destroy();
      streams.clear();
      await hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The credentials object checked against the connector's schema, every problem at once, by field path. The hub
 * checks again (it reports only the first problem); this pass is what lets a form mark every field at fault.
 */
function readCredentials(value: unknown, connector: AnyConnector | undefined): Record<string, unknown> {
  const creds = value as Record<string, unknown>;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid([{ field: 'credentials', path: 'credentials', message: 'expected an object' }], 400);
  if (!connector) return creds;
  const parsed = connector.credentials.safeParse(creds);
  if (parsed.success) return creds;
  const problems = parsed.error.issues.slice(0, 50).map((issue: { code: string; path: PropertyKey[]; message: string }) => {
    const path = issue.path.map(String).join('.');
    // "required" only for a value that is really absent, looking into settings sent as JSON text (a mapping).
    let at: unknown = creds;
    for (const key of issue.path) {
      if (typeof at === 'string') at = parseJson(at);
      at = at && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[key] : undefined;
    }
    const missing = issue.path.length > 0 && issue.code === 'invalid_type' && (at === undefined || at === '');
    return { field: issue.path.length ? String(issue.path[0]) : 'credentials', path: path || 'credentials', message: missing ? 'required' : issue.message };
  });
  throw invalid(problems, 422);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function invalid(problems: FieldProblem[], status: 400 | 422): BadRequest {
  const missing = problems.filter((p) => p.message === 'required').map((p) => p.path);
  const other = problems.filter((p) => p.message !== 'required').map((p) => `${p.path}: ${p.message}`);
  const message = [missing.length ? `missing ${missing.join(', ')}` : '', ...other].filter(Boolean).join('; ');
  return new BadRequest(message, status, problems);
}

function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadRequest('expected a JSON object');
  return value as Record<string, unknown>;
}

/** An error's message without the library's `[ticketbridge] [platform]` prefixes, which mean nothing to a user. */
function publicMessage(error: Error): string {
  return error.message.replace(/^(\s*\[[^\]]*\])+\s*/, '');
}

/** A hub refusal as the API answers it: 422 naming the field for credentials, 400 for the rest. */
function sendHubError(res: ServerResponse, error: unknown) {
  if (CredentialsError.isInstance(error)) {
    const field = error.field ?? null;
    return send(res, 422, { error: publicMessage(error), field, fields: field ? [{ field, path: field, message: publicMessage(error) }] : [] });
  }
  if (TicketbridgeError.isInstance(error)) {
    const field = (error as { field?: string }).field;
    return send(res, 400, { error: publicMessage(error), ...(field ? { field } : {}) });
  }
  throw error;
}

function runSummary(run: SyncRun) {
  return {
    id: run.id,
    connectionId: run.connectionId,
    trigger: run.trigger,
    status: run.status,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? null,
    ticketsSynced: run.ticketsSynced,
    pages: run.pages,
    errors: run.errors.length,
    attempt: run.attempt,
    nextRetryAt: run.nextRetryAt ?? null,
  };
}

async function sendFile(res: ServerResponse, file: string, type: string) {
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return send(res, 404, { error: `${file.slice(root.length)} is missing: run pnpm build in examples/host` });
  }
  res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'cache-control': 'no-cache' }).end(body);
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

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) {
      req.resume();
      throw new BadRequest(`body over ${max} bytes`, 413);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req, MAX_API_BODY_BYTES);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadRequest('body is not valid JSON');
  }
}

/**
 * The hub's scheduler with the time of each job's next run written down, so the connection list can say when the
 * next poll is due. The time is approximate: the scheduler stretches each interval by up to its jitter.
 */
class PollClock implements Scheduler {
  #next = new Map<string, number>();
  constructor(readonly inner: Scheduler) {}

  nextRun(key: string): number | undefined {
    return this.#next.get(key);
  }

  every(key: string, intervalMs: number, job: () => Promise<void>, options: { initialDelayMs: number; jitterRatio?: number }): void {
    this.#next.set(key, Date.now() + options.initialDelayMs);
    this.inner.every(
      key,
      intervalMs,
      async () => {
        try {
          await job();
        } finally {
          if (this.#next.has(key)) this.#next.set(key, Date.now() + intervalMs);
        }
      },
      options,
    );
  }

  once(key: string, delayMs: number, job: () => Promise<void>): void {
    this.inner.once(key, delayMs, job);
  }

  cancel(key: string): void {
    this.#next.delete(key);
    this.inner.cancel(key);
  }

  close(): Promise<void> {
    this.#next.clear();
    return this.inner.close();
  }
}
