import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnyConnector } from '../connector/connector.js';
import type { WebhookItem, WebhookRequest, WebhookVerification } from '../connector/webhook.js';
import type { Redactor } from '../credentials/redact.js';
import { HttpError, TicketbridgeError } from '../errors/index.js';
import type { TicketDraft } from '../model/ticket.js';
import type { DeadLetter, InboxEntry, StoredConnection } from '../store/types.js';
import type { StateStore } from '../store/state-store.js';
import { newId } from '../util/ids.js';
import type { Logger } from '../util/logger.js';
import type { ContextFactory } from '../connection/connection-context.js';
import type { InboxWorker } from '../sync/inbox-worker.js';
import { newSyncRun } from '../sync/new-sync-run.js';
import { MAX_ROUTE_KEY_LENGTH, MAX_ROUTE_KEYS } from '../store/route-keys.js';
import { tombstone } from '../toolkit/tombstone.js';

/** The router's answer. */
export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: { ok: boolean; error?: string; accepted?: number; duplicate?: boolean };
}

/** Why a webhook was refused, as emitted in `webhook.rejected`. */
export interface WebhookRejection {
  /**
   * The connection the request named in its `connectorId` query parameter (it may not exist), or the one it was routed
   * to by its content; null when neither.
   */
  connectionId: string | null;
  status: number;
  reason: string;
  receivedAt: string;
}

/** Dependencies of the {@link WebhookRouter}. */
export interface WebhookRouterOptions {
  store: StateStore;
  connector(platform: string): AnyConnector | undefined;
  /** Every registered connector: those with a `route` hook are asked about deliveries that name no connection. */
  connectors(): Iterable<AnyConnector>;
  /** Public origin + path prefix the platforms call; used to rebuild the full URL that some platforms sign. */
  publicUrl: string | undefined;
  maxBodyBytes: number;
  /** Default replay window for signed timestamps and event times, in milliseconds (a connector may declare its own). */
  replayWindowMs: number;
  /**
   * Time allowed to read a whole body, from when the handler starts reading it (default 10 000 ms). A body that has
   * not arrived by then is answered 408 and its connection closed, so a client dripping bytes cannot hold it open.
   */
  bodyTimeoutMs?: number;
  logger: Logger;
  /** Builds the connector context each request verifies, parses and hydrates with (on the hub's lifetime signal). */
  contexts: ContextFactory;
  /** Delivers what the router put in the durable inbox, after the platform was answered. */
  inbox: Pick<InboxWorker, 'enqueue'>;
  /** Called after an entry is durably in the inbox (for the hub's `webhook.accepted` event). */
  accepted(entry: InboxEntry): void;
  rejected(rejection: WebhookRejection): void;
  /** Sync runs kept per connection (dead letters are recorded as runs). */
  historyLimit: number;
}

/** A request as the router needs it, independent of the server framework. */
export interface RawWebhookRequest {
  method: string;
  /** Full URL as the platform called it. */
  url: string;
  headers: Record<string, string>;
  /** The body, or `'too-large'` when it exceeded the limit while reading. */
  body: Buffer | 'too-large';
}

/** How reading a body ended when it did not produce one. */
type BodyRead = Buffer | 'too-large' | 'timeout' | 'aborted';

/**
 * How long a connection whose body was left unread stays half-closed after its answer, so that a client still sending
 * can read the answer before the connection is reset.
 */
const UNREAD_CLOSE_GRACE_MS = 1_000;

const json = (status: number, body: WebhookResponse['body'], headers: Record<string, string> = {}): WebhookResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body,
});

/** How long a delivery's sender id is remembered: longer than any sender's retry schedule (Svix's spans about 5 days). */
const EVENT_ID_RETENTION_MS = 7 * 24 * 3600_000;

/**
 * Most connections one delivery to the shared URL may reach. More means the routing keys are too coarse (a site
 * connected dozens of times over one app): refused with 400 rather than fanned out without bound.
 */
export const MAX_ROUTE_CANDIDATES = 25;

/**
 * Receives platform webhooks at `<publicUrl>/api/webhooks/tickets?connectorId=<id>`: route by `connectorId` (at the
 * shared URL without one, by what the delivery names: see `ConnectorWebhook.route`) → verify → parse → hydrate thin
 * payloads → durable inbox → 2xx. Delivery to the host (dedupe, events) happens after the answer, from the inbox, so a crash after the 2xx replays the event on restart.
 * Unknown connection 404, bad signature 401, malformed 400 (the payload kept as a dead letter), oversized 413, wrong
 * method 405: none of them emits a ticket event. A retry of a delivery already accepted (same sender id) gets 200 and
 * `duplicate: true`.
 */
