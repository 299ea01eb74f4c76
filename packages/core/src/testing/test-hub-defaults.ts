import type { HubOptions } from '../hub/create-hub.js';

/** Fast, test-friendly HTTP and retry settings. */
export const TEST_HUB_DEFAULTS: Partial<HubOptions> = {
  http: { retries: 4, minRetryDelayMs: 10, maxRetryDelayMs: 100, timeoutMs: 5_000, maxRateLimitWaitMs: 20_000 },
  retry: { maxAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 60_000 },
  initialSyncDelayMs: 24 * 3600_000,
  pollIntervalMs: 24 * 3600_000,
};
