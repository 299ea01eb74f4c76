/**
 * Where one number of a rate-limit window is read: a header by name (`x-rate-limit-remaining`), or a field inside a
 * header that packs several (`{ header: 'zendesk-ratelimit-incremental-exports', field: 'remaining' }` for
 * `total=10; remaining=9; resets=2`, fields separated by `;` or `,`). Header names are case-insensitive.
 */
export type RateLimitHeaderValue = string | { header: string; field: string };

/**
 * How a reset value is read, so the client knows how long an exhausted window stays closed.
 *
 * - `seconds` / `ms`: time left until the window resets (Zendesk's `ratelimit-reset`).
 * - `epoch-seconds` / `epoch-ms`: the UNIX time of the reset (Intercom's `X-RateLimit-Reset`).
 * - `date`: an ISO-8601 or HTTP date (Jira's `X-RateLimit-Reset`).
 * - `interval-ms`: the length of a rolling window (HubSpot's `X-HubSpot-RateLimit-Interval-Milliseconds`). The
 *   platform does not say when the oldest request leaves the window, so the client waits one whole interval, the
 *   longest it can take for a slot to free up.
 *
 * Values may be decimals (`1.5`, `700.0`).
 */
export type RateLimitResetUnit = 'seconds' | 'ms' | 'epoch-seconds' | 'epoch-ms' | 'date' | 'interval-ms';

/**
 * When an exhausted window reopens: a header in one of the {@link RateLimitResetUnit | units}, or, for a daily quota
 * whose headers give no time (HubSpot's `-Daily-Remaining`), the next midnight UTC: the longest such a quota can
 * stay closed when its real reset is midnight in a time zone the headers do not name. Or, for a limit whose documented
 * window has a fixed length but whose headers give no reset at all (Freshdesk: "per minute", only
 * `X-RateLimit-Remaining`), `windowMs`: the client waits one whole window, the longest the exhausted window can stay
 * closed.
 */
export type RateLimitReset = { header: RateLimitHeaderValue; unit: RateLimitResetUnit } | { at: 'next-utc-midnight' } | { windowMs: number };

/** One limit a platform reports on its responses. */
export interface RateLimitWindow {
  /**
   * The request buckets (`HttpRequestOptions.bucket`) this window counts; omit it for a limit every request counts
   * against. Zendesk's export limit applies only to its `incremental-exports` bucket.
   */
  buckets?: readonly string[];
  /** Requests left in the window. With a list, the first header the response carries is read. */
  remaining: RateLimitHeaderValue | readonly RateLimitHeaderValue[];
  /**
   * When the window reopens. Without it an exhausted window cannot be waited out ahead of time, and the client
   * learns of it from the 429 (and its `Retry-After`) that follows.
   */
  reset?: RateLimitReset;
}

/**
 * A platform's rate-limit headers, declared as data in `HttpConfig.rateLimit` and read by core's HTTP client after
 * every response, so no connector parses headers. Every window whose buckets include the request's is read; when
 * any of them has nothing left, the request's bucket pauses until the latest of their resets, because each limit
 * applies on its own.
 *
 * @example
 * // HubSpot: a rolling 10-second window, and a daily quota that resets at midnight in the portal's time zone.
 * const rateLimit: RateLimitHeaders = {
 *   windows: [
 *     { remaining: 'x-hubspot-ratelimit-remaining', reset: { header: 'x-hubspot-ratelimit-interval-milliseconds', unit: 'interval-ms' } },
 *     { remaining: 'x-hubspot-ratelimit-daily-remaining', reset: { at: 'next-utc-midnight' } },
 *   ],
 * };
 */
export interface RateLimitHeaders {
  /** The limits the platform reports, each with its own headers. */
  windows: readonly RateLimitWindow[];
}