export class WebhookRouter {
  readonly #o: WebhookRouterOptions;
  /** The origin of `publicUrl`, parsed once rather than per request. */
  readonly #publicOrigin: string | undefined;

  constructor(options: WebhookRouterOptions) {
    this.#o = options;
    this.#publicOrigin = options.publicUrl ? new URL(options.publicUrl).origin : undefined;
  }

  /** Handles one request; framework adapters below call this. */
  async handle(request: RawWebhookRequest): Promise<WebhookResponse> {
    const receivedAt = new Date();
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return this.#reject(null, receivedAt, 400, 'malformed request URL');
    }
    const connectorId = url.searchParams.get('connectorId');
    if (request.method !== 'POST') return this.#reject(connectorId, receivedAt, 405, 'webhooks must be POSTed', { allow: 'POST' });
    if (!connectorId) return this.#routeByContent(request, receivedAt);
    const connection = await this.#o.store.getConnection(connectorId);
    if (!connection) return this.#reject(connectorId, receivedAt, 404, 'unknown connector');
    return this.#deliver(connection, request, receivedAt);
  }

  #reject(connectionId: string | null, receivedAt: Date, status: number, reason: string, headers: Record<string, string> = {}): WebhookResponse {
    this.#o.rejected({ connectionId, status, reason, receivedAt: receivedAt.toISOString() });
    return json(status, { ok: false, error: reason }, headers);
  }

  /**
   * A delivery to the shared URL (no `connectorId`): each connector with a `route` hook names the keys it carries,
   * the store finds the connections registered under them, and each one takes the delivery as if the URL had named
   * it. One answer for all: 503 when any asks for a retry (those already accepted answer the retry as a duplicate),
   * else 200 when any accepted, else the first refusal.
   */
  async #routeByContent(request: RawWebhookRequest, receivedAt: Date): Promise<WebhookResponse> {
    if (request.body === 'too-large' || request.body.length > this.#o.maxBodyBytes) {
      return this.#reject(null, receivedAt, 413, `body larger than ${this.#o.maxBodyBytes} bytes`);
    }
    const req: WebhookRequest = { method: request.method, url: request.url, headers: request.headers, rawBody: request.body, receivedAt };
    const ids: string[] = [];
    for (const connector of this.#o.connectors()) {
      const route = connector.webhook?.route;
      if (!route) continue;
      let keys: readonly string[];
      try {
        keys = route.call(connector.webhook, { request: req });
      } catch (error) {
        // Another platform's payload, or garbage: not this connector's to route.
        this.#o.logger.debug('webhook route hook threw; treating the delivery as not its own', { platform: connector.id, error: error instanceof Error ? error.message : String(error) });
        continue;
      }
      const wanted = [...new Set(keys.filter((k) => typeof k === 'string' && k.length > 0 && k.length <= MAX_ROUTE_KEY_LENGTH))].slice(0, MAX_ROUTE_KEYS);
      if (wanted.length === 0) continue;
      ids.push(...(await this.#o.store.findConnectionsByWebhookRoute(connector.id, wanted, MAX_ROUTE_CANDIDATES + 1)));
    }
    if (ids.length === 0) return this.#reject(null, receivedAt, 404, 'missing connectorId query parameter, and no connection is registered for what this delivery names');
    if (ids.length > MAX_ROUTE_CANDIDATES) return this.#reject(null, receivedAt, 400, `this delivery matches more than ${MAX_ROUTE_CANDIDATES} connections; give each its own webhook URL`);

    const answers: WebhookResponse[] = [];
    for (const id of ids) {
      const connection = await this.#o.store.getConnection(id);
      // Deleted since the lookup: as if it had never matched.
      if (connection) answers.push(await this.#deliver(connection, request, receivedAt));
    }
    const retry = answers.find((a) => a.status === 503);
    if (retry) return retry;
    const ok = answers.filter((a) => a.status >= 200 && a.status < 300);
    if (ok.length > 0) {
      const accepted = ok.reduce((n, a) => n + (a.body.accepted ?? 0), 0);
      return json(200, ok.every((a) => a.body.duplicate === true) ? { ok: true, accepted, duplicate: true } : { ok: true, accepted });
    }
    return answers[0] ?? this.#reject(null, receivedAt, 404, 'unknown connector');
  }

  /** Verify → parse → hydrate → inbox for one connection: the whole pipeline once the connection is known. */
  async #deliver(connection: StoredConnection, request: RawWebhookRequest, receivedAt: Date): Promise<WebhookResponse> {
    const reject = (status: number, reason: string, headers: Record<string, string> = {}) => this.#reject(connection.id, receivedAt, status, reason, headers);
    const connector = this.#o.connector(connection.platform);
    const webhook = connector?.webhook;
    const secret = connection.webhook?.secret;
    if (!connector || !webhook || connection.syncMode === 'poll' || !secret) {
      return reject(404, 'this connection does not receive webhooks');
    }
    if (request.body === 'too-large' || request.body.length > this.#o.maxBodyBytes) {
      return reject(413, `body larger than ${this.#o.maxBodyBytes} bytes`);
    }

    // On the hub's lifetime: the HTTP client follows it with one listener for all requests, and a connector that
    // reads ctx.signal gets one of the request's own, so concurrent requests never pile listeners onto the hub's one
    // signal (MaxListenersExceededWarning past ten). The connection's client is reused from request to request.
    const { ctx, redactor } = this.#o.contexts.create(connector, connection);
    const req: WebhookRequest = { method: request.method, url: request.url, headers: request.headers, rawBody: request.body, receivedAt };

    // The current secret first, then those a rotation replaced while their grace period lasts.
    const secrets = [secret, ...(connection.webhook?.previousSecrets ?? []).filter((p) => Date.parse(p.until) > receivedAt.getTime()).map((p) => p.secret)];
    let verdict: WebhookVerification = { ok: false, reason: 'no secret' };
    for (const candidate of secrets) {
      try {
        verdict = await webhook.verify(ctx, { request: req, secret: candidate });
      } catch (error) {
        verdict = { ok: false as const, reason: redactor.error(error).message };
      }
      if (verdict.ok) break;
    }
    if (!verdict.ok) return reject(401, `signature rejected: ${verdict.reason}`);
    const windowMs = webhook.replayWindowMs ?? this.#o.replayWindowMs;
    if (verdict.signedAt !== undefined) {
      const stale = outsideWindow(verdict.signedAt.getTime(), receivedAt, windowMs);
      if (stale) return reject(401, `signature rejected: its timestamp is ${stale} the ${windowMs / 1000} s replay window`);
    }

    // A retry of a delivery already accepted: the same answer, nothing read again (its body may even differ).
    const eventId = webhook.eventId?.(ctx, { request: req });
    if (eventId !== undefined && (await this.#o.store.webhookEventSeen(connection.id, eventId))) return json(200, { ok: true, accepted: 0, duplicate: true });
    const remember = async () => {
      if (eventId !== undefined) await this.#o.store.rememberWebhookEvent(connection.id, eventId, new Date(receivedAt.getTime() + EVENT_ID_RETENTION_MS).toISOString());
    };

    let items: WebhookItem[];
    try {
      items = await webhook.parse(ctx, { request: req });
    } catch (error) {
      // A connector that reads the platform while parsing (Freshdesk hydrates there) and met an outage: the sender
      // retries a 503, so nothing is lost and nothing needs a replay.
      if (HttpError.isInstance(error) && error.retryable) {
        this.#o.logger.warn('webhook parse met a transient failure; asking the sender to retry', { connectionId: connection.id, error: redactor.error(error) });
        const seconds = Math.max(1, Math.ceil((error.retryAfterMs ?? 30_000) / 1000));
        return json(503, { ok: false, error: 'the platform could not be read; retry later' }, { 'retry-after': String(seconds) });
      }
      const message = TicketbridgeError.isInstance(error) ? redactor.error(error).message : 'body is not a payload this connector understands';
      // Verified, so it is the sender's real data: keep it for a replay once the connector (or its mapping) reads it.
      const letter = await this.#deadLetter(connection.id, req, message, redactor.with(secrets));
      return reject(400, `malformed payload: ${message} (kept as dead letter ${letter})`);
    }
    if (verdict.signedAt === undefined) {
      // The signature covers no time, so only the events' own times can tell a fresh request from a replay.
      const unfresh = items.map((item) => eventTimeProblem(item, receivedAt, windowMs)).find((p) => p !== undefined);
      if (unfresh) return reject(401, `signature rejected: it carries no timestamp, and ${unfresh}`);
    }

    let tickets: TicketDraft[];
    try {
      tickets = await this.#hydrate(connector, ctx, items, receivedAt);
    } catch (error) {
      // The platform will redeliver: answering 503 loses nothing, answering 2xx without the ticket would.
      this.#o.logger.warn('webhook hydration failed; asking the platform to retry', { connectionId: connection.id, error: redactor.error(error) });
      return json(503, { ok: false, error: 'could not fetch the ticket from the platform; retry later' }, { 'retry-after': '30' });
    }
    if (tickets.length === 0) {
      await remember();
      return json(200, { ok: true, accepted: 0 });
    }

    const entry: InboxEntry = {
      id: newId('whk'),
      connectionId: connection.id,
      receivedAt: receivedAt.toISOString(),
      source: 'webhook',
      tickets,
      attempts: 0,
    };
    await this.#o.store.inboxPut(entry);
    // After the inbox holds it: a delivery remembered but lost would never be retried by the sender.
    await remember();
    queueMicrotask(() => {
      this.#o.accepted(entry);
      this.#o.inbox.enqueue(entry);
    });
    return json(200, { ok: true, accepted: tickets.length });
  }

  /**
   * Delivers a dead letter again with the connection's current settings: parsed, hydrated and put in the inbox like
   * a fresh request, without the signature and replay checks it passed when it arrived. Resolves with the tickets
   * accepted, or the reason it still fails (the dead letter is then kept).
   */
  async replay(letter: DeadLetter): Promise<{ ok: true; accepted: number } | { ok: false; reason: string }> {
    const connection = await this.#o.store.getConnection(letter.connectionId);
    const connector = connection && this.#o.connector(connection.platform);
    if (!connection || !connector?.webhook) return { ok: false, reason: 'the connection no longer receives webhooks' };
    const { ctx, redactor } = this.#o.contexts.create(connector, connection);
    const receivedAt = new Date();
    const req: WebhookRequest = { method: 'POST', url: letter.headers['x-ticketbridge-url'] ?? '', headers: letter.headers, rawBody: Buffer.from(letter.body, 'utf8'), receivedAt };
    let tickets: TicketDraft[];
    try {
      tickets = await this.#hydrate(connector, ctx, await connector.webhook.parse(ctx, { request: req }), receivedAt);
    } catch (error) {
      return { ok: false, reason: TicketbridgeError.isInstance(error) ? redactor.error(error).message : 'body is not a payload this connector understands' };
    }
    if (tickets.length > 0) {
      const entry: InboxEntry = { id: newId('whk'), connectionId: connection.id, receivedAt: receivedAt.toISOString(), source: 'webhook', tickets, attempts: 0 };
      await this.#o.store.inboxPut(entry);
      this.#o.accepted(entry);
      this.#o.inbox.enqueue(entry);
    }
    await this.#o.store.deadLetterDelete(letter.id);
    return { ok: true, accepted: tickets.length };
  }

  /**
   * Keeps a refused payload and records it in the connection's history, where users look for what went wrong. Header
   * values pass through `redactor` (which knows the webhook secrets): a token header must not be stored or shown.
   */
  async #deadLetter(connectionId: string, req: WebhookRequest, reason: string, redactor: Redactor): Promise<string> {
    const id = newId('dl');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (k !== 'authorization' && k !== 'cookie') headers[k] = redactor.string(v);
    headers['x-ticketbridge-url'] = redactor.string(req.url);
    const at = req.receivedAt.toISOString();
    await this.#o.store.deadLetterPut({ id, connectionId, receivedAt: at, reason, headers, body: req.rawBody.toString('utf8') });
    const run = newSyncRun({ id: newId('run'), connectionId, trigger: 'webhook', startedAt: at, attempt: 1, cursor: null });
    run.status = 'failed';
    run.finishedAt = at;
    run.errors.push({ code: 'webhook', message: redactor.string(reason), at, status: 400 });
    run.note = `the payload was kept as dead letter ${id}; replay it with hub.replayDeadLetters() once the connection's settings read it`;
    await this.#o.store.saveRun(run);
    await this.#o.store.pruneRuns(connectionId, this.#o.historyLimit);
    return id;
  }

  async #hydrate(connector: AnyConnector, ctx: Parameters<AnyConnector['fetchTicket']>[0], items: WebhookItem[], receivedAt: Date): Promise<TicketDraft[]> {
    const out: TicketDraft[] = [];
    const refs = [...new Set(items.filter((i) => i.kind === 'ref').map((i) => i.externalId))];
    const fetched = new Map<string, TicketDraft>();
    if (refs.length > 1 && connector.fetchTickets) {
      for (const t of await connector.fetchTickets(ctx, { externalIds: refs })) fetched.set(t.externalId, t);
    } else {
      for (const id of refs) {
        const t = await connector.fetchTicket(ctx, { externalId: id });
        if (t) fetched.set(id, t);
      }
    }
    const emitted = new Set<string>();
    for (const item of items) {
      if (item.kind === 'ticket') out.push(item.ticket);
      else if (item.kind === 'deleted') out.push(tombstone(connector.id, item.externalId, item.deletedAt));
      else if (!emitted.has(item.externalId)) {
        emitted.add(item.externalId);
        // A ticket the platform no longer has was deleted after the event was sent.
        out.push(fetched.get(item.externalId) ?? tombstone(connector.id, item.externalId, receivedAt.toISOString()));
      }
    }
    return out;
  }

  /**
   * A handler for Node's `http` server, Express or Fastify's raw mode: `server.on('request', router.nodeHandler())`.
   * A body that is too large, too slow or not read (another method than POST) is never drained: the answer carries
   * `connection: close` and the connection is closed once it is sent.
   */
  nodeHandler(): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      void this.#handleNode(req, res).catch((error: unknown) => {
        this.#o.logger.error('webhook handler failed', { error: error instanceof Error ? error.message : String(error) });
        if (!req.complete) closeUnread(req);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json', ...(req.complete ? {} : { connection: 'close' }) });
        res.end(JSON.stringify({ ok: false, error: 'internal error' }));
      });
    };
  }

  async #handleNode(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = new Date();
    const path = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const url = this.#fullUrl(path, req.headers.host);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const body = req.method === 'POST' ? await readNodeBody(req, this.#o.maxBodyBytes, this.#bodyTimeoutMs) : Buffer.alloc(0);
    // The client is gone: there is nobody to answer.
    if (body === 'aborted') return;
    const out = body === 'timeout' ? this.#timedOut(url, receivedAt) : await this.handle({ method: req.method ?? 'GET', url, headers, body });
    // Draining what is left would let the client decide how much the server reads; closing bounds it.
    const close = !Buffer.isBuffer(body) || !req.complete;
    if (close) closeUnread(req);
    res.writeHead(out.status, close ? { ...out.headers, connection: 'close' } : out.headers);
    res.end(JSON.stringify(out.body));
  }

  /**
   * A handler for Fetch-API servers (Hono, Next.js route handlers, Bun, Deno): `(request) => Promise<Response>`.
   * The body stream of a request that is too large or too slow is cancelled and the answer carries
   * `connection: close`; closing the connection is then up to the runtime.
   */
  fetchHandler(): (request: Request) => Promise<Response> {
    return async (request) => {
      const receivedAt = new Date();
      const incoming = new URL(request.url);
      const url = this.#fullUrl(incoming.pathname + incoming.search, incoming.host);
      const headers: Record<string, string> = {};
      request.headers.forEach((v, k) => {
        headers[k] = v;
      });
      let body: Buffer | 'too-large' | 'timeout' = Buffer.alloc(0);
      if (request.method === 'POST') {
        const declared = Number(request.headers.get('content-length') ?? '0');
        if (declared > this.#o.maxBodyBytes) {
          body = 'too-large';
          // Left unread, the runtime would keep receiving it; cancelling tells it the rest is not wanted.
          void request.body?.cancel().catch(() => undefined);
        } else body = await readWebBody(request.body, this.#o.maxBodyBytes, this.#bodyTimeoutMs);
      }
      const out = body === 'timeout' ? this.#timedOut(url, receivedAt) : await this.handle({ method: request.method, url, headers, body });
      const close = !Buffer.isBuffer(body);
      return new Response(JSON.stringify(out.body), { status: out.status, headers: close ? { ...out.headers, connection: 'close' } : out.headers });
    };
  }

  get #bodyTimeoutMs(): number {
    return this.#o.bodyTimeoutMs ?? 10_000;
  }

  /** The 408 of a body that did not arrive in time, reported like the rejections of {@link handle}. */
  #timedOut(url: string, receivedAt: Date): WebhookResponse {
    const reason = `body not received within ${this.#bodyTimeoutMs} ms`;
    let connectorId: string | null = null;
    try {
      connectorId = new URL(url).searchParams.get('connectorId');
    } catch {
      // A URL that does not parse names no connector; the 408 still stands.
    }
    this.#o.rejected({ connectionId: connectorId, status: 408, reason, receivedAt: receivedAt.toISOString() });
    return json(408, { ok: false, error: reason });
  }

  /** The URL as the platform called it: the public origin (proxies rewrite Host) plus the raw path and query. */
  #fullUrl(pathAndQuery: string, host: string | undefined): string {
    if (this.#publicOrigin !== undefined) return this.#publicOrigin + pathAndQuery;
    return `http://${host ?? 'localhost'}${pathAndQuery}`;
  }
}

