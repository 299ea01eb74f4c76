import type { OAuthSession } from '../auth/oauth-session.js';
import type { OAuthSessions } from '../auth/oauth-sessions.js';
import type { AnyConnector } from '../connector/connector.js';
import { methodOf } from '../credentials/credential-methods.js';
import { ConfigError } from '../errors/config-error.js';
import type { ConnectorContext } from '../connector/connector-context.js';
import { Redactor } from '../credentials/redact.js';
import { createHttpClient, type HttpClientOptions, type HttpObserver } from '../http/create-http-client.js';
import type { HttpClient } from '../connector/http-client.js';
import { RateLimiter } from '../http/rate-limit.js';
import type { Logger } from '../util/logger.js';
import type { JsonObject } from '../util/json.js';
import type { StoredConnection } from '../store/types.js';

/** HTTP settings a hub applies to every connection (tests shorten the delays). */
export type HttpDefaults = Partial<Pick<HttpClientOptions, 'timeoutMs' | 'retries' | 'minRetryDelayMs' | 'maxRetryDelayMs' | 'maxRateLimitWaitMs' | 'maxResponseBytes'>>;

/** Builds the redactor for a connection: secret credential fields plus every auth header value. */
export function connectionRedactor(connector: AnyConnector, credentials: Record<string, unknown>, secretFields: string[], extra: string[] = []): Redactor {
  const secrets: string[] = [...extra];
  for (const f of secretFields) if (typeof credentials[f] === 'string') secrets.push(credentials[f] as string);
  try {
    const { headers } = connector.http(credentials);
    for (const value of Object.values(headers)) {
      secrets.push(value);
      // `Basic xxx` / `Bearer xxx`: the token part alone too.
      const space = value.indexOf(' ');
      if (space > 0) secrets.push(value.slice(space + 1));
    }
  } catch {
    // http() may throw on credentials that failed validation; the raw secrets above still cover them.
  }
  return new Redactor(secrets);
}

function redactingLogger(logger: Logger, redactor: Redactor, fields: Record<string, unknown>): Logger {
  const wrap = (fn: Logger['info']) => (message: string, extra?: Record<string, unknown>) =>
    fn(redactor.string(message), redactor.value({ ...fields, ...extra }));
  return { debug: wrap(logger.debug), info: wrap(logger.info), warn: wrap(logger.warn), error: wrap(logger.error) };
}

/** Everything needed to give a connector its context for one piece of work. */
export interface ContextOptions {
  connector: AnyConnector;
  connectionId: string;
  credentials: Record<string, unknown>;
  secretFields: string[];
  metadata: JsonObject;
  baseUrl?: string;
  logger: Logger;
  signal: AbortSignal;
  http: HttpDefaults;
  overlapMs?: number;
  observer?: HttpObserver;
  /** The connection's OAuth session, when its credential method is OAuth: it supplies the access token. */
  oauth?: OAuthSession;
  /** The connection's shared rate-limit state (see `HttpClientOptions.rateLimiter`). */
  rateLimiter?: RateLimiter;
  /**
   * `ctx.signal` is a signal of the context's own that follows `signal` (made on first read) instead of `signal`
   * itself: for contexts made per request on a long-lived signal, so listeners a connector adds never pile up on it.
   * The HTTP client follows `signal` directly, with one listener for all its requests.
   */
  ownSignal?: boolean;
}

/** The parts of a context that depend only on the connection: reused by every context made for it while it is unchanged. */
interface ConnectionParts {
  redactor: Redactor;
  logger: Logger;
  /** The HTTP client, built on first use. */
  http(): HttpClient;
}

function connectionParts(options: ContextOptions): ConnectionParts {
  const { connector } = options;
  const redactor = connectionRedactor(connector, options.credentials, options.secretFields);
  const logger = redactingLogger(options.logger, redactor, { platform: connector.id, connectionId: options.connectionId });
  // Built on first use: verifying and parsing a webhook never touches the platform, and building a client (base URL,
  // headers, observer guards) was a measurable part of a pushed webhook's cost.
  let http: HttpClient | undefined;
  const makeHttp = () =>
    createHttpClient(connector.http(options.credentials), {
      platform: connector.id,
      redactor,
      logger,
      signal: options.signal,
      ...options.http,
      ...(options.baseUrl ? { baseUrlOverride: options.baseUrl } : {}),
      ...(options.observer ? { observer: options.observer } : {}),
      ...(options.oauth ? { auth: options.oauth } : {}),
      ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
    });
  return { redactor, logger, http: () => (http ??= makeHttp()) };
}

