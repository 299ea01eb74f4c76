import { afterEach, describe, expect, it } from 'vitest';
import { createRateLimiter, rateLimitPresets, startSimulatorBase, type SimulatorBase } from '@ticketbridge/core/testing';

describe('createRateLimiter (fixed window, fake clock)', () => {
  it('counts a window, answers 429 over the limit and resets with the window', () => {
    let now = 10_000;
    const limiter = createRateLimiter({ limit: 2, windowMs: 1_000, ...rateLimitPresets.acme, now: () => now });
    const a = limiter.check();
    const b = limiter.check();
    expect(a).toEqual({ limited: false, headers: { 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '1' } });
    expect(b.limited).toBe(false);
    now += 400;
    const c = limiter.check();
    expect(c.limited).toBe(true);
    if (c.limited) {
      expect(c.response.status).toBe(429);
      expect(c.response.headers).toMatchObject({ 'retry-after': '1', 'x-ratelimit-remaining': '0' });
      expect(c.response.body).toEqual({ error: 'rate_limited', message: 'Rate limit of 2 requests per 1 s exceeded' });
    }
    expect(limiter.rateLimited).toBe(1);
    // b's headers said "0 left until the reset": c, sent before it, ignored them.
    expect(limiter.limitViolations).toBe(1);
    // The window has reset (600 ms later) but Retry-After (1 s from the 429) has not run out: a violation.
    now += 700;
    expect(limiter.check().limited).toBe(false);
    expect(limiter.limitViolations).toBe(2);
    // After Retry-After: fine.
    now += 400;
    limiter.check();
    expect(limiter.limitViolations).toBe(2);
  });

  it('without Retry-After, a violation is a request before the window reset', () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 1, windowMs: 10_000, ...rateLimitPresets.intercom, now: () => now });
    limiter.check();
    now = 2_000;
    const limited = limiter.check();
    expect(limited.limited && limited.response.headers).toEqual({ 'x-ratelimit-limit': '1', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '10' });
    expect(limited.limited && limited.response.body).toMatchObject({ type: 'error.list', errors: [{ code: 'rate_limit_exceeded', message: 'Exceeded rate limit of 1 in 10_seconds' }] });
    // Told to wait by the first answer's headers (remaining 0), then by the 429: two requests before the reset.
    now = 9_000;
    limiter.check();
    expect(limiter.limitViolations).toBe(2);
    now = 10_000;
    expect(limiter.check().limited).toBe(false);
    expect(limiter.limitViolations).toBe(2);
  });

  it('set(null) turns limiting and headers off; set() restarts the window', () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 1, windowMs: 1_000, ...rateLimitPresets.acme, now: () => now });
    limiter.check();
    expect(limiter.check().limited).toBe(true);
    limiter.set(null);
    expect(limiter.enabled).toBe(false);
    now = 5_000;
    expect(limiter.check()).toEqual({ limited: false, headers: {} });
    limiter.set({ limit: 3, windowMs: 1_000 });
    expect(limiter.check()).toMatchObject({ limited: false, headers: { 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '2' } });
  });

  it('tooManyRequests() builds the platform 429 and records the wait', () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: null, windowMs: 60_000, ...rateLimitPresets.zendesk, now: () => now });
    const response = limiter.tooManyRequests(2_500);
    expect(response).toMatchObject({ status: 429, headers: { 'retry-after': '3', 'content-type': 'text/plain' }, body: 'Number of allowed API requests per minute exceeded' });
    now = 2_900;
    limiter.check();
    expect(limiter.limitViolations).toBe(1);
    expect(limiter.rateLimited).toBe(1);
  });
});

describe('rate-limit presets over real HTTP', () => {
  let base: SimulatorBase | undefined;
  afterEach(async () => {
    await base?.close();
    base = undefined;
  });

  const start = async (preset: Parameters<typeof createRateLimiter>[0]) => {
    base = await startSimulatorBase({ rateLimit: preset, routes: [{ method: 'GET', path: '/ok', handler: () => ({ status: 200, body: { ok: true } }) }] });
    return base;
  };

  it('Zendesk: X-Rate-Limit headers, then 429 text/plain with Retry-After', async () => {
    const sim = await start({ limit: 1, windowMs: 60_000, ...rateLimitPresets.zendesk });
    const ok = await fetch(`${sim.url}/ok`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-rate-limit')).toBe('1');
    expect(ok.headers.get('x-rate-limit-remaining')).toBe('0');
    expect(ok.headers.get('ratelimit-limit')).toBe('1');
    expect(Number(ok.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    const limited = await fetch(`${sim.url}/ok`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toBe('text/plain');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited.text()).toBe('Number of allowed API requests per minute exceeded');
    await fetch(`${sim.url}/ok`);
    expect(sim.stats()).toMatchObject({ requests: 3, rateLimited: 2, limitViolations: 2, byPath: { '/ok': 3 } });
  });

  it('HubSpot: Max/Remaining/Interval-Milliseconds and daily headers, RATE_LIMIT body, no Retry-After', async () => {
    const sim = await start({ limit: 1, windowMs: 10_000, ...rateLimitPresets.hubspot({ daily: 500_000 }) });
    const ok = await fetch(`${sim.url}/ok`);
    expect(Object.fromEntries([...ok.headers].filter(([k]) => k.startsWith('x-hubspot')))).toEqual({
      'x-hubspot-ratelimit-max': '1',
      'x-hubspot-ratelimit-remaining': '0',
      'x-hubspot-ratelimit-interval-milliseconds': '10000',
      'x-hubspot-ratelimit-daily': '500000',
      'x-hubspot-ratelimit-daily-remaining': '499999',
    });
    const limited = await fetch(`${sim.url}/ok`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(await limited.json()).toMatchObject({ status: 'error', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
  });

  it('Intercom: X-RateLimit-Reset is a UNIX time in seconds', async () => {
    const sim = await start({ limit: 5, windowMs: 10_000, ...rateLimitPresets.intercom });
    const before = Math.floor(Date.now() / 1000);
    const ok = await fetch(`${sim.url}/ok`);
    const reset = Number(ok.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(before + 9);
    expect(reset).toBeLessThanOrEqual(before + 12);
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('4');
  });

  it('Freshdesk: X-RateLimit-Total/Remaining/Used-CurrentRequest and Retry-After', async () => {
    const sim = await start({ limit: 1, windowMs: 60_000, ...rateLimitPresets.freshdesk });
    const ok = await fetch(`${sim.url}/ok`);
    expect([ok.headers.get('x-ratelimit-total'), ok.headers.get('x-ratelimit-remaining'), ok.headers.get('x-ratelimit-used-currentrequest')]).toEqual(['1', '0', '1']);
    const limited = await fetch(`${sim.url}/ok`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('rateLimit.set() through the simulator base turns limiting on and off', async () => {
    const sim = await start({ limit: null, windowMs: 1_000, ...rateLimitPresets.acme });
    expect((await fetch(`${sim.url}/ok`)).headers.get('x-ratelimit-limit')).toBeNull();
    sim.rateLimit.set({ limit: 1, windowMs: 60_000 });
    expect((await fetch(`${sim.url}/ok`)).status).toBe(200);
    expect((await fetch(`${sim.url}/ok`)).status).toBe(429);
    sim.rateLimit.set(null);
    expect((await fetch(`${sim.url}/ok`)).status).toBe(200);
  });
});
