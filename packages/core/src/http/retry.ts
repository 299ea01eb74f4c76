import { sleep } from '../util/sleep.js';

/** What {@link retryWithBackoff} reports before each new attempt. */
export interface RetryInfo {
  /** The attempt that failed, starting at 1. */
  attempt: number;
  /** How long it waits before the next attempt. */
  delayMs: number;
  /** Why the attempt failed. */
  error: unknown;
}

/** Options of {@link retryWithBackoff}. */
export interface RetryWithBackoffOptions {
  /** Retries after the first attempt (so `retries: 4` means up to 5 attempts). */
  retries: number;
  /** Smallest delay between attempts, in milliseconds. */
  minDelayMs: number;
  /** Largest back-off delay between attempts, in milliseconds. */
  maxDelayMs: number;
  /** Whether this failure may be retried; defaults to every failure. */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /**
   * A delay the failure itself asks for (a 503's `Retry-After`), used instead of back-off when it is longer. It is
   * not capped by `maxDelayMs` (the server knows best); refuse the retry in `shouldRetry` when it is too long to
   * block on. Return `undefined` to use back-off alone.
   */
  delayFor?: (error: unknown, attempt: number) => number | undefined;
  /** Called before each wait, so callers can count retries and show the next retry time. */
  onRetry?: (info: RetryInfo) => void;
  /** Cancels waiting and further attempts; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Random source in [0, 1) for the jitter. */
  random?: () => number;
}

/**
 * Exponential back-off with full jitter, kept within `[minDelayMs, maxDelayMs]`.
 *
 * The ceiling doubles per attempt (`min * 2^attempt`, capped at `max`) and the delay is drawn uniformly between the
 * floor and that ceiling: jitter spreads clients that failed together so they do not retry together.
 */
export function backoffDelay(attempt: number, minDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxDelayMs, minDelayMs * 2 ** Math.max(1, attempt));
  const floor = Math.min(minDelayMs, ceiling);
  return Math.round(floor + random() * (ceiling - floor));
}

/** The messages undici and other fetch implementations give a `TypeError` that is a network failure, not a bug. */
const NETWORK_TYPE_ERRORS = new Set(['fetch failed', 'terminated', 'network error', 'Failed to fetch', 'Network request failed', 'NetworkError when attempting to fetch resource.']);

/**
 * Runs `fn` until it succeeds, retrying failures that `shouldRetry` accepts with exponential back-off and full
 * jitter.
 *
 * This is Ticketbridge's single retry layer for transient failures (the HTTP client uses it; rate-limit waits are
 * handled separately so they don't spend this budget). A plain `TypeError` that is not a network error (a programming
 * bug) is never retried, and something thrown that is not an `Error` is rejected as a `TypeError` saying so. The
 * delay is computed here so that jitter and server-requested delays (`Retry-After` on 503) are honoured. A plain
 * loop (it replaced p-retry): one attempt that succeeds costs one call of `fn` and nothing else, which matters on
 * the webhook path where every delivery makes one request.
 *
 * @example
 * const body = await retryWithBackoff(() => fetchPage(), { retries: 4, minDelayMs: 500, maxDelayMs: 30_000 });
 */
export async function retryWithBackoff<T>(fn: (attempt: number) => Promise<T>, options: RetryWithBackoffOptions): Promise<T> {
  const { signal } = options;
  signal?.throwIfAborted();
  for (let attempt = 1; ; attempt++) {
    let failure: unknown;
    try {
      const result = await fn(attempt);
      signal?.throwIfAborted();
      return result;
    } catch (thrown) {
      failure = thrown;
    }
    // Whatever the attempt threw while aborting, callers expect the abort reason itself.
    if (signal?.aborted) throw signal.reason;
    const error = failure instanceof Error ? failure : new TypeError(`Non-error was thrown: "${String(failure)}". You should only throw errors.`);
    if (attempt > options.retries) throw error;
    if (error instanceof TypeError && !NETWORK_TYPE_ERRORS.has(error.message)) throw error;
    if (options.shouldRetry && !options.shouldRetry(error, attempt)) throw error;
    const asked = options.delayFor?.(error, attempt);
    let delayMs = backoffDelay(attempt, options.minDelayMs, options.maxDelayMs, options.random);
    if (asked !== undefined && asked > delayMs) delayMs = asked;
    options.onRetry?.({ attempt, delayMs, error });
    await sleep(delayMs, signal);
  }
}