/** `'older than'` / `'later than'` when `at` is more than `windowMs` away from `receivedAt`, else undefined. */
function outsideWindow(at: number, receivedAt: Date, windowMs: number): string | undefined {
  const age = receivedAt.getTime() - at;
  if (Number.isNaN(age)) return 'not a valid time for';
  if (age > windowMs) return 'older than';
  if (age < -windowMs) return 'later than';
  return undefined;
}

/** Why an item's event time does not vouch for a fresh request, or undefined when it does. */
function eventTimeProblem(item: WebhookItem, receivedAt: Date, windowMs: number): string | undefined {
  const at = item.kind === 'deleted' ? item.deletedAt : (item.occurredAt ?? (item.kind === 'ticket' ? item.ticket.updatedAt : undefined));
  const id = item.kind === 'ticket' ? item.ticket.externalId : item.externalId;
  if (at === undefined) return `the event for ticket ${id} has no time to check the replay window against`;
  const outside = outsideWindow(Date.parse(at), receivedAt, windowMs);
  return outside ? `the event for ticket ${id} (${at}) is ${outside} the ${windowMs / 1000} s replay window` : undefined;
}


/** Reads a Node request body within `limit` bytes and `timeoutMs`; past either, reading stops where it is. */
function readNodeBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<BodyRead> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: BodyRead) => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onGone);
      // Without a 'data' listener a flowing stream would keep reading and dropping; paused, the parser stops reading
      // the socket once the request's buffer is full.
      if (!Buffer.isBuffer(outcome)) req.pause();
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) settle('too-large');
      else chunks.push(chunk);
    };
    const onEnd = () => settle(Buffer.concat(chunks));
    const onGone = () => settle('aborted');
    const timer = setTimeout(() => settle('timeout'), timeoutMs);
    req.on('data', onData).on('end', onEnd).on('error', onGone).on('close', onGone);
  });
}

