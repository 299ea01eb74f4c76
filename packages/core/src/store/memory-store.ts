import type { StateStore } from './state-store.js';
import type { DeadLetter, DeliveredVersion, InboxEntry, PageCommit, StoredConnection, StoredTokens, SyncRun } from './types.js';

/** Dead letters kept per connection. */
export const MAX_DEAD_LETTERS = 1000;
/** Webhook event ids remembered per connection. */
export const MAX_WEBHOOK_EVENT_IDS = 100_000;
import type { JsonValue } from '../util/json.js';
import { webhookRouteKeys } from './route-keys.js';

/**
 * A deep copy of the JSON-shaped records the store keeps (arrays and plain objects copied, everything else shared).
 * structuredClone was most of a webhook's cost in this store; these records hold nothing it would copy better.
 */
const clone = <T>(value: T): T => copyJson(value) as T;

function copyJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyJson);
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copyJson((value as Record<string, unknown>)[key]);
  return out;
}
// Version records are flat apart from `tags`; structuredClone of one per ticket was a tenth of a sync's CPU. One
// literal of the record's fields rather than a spread with an override, which V8 builds on its slow path.
const copyVersion = (v: DeliveredVersion): DeliveredVersion => ({
  externalId: v.externalId,
  updatedAt: v.updatedAt,
  fingerprint: v.fingerprint,
  status: v.status,
  priority: v.priority,
  assigneeId: v.assigneeId,
  tags: v.tags.slice(),
  deleted: v.deleted,
  deliveredAt: v.deliveredAt,
});

/**
 * The per-ticket loop of a page commit, apart from the per-page steps so that V8 compiles it alone: compiled together,
 * the page's cursor and run copies (deep copies, once a page) made a large and slow compile in a new process.
 */
function putVersions(all: Map<string, DeliveredVersion>, versions: readonly DeliveredVersion[]): void {
  for (let i = 0; i < versions.length; i++) {
    const v = versions[i]!;
    all.set(v.externalId, copyVersion(v));
  }
}

/**
 * A {@link StateStore} in memory: for tests, demos and single-process hosts that can afford to re-sync from scratch
 * after a restart. Values are copied in and out, so callers cannot mutate stored state by accident.
 */
export class MemoryStore implements StateStore {
  #connections = new Map<string, StoredConnection>();
  #cursors = new Map<string, JsonValue | null>();
  #versions = new Map<string, Map<string, DeliveredVersion>>();
  #runs = new Map<string, SyncRun[]>();
  #inbox = new Map<string, InboxEntry>();
  #locks = new Map<string, { owner: string; expiresAt: number }>();
  #tokens = new Map<string, StoredTokens>();
  #deadLetters = new Map<string, DeadLetter>();
  /** connection → event id → expiry (epoch ms), in insertion order. */
  #eventIds = new Map<string, Map<string, number>>();
  /** `platform \0 key` → connection ids, in connection order. */
  #routes = new Map<string, Set<string>>();