function contextOf(parts: ConnectionParts, options: Pick<ContextOptions, 'connector' | 'connectionId' | 'credentials' | 'metadata' | 'signal' | 'overlapMs' | 'ownSignal'>): ConnectorContext<Record<string, unknown>> {
  const shared = options.signal;
  let own: AbortSignal | undefined;
  return {
    connectionId: options.connectionId,
    credentials: options.credentials,
    get http() {
      return parts.http();
    },
    logger: parts.logger,
    // A signal of the context's own, made only if the connector reads it: a listener it adds then never lands on the
    // shared signal, and the many contexts that never read it (a webhook hydration) cost no signal at all.
    get signal() {
      return options.ownSignal ? (own ??= AbortSignal.any([shared])) : shared;
    },
    metadata: options.metadata,
    overlapMs: options.overlapMs ?? options.connector.defaultOverlapMs ?? 60_000,
    now: () => new Date(),
  };
}

/** Builds a {@link ConnectorContext}: a configured HTTP client, a redacting logger, the abort signal. */
export function createConnectorContext(options: ContextOptions): { ctx: ConnectorContext<Record<string, unknown>>; redactor: Redactor } {
  const parts = connectionParts(options);
  return { ctx: contextOf(parts, options), redactor: parts.redactor };
}

/** Connections whose rate-limit state a hub process keeps (least recently used dropped first). */
export const MAX_SHARED_LIMITERS = 10_000;

/** What a {@link ContextFactory} keeps per connection. */
interface ConnectionState {
  limiter: RateLimiter;
  /** The redactor, logger and HTTP client of the hub-lifetime contexts, valid while `source` is what the connection says. */
  parts?: { source: PartsSource; connector: AnyConnector; parts: ConnectionParts };
}

/** What a connection's redactor, logger and HTTP client are built from. */
type PartsSource = Pick<StoredConnection, 'credentials' | 'secretFields' | 'baseUrl'>;

/**
 * Whether `connection` still has the credentials, secret fields and base URL `source` was copied from. Values are
 * compared one by one (credentials are flat records of strings): serializing them per request cost more than the rest
 * of building a context.
 */
function sameSource(source: PartsSource, connection: ContextSource): boolean {
  if (source.baseUrl !== connection.baseUrl) return false;
  const fields = connection.secretFields;
  if (source.secretFields.length !== fields.length || source.secretFields.some((f, i) => f !== fields[i])) return false;
  const before = source.credentials;
  const now = connection.credentials;
  const keys = Object.keys(now);
  if (keys.length !== Object.keys(before).length) return false;
  for (const key of keys) {
    const a = before[key];
    const b = now[key];
    if (a === b) continue;
    // A nested value (rare): equal when it serializes the same.
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || JSON.stringify(a) !== JSON.stringify(b)) return false;
  }
  return true;
}

/** What every context of one hub shares; fixed once when the hub is created. */
export interface ContextFactoryOptions {
  logger: Logger;
  http: HttpDefaults;
  /** The hub's lifetime: a context's signal follows it. */
  signal: AbortSignal;
  /** The hub's OAuth sessions; without it, an OAuth credential method cannot be used. */
  oauth?: OAuthSessions;
}

/** The part of a stored connection a context is built from. */
export type ContextSource = Pick<StoredConnection, 'id' | 'credentials' | 'secretFields' | 'metadata' | 'baseUrl'> & Partial<Pick<StoredConnection, 'syncMode'>>;

/**
 * The one place a hub builds connector contexts: for a stored connection (sync runs, webhooks, disconnect) and for
 * credentials not saved yet (Test & Connect). The hub's logger, HTTP defaults and lifetime are merged here once, so
 * no caller assembles context options by hand.
 */
export class ContextFactory {
  readonly #o: ContextFactoryOptions;
  /** Connections already warned about in this process: one warning each is enough to be seen. */
  readonly #warned = new Set<string>();
  /**
   * Each connection's shared state, the most recently used {@link MAX_SHARED_LIMITERS} kept. Its rate-limit state is
   * shared by every context made for it: a 429 met by one webhook's hydration pauses the poll and the other
   * hydrations too, instead of each client learning the limit again by hitting it.
   */
  readonly #connections = new Map<string, ConnectionState>();

