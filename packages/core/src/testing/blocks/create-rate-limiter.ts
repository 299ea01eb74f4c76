import type { RateLimitControl } from '../connector-simulator.js';
import type { SimResponse } from '../loopback-server.js';

/** The limiter's state for one request, handed to the header and body builders. */
export interface SimRateLimitState {
  /** Requests allowed per window. */
  limit: number;
  /** Requests left in this window after this one (0 when limited). */
  remaining: number;
  /** Requests counted in this window, this one included. */
  used: number;
  windowMs: number;
  /** When the window resets, epoch ms. */
  resetAt: number;
  /** Milliseconds until the window resets. */
  resetInMs: number;
  /** Whether this request is answered 429. */
  limited: boolean;
  /** The `Retry-After` sent with this 429, in whole seconds (only when limited and `retryAfter: 'seconds'`). */
  retryAfterSeconds?: number;
  /** Requests counted since the limiter was created or its stats reset (for daily quotas). */
  total: number;
  /** The limiter's clock for this request. */
  now: number;
}

/** Options of {@link createRateLimiter}. */
export interface SimRateLimiterOptions {
  /** Requests allowed per window; `null` starts with limiting off. */
  limit: number | null;
  windowMs: number;
  /** The platform's rate-limit headers for a state, sent on every response while limiting is on. */
  headers: (state: SimRateLimitState) => Record<string, string>;
  /**
   * `seconds`: a 429 carries `Retry-After` in whole seconds (rounded up to the window reset), and a client must
   * wait that long. `none`: the platform sends no `Retry-After` (Intercom, HubSpot), and a client must wait until
   * the window resets.
   */
  retryAfter: 'seconds' | 'none';
  /** The 429 body: a value (objects as JSON, strings as text) or a builder. Default: none. */
  body?: unknown;
  /** `Content-Type` of a string body (e.g. `text/plain`, Zendesk's). */
  contentType?: string;
  /**
   * Tolerance for timer jitter when counting violations, in ms (default 10): Node timers may fire a millisecond
   * early, and a client that waited correctly must not count as a violator.
   */
  graceMs?: number;
  /** Clock, replaceable in tests. */
  now?: () => number;
}

/** The outcome of {@link SimRateLimiter.check}. */
export type SimRateLimitDecision = { limited: false; headers: Record<string, string> } | { limited: true; response: SimResponse };

/** A fixed-window rate limiter that answers like a platform does. */
export interface SimRateLimiter extends RateLimitControl {
  /** Counts one request: the headers to add to its response, or the 429 to send instead. */
  check(): SimRateLimitDecision;
  /**
   * Builds the platform's 429 for a wait that something else decided (an injected fault), and records the wait so
   * requests arriving before it ends count as violations.
   */
  tooManyRequests(retryAfterMs: number): SimResponse;
  /** 429s answered since creation or `resetStats`. */
  readonly rateLimited: number;
  /**
   * Requests that arrived while the client had been told to wait: after a 200 whose headers said no requests are
   * left until the reset, or while a 429's wait was still running. A client ignoring the platform.
   */
  readonly limitViolations: number;
  /** Whether limiting is on. */
  readonly enabled: boolean;
  resetStats(): void;
}

/**
 * Creates a fixed-window rate limiter for a simulator. Over the limit it answers 429 with the configured headers
 * and body; every request that arrives while a 429's wait (its `Retry-After`, or the window reset when the
 * platform sends none) is still running counts as a limit violation, which is how the conformance suite proves a
 * connector obeys the platform.
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter({ limit: 700, windowMs: 60_000, ...rateLimitPresets.zendesk });
 * const decision = limiter.check();
 * if (decision.limited) return decision.response;
 * ```
 */
export function createRateLimiter(options: SimRateLimiterOptions): SimRateLimiter {
  const now = options.now ?? Date.now;
  const grace = options.graceMs ?? 10;
  let limit = options.limit;
  let windowMs = options.windowMs;
  let windowStart = Number.NEGATIVE_INFINITY;
  let used = 0;
  let total = 0;
  let waitUntil = Number.NEGATIVE_INFINITY;
  let rateLimited = 0;
  let limitViolations = 0;

  const respond429 = (state: SimRateLimitState): SimResponse => {
    const headers: Record<string, string> = { ...options.headers(state) };
    if (state.retryAfterSeconds !== undefined) headers['retry-after'] = String(state.retryAfterSeconds);
    const body = typeof options.body === 'function' ? (options.body as (s: SimRateLimitState) => unknown)(state) : options.body;
    if (typeof body === 'string' && options.contentType) headers['content-type'] = options.contentType;
    return { status: 429, headers, ...(body === undefined ? {} : { body }) };
  };

  const state = (t: number, limited: boolean, retryAfterSeconds?: number): SimRateLimitState => ({
    limit: limit ?? 0,
    remaining: limited ? 0 : Math.max(0, (limit ?? 0) - used),
    used,
    windowMs,
    resetAt: windowStart + windowMs,
    resetInMs: Math.max(0, windowStart + windowMs - t),
    limited,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    total,
    now: t,
  });

  return {
    get rateLimited() {
      return rateLimited;
    },
    get limitViolations() {
      return limitViolations;
    },
    get enabled() {
      return limit !== null;
    },
    set(next) {
      limit = next?.limit ?? null;
      if (next) windowMs = next.windowMs;
      windowStart = Number.NEGATIVE_INFINITY;
      used = 0;
      waitUntil = Number.NEGATIVE_INFINITY;
    },
    resetStats() {
      rateLimited = 0;
      limitViolations = 0;
      total = 0;
    },
    check() {
      const t = now();
      if (t < waitUntil - grace) limitViolations += 1;
      if (limit === null) return { limited: false, headers: {} };
      if (t >= windowStart + windowMs) {
        windowStart = t;
        used = 0;
      }
      total += 1;
      if (used < limit) {
        used += 1;
        // The headers of this answer say "0 left until the reset": from now on a request before the reset ignores
        // them, whether or not a 429 ever comes.
        if (used === limit) waitUntil = Math.max(waitUntil, windowStart + windowMs);
        return { limited: false, headers: options.headers(state(t, false)) };
      }
      rateLimited += 1;
      const resetInMs = windowStart + windowMs - t;
      if (options.retryAfter === 'seconds') {
        const seconds = Math.max(1, Math.ceil(resetInMs / 1000));
        waitUntil = Math.max(waitUntil, t + seconds * 1000);
        return { limited: true, response: respond429(state(t, true, seconds)) };
      }
      waitUntil = Math.max(waitUntil, windowStart + windowMs);
      return { limited: true, response: respond429(state(t, true)) };
    },
    tooManyRequests(retryAfterMs) {
      const t = now();
      rateLimited += 1;
      const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
      waitUntil = Math.max(waitUntil, t + seconds * 1000);
      // An injected 429 looks like the platform's own, with a window that ends when the wait does.
      const s: SimRateLimitState = {
        limit: limit ?? 0,
        remaining: 0,
        used: limit ?? 0,
        windowMs,
        resetAt: t + seconds * 1000,
        resetInMs: seconds * 1000,
        limited: true,
        ...(options.retryAfter === 'seconds' ? { retryAfterSeconds: seconds } : {}),
        total,
        now: t,
      };
      return respond429(s);
    },
  };
}
