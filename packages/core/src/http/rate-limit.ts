import type { RateLimitState } from '../connector/http-config.js';
import type { RateLimitHeaders, RateLimitHeaderValue, RateLimitReset, RateLimitWindow } from '../connector/rate-limit-headers.js';
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
 * Reads a platform's {@link RateLimitHeaders} from one response into the state the HTTP client's rate limiter acts on.
 * The HTTP client calls it after every response; it is exported so a connector's declaration can be checked
 * against the platform's documented headers in a unit test.
 *
 * Every window that counts `bucket` is read. When one or more have nothing left, the result is `remaining: 0`
 * with the latest of their resets (each limit applies on its own, so the bucket must wait for all of them);
 * otherwise it is the window with the fewest requests left. Numbers are read as decimals (`700.0`); a header a
 * proxy merged (`5, 3`) counts its smallest value; absent or unreadable values are left out, so the client falls
 * back to 429 + `Retry-After` rather than waiting on garbage.
 *
 * @example
 * const intercom: RateLimitHeaders = { windows: [{ remaining: 'x-ratelimit-remaining', reset: { header: 'x-ratelimit-reset', unit: 'epoch-seconds' } }] };
 * readRateLimitHeaders(intercom, response.headers, 'default'); // { remaining: 0, resetAfterMs: 4000 }
 */
export function readRateLimitHeaders(declaration: RateLimitHeaders, headers: Headers, bucket = 'default', now: number = Date.now()): RateLimitState {
  let exhausted = false;
  let exhaustedReset: number | undefined;
  let tightest: RateLimitState | undefined;
  let resetOnly: number | undefined;
  for (const window of declaration.windows) {
    if (window.buckets && !window.buckets.includes(bucket)) continue;
    const remaining = firstNumber(headers, window.remaining);
    const resetAfterMs = window.reset ? resetAfter(headers, window.reset, now) : undefined;
    if (remaining === undefined) {
      // A reset the platform sent still tells a 429 without Retry-After how long to wait; a computed one (midnight, a fixed window)
      // says nothing when the window's own count is missing.
      if (resetAfterMs !== undefined && window.reset && 'header' in window.reset) resetOnly = Math.max(resetOnly ?? 0, resetAfterMs);
    } else if (remaining <= 0) {
      exhausted = true;
      if (resetAfterMs !== undefined) exhaustedReset = Math.max(exhaustedReset ?? 0, resetAfterMs);
    } else if (tightest?.remaining === undefined || remaining < tightest.remaining) {
      tightest = { remaining, ...(resetAfterMs === undefined ? {} : { resetAfterMs }) };
    }
  }
  if (exhausted) return { remaining: 0, ...(exhaustedReset === undefined ? {} : { resetAfterMs: exhaustedReset }) };
  return tightest ?? (resetOnly === undefined ? {} : { resetAfterMs: resetOnly });
}

function firstNumber(headers: Headers, source: RateLimitWindow['remaining']): number | undefined {
  const sources: readonly RateLimitHeaderValue[] = Array.isArray(source) ? source : [source as RateLimitHeaderValue];
  for (const one of sources) {
    const raw = rawValue(headers, one);
    if (raw === undefined) continue;
    const n = parseNumber(raw);
    if (n !== undefined) return n;
  }
  return undefined;
}

/** The text of a header, or of one field of a header that packs several (`total=10; remaining=9; resets=2`). */
function rawValue(headers: Headers, source: RateLimitHeaderValue): string | undefined {
  const value = headers.get(typeof source === 'string' ? source : source.header);
  if (value === null) return undefined;
  if (typeof source === 'string') return value;
  const wanted = source.field.toLowerCase();
  // Bounded: a header is at most a few kB, and only its first 32 fields are looked at.
  for (const part of value.split(/[;,]/, 32)) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim().toLowerCase() === wanted) return part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

/** A decimal, or the smallest of several comma-separated ones (a proxy merged two responses): the safe reading. */
function parseNumber(value: string): number | undefined {
  let smallest: number | undefined;
  for (const part of value.split(',', 8)) {
    const text = part.trim();
    if (!/^-?\d{1,15}(?:\.\d{1,6})?$/.test(text)) continue;
    const n = Number(text);
    if (smallest === undefined || n < smallest) smallest = n;
  }
  return smallest;
}

function resetAfter(headers: Headers, reset: RateLimitReset, now: number): number | undefined {
  if ('windowMs' in reset) return Number.isFinite(reset.windowMs) && reset.windowMs > 0 ? Math.ceil(reset.windowMs) : undefined;
  if ('at' in reset) {
    const day = new Date(now);
    return Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + 1) - now;
  }
  const raw = rawValue(headers, reset.header);
  if (raw === undefined) return undefined;
  if (reset.unit === 'date') {
    const text = raw.trim();
    const date = text.length > 64 ? Number.NaN : Date.parse(text);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
  }
  const n = parseNumber(raw);
  if (n === undefined) return undefined;
  switch (reset.unit) {
    case 'seconds':
      return Math.max(0, Math.ceil(n * 1000));
    case 'ms':
    case 'interval-ms':
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
