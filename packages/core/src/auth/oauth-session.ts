import type { HttpClient } from '../connector/http-client.js';
import { CredentialsError } from '../errors/credentials-error.js';
import { TransientError } from '../errors/transient-error.js';
import type { HttpAuth } from '../http/create-http-client.js';
import type { StoredTokens } from '../store/types.js';
import type { Logger } from '../util/logger.js';
import { newId } from '../util/ids.js';
import { sleep } from '../util/sleep.js';
import { AUTHORIZATION_FIELD, requestTokens, type OAuthClientContext, type OAuthTokens } from './token-endpoint.js';

/** Where a session reads and writes its tokens: the store for a saved connection, memory during Test & Connect. */
export interface TokenPersistence {
  load(): Promise<StoredTokens | undefined>;
  /** Compare-and-set on `generation` (see `StateStore.saveTokens`). */
  save(tokens: StoredTokens, expectedGeneration: number | null): Promise<boolean>;
  /** A lock shared by every process using the same store, so one refresh at a time reaches the platform. */
  lock?: {
    acquire(owner: string, ttlMs: number): Promise<boolean>;
    release(owner: string): Promise<void>;
  };
}

/** What an {@link OAuthSession} needs. */
export interface OAuthSessionOptions extends OAuthClientContext {
  connectionId: string;
  /** True when the connection registers webhooks (their scopes are asked for too). */
  webhooks: boolean;
  persistence: TokenPersistence;
  /** A client on the token endpoint's origin, and the endpoint's path there. */
  tokenEndpoint: { http: HttpClient; path: string };
  logger: Logger;
  /** Called with every token obtained, so the connection's redactor hides it. */
  onSecret(values: string[]): void;
  /** How long one refresh may hold the shared lock (default 60 s; a token request times out well before). */
  lockTtlMs?: number;
  now?: () => number;
}

/**
 * The OAuth tokens of one connection in one process, as the HTTP layer's {@link HttpAuth}: it hands out a valid
 * access token, refreshes it before it expires and once after a 401, and persists every rotation before using it.
 *
 * One refresh at a time: in this process through one shared promise, across processes through the store's lock;
 * whoever waits re-reads the store and takes the pair the winner saved, because platforms that rotate refresh
 * tokens (Zendesk) refuse a second use of the old one with `invalid_grant`.
 */
export class OAuthSession implements HttpAuth {
  readonly #o: OAuthSessionOptions;
  readonly #now: () => number;
  readonly #owner = newId('oauth');
  #tokens: StoredTokens | undefined;
  #loaded = false;
  #inflight: Promise<StoredTokens> | undefined;
  /** A refresh token the platform refused is dead for good: asking again would only repeat the refusal. */
  #refused: { generation: number; error: CredentialsError } | undefined;

  constructor(options: OAuthSessionOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** The scopes this connection asks for. */
  get scopes(): readonly string[] {
    return this.#o.config.scopes({ credentials: this.#o.credentials, webhooks: this.#o.webhooks });
  }

  /** The tokens in use, after loading them (for Test & Connect, which saves them with the new connection). */
  async current(signal?: AbortSignal): Promise<StoredTokens> {
    return this.#valid(signal);
  }

  async headers(signal?: AbortSignal): Promise<Record<string, string>> {
    return this.#header((await this.#valid(signal)).accessToken);
  }

  async rejected(used: Record<string, string>, signal?: AbortSignal): Promise<boolean> {
    const mine = this.#tokens;
    const usedGeneration = mine && sameHeaders(this.#header(mine.accessToken), used) ? mine.generation : undefined;
    if (usedGeneration === undefined) return true; // a newer token is already here: retry with it
    this.#o.logger.info('access token refused (401); refreshing once', { connectionId: this.#o.connectionId });
    await this.#rotate(signal, usedGeneration);
    return true;
  }

  #header(accessToken: string): Record<string, string> {
    return this.#o.config.authorizationHeaders?.(accessToken) ?? { authorization: `Bearer ${accessToken}` };
  }

  async #valid(signal?: AbortSignal): Promise<StoredTokens> {
    if (!this.#loaded) {
      this.#adopt(await this.#o.persistence.load());
      this.#loaded = true;
    }
    if (this.#tokens && this.#fresh(this.#tokens)) return this.#tokens;
    return this.#rotate(signal, undefined);
  }

  /** Fresh until a margin before expiry: a fifth of its life, at most 5 minutes, so no request carries a dying token. */
  #fresh(tokens: StoredTokens): boolean {
    if (tokens.expiresAt === undefined) return true;
    const expires = Date.parse(tokens.expiresAt);
    const life = expires - Date.parse(tokens.obtainedAt);
    const margin = Math.min(5 * 60_000, Math.max(0, life / 5));
    return expires - this.#now() > margin;
  }

