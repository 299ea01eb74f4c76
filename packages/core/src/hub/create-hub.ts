import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import type { OAuthClientConfig } from '../credentials/oauth-method.js';
import { OAuthSessions } from '../auth/oauth-sessions.js';
import { createOAuthState, createPkcePair } from '../auth/pkce.js';
import { requestTokens, type OAuthTokens } from '../auth/token-endpoint.js';
import type { AnyConnector, ConnectionInfo } from '../connector/connector.js';
import { Redactor } from '../credentials/redact.js';
import { secretFieldNames } from '../credentials/describe-credentials.js';
import { AbortedError, ConfigError, CredentialsError } from '../errors/index.js';
import type { TicketEvent } from '../model/ticket.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { TimerScheduler } from '../scheduler/timer-scheduler.js';
import type { StateStore } from '../store/state-store.js';
import type { DeadLetter, StoredConnection, StoredWebhook, SyncMode, SyncRun } from '../store/types.js';
import type { WebhookInstructions } from '../connector/webhook.js';
import { ContextFactory, type HttpDefaults } from '../connection/connection-context.js';
import { setUpWebhook, tearDownWebhook } from '../connection/webhook-setup.js';
import { WebhookMaintainer } from '../connection/webhook-maintenance.js';
import { InboxWorker } from '../sync/inbox-worker.js';
import { SyncEngine, type ImportBatch, type RetryPolicy } from '../sync/sync-engine.js';
import { newId } from '../util/ids.js';
import { KeyedMutex } from '../util/keyed-mutex.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { WebhookRouter, type RawWebhookRequest, type WebhookResponse } from '../webhooks/webhook-router.js';
import { toConnectionView, type Connection, type ConnectResult } from './connection-view.js';
import type { HubEvents } from './events.js';

/** The path platforms POST webhooks to, below `publicUrl`. */
export const WEBHOOK_PATH = '/api/webhooks/tickets';

/** Options of {@link createHub}. */
export interface HubOptions {
  /** Connector plugins; ids must be unique. */
  connectors: AnyConnector[];
  /** Where connections, cursors, history, versions, inbox and locks live. */
  store: StateStore;
  /** The host's public origin (`https://app.example.com`); required for webhook modes. */
  publicUrl?: string;
  /** Default poll interval (default 15 minutes). */
  pollIntervalMs?: number;
  /** Jitter applied to poll intervals, as a fraction (default 0.1). */
  pollJitter?: number;
  /** Largest webhook body accepted (default 1 MiB); larger ones get 413. */
  maxWebhookBodyBytes?: number;
  /**
   * How far a webhook's signed timestamp (or, for schemes that sign no time, each event's own time) may lie from
   * the time of receipt before the request is refused as a replay (401). Default 5 minutes, the window Zendesk,
   * HubSpot and Standard Webhooks document. A connector may declare its own (`webhook.replayWindowMs`).
   */
  webhookReplayWindowMs?: number;
  /**
   * Time allowed to receive a whole webhook body, from when the handler starts reading it (default 10 000 ms). A body
   * still incomplete by then is answered 408, reported in `webhook.rejected`, and its connection closed: a client
   * dripping bytes cannot hold a connection open. Must be a positive number of milliseconds below 2^31.
   */
  webhookBodyTimeoutMs?: number;
  /**
   * Scheduler (default: in-process timers). A scheduler shared by several worker processes
   * (`@ticketbridge/scheduler-bullmq`) implements {@link Scheduler.bind}: the hub then lets it rebuild any of its jobs
   * from the job's key in whichever worker takes it, and delivers webhooks through it as jobs keyed by connection,
   * under the store's sync lock.
   */
  scheduler?: Scheduler;
  /** Logger (default: silent). Only redacted values reach it. */
  logger?: Logger;
  /** HTTP client settings for every connection. */
  http?: HttpDefaults;
  /** Retry policy of failed sync runs. */
  retry?: Partial<RetryPolicy>;
  /** Sync runs kept per connection (default 100). */
  historyLimit?: number;
  /**
   * Sync lock time-to-live (default 5 minutes). A running sync renews it every third of this, also while your
   * `ticket` handler works on a page, so another worker sharing the store takes over only from a process that died
   * or stalled for longer than this.
   */
  lockTtlMs?: number;
  /**
   * Pages one sync run may read (default 50 000). Past it the run stops as `page_limit` in the history, with every
   * page before it checkpointed; the next run resumes there. It bounds what no other check catches, such as a
   * cursor that advances forever. (A cursor that comes back to one already read stops the run as `stuck_cursor`.)
   */
  maxPagesPerRun?: number;
  /** Delay of the first sync after connect (default 0: right away). */
  initialSyncDelayMs?: number;
  /** Start schedules and replay the webhook inbox on creation (default true). */
  autoStart?: boolean;
  /**
   * The product's own OAuth clients, by connector id, for credential methods whose client comes from the hub (a
   * global OAuth client serving many customer accounts): a connection then holds only the account's subdomain and
   * its tokens. The secrets are redacted like every credential.
   */
  oauthClients?: Readonly<Record<string, OAuthClientConfig>>;
}


/** How an OAuth connection gets its first tokens in {@link Hub.connect}. */
export type ConnectOAuth =
  /** The code the consent page sent to the redirect URI, with the PKCE verifier `authorizationUrl` returned. */
  | { code: string; codeVerifier?: string; redirectUri?: string }
  /** Tokens the host already exchanged (`hub.oauth.exchangeCode`). */
  | { tokens: OAuthTokens };

