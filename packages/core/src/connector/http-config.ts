import type { RateLimitHeaders } from './rate-limit-headers.js';

/** What the HTTP layer read from a platform's rate-limit headers on one response. */
export interface RateLimitState {
  /** Requests left in the current window, if the platform says. */
  remaining?: number;
  /** Milliseconds until the window resets, if the platform says. */
  resetAfterMs?: number;
}

/** How a connector's HTTP client is configured for one connection. */
export interface HttpConfig {
  /** Base URL, built by the connector from validated credentials (never taken from user input as a whole). */
  baseUrl: string;
  /**
   * Auth headers (`Authorization`, an API-key header). Every value is treated as a secret: redacted, with its bare
   * token part, from every message, log and history entry. `Accept: application/json` is sent by default.
   */
  headers: Record<string, string>;
  /**
   * Fixed headers that are not secrets (`Intercom-Version: 2.16`), sent on every request and never redacted: a
   * version string in `headers` would be blanked wherever it appears in an error message.
   */
  publicHeaders?: Record<string, string>;
  /**
   * The platform's rate-limit headers, as data; the client reads them from every response. It pauses the request's
   * bucket when a window has nothing left, until that window's reset, and on a 429 waits `Retry-After` first, then
   * this reset, then back-off. Data rather than a function, so a connector never parses headers and every
   * platform's headers are read with the same care (decimals, merged values, clocks).
   */
  rateLimit?: RateLimitHeaders;
  /** Field named by the `CredentialsError` that a 401 becomes (e.g. `apiToken`). */
  authField?: string;
  /**
   * Extracts the platform's error message from an error body, so errors keep it (secrets are redacted
   * afterwards).
   */
  errorMessage?: (body: unknown, status: number) => string | undefined;
  /**
   * Largest response body read from this platform, in bytes, for a platform known for big pages (an export
   * endpoint's 100 MB page). A body over it fails with `ResponseTooLargeError` instead of exhausting memory.
   * Precedence: a request's `HttpRequestOptions.maxResponseBytes`, then this, then the hub's
   * `http.maxResponseBytes`, then 64 MiB. At most `buffer.constants.MAX_STRING_LENGTH` (about 512 MiB on 64-bit
   * Node), the longest text the runtime can decode.
   */
  maxResponseBytes?: number;
}
