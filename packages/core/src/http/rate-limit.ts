import type { HttpConfig, RateLimitState } from '../connector/http-config.js';
import { sleep } from '../util/sleep.js';

/**
 * Parses a `Retry-After` header into milliseconds from `now`.
 *
 * RFC 9110 §10.2.3 allows delay-seconds or an HTTP-date; decimals (`1.5`) are tolerated because some gateways send
 * them. Returns `undefined` for an absent or unreadable value, so callers fall through to reset headers or back-off
 * instead of waiting on garbage. A date in the past gives 0.
 *
 * @example
 * parseRetryAfter('120', Date.now()); // 120_000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.now()); // 0 (in the past)
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  // A bare negative or other number-ish value is not a valid header; don't guess.
  if (/^[-+]?\d/.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Units a platform's reset header can be in: a duration (`seconds`, `ms`), an absolute UNIX time
 * (`epoch-seconds`, `epoch-ms`), or an absolute date string (`date`: ISO-8601 or HTTP-date, as Jira's
 * `X-RateLimit-Reset` sends).
 */
export type ResetUnit = 'seconds' | 'ms' | 'epoch-seconds' | 'epoch-ms' | 'date';

/** Options of {@link rateLimitFromHeaders}: the header names one platform uses. */
export interface RateLimitHeaderOptions {
  /** Header carrying the requests left in the current window (e.g. Zendesk's `x-rate-limit-remaining`). */
  remaining?: string;
  /** Header carrying when the window resets (e.g. Zendesk's `ratelimit-reset`, Intercom's `x-ratelimit-reset`). */
  reset?: string;
  /** Unit of the `reset` header; default `seconds`. */
  resetUnit?: ResetUnit;
  /** Clock for the epoch units; tests pass a fixed one. */
  now?: () => number;
}

/**
 * Builds an {@link HttpConfig.rateLimit} reader from header names, so a connector declares its platform's headers
 * instead of parsing them.
 *
 * Values are parsed as decimals because some platforms send `700.0`; absent or unreadable headers give an empty
 * state (the client then relies on 429 + `Retry-After`). When a header carries several comma-separated values (a
 * proxy merged two responses) the smallest is used, the safe reading.
 *
 * @example
 * // Zendesk: X-Rate-Limit-Remaining and ratelimit-reset (seconds until the window resets)
 * rateLimitFromHeaders({ remaining: 'x-rate-limit-remaining', reset: 'ratelimit-reset', resetUnit: 'seconds' });
 */
export function rateLimitFromHeaders(options: RateLimitHeaderOptions): NonNullable<HttpConfig['rateLimit']> {
  const unit = options.resetUnit ?? 'seconds';
  const now = options.now ?? Date.now;
  return (headers) => {
    const state: RateLimitState = {};
    if (options.remaining) {
      const remaining = parseNumberHeader(headers.get(options.remaining));
      if (remaining !== undefined) state.remaining = remaining;
    }
    if (options.reset) {
      const raw = headers.get(options.reset);
      const resetAfterMs = raw === null ? undefined : resetToMs(raw, unit, now());
      if (resetAfterMs !== undefined) state.resetAfterMs = resetAfterMs;
    }
    return state;
  };
}

function parseNumberHeader(value: string | null): number | undefined {
  if (value === null) return undefined;
  let smallest: number | undefined;
  for (const part of value.split(',')) {
    const text = part.trim();
    if (!/^-?\d+(?:\.\d+)?$/.test(text)) continue;
    const n = Number(text);
    if (smallest === undefined || n < smallest) smallest = n;
  }
  return smallest;
}

function resetToMs(raw: string, unit: ResetUnit, now: number): number | undefined {
  if (unit === 'date') {
    const date = Date.parse(raw.trim());
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
  }
  const n = parseNumberHeader(raw);
  if (n === undefined) return undefined;
  switch (unit) {
    case 'seconds':
      return Math.max(0, Math.ceil(n * 1000));
    case 'ms':
      return Math.max(0, Math.ceil(n));
    case 'epoch-seconds':
      return Math.max(0, Math.ceil(n * 1000 - now));
    case 'epoch-ms':
      return Math.max(0, Math.ceil(n - now));
  }
}

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Clock; tests may pin it. Defaults to `Date.now`. */
  now?: () => number;
}

/**
 * Per-client rate-limit state with named buckets.
 *
 * A bucket is paused when the platform says no requests are left (or answered 429); requests on a paused bucket
 * queue in {@link RateLimiter.acquire} until the reset instead of failing, because spending a request we know will
 * be refused only burns the next window too. Buckets exist because some platforms limit endpoints separately
 * (Zendesk's export endpoints, HubSpot search).
 */
export class RateLimiter {
  readonly #pausedUntil = new Map<string, number>();
  readonly #now: () => number;

  constructor(options: RateLimiterOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Milliseconds until `bucket` may send again (0 when it is open). */
  waitFor(bucket: string): number {
    const until = this.#pausedUntil.get(bucket);
    if (until === undefined) return 0;
    const left = until - this.#now();
    if (left <= 0) {
      this.#pausedUntil.delete(bucket);
      return 0;
    }
    return left;
  }

  /**
   * Pauses `bucket` for `ms`. A pause never shortens an existing one: two responses racing must not reopen a window
   * the platform already closed. Returns true when this call extended the pause (a new rate-limit episode).
   */
  pause(bucket: string, ms: number): boolean {
    if (!(ms > 0)) return false;
    const until = this.#now() + ms;
    const current = this.#pausedUntil.get(bucket) ?? 0;
    if (until <= current) return false;
    this.#pausedUntil.set(bucket, until);
    return true;
  }

  /**
   * Applies a platform's rate-limit state after a response: pauses the bucket until the reset when nothing is left.
   * Returns the pause in milliseconds when a new one began, else 0.
   */
  update(bucket: string, state: RateLimitState): number {
    if (state.remaining === undefined || state.remaining > 0) return 0;
    if (state.resetAfterMs === undefined || !(state.resetAfterMs > 0)) return 0;
    return this.pause(bucket, state.resetAfterMs) ? state.resetAfterMs : 0;
  }

  /**
   * Resolves when `bucket` is open, waiting out any pause (re-checking, since a pause may be extended meanwhile).
   * Rejects with the signal's reason as soon as it aborts. Resolves with the milliseconds actually waited.
   */
  async acquire(bucket: string, signal?: AbortSignal): Promise<number> {
    const started = this.#now();
    for (let wait = this.waitFor(bucket); wait > 0; wait = this.waitFor(bucket)) {
      await sleep(wait, signal);
    }
    signal?.throwIfAborted();
    return this.#now() - started;
  }
}