  async saveConnection(connection: StoredConnection): Promise<void> {
    this.#unroute(connection.id);
    this.#connections.set(connection.id, clone(connection));
    for (const key of webhookRouteKeys(connection)) {
      const routeKey = `${connection.platform}\0${key}`;
      const ids = this.#routes.get(routeKey) ?? new Set<string>();
      ids.add(connection.id);
      this.#routes.set(routeKey, ids);
    }
  }
  async findConnectionsByWebhookRoute(platform: string, keys: readonly string[], limit: number): Promise<string[]> {
    const found = new Set<string>();
    for (const key of keys) for (const id of this.#routes.get(`${platform}\0${key}`) ?? []) found.add(id);
    if (found.size === 0) return [];
    // Insertion order of #connections is the order connections were first saved, as the interface promises.
    return [...this.#connections.keys()].filter((id) => found.has(id)).slice(0, Math.max(0, limit));
  }
  #unroute(id: string): void {
    const previous = this.#connections.get(id);
    if (!previous) return;
    for (const key of webhookRouteKeys(previous)) {
      const routeKey = `${previous.platform}\0${key}`;
      const ids = this.#routes.get(routeKey);
      ids?.delete(id);
      if (ids?.size === 0) this.#routes.delete(routeKey);
    }
  }
  async getConnection(id: string): Promise<StoredConnection | undefined> {
    const c = this.#connections.get(id);
    return c && clone(c);
  }
  async listConnections(): Promise<StoredConnection[]> {
    return [...this.#connections.values()].map(clone);
  }
  async deleteConnection(id: string): Promise<void> {
    this.#unroute(id);
    this.#connections.delete(id);
    this.#cursors.delete(id);
    this.#versions.delete(id);
    this.#runs.delete(id);
    this.#tokens.delete(id);
    this.#eventIds.delete(id);
    for (const [key, letter] of this.#deadLetters) if (letter.connectionId === id) this.#deadLetters.delete(key);
    for (const [key, entry] of this.#inbox) if (entry.connectionId === id) this.#inbox.delete(key);
    for (const key of this.#locks.keys()) if (key === `sync:${id}` || key.startsWith(`${id}:`)) this.#locks.delete(key);
  }

  async getTokens(connectionId: string): Promise<StoredTokens | undefined> {
    const t = this.#tokens.get(connectionId);
    return t && clone(t);
  }
  async saveTokens(connectionId: string, tokens: StoredTokens, expectedGeneration: number | null): Promise<boolean> {
    if ((this.#tokens.get(connectionId)?.generation ?? null) !== expectedGeneration) return false;
    this.#tokens.set(connectionId, clone(tokens));
    return true;
  }

  async webhookEventSeen(connectionId: string, eventId: string): Promise<boolean> {
    const expires = this.#eventIds.get(connectionId)?.get(eventId);
    return expires !== undefined && expires > Date.now();
  }
  async rememberWebhookEvent(connectionId: string, eventId: string, expiresAt: string): Promise<void> {
    let ids = this.#eventIds.get(connectionId);
    if (!ids) this.#eventIds.set(connectionId, (ids = new Map()));
    ids.delete(eventId);
    ids.set(eventId, Date.parse(expiresAt));
    const now = Date.now();
    for (const [id, expires] of ids) {
      if (ids.size <= MAX_WEBHOOK_EVENT_IDS && expires > now) break;
      ids.delete(id);
    }
  }

  async deadLetterPut(entry: DeadLetter): Promise<void> {
    this.#deadLetters.set(entry.id, clone(entry));
    const mine = [...this.#deadLetters.values()].filter((d) => d.connectionId === entry.connectionId);
    for (const old of mine.slice(0, Math.max(0, mine.length - MAX_DEAD_LETTERS))) this.#deadLetters.delete(old.id);
  }
  async deadLetters(connectionId: string, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    const mine = [...this.#deadLetters.values()].filter((d) => d.connectionId === connectionId);
    return mine.slice(0, options.limit ?? mine.length).map(clone);
  }
  async deadLetterDelete(id: string): Promise<void> {
    this.#deadLetters.delete(id);
  }

  async getCursor(connectionId: string): Promise<JsonValue | null> {
    return clone(this.#cursors.get(connectionId) ?? null);
  }
  async setCursor(connectionId: string, cursor: JsonValue | null): Promise<void> {
    this.#cursors.set(connectionId, clone(cursor));
  }

  async getVersions(connectionId: string, externalIds: string[]): Promise<Map<string, DeliveredVersion>> {
    const all = this.#versions.get(connectionId);
    const out = new Map<string, DeliveredVersion>();
    if (!all) return out;
    for (const id of externalIds) {
      const v = all.get(id);
      if (v) out.set(id, copyVersion(v));
    }
    return out;
  }
  async commitPage(connectionId: string, commit: PageCommit): Promise<void> {
    let all = this.#versions.get(connectionId);
    if (!all) this.#versions.set(connectionId, (all = new Map()));
    putVersions(all, commit.versions);
    if (commit.cursor !== undefined) this.#cursors.set(connectionId, clone(commit.cursor));
    if (commit.ackInboxId) this.#inbox.delete(commit.ackInboxId);
    if (commit.run) this.#putRun(commit.run);
  }
  async pruneVersions(before: string): Promise<number> {
    let removed = 0;
    for (const all of this.#versions.values()) {
      for (const [id, v] of all) {
        if (v.deliveredAt < before) {
          all.delete(id);
          removed++;
        }
      }
    }
    return removed;
  }

  async saveRun(run: SyncRun): Promise<void> {
    this.#putRun(run);
  }
  #putRun(run: SyncRun): void {
    const runs = this.#runs.get(run.connectionId) ?? [];
    const i = runs.findIndex((r) => r.id === run.id);
    if (i >= 0) runs[i] = clone(run);
    else runs.push(clone(run));
    this.#runs.set(run.connectionId, runs);
  }
  async listRuns(connectionId: string, options: { limit?: number } = {}): Promise<SyncRun[]> {
    const runs = [...(this.#runs.get(connectionId) ?? [])].reverse();
    return runs.slice(0, options.limit ?? runs.length).map(clone);
  }
  async pruneRuns(connectionId: string, keep: number): Promise<number> {
    const runs = this.#runs.get(connectionId) ?? [];
    const removed = Math.max(0, runs.length - keep);
    if (removed) this.#runs.set(connectionId, runs.slice(removed));
    return removed;
  }

  async inboxPut(entry: InboxEntry): Promise<void> {
    this.#inbox.set(entry.id, clone(entry));
  }
  async inboxPending(connectionId?: string): Promise<InboxEntry[]> {
    return [...this.#inbox.values()]
      .filter((e) => connectionId === undefined || e.connectionId === connectionId)
      .sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : 0))
      .map(clone);
  }
  async inboxAttempt(id: string): Promise<void> {
    const e = this.#inbox.get(id);
    if (e) e.attempts++;
  }

  async acquireLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const lock = this.#locks.get(key);
    if (lock && lock.owner !== owner && lock.expiresAt > now) return false;
    this.#locks.set(key, { owner, expiresAt: now + ttlMs });
    return true;
  }
  async renewLock(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const lock = this.#locks.get(key);
    if (!lock || lock.owner !== owner || lock.expiresAt <= Date.now()) return false;
    lock.expiresAt = Date.now() + ttlMs;
    return true;
  }
  async releaseLock(key: string, owner: string): Promise<void> {
    if (this.#locks.get(key)?.owner === owner) this.#locks.delete(key);
  }

  async close(): Promise<void> {}
}