/** What {@link Hub.oauth}'s `authorizationUrl` returns. Keep `state` and `codeVerifier` server-side until the callback. */
export interface AuthorizationRequest {
  /** Where to send the user's browser. */
  url: string;
  /** Compare it with the `state` the callback receives before using the code. */
  state: string;
  /** Pass it to `connect({ oauth: { code, codeVerifier } })` or `exchangeCode`. Absent without PKCE. */
  codeVerifier?: string;
  /** The scopes asked for. */
  scopes: readonly string[];
  redirectUri: string;
}

/** What {@link Hub.connect} takes: the Connect form's values. */
export interface ConnectOptions {
  /** Connector id (`zendesk`, `hubspot`...). */
  platform: string;
  /** The form's values; validated against the connector's schema. */
  credentials: Record<string, unknown>;
  /** Default `both` when the connector has webhooks and the hub a `publicUrl`, else `poll`. */
  syncMode?: SyncMode;
  /** A label for the host's UI. */
  name?: string;
  /** Poll interval for this connection (default: the hub's). */
  pollIntervalMs?: number;
  /**
   * Origin override for the platform API (custom domain, proxy, simulator). Credentials are still validated and the
   * connector's path is kept; only scheme, host and port change.
   */
  baseUrl?: string;
  /** For an OAuth authorization-code method: the code from the consent page, or tokens already exchanged. */
  oauth?: ConnectOAuth;
}

/** The input of {@link Hub.oauth}'s helpers: which platform and account, and where the browser comes back. */
export interface OAuthFlowInput {
  platform: string;
  /** The method's form values (`{ method: 'oauth_authorization_code', subdomain: 'acme' }`). */
  credentials: Record<string, unknown>;
  /** Default: the hub's `oauthClients[platform].redirectUri`. */
  redirectUri?: string;
  /** The sync mode the connection will use: webhook modes ask for the webhook scopes too. Default `both` when possible. */
  syncMode?: SyncMode;
  /** Origin override, as in `connect` (a simulator's consent page). */
  baseUrl?: string;
}