  constructor(options: ContextFactoryOptions) {
    this.#o = options;
  }

  /**
   * A context for `connection`. `signal` narrows the hub's lifetime (a run's own abort); `observer` counts what the
   * HTTP layer did, for the run's history. An OAuth connection's context takes its tokens from the connection's
   * shared session, or from `oauth` (Test & Connect's session for credentials not saved yet).
   */
  create(
    connector: AnyConnector,
    connection: ContextSource,
    extra: { signal?: AbortSignal; observer?: HttpObserver; oauth?: OAuthSession } = {},
  ): { ctx: ConnectorContext<Record<string, unknown>>; redactor: Redactor } {
    this.#warnIfDeprecated(connector, connection);
    const oauth =
      extra.oauth ??
      this.#o.oauth?.forConnection(connector, {
        id: connection.id,
        credentials: connection.credentials,
        ...(connection.baseUrl ? { baseUrl: connection.baseUrl } : {}),
        webhooks: connection.syncMode !== undefined && connection.syncMode !== 'poll',
      });
    if (!oauth && methodOf(connector.credentials, connection.credentials)?.definition.oauth) {
      throw new ConfigError(`${connector.displayName}: OAuth credentials need a hub (or a test context) that manages their tokens`, { platform: connector.id });
    }
    const state = this.#state(connection.id);
    const options: ContextOptions = {
      ...(oauth ? { oauth } : {}),
      connector,
      connectionId: connection.id,
      credentials: connection.credentials,
      secretFields: connection.secretFields,
      metadata: connection.metadata,
      ...(connection.baseUrl ? { baseUrl: connection.baseUrl } : {}),
      logger: this.#o.logger,
      signal: extra.signal ?? this.#o.signal,
      http: this.#o.http,
      ...(extra.observer ? { observer: extra.observer } : {}),
      rateLimiter: state.limiter,
      // On the hub's own signal (webhook requests, maintenance), each context gets a signal of its own if it reads one.
      ownSignal: extra.signal === undefined,
    };
    // A context on the hub's lifetime with no observer (every webhook request) reuses the connection's redactor,
    // logger and HTTP client while its credentials and base URL are unchanged: building them (headers, base URL,
    // redaction pattern) per request was a large part of a pushed webhook's cost. Not for OAuth connections, whose
    // redactor learns every token the session rotates in.
    if (extra.signal !== undefined || extra.observer || oauth) return createConnectorContext(options);
    let cached = state.parts;
    if (!cached || cached.connector !== connector || !sameSource(cached.source, connection)) {
      // A copy of what the parts were built from: an object the caller changes later must not look unchanged.
      const credentials: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(connection.credentials)) credentials[key] = typeof value === 'object' && value !== null ? JSON.parse(JSON.stringify(value)) : value;
      const source = { credentials, secretFields: [...connection.secretFields], baseUrl: connection.baseUrl };
      cached = { source, connector, parts: connectionParts(options) };
      state.parts = cached;
    }
    return { ctx: contextOf(cached.parts, options), redactor: cached.parts.redactor };
  }

  /** The connection's shared state, marked most recently used. */
  #state(connectionId: string): ConnectionState {
    let state = this.#connections.get(connectionId);
    if (state) this.#connections.delete(connectionId);
    else state = { limiter: new RateLimiter() };
    // Re-inserted: the map's order is least recently used first.
    this.#connections.set(connectionId, state);
    if (this.#connections.size > MAX_SHARED_LIMITERS) this.#connections.delete(this.#connections.keys().next().value!);
    return state;
  }

  #warnIfDeprecated(connector: AnyConnector, connection: ContextSource): void {
    const deprecated = methodOf(connector.credentials, connection.credentials)?.definition.deprecated;
    if (!deprecated || this.#warned.has(connection.id)) return;
    this.#warned.add(connection.id);
    this.#o.logger.warn(`${connector.displayName}: this connection uses a credential method that stops working on ${deprecated.endsOn}. ${deprecated.message}`, {
      platform: connector.id,
      connectionId: connection.id,
      method: connection.credentials['method'],
      endsOn: deprecated.endsOn,
    });
  }
}
