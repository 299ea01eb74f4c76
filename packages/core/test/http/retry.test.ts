import { describe, expect, it } from 'vitest';
import { backoffDelay, retryWithBackoff, type RetryInfo } from '../../src/http/retry.js';

describe('backoffDelay', () => {
  it('doubles its ceiling per attempt, stays within [min, max] and jitters across the range', () => {
    expect(backoffDelay(1, 100, 10_000, () => 0)).toBe(100);
    expect(backoffDelay(1, 100, 10_000, () => 0.999999)).toBe(200);
    expect(backoffDelay(3, 100, 10_000, () => 0.999999)).toBe(800);
    expect(backoffDelay(20, 100, 10_000, () => 0.999999)).toBe(10_000);
    expect(backoffDelay(20, 100, 10_000, () => 0)).toBe(100);
  });
});

describe('retryWithBackoff', () => {
  it('retries until success and reports each wait', async () => {
    const seen: RetryInfo[] = [];
    let calls = 0;
    const result = await retryWithBackoff(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw new Error(`fail ${attempt}`);
        return 'ok';
      },
      { retries: 4, minDelayMs: 1, maxDelayMs: 4, onRetry: (info) => seen.push(info) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(seen.map((s) => [s.attempt, (s.error as Error).message])).toEqual([
      [1, 'fail 1'],
      [2, 'fail 2'],
    ]);
  });

  it('stops at once when shouldRetry refuses, and after `retries` otherwise', async () => {
    let calls = 0;
    await expect(
      retryWithBackoff(async () => {
        calls++;
        throw new Error('permanent');
      }, { retries: 4, minDelayMs: 1, maxDelayMs: 2, shouldRetry: () => false }),
    ).rejects.toThrow('permanent');
    expect(calls).toBe(1);

    calls = 0;
    await expect(
      retryWithBackoff(async () => {
        calls++;
        throw new Error('flaky');
      }, { retries: 2, minDelayMs: 1, maxDelayMs: 2 }),
    ).rejects.toThrow('flaky');
    expect(calls).toBe(3);
  });

  it('uses a longer delay the failure asks for', async () => {
    const delays: number[] = [];
    let calls = 0;
    await retryWithBackoff(
      async () => {
        if (++calls === 1) throw new Error('503');
        return calls;
      },
      { retries: 1, minDelayMs: 1, maxDelayMs: 2, delayFor: () => 50, onRetry: (info) => delays.push(info.delayMs) },
    );
    expect(delays).toEqual([50]);
  });
});
