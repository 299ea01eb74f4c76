import { randomUUID } from 'node:crypto';
import type { SimRateLimiterOptions, SimRateLimitState } from './create-rate-limiter.js';

/** The platform-specific part of {@link SimRateLimiterOptions}: spread it into `createRateLimiter`. */
export type RateLimitPreset = Pick<SimRateLimiterOptions, 'headers' | 'retryAfter' | 'body' | 'contentType'>;

const seconds = (s: SimRateLimitState) => String(Math.max(0, Math.ceil(s.resetInMs / 1000)));

/**
 * Rate-limit header styles of the platforms Ticketbridge ships, so simulators answer as the real API does:
 *
 * - `zendesk`: `X-Rate-Limit`, `X-Rate-Limit-Remaining` on every response, plus `ratelimit-limit`,
 *   `ratelimit-remaining`, `ratelimit-reset` (seconds) as list endpoints send; a 429 carries `Retry-After`
 *   (seconds) and the plain-text body `Number of allowed API requests per minute exceeded`.
 *   Sources: developer.zendesk.com/documentation/api-basics/best-practices/best-practices-for-avoiding-rate-limiting;
 *   a captured 429 (Content-Type text/plain, 50-byte body, `retry-after`, `x-rate-limit: 700`) in
 *   support.zendesk.com/hc/en-us/community/posts/4600766234138.
 * - `hubspot(options)`: `X-HubSpot-RateLimit-Max`, `-Remaining`, `-Interval-Milliseconds`, and with
 *   `daily` also `-Daily` / `-Daily-Remaining`; no `Retry-After`; the 429 body
 *   `{ status: 'error', message, errorType: 'RATE_LIMIT', correlationId, policyName }`
 *   (shape from developers.hubspot.com/docs/api/usage-details as quoted on community.hubspot.com; the
 *   `TEN_SECONDLY_ROLLING` policy name is third-party [U]).
 * - `intercom`: `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (UNIX seconds), no
 *   `Retry-After`; the 429 body is an `error.list` with code `rate_limit_exceeded` and a message such as
 *   `Exceeded rate limit of 167 in 10_seconds` (developers.intercom.com/docs/references/rest-api/errors/rate-limiting).
 * - `freshdesk`: `X-RateLimit-Total`, `X-RateLimit-Remaining`, `X-RateLimit-Used-CurrentRequest`, and
 *   `Retry-After` (seconds) on a 429 (support.freshdesk.com 225439; Freshservice documents the same headers). The
 *   429 body is not documented [U], so none is sent.
 * - `acme`: the reference platform: `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (seconds
 *   until the window resets), `Retry-After` and `{ error: 'rate_limited', message }`.
 */
export const rateLimitPresets = {
  zendesk: {
    retryAfter: 'seconds',
    contentType: 'text/plain',
    body: 'Number of allowed API requests per minute exceeded',
    headers: (s) => ({
      'x-rate-limit': String(s.limit),
      'x-rate-limit-remaining': String(s.remaining),
      'ratelimit-limit': String(s.limit),
      'ratelimit-remaining': String(s.remaining),
      'ratelimit-reset': seconds(s),
    }),
  },
  hubspot: (options: { daily?: number } = {}): RateLimitPreset => ({
    retryAfter: 'none',
    body: () => ({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      correlationId: randomUUID(),
      policyName: 'TEN_SECONDLY_ROLLING',
    }),
    headers: (s) => ({
      'x-hubspot-ratelimit-max': String(s.limit),
      'x-hubspot-ratelimit-remaining': String(s.remaining),
      'x-hubspot-ratelimit-interval-milliseconds': String(s.windowMs),
      ...(options.daily === undefined
        ? {}
        : { 'x-hubspot-ratelimit-daily': String(options.daily), 'x-hubspot-ratelimit-daily-remaining': String(Math.max(0, options.daily - s.total)) }),
    }),
  }),
  intercom: {
    retryAfter: 'none',
    body: (s: SimRateLimitState) => ({
      type: 'error.list',
      request_id: randomUUID(),
      errors: [{ code: 'rate_limit_exceeded', message: `Exceeded rate limit of ${s.limit} in ${Math.round(s.windowMs / 1000)}_seconds` }],
    }),
    headers: (s) => ({
      'x-ratelimit-limit': String(s.limit),
      'x-ratelimit-remaining': String(s.remaining),
      'x-ratelimit-reset': String(Math.ceil(s.resetAt / 1000)),
    }),
  },
  freshdesk: {
    retryAfter: 'seconds',
    headers: (s) => ({
      'x-ratelimit-total': String(s.limit),
      'x-ratelimit-remaining': String(s.remaining),
      'x-ratelimit-used-currentrequest': '1',
    }),
  },
  acme: {
    retryAfter: 'seconds',
    body: (s: SimRateLimitState) => ({ error: 'rate_limited', message: `Rate limit of ${s.limit} requests per ${Math.round(s.windowMs / 1000)} s exceeded` }),
    headers: (s) => ({
      'x-ratelimit-limit': String(s.limit),
      'x-ratelimit-remaining': String(s.remaining),
      'x-ratelimit-reset': seconds(s),
    }),
  },
} satisfies Record<string, RateLimitPreset | ((options?: { daily?: number }) => RateLimitPreset)>;