/** A Ticketbridge hub: connections, syncs, webhooks and events. */
export interface Hub {
  /** Subscribe to events; `ticket` listeners may be async and are awaited. */
  on<E extends keyof HubEvents>(event: E, listener: HubEvents[E]): Hub;
  off<E extends keyof HubEvents>(event: E, listener: HubEvents[E]): Hub;
  once<E extends keyof HubEvents>(event: E, listener: HubEvents[E]): Hub;
  /** Registered connectors by id. */
  readonly connectors: ReadonlyMap<string, AnyConnector>;
  /**
   * Test & Connect: validate credentials → test the connection → save → register the webhook or produce manual
   * steps → schedule (the first sync starts right away). Throws `CredentialsError` naming the field at fault.
   */
  connect(options: ConnectOptions): Promise<ConnectResult>;
  /**
   * Test without saving: the first half of Test & Connect (validate the credentials, obtain a client-credentials
   * token, call the connector's `testConnection`) and nothing else: no connection is stored, no webhook registered,
   * no sync scheduled. Throws `CredentialsError` naming the field at fault, as `connect` does. A method signing in
   * through the browser needs `oauth` (the callback's code) like `connect`.
   */
  test(options: ConnectOptions): Promise<ConnectionInfo>;
  /** Stops syncing, removes the webhook the connector registered, and deletes the connection's state. */
  disconnect(id: string): Promise<void>;
  /** Stops scheduled syncs (a running one is aborted at the next page); webhooks are kept in the inbox. */
  pause(id: string): Promise<Connection>;
  /** Resumes a paused connection (or one in error, e.g. after the platform fixed a permission) and syncs now. */
  resume(id: string): Promise<Connection>;
  /**
   * Gives a connection whose OAuth grant was refused (`statusReason.field === 'authorization'`) a new one from a
   * fresh sign-in, keeping its cursor and history, and resumes it. `oauth` is what `connect` takes: the callback's
   * code with its PKCE verifier, or tokens from `hub.oauth.exchangeCode`.
   */
  reauthorize(id: string, oauth: ConnectOAuth): Promise<Connection>;
  /**
   * Delivers tickets the host read itself (a CSV export, `@ticketbridge/csv-import`) through the connection, as one
   * run in its history with trigger `csv`: the same dedupe (re-importing a file emits nothing new; a later export
   * emits only what changed), the same `ticket` events with `source: 'csv'`, progress after every batch, and the
   * refused records counted in `rejected`. Waits for a running sync of the connection first.
   */
  importTickets(id: string, batches: AsyncIterable<ImportBatch> | Iterable<ImportBatch>, options?: { signal?: AbortSignal }): Promise<SyncRun>;
  /**
   * Replaces a connection's settings (a Webhook Push mapping fixed, a rotated API token): validated against the
   * connector's schema and tested like Test & Connect, then saved; cursor, history, webhook and tokens are kept. The
   * credential method cannot change here: connect again for that.
   */
  updateCredentials(id: string, credentials: Record<string, unknown>): Promise<Connection>;
  /**
   * A new signing secret for a connection whose secret the host generated. The old one keeps verifying for `graceMs`
   * (default 24 hours) so the sender can switch without losing a request. Returns the new secret (shown once) and
   * the sender's updated steps.
   */
  rotateWebhookSecret(id: string, options?: { graceMs?: number }): Promise<{ secret: string; graceUntil: string; instructions?: WebhookInstructions }>;
  /** Verified payloads the connector could not read (answered 400, emitted nothing), oldest first. */
  deadLetters(id: string, options?: { limit?: number }): Promise<DeadLetter[]>;
  /**
   * Delivers the connection's dead letters again with its current settings (after `updateCredentials` fixed the
   * mapping). Those that now read are delivered and removed; the others stay, with the reason.
   */
  replayDeadLetters(id: string): Promise<{ replayed: number; accepted: number; failed: Array<{ id: string; reason: string }> }>;
  /** Runs a sync now and resolves with its history record. `full: true` forgets the cursor first. */
  syncNow(id: string, options?: { full?: boolean }): Promise<SyncRun>;
  /** Sync history, newest first. */
  history(id: string, options?: { limit?: number }): Promise<SyncRun[]>;
  list(): Promise<Connection[]>;
  get(id: string): Promise<Connection | undefined>;
  /** The OAuth browser flow, for credential methods with the authorization-code grant. */
  readonly oauth: {
    /**
     * The consent page URL with a fresh `state` and PKCE pair, and the least scopes for the sync mode. Keep `state`
     * and `codeVerifier` in the user's server-side session; on the callback, check `state`, then call `connect` with
     * the code.
     */
    authorizationUrl(input: OAuthFlowInput): Promise<AuthorizationRequest>;
    /** Exchanges a consent page's code for tokens (single use, short-lived: Zendesk allows 120 s). */
    exchangeCode(input: OAuthFlowInput & { code: string; codeVerifier?: string }): Promise<OAuthTokens>;
  };
  /** Webhook endpoint handlers for the host's server. */
  readonly webhooks: {
    /** For Node `http` / Express: `(req, res) => void`. */
    nodeHandler(): (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
    /** For Fetch-API servers: `(request) => Promise<Response>`. */
    fetchHandler(): (request: Request) => Promise<Response>;
    /** Framework-free form. */
    handle(request: RawWebhookRequest): Promise<WebhookResponse>;
    /** The URL a connection's platform must call. */
    urlFor(connectionId: string): string | null;
    /**
     * The URL without a connection id, shared by every connection of a platform that allows one URL per app (Jira's
     * dynamic webhooks); deliveries to it are routed by their content. Null without `publicUrl`.
     */
    sharedUrl: string | null;
  };
  /** Schedules stored connections and replays the webhook inbox (called automatically unless `autoStart: false`). */
  start(): Promise<void>;
  /** Stops timers, aborts nothing mid-page, waits for running syncs and inbox work. The store stays open. */
  close(): Promise<void>;
}

/**
 * Creates a hub.
 *
 * @example
 * ```ts
 * const hub = createHub({ connectors: [zendesk()], store: new MemoryStore(), publicUrl: 'https://app.example.com' });
 * hub.on('ticket', async (event) => console.log(event.type, event.ticket.subject));
 * const conn = await hub.connect({ platform: 'zendesk', credentials: { subdomain, email, apiToken }, syncMode: 'both' });
 * http.createServer(hub.webhooks.nodeHandler()).listen(3000);
 * ```
 */
export function createHub(options: HubOptions): Hub {
  const connectors = new Map<string, AnyConnector>();
  for (const c of options.connectors) {
    if (connectors.has(c.id)) throw new ConfigError(`two connectors share the id "${c.id}"`, { field: 'connectors' });
    connectors.set(c.id, c);
  }
  const store = options.store;
  const logger = options.logger ?? silentLogger;
  const scheduler: Scheduler = options.scheduler ?? new TimerScheduler();
  const emitter = new EventEmitter<HubEvents>();
  const mutex = new KeyedMutex();
  const lifetime = new AbortController();
  const http = options.http ?? {};
  const pollIntervalMs = options.pollIntervalMs ?? 15 * 60_000;
  const pollJitter = options.pollJitter ?? 0.1;
  const publicUrl = options.publicUrl?.replace(/\/+$/, '');
  const inflight = new Set<Promise<unknown>>();
  const workerId = newId('worker');

  const bodyTimeoutMs = options.webhookBodyTimeoutMs;
  // Timers turn anything above 2^31 - 1 (Infinity included) into 1 ms: every webhook would time out.
  if (bodyTimeoutMs !== undefined && !(bodyTimeoutMs > 0 && bodyTimeoutMs < 2 ** 31)) {
    throw new ConfigError(`webhookBodyTimeoutMs must be a positive number of milliseconds below 2^31, got ${bodyTimeoutMs}`, { field: 'webhookBodyTimeoutMs' });
  }

  if (publicUrl) {
    try {
      new URL(publicUrl);
    } catch {
      throw new ConfigError(`publicUrl "${publicUrl}" is not a URL`, { field: 'publicUrl' });
    }
  }

  const track = <T>(p: Promise<T>): Promise<T> => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p)).catch(() => undefined);
    return p;
  };

  /**
   * Calls every `ticket` listener in turn, awaiting those that return a promise: the cursor is saved only after all of
   * them finished. When every listener is synchronous nothing is returned, so a ticket costs no promise or microtask.
   */
  const sink = (event: TicketEvent): Promise<void> | void => {
    const listeners = emitter.listeners('ticket');
    for (let i = 0; i < listeners.length; i++) {
      const result: unknown = listeners[i]!(event);
      if (isThenable(result)) return finishAsync(result, listeners, i + 1, event);
    }
  };
  const finishAsync = async (first: PromiseLike<unknown>, listeners: Array<(event: TicketEvent) => unknown>, from: number, event: TicketEvent) => {
    await first;
    for (let i = from; i < listeners.length; i++) await listeners[i]!(event);
  };

  const oauthSessions = new OAuthSessions({ store, clients: options.oauthClients ?? {}, logger, http, signal: lifetime.signal });
  const contexts = new ContextFactory({ logger, http, signal: lifetime.signal, oauth: oauthSessions });
  const retry: RetryPolicy = { maxAttempts: 6, baseDelayMs: 30_000, maxDelayMs: 30 * 60_000, ...options.retry };
  const lockTtlMs = options.lockTtlMs ?? 5 * 60_000;
  const engine = new SyncEngine({
    store,
    connector: (id) => connectors.get(id),
    sink,
    scheduler,
    mutex,
    logger,
    contexts,
    retry,
    historyLimit: options.historyLimit ?? 100,
    lockTtlMs,
    maxPagesPerRun: options.maxPagesPerRun ?? 50_000,
    workerId,
    signal: lifetime.signal,
    events: {
      started: (run) => emitter.emit('sync.started', run),
      progress: (p) => emitter.emit('sync.progress', p),
      finished: (run) => emitter.emit('sync.finished', run),
      failed: (run, error, willRetry) => emitter.emit('sync.failed', run, error, willRetry),
      rateLimited: (info) => emitter.emit('rateLimited', info),
      connectionError: (c) => {
        scheduler.cancel(`poll:${c.id}`);
        emitter.emit('connection.error', { id: c.id, platform: c.platform, reason: c.statusReason });
      },
    },
  });

  const inbox = new InboxWorker({
    store,
    sink,
    mutex,
    scheduler,
    retry,
    ...(scheduler.bind ? { shared: { workerId, lockTtlMs } } : {}),
    failed: (f) => emitter.emit('error', { message: `webhook delivery failed, will retry at ${f.nextRetryAt}: ${f.message}`, connectionId: f.connectionId, inboxId: f.inboxId }),
  });

  const router = new WebhookRouter({
    store,
    connector: (id) => connectors.get(id),
    connectors: () => connectors.values(),
    publicUrl,
    maxBodyBytes: options.maxWebhookBodyBytes ?? 1024 * 1024,
    replayWindowMs: options.webhookReplayWindowMs ?? 5 * 60_000,
    bodyTimeoutMs,
    logger,
    contexts,
    inbox,
    accepted: (entry) => emitter.emit('webhook.accepted', { connectionId: entry.connectionId, inboxId: entry.id, tickets: entry.tickets.length }),
    rejected: (r) => emitter.emit('webhook.rejected', r),
    historyLimit: options.historyLimit ?? 100,
  });

  // A shared scheduler may hand this process a job another worker scheduled: each key the hub uses is rebuilt from
  // the store. Runs and deliveries check the connection's status themselves (a paused one is skipped).
  scheduler.bind?.((key) => {
    const colon = key.indexOf(':');
    const kind = key.slice(0, colon);
    const id = key.slice(colon + 1);
    if (colon < 0 || !id) return undefined;
    if (kind === 'poll') {
      return async () => {
        const [last] = await store.listRuns(id, { limit: 1 });
        await track(engine.run(id, last ? 'schedule' : 'initial'));
        // A webhook whose worker died between the inbox write and queueing its delivery is delivered now at the latest.
        await inbox.replay(id);
      };
    }
    if (kind === 'retry') {
      return async () => {
        const [last] = await store.listRuns(id, { limit: 1 });
        await track(engine.run(id, 'retry', last?.status === 'retrying' ? last.attempt + 1 : 1));
      };
    }
    if (kind === 'inbox') return () => inbox.deliverPending(id);
    if (kind === 'maintain') return () => maintainer.runDue(id);
    return undefined;
  });

  const urlFor = (id: string) => (publicUrl ? `${publicUrl}${WEBHOOK_PATH}?connectorId=${encodeURIComponent(id)}` : null);
  const sharedUrl = publicUrl ? `${publicUrl}${WEBHOOK_PATH}` : null;
  /** The hub-held OAuth client secret of a connection's method, if it has one (never throws). */
  const oauthClientSecret = (connector: AnyConnector, credentials: Record<string, unknown>): string | undefined => {
    try {
      const resolved = oauthSessions.resolve(connector, credentials);
      return resolved?.clientFrom === 'hub' ? resolved.client.clientSecret : undefined;
    } catch {
      return undefined;
    }
  };
  const maintainer = new WebhookMaintainer({
    store,
    scheduler,
    contexts,
    connector: (id) => connectors.get(id),
    urlFor,
    sharedUrl,
    retry,
    clientSecret: oauthClientSecret,
    report: (result) => emitter.emit('webhook.maintained', result),
    logger,
  });
  const view = (c: StoredConnection) => toConnectionView(c, urlFor(c.id));

  const schedule = (c: StoredConnection, initialDelayMs: number) => {
    // Nothing to poll (pushed webhooks, file imports): a timer would only write empty runs into the history.
    if (connectors.get(c.platform)?.polls === false) return;
    const run = (trigger: 'initial' | 'schedule') => () => track(engine.run(c.id, trigger)).then(() => undefined);
    if (c.syncMode === 'webhook') {
      // Webhook-only connections still backfill once; pushes carry everything after that.
      scheduler.once(`poll:${c.id}`, initialDelayMs, run('initial'));
      return;
    }
    let first = true;
    scheduler.every(
      `poll:${c.id}`,
      c.pollIntervalMs,
      () => {
        const trigger = first ? 'initial' : 'schedule';
        first = false;
        return run(trigger)();
      },
      { initialDelayMs, jitterRatio: pollJitter },
    );
  };

  const mustGet = async (id: string) => {
    const c = await store.getConnection(id);
    if (!c) throw new ConfigError(`unknown connection "${id}"`, { field: 'id' });
    return c;
  };

  /**
   * Resolves a platform's authorization-code method for the browser flow helpers. `parsed`: credentials already
   * through the schema (connect's draft), which must not be parsed twice: a transform (Jira's comma-separated project
   * keys to a list) does not accept its own output.
   */
  const oauthFlow = (input: OAuthFlowInput, parsed?: Record<string, unknown>) => {
    const connector = connectors.get(input.platform);
    if (!connector) throw new ConfigError(`unknown platform "${input.platform}"`, { field: 'platform' });
    const credentials = parsed ?? parseCredentials(connector, input.credentials);
    const resolved = oauthSessions.resolve(connector, credentials);
    if (!resolved || resolved.config.grant !== 'authorization_code') {
      throw new ConfigError(`${connector.displayName}: the chosen credential method does not use the OAuth browser flow`, { platform: connector.id, field: 'method' });
    }
    const redirectUri = input.redirectUri ?? resolved.client.redirectUri;
    if (!redirectUri) throw new ConfigError(`a redirect URI is needed: pass redirectUri or set oauthClients.${connector.id}.redirectUri`, { platform: connector.id, field: 'redirectUri' });
    const syncMode = input.syncMode ?? (connector.webhook && publicUrl ? 'both' : 'poll');
    const scopes = resolved.config.scopes({ credentials, webhooks: syncMode !== 'poll' });
    return { connector, credentials, resolved, redirectUri, scopes };
  };

  const exchange = async (flow: ReturnType<typeof oauthFlow>, baseUrl: string | undefined, code: string, codeVerifier: string | undefined): Promise<OAuthTokens> => {
    const { connector, credentials, resolved, redirectUri, scopes } = flow;
    const endpoint = oauthSessions.endpoint(connector, resolved.config.tokenUrl(credentials), baseUrl, new Redactor([resolved.client.clientSecret, code, codeVerifier]));
    return requestTokens({
      platform: connector.id,
      method: resolved.method.id,
      config: resolved.config,
      credentials,
      client: resolved.client,
      clientFrom: resolved.clientFrom,
      http: endpoint.http,
      path: endpoint.path,
      params: { grant_type: 'authorization_code', code, redirect_uri: redirectUri, ...(codeVerifier ? { code_verifier: codeVerifier } : {}) },
      scopes,
      now: Date.now,
    });
  };

  /** Test & Connect's OAuth session: tokens from the code or the host, or a client-credentials grant on first use. */
  const draftOAuth = async (connector: AnyConnector, draft: { id: string; credentials: Record<string, unknown>; syncMode: SyncMode; baseUrl?: string }, given: ConnectOAuth | undefined) => {
    const resolved = oauthSessions.resolve(connector, draft.credentials);
    if (!resolved) return undefined;
    let initial: OAuthTokens | undefined;
    if (resolved.config.grant === 'authorization_code') {
      if (!given) {
        throw new CredentialsError(`${connector.displayName}: sign in first (hub.oauth.authorizationUrl), then connect with the code the consent page returned`, {
          platform: connector.id,
          field: 'authorization',
          method: resolved.method.id,
          reauthorize: true,
        });
      }
      initial = 'tokens' in given ? given.tokens : await exchange(oauthFlow({ platform: connector.id, credentials: draft.credentials, syncMode: draft.syncMode, ...(given.redirectUri ? { redirectUri: given.redirectUri } : {}), ...(draft.baseUrl ? { baseUrl: draft.baseUrl } : {}) }, draft.credentials), draft.baseUrl, given.code, given.codeVerifier);
    }
    const source = { id: draft.id, credentials: draft.credentials, webhooks: draft.syncMode !== 'poll', ...(draft.baseUrl ? { baseUrl: draft.baseUrl } : {}) };
    return oauthSessions.draft(connector, source, initial && { ...initial, generation: 1 });
  };

  /**
   * A webhook signed with the hub-held OAuth client's secret follows the hub's configuration: after the host rotated
   * the client secret, the new one verifies and the old one keeps verifying for a day (deliveries already in flight).
   */
  const followOAuthClientSecret = async (connector: AnyConnector, c: StoredConnection, now: number): Promise<StoredConnection> => {
    const current = c.webhook?.secretFrom === 'oauth_client' ? oauthClientSecret(connector, c.credentials) : undefined;
    if (!c.webhook || !current || current === c.webhook.secret) return c;
    const until = new Date(now + 24 * 3600_000).toISOString();
    const previousSecrets = [{ secret: c.webhook.secret, until }, ...(c.webhook.previousSecrets ?? []).filter((p) => Date.parse(p.until) > now)];
    const registration = c.webhook.registration ? { ...c.webhook.registration, secret: current } : undefined;
    const updated: StoredConnection = { ...c, webhook: { ...c.webhook, secret: current, previousSecrets, ...(registration ? { registration } : {}) }, updatedAt: new Date(now).toISOString() };
    await store.saveConnection(updated);
    logger.info('the OAuth client secret changed: webhooks now verify with the new one, the old one for 24 hours', { connectionId: c.id, platform: c.platform });
    return updated;
  };

  /** What `connect` and `test` share: the connector, the validated draft and its OAuth session. */
  const prepare = async (input: ConnectOptions, id: string) => {
    const connector = connectors.get(input.platform);
    if (!connector) {
      throw new ConfigError(`unknown platform "${input.platform}"; registered: ${[...connectors.keys()].join(', ') || 'none'}`, { field: 'platform' });
    }
    const syncMode: SyncMode = input.syncMode ?? (connector.webhook && publicUrl ? 'both' : 'poll');
    if (syncMode !== 'poll') {
      if (!connector.webhook) throw new ConfigError(`${connector.displayName} does not support webhooks; use syncMode "poll"`, { field: 'syncMode', platform: connector.id });
      if (!publicUrl) throw new ConfigError('syncMode "webhook" and "both" need the hub\'s publicUrl', { field: 'publicUrl' });
    }
    const credentials = parseCredentials(connector, input.credentials);
    const secretFields = secretFieldNames(connector.credentials);
    const draft = { id, credentials, secretFields, syncMode, ...(input.baseUrl ? { baseUrl: input.baseUrl } : {}) };
    const oauth = await draftOAuth(connector, draft, input.oauth);
    return { connector, draft, oauth, withOAuth: oauth ? { oauth } : {} };
  };

  let started: Promise<void> | undefined;
  const start = () =>
    (started ??= (async () => {
      const now = Date.now();
      for (const listed of await store.listConnections()) {
        const connector = connectors.get(listed.platform);
        if (!connector) continue;
        const c = await followOAuthClientSecret(connector, listed, now);
        // A paused connection still takes webhooks into the inbox: its registration is kept alive too.
        maintainer.schedule(c);
        if (c.status !== 'active') continue;
        const [last] = await store.listRuns(c.id, { limit: 1 });
        const since = last ? now - Date.parse(last.startedAt) : Infinity;
        schedule(c, last ? Math.max(0, c.pollIntervalMs - since) : 0);
      }
      await inbox.replay();
    })());

  const hub: Hub = {
    on(event, listener) {
      emitter.on(event, listener as never);
      return hub;
    },
    off(event, listener) {
      emitter.off(event, listener as never);
      return hub;
    },
    once(event, listener) {
      emitter.once(event, listener as never);
      return hub;
    },
    connectors,

    async test(input) {
      const { connector, draft, oauth, withOAuth } = await prepare(input, newId('test'));
      try {
        await oauth?.current(lifetime.signal);
        return await connector.testConnection(contexts.create(connector, { ...draft, metadata: {} }, withOAuth).ctx);
      } finally {
        oauthSessions.forget(draft.id);
      }
    },

    async connect(input) {
      const { connector, draft, oauth, withOAuth } = await prepare(input, newId('conn'));
      const { id, credentials, secretFields, syncMode } = draft;
      // The token endpoint's verdict (a refused client or scope) comes before any API call.
      await oauth?.current(lifetime.signal);
      const info = await connector.testConnection(contexts.create(connector, { ...draft, metadata: {} }, withOAuth).ctx);
      const metadata = info.metadata ?? {};

      const setup =
        syncMode !== 'poll' && connector.webhook
          ? await setUpWebhook({ connector, ctx: contexts.create(connector, { ...draft, metadata }, withOAuth).ctx, syncMode, url: urlFor(id)!, sharedUrl: sharedUrl!, oauthClientSecret: oauthClientSecret(connector, credentials) })
          : undefined;
      const webhook = setup?.webhook;
      const webhookSecret = setup?.secretForUser;
      const now = new Date().toISOString();
      const stored: StoredConnection = {
        id,
        platform: connector.id,
        ...(input.name ? { name: input.name } : {}),
        accountName: info.accountName,
        syncMode,
        status: 'active',
        credentials,
        secretFields,
        metadata,
        ...(input.baseUrl ? { baseUrl: input.baseUrl } : {}),
        pollIntervalMs: input.pollIntervalMs ?? pollIntervalMs,
        ...(webhook ? { webhook } : {}),
        createdAt: now,
        updatedAt: now,
      };
      // Started before the save: a start() still listing connections would schedule this one again, with no delay.
      await start();
      // Tokens first: a connection saved without them could sync before they exist.
      if (oauth) await store.saveTokens(id, await oauth.current(lifetime.signal), null);
      await store.saveConnection(stored);
      schedule(stored, options.initialSyncDelayMs ?? 0);
      maintainer.schedule(stored);
      const result = view(stored) as ConnectResult;
      const secretForUser = webhookSecret;
      if (secretForUser) {
        Object.defineProperty(result, 'webhookSecret', { value: secretForUser, enumerable: false });
        if (result.webhookSetup.kind === 'manual') {
          // The user needs the real secret in the steps once, at connect time; stored views show it redacted.
          result.webhookSetup = { kind: 'manual', instructions: webhook!.instructions! };
          Object.defineProperty(result, 'toJSON', { value: () => view(stored), enumerable: false });
        }
      }
      return result;
    },

    async disconnect(id) {
      const c = await mustGet(id);
      scheduler.cancel(`poll:${id}`);
      scheduler.cancel(`retry:${id}`);
      maintainer.cancel(id);
      await engine.abort(id, 'disconnected');
      const connector = connectors.get(c.platform);
      await tearDownWebhook(connector, () => contexts.create(connector!, c).ctx, c.webhook);
      await store.deleteConnection(id);
      oauthSessions.forget(id);
    },

    async pause(id) {
      const c = await mustGet(id);
      scheduler.cancel(`poll:${id}`);
      scheduler.cancel(`retry:${id}`);
      await engine.abort(id, 'paused');
      const paused: StoredConnection = { ...c, status: 'paused', updatedAt: new Date().toISOString() };
      await store.saveConnection(paused);
      return view(paused);
    },

    async resume(id) {
      const c = await mustGet(id);
      const { statusReason: _drop, ...rest } = c;
      const active: StoredConnection = { ...rest, status: 'active', updatedAt: new Date().toISOString() };
      await store.saveConnection(active);
      schedule(active, 0);
      await inbox.replay(id);
      return view(active);
    },

    async reauthorize(id, given) {
      const c = await mustGet(id);
      const connector = connectors.get(c.platform);
      if (!connector) throw new ConfigError(`connection "${id}" is for the unregistered platform "${c.platform}"`, { field: 'platform' });
      const resolved = oauthSessions.resolve(connector, c.credentials);
      if (!resolved || resolved.config.grant !== 'authorization_code') {
        throw new ConfigError(`connection "${id}" does not sign in through the OAuth browser flow`, { platform: connector.id, field: 'method' });
      }
      const tokens =
        'tokens' in given
          ? given.tokens
          : await exchange(
              oauthFlow({ platform: c.platform, credentials: c.credentials, syncMode: c.syncMode, ...(given.redirectUri ? { redirectUri: given.redirectUri } : {}), ...(c.baseUrl ? { baseUrl: c.baseUrl } : {}) }),
              c.baseUrl,
              given.code,
              given.codeVerifier,
            );
      // On top of whatever generation is stored, with compare-and-set like every rotation.
      for (let attempt = 0; ; attempt++) {
        const current = await store.getTokens(id);
        const generation = current?.generation ?? null;
        if (await store.saveTokens(id, { ...tokens, generation: (generation ?? 0) + 1 }, generation)) break;
        if (attempt >= 5) throw new ConfigError(`could not save the new tokens of connection "${id}": the store kept changing`, { field: 'id' });
      }
      // The old session remembers the refused grant; the next context starts from the new tokens.
      oauthSessions.forget(id);
      return hub.resume(id);
    },

    async updateCredentials(id, input) {
      const c = await mustGet(id);
      const connector = connectors.get(c.platform);
      if (!connector) throw new ConfigError(`connection "${id}" is for the unregistered platform "${c.platform}"`, { field: 'platform' });
      const credentials = parseCredentials(connector, input);
      if ((credentials['method'] ?? null) !== (c.credentials['method'] ?? null)) {
        throw new CredentialsError('the credential method cannot change on an existing connection: connect again with the new method', { platform: connector.id, field: 'method' });
      }
      const next = { ...c, credentials, secretFields: secretFieldNames(connector.credentials) };
      // An OAuth client in the credentials is tested at the token endpoint with the new values: the connection's own
      // session still holds a token the old client obtained, which would let a wrong new secret pass.
      const resolved = oauthSessions.resolve(connector, credentials);
      const probeId = resolved?.config.grant === 'client_credentials' ? newId('test') : undefined;
      let info: ConnectionInfo;
      try {
        const probe = probeId ? await draftOAuth(connector, { id: probeId, credentials, syncMode: c.syncMode, ...(c.baseUrl ? { baseUrl: c.baseUrl } : {}) }, undefined) : undefined;
        await probe?.current(lifetime.signal);
        info = await connector.testConnection(contexts.create(connector, next, probe ? { oauth: probe } : {}).ctx);
      } finally {
        if (probeId) oauthSessions.forget(probeId);
      }
      const { statusReason: _cleared, ...rest } = next;
      // A webhook verified with a credentials field (HubSpot's client secret) follows the new value.
      const field = connector.webhook?.secretSource === 'credentials' ? connector.webhook.secretField : undefined;
      const newSecret = field ? credentials[field] : undefined;
      const webhook = c.webhook && typeof newSecret === 'string' && newSecret ? { ...c.webhook, secret: newSecret } : c.webhook;
      const saved: StoredConnection = {
        ...rest,
        ...(webhook ? { webhook } : {}),
        accountName: info.accountName,
        metadata: info.metadata ?? {},
        status: c.status === 'error' ? 'active' : c.status,
        updatedAt: new Date().toISOString(),
      };
      await store.saveConnection(saved);
      // The OAuth session of this process was built from the old settings (client id and secret).
      oauthSessions.forget(id);
      if (c.status === 'error') schedule(saved, 0);
      return view(saved);
    },

    async rotateWebhookSecret(id, opts = {}) {
      const c = await mustGet(id);
      const connector = connectors.get(c.platform);
      if (!connector?.webhook || !c.webhook) throw new ConfigError(`connection "${id}" has no webhook`, { field: 'id' });
      if (connector.webhook.secretSource !== 'host') {
        throw new ConfigError(`${connector.displayName} makes its own signing secrets: rotate it on the platform, then reconnect`, { platform: connector.id, field: 'id' });
      }
      if (c.webhook.registration) {
        // The platform signs with the secret it was registered with; a new one here would only break verification.
        throw new ConfigError(`the webhook of connection "${id}" was registered through ${connector.displayName}'s API with its secret: disconnect and connect again to change it`, { platform: connector.id, field: 'id' });
      }
      const graceMs = opts.graceMs ?? 24 * 3600_000;
      const now = Date.now();
      const graceUntil = new Date(now + graceMs).toISOString();
      const ctx = contexts.create(connector, c).ctx;
      const secret = connector.webhook.generateSecret?.(ctx) ?? randomBytes(32).toString('base64url');
      const previousSecrets = [{ secret: c.webhook.secret, until: graceUntil }, ...(c.webhook.previousSecrets ?? []).filter((p) => Date.parse(p.until) > now)];
      const url = urlFor(id);
      const instructions = url && connector.webhook.instructions ? connector.webhook.instructions(ctx, { url, sharedUrl: sharedUrl!, secret }) : undefined;
      const webhook: StoredWebhook = { ...c.webhook, secret, previousSecrets, ...(instructions ? { instructions } : {}) };
      await store.saveConnection({ ...c, webhook, updatedAt: new Date(now).toISOString() });
      return { secret, graceUntil, ...(instructions ? { instructions } : {}) };
    },

    async deadLetters(id, opts = {}) {
      await mustGet(id);
      return store.deadLetters(id, opts);
    },

    async replayDeadLetters(id) {
      await mustGet(id);
      let replayed = 0;
      let accepted = 0;
      const failed: Array<{ id: string; reason: string }> = [];
      for (const letter of await store.deadLetters(id)) {
        const result = await router.replay(letter);
        if (result.ok) {
          replayed++;
          accepted += result.accepted;
        } else failed.push({ id: letter.id, reason: result.reason });
      }
      return { replayed, accepted, failed };
    },

    async importTickets(id, batches, opts = {}) {
      await mustGet(id);
      return track(engine.ingest(id, { trigger: 'csv', source: 'csv', batches, ...(opts.signal ? { signal: opts.signal } : {}) }));
    },

    async syncNow(id, opts = {}) {
      await mustGet(id);
      if (opts.full) await store.setCursor(id, null);
      return track(engine.run(id, 'manual'));
    },

    async history(id, opts = {}) {
      return store.listRuns(id, opts);
    },

    async list() {
      return (await store.listConnections()).map(view);
    },

    async get(id) {
      const c = await store.getConnection(id);
      return c && view(c);
    },

    oauth: {
      async authorizationUrl(input) {
        const { connector, credentials, resolved, redirectUri, scopes } = oauthFlow(input);
        if (!resolved.config.authorizeUrl) throw new ConfigError(`${connector.displayName}'s "${resolved.method.id}" method has no consent page`, { platform: connector.id });
        const url = overrideOrigin(resolved.config.authorizeUrl(credentials), input.baseUrl);
        const state = createOAuthState();
        const pkce = resolved.config.pkce === false ? undefined : createPkcePair();
        url.searchParams.set('response_type', 'code');
        url.searchParams.set('client_id', resolved.client.clientId);
        url.searchParams.set('redirect_uri', redirectUri);
        if (scopes.length) url.searchParams.set('scope', scopes.join(' '));
        url.searchParams.set('state', state);
        if (pkce) {
          url.searchParams.set('code_challenge', pkce.codeChallenge);
          url.searchParams.set('code_challenge_method', pkce.codeChallengeMethod);
        }
        for (const [k, v] of Object.entries(resolved.config.authorizeParams ?? {})) url.searchParams.set(k, v);
        return { url: url.toString(), state, ...(pkce ? { codeVerifier: pkce.codeVerifier } : {}), scopes, redirectUri };
      },
      async exchangeCode(input) {
        return exchange(oauthFlow(input), input.baseUrl, input.code, input.codeVerifier);
      },
    },

    webhooks: {
      nodeHandler: () => router.nodeHandler(),
      fetchHandler: () => router.fetchHandler(),
      handle: (request) => router.handle(request),
      urlFor,
      sharedUrl,
    },

    start,

    async close() {
      // Abort first: a long backfill stops at its next page (its cursor is saved) instead of running to the end.
      lifetime.abort(new AbortedError('hub closed', { reason: 'closed' }));
      await scheduler.close();
      await engine.drain();
      await inbox.drain();
      await Promise.allSettled([...inflight]);
    },
  };

  if (options.autoStart !== false) void start().catch((error: unknown) => emitter.emit('error', { message: `start failed: ${String(error)}` }));
  return hub;
}

