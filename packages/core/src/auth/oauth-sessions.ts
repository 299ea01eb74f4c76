import type { AnyConnector } from '../connector/connector.js';
import { methodOf, type RegisteredCredentialMethod } from '../credentials/credential-methods.js';
import { Redactor } from '../credentials/redact.js';
import { ConfigError } from '../errors/config-error.js';
import { createHttpClient, type HttpClientOptions } from '../http/create-http-client.js';
import type { StateStore } from '../store/state-store.js';
import type { StoredTokens } from '../store/types.js';
import type { Logger } from '../util/logger.js';
import type { OAuthClientConfig, OAuthMethodConfig } from '../credentials/oauth-method.js';
import { OAuthSession, type TokenPersistence } from './oauth-session.js';

type HttpDefaults = Partial<Pick<HttpClientOptions, 'timeoutMs' | 'retries' | 'minRetryDelayMs' | 'maxRetryDelayMs' | 'maxRateLimitWaitMs' | 'maxResponseBytes'>>;

/** What every OAuth session of one hub shares. */
export interface OAuthSessionsOptions {
  store: StateStore;
  /** The product's own OAuth clients by connector id, for `client: 'hub'` methods. */
  clients: Readonly<Record<string, OAuthClientConfig>>;
  logger: Logger;
  http: HttpDefaults;
  signal: AbortSignal;
  /** Lock time-to-live of one refresh (default 60 s). */
  lockTtlMs?: number;
}

/** The part of a connection an OAuth session is built from. */
export interface OAuthConnectionSource {
  id: string;
  credentials: Record<string, unknown>;
  baseUrl?: string;
  /** True when the connection registers webhooks, so their scopes are asked for. */
  webhooks: boolean;
}

/** An OAuth method of a connector, resolved for some credentials. */
export interface ResolvedOAuthMethod {
  method: RegisteredCredentialMethod;
  config: OAuthMethodConfig<Record<string, unknown>>;
  client: OAuthClientConfig;
  clientFrom: 'credentials' | 'hub';
}

/**
 * The hub's OAuth sessions: one per saved connection in this process (so its contexts share one token and one
 * refresh), plus throw-away ones for Test & Connect, whose tokens are saved with the new connection.
 */
export class OAuthSessions {
  readonly #o: OAuthSessionsOptions;
  readonly #sessions = new Map<string, OAuthSession>();

  constructor(options: OAuthSessionsOptions) {
    this.#o = options;
  }

  /** The OAuth method these credentials select, with its client; `undefined` when the method is not OAuth. */
  resolve(connector: AnyConnector, credentials: Record<string, unknown>): ResolvedOAuthMethod | undefined {
    const method = methodOf(connector.credentials, credentials);
    const config = method?.definition.oauth as OAuthMethodConfig<Record<string, unknown>> | undefined;
    if (!method || !config) return undefined;
    if (config.client === 'hub') {
      const client = this.#o.clients[connector.id];
      if (!client) {
        throw new ConfigError(`${connector.displayName}'s "${method.id}" sign-in needs the product's OAuth client: createHub({ oauthClients: { ${connector.id}: { clientId, clientSecret } } })`, {
          platform: connector.id,
          field: 'oauthClients',
        });
      }
      return { method, config, client, clientFrom: 'hub' };
    }
    const clientId = credentials[config.client.idField];
    const clientSecret = config.client.secretField ? credentials[config.client.secretField] : undefined;
    return {
      method,
      config,
      client: { clientId: String(clientId), ...(typeof clientSecret === 'string' ? { clientSecret } : {}) },
      clientFrom: 'credentials',
    };
  }

  /** The session of a saved connection, shared by every context of it in this process; undefined when not OAuth. */
  forConnection(connector: AnyConnector, connection: OAuthConnectionSource): OAuthSession | undefined {
    const existing = this.#sessions.get(connection.id);
    if (existing) return existing;
    const resolved = this.resolve(connector, connection.credentials);
    if (!resolved) return undefined;
    const { store } = this.#o;
    const id = connection.id;
    const lockKey = `${id}:oauth`;
    const session = this.#create(connector, connection, resolved, {
      load: () => store.getTokens(id),
      save: (tokens, expected) => store.saveTokens(id, tokens, expected),
      lock: { acquire: (owner, ttl) => store.acquireLock(lockKey, owner, ttl), release: (owner) => store.releaseLock(lockKey, owner) },
    });
    this.#sessions.set(id, session);
    return session;
  }

  /**
   * A session for credentials not saved yet (Test & Connect), holding its tokens in memory: `initial` from an
   * authorization code exchanged by the host, or none (a client-credentials grant runs on first use).
   */
  draft(connector: AnyConnector, connection: OAuthConnectionSource, initial?: StoredTokens): OAuthSession | undefined {
    const resolved = this.resolve(connector, connection.credentials);
    if (!resolved) return undefined;
    let held = initial;
    return this.#create(connector, connection, resolved, {
      load: async () => held,
      save: async (tokens, expected) => {
        if ((held?.generation ?? null) !== expected) return false;
        held = tokens;
        return true;
      },
    });
  }

  /** Drops a connection's session (disconnect), so a new connection under the same id starts clean. */
  forget(connectionId: string): void {
    this.#sessions.delete(connectionId);
  }

  /** A client on the origin of an OAuth endpoint (override applied), with the path to call there. */
  endpoint(connector: AnyConnector, url: string, baseUrl: string | undefined, redactor: Redactor): { http: ReturnType<typeof createHttpClient>; path: string } {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(`${connector.id}: OAuth endpoint "${url}" is not an absolute URL`, { platform: connector.id });
    }
    const http = createHttpClient(
      { baseUrl: `${parsed.origin}/`, headers: {} },
      {
        platform: connector.id,
        redactor,
        logger: this.#o.logger,
        signal: this.#o.signal,
        ...this.#o.http,
        ...(baseUrl ? { baseUrlOverride: baseUrl } : {}),
      },
    );
    return { http, path: `${parsed.pathname.replace(/^\/+/, '')}${parsed.search}` };
  }

  #create(connector: AnyConnector, connection: OAuthConnectionSource, resolved: ResolvedOAuthMethod, persistence: TokenPersistence): OAuthSession {
    // Only the session sends refresh tokens and client secrets; its own redactor hides them in what it throws.
    const redactor = new Redactor([resolved.client.clientSecret]);
    return new OAuthSession({
      connectionId: connection.id,
      platform: connector.id,
      method: resolved.method.id,
      config: resolved.config,
      credentials: connection.credentials,
      client: resolved.client,
      clientFrom: resolved.clientFrom,
      webhooks: connection.webhooks,
      persistence,
      tokenEndpoint: this.endpoint(connector, resolved.config.tokenUrl(connection.credentials), connection.baseUrl, redactor),
      logger: this.#o.logger,
      onSecret: (values) => redactor.add(values),
      ...(this.#o.lockTtlMs !== undefined ? { lockTtlMs: this.#o.lockTtlMs } : {}),
    });
  }
}
