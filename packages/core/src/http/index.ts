export { createHttpClient, DEFAULT_MAX_RESPONSE_BYTES, type HttpClientOptions, type HttpObserver } from './create-http-client.js';
export { retryWithBackoff, backoffDelay, type RetryWithBackoffOptions, type RetryInfo } from './retry.js';
export { RateLimiter, parseRetryAfter, readRateLimitHeaders, type RateLimiterOptions } from './rate-limit.js';