/** A platform URL with the connection's origin override applied (path and query kept), as the HTTP client does. */
function overrideOrigin(url: string, baseUrl: string | undefined): URL {
  const out = new URL(url);
  if (!baseUrl) return out;
  const origin = new URL(baseUrl);
  out.protocol = origin.protocol;
  out.host = origin.host;
  out.pathname = origin.pathname.replace(/\/+$/, '') + out.pathname;
  return out;
}

/** Validates a Connect form's values against the connector's schema; the first problem names its field. */
function parseCredentials(connector: AnyConnector, input: Record<string, unknown>): Record<string, unknown> {
  const parsed = connector.credentials.safeParse(input);
  if (parsed.success) return parsed.data as Record<string, unknown>;
  // Every problem with its whole path (`mapping.status.map.Open`), so a nested setting is found at once; the field is
  // the top-level key of the first.
  const issues = parsed.error.issues.slice(0, 10).map((i: { path: PropertyKey[]; message: string }) => `${i.path.length ? `${i.path.map(String).join('.')}: ` : ''}${i.message}`);
  const first = parsed.error.issues[0];
  const field = first?.path[0] === undefined ? undefined : String(first.path[0]);
  const more = parsed.error.issues.length > 10 ? `; and ${parsed.error.issues.length - 10} more` : '';
  throw new CredentialsError(`${issues.join('; ') || 'invalid credentials'}${more}`, { platform: connector.id, ...(field ? { field } : {}) });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
