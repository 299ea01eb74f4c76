export { DEFAULT_MAX_RESPONSE_BYTES, type HttpClientOptions, type HttpAuth, type HttpObserver } from './create-http-client.js';
export type { RateLimiter } from './rate-limit.js';
