import pRetry from 'p-retry';
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

/**
 * Runs `fn` until it succeeds, retrying failures that `shouldRetry` accepts with exponential back-off and full
 * jitter.
 *
 * This is Ticketbridge's single retry layer for transient failures (the HTTP client uses it; rate-limit waits are
 * handled separately so they don't spend this budget). Built on p-retry, so a plain `TypeError` that is not a
 * network error (a programming bug) is never retried; the delay is computed here so that jitter
 * and server-requested delays (`Retry-After` on 503) are honoured, which p-retry's own formula does not allow.
 *
 * @example
 * const body = await retryWithBackoff(() => fetchPage(), { retries: 4, minDelayMs: 500, maxDelayMs: 30_000 });
 */
export async function retryWithBackoff<T>(fn: (attempt: number) => Promise<T>, options: RetryWithBackoffOptions): Promise<T> {
  const { signal } = options;
  const random = options.random ?? Math.random;
  try {
    return await pRetry(fn, {
      retries: options.retries,
      // p-retry's own sleep is disabled (0 ms); `shouldRetry` below waits the delay computed here.
      minTimeout: 0,
      maxTimeout: 0,
      randomize: false,
      ...(signal ? { signal } : {}),
      shouldRetry: async ({ error, attemptNumber }) => {
        if (options.shouldRetry && !options.shouldRetry(error, attemptNumber)) return false;
        const asked = options.delayFor?.(error, attemptNumber);
        let delayMs = backoffDelay(attemptNumber, options.minDelayMs, options.maxDelayMs, random);
        if (asked !== undefined && asked > delayMs) delayMs = asked;
        options.onRetry?.({ attempt: attemptNumber, delayMs, error });
        await sleep(delayMs, signal);
        return true;
      },
    });
  } catch (error) {
    // Whatever p-retry threw while aborting, callers expect the abort reason itself.
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}