  #adopt(tokens: StoredTokens | undefined): void {
    if (!tokens) return;
    this.#tokens = tokens;
    this.#o.onSecret([tokens.accessToken, ...(tokens.refreshToken ? [tokens.refreshToken] : [])]);
  }

  /**
   * New tokens, newer than `staleGeneration` when a 401 forces it, or merely fresh otherwise. Single-flight in
   * this process; across processes the store's lock decides who calls the token endpoint.
   */
  #rotate(signal: AbortSignal | undefined, staleGeneration: number | undefined): Promise<StoredTokens> {
    this.#inflight ??= this.#rotateOnce(signal, staleGeneration).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #rotateOnce(signal: AbortSignal | undefined, staleGeneration: number | undefined): Promise<StoredTokens> {
    const { persistence } = this.#o;
    const ttl = this.#o.lockTtlMs ?? 60_000;
    const usable = (t: StoredTokens | undefined): t is StoredTokens =>
      t !== undefined && (staleGeneration === undefined ? this.#fresh(t) : t.generation > staleGeneration && this.#fresh(t));
    const deadline = this.#now() + 2 * ttl;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      const stored = await persistence.load();
      if (usable(stored)) {
        this.#adopt(stored);
        return stored;
      }
      if (!persistence.lock || (await persistence.lock.acquire(this.#owner, ttl))) {
        try {
          // Re-read under the lock: the previous holder may have saved a pair a moment ago.
          const latest = await persistence.load();
          if (usable(latest)) {
            this.#adopt(latest);
            return latest;
          }
          return await this.#obtain(latest);
        } finally {
          await persistence.lock?.release(this.#owner);
        }
      }
      if (this.#now() > deadline) {
        throw new TransientError(`another process has been refreshing the ${this.#o.platform} OAuth token for over ${2 * ttl} ms`, { platform: this.#o.platform });
      }
      await sleep(Math.min(50 * 2 ** attempt, 1_000), signal);
    }
  }

  /** Calls the token endpoint (holding the lock) and saves the result before anyone uses it. */
  async #obtain(latest: StoredTokens | undefined): Promise<StoredTokens> {
    const { config, method, platform } = this.#o;
    const scopes = this.scopes;
    let params: Record<string, string>;
    if (config.grant === 'client_credentials') {
      params = { grant_type: 'client_credentials', ...(scopes.length ? { scope: scopes.join(' ') } : {}) };
    } else {
      if (!latest?.refreshToken) {
        throw new CredentialsError(`the ${platform} access token expired and there is no refresh token to renew it: re-authorize the connection`, {
          platform,
          field: AUTHORIZATION_FIELD,
          method,
          reauthorize: true,
        });
      }
      if (this.#refused && this.#refused.generation === latest.generation) throw this.#refused.error;
      params = { grant_type: 'refresh_token', refresh_token: latest.refreshToken };
    }
    this.#o.logger.debug('requesting OAuth tokens', { connectionId: this.#o.connectionId, grant: params['grant_type'] });
    let issued: OAuthTokens;
    try {
      const { credentials, client, clientFrom } = this.#o;
      issued = await requestTokens({
        platform,
        method,
        config,
        credentials,
        client,
        clientFrom,
        http: this.#o.tokenEndpoint.http,
        path: this.#o.tokenEndpoint.path,
        params,
        scopes,
        now: this.#now,
      });
    } catch (error) {
      // A refresh refused because another process (one that lost the lock to a timeout) rotated first: use its pair.
      if (CredentialsError.isInstance(error) && error.reauthorize && params['grant_type'] === 'refresh_token') {
        const after = await this.#o.persistence.load();
        if (after && after.generation > (latest?.generation ?? 0)) {
          this.#adopt(after);
          return after;
        }
        this.#refused = { generation: latest?.generation ?? 0, error };
      }
      throw error;
    }
    // Rotation without a new refresh token keeps the old one (RFC 6749 §6: the server MAY issue a new one).
    const next: StoredTokens = {
      ...issued,
      ...(issued.refreshToken === undefined && latest?.refreshToken && config.grant !== 'client_credentials' ? { refreshToken: latest.refreshToken } : {}),
      generation: (latest?.generation ?? 0) + 1,
    };
    if (!(await this.#o.persistence.save(next, latest?.generation ?? null))) {
      // Someone wrote past the lock (it expired under a stalled process). The pair just issued is the newest the
      // platform knows, so it goes on top of whatever is there.
      const now = await this.#o.persistence.load();
      const over: StoredTokens = { ...next, generation: (now?.generation ?? 0) + 1 };
      if (!(await this.#o.persistence.save(over, now?.generation ?? null))) {
        throw new TransientError(`could not save the rotated ${platform} OAuth tokens: the store kept changing`, { platform });
      }
      this.#adopt(over);
      return over;
    }
    this.#adopt(next);
    return next;
  }
}

function sameHeaders(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