/**
 * Closes the connection of a request whose body was not read to the end; call it before writing the answer with
 * `connection: close`. Reading stays stopped: what the client sends meanwhile waits in kernel buffers and is lost
 * with the connection.
 */
function closeUnread(req: IncomingMessage): void {
  req.pause();
  const socket = req.socket;
  // Node ends a `connection: close` answer with destroySoon(): FIN, then destroy as soon as the FIN is written. With
  // unread bytes that destroy is a reset, and a client still sending often hits it before reading the answer (fetch
  // fails with EPIPE instead of returning the 413). Half-closed, the client reads the answer; the timer ends it all.
  // Just before, Node resumes a request nobody read, to drain it for keep-alive: pausing it again keeps the rest unread.
  socket.destroySoon = () => {
    req.pause();
    socket.end();
  };
  const timer = setTimeout(() => socket.destroy(), UNREAD_CLOSE_GRACE_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** Reads a Fetch body within `limit` bytes and `timeoutMs`; past either, the stream is cancelled. */
async function readWebBody(stream: ReadableStream<Uint8Array> | null, limit: number, timeoutMs: number): Promise<Buffer | 'too-large' | 'timeout'> {
  if (!stream) return Buffer.alloc(0);
  const reader = stream.getReader();
  // Not awaited: a source slow to cancel must not hold up the answer.
  const cancel = () => void reader.cancel().catch(() => undefined);
  let timedOut = false;
  // Cancelling settles the pending read as done, so the loop ends without a race per chunk.
  const timer = setTimeout(() => {
    timedOut = true;
    cancel();
  }, timeoutMs);
  try {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (timedOut) return 'timeout';
      if (done) return Buffer.concat(chunks);
      size += value.length;
      if (size > limit) {
        cancel();
        return 'too-large';
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Re-exported for hosts that only need the type of a stored connection's webhook side. */
export type { StoredConnection };
