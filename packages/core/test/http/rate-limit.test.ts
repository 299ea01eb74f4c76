import { afterEach, describe, expect, it } from 'vitest';
import { RateLimitError } from '../../src/errors/index.js';
import { createHttpClient } from '../../src/http/create-http-client.js';
import { parseRetryAfter, rateLimitFromHeaders, RateLimiter } from '../../src/http/rate-limit.js';
import { closeServers, fast, recordingObserver, recordingServer, redactor, zendeskLikeConfig } from './helpers.js';

afterEach(closeServers);

/** Zendesk's headers: `X-Rate-Limit-Remaining` and `ratelimit-reset` in seconds. */
const zendeskRateLimit = rateLimitFromHeaders({ remaining: 'x-rate-limit-remaining', reset: 'ratelimit-reset', resetUnit: 'seconds' });

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-25T08:00:00Z');

  it('reads delay-seconds, including decimals', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1500);
  });

  it('reads an HTTP-date relative to now, never negative', () => {
    expect(parseRetryAfter('Wed, 25 Nov 2026 08:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 07:00:00 GMT', now)).toBe(0);
  });

  it('returns undefined for absent or unreadable values', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('rateLimitFromHeaders', () => {
  const now = () => 1_700_000_000_000;

  it('parses decimals such as 700.0 and a reset in seconds', () => {
    const read = rateLimitFromHeaders({ remaining: 'x-rate-limit-remaining', reset: 'ratelimit-reset', resetUnit: 'seconds' });
    expect(read(new Headers({ 'X-Rate-Limit-Remaining': '700.0', 'ratelimit-reset': '41' }), undefined)).toEqual({ remaining: 700, resetAfterMs: 41_000 });
  });

  it('converts epoch seconds, epoch milliseconds, durations in ms and dates to a wait from now', () => {
    const headers = new Headers({ r: '0', s: '1700000010', m: '1700000000250', d: '1500', iso: '2023-11-14T22:13:40.000Z' });
    expect(rateLimitFromHeaders({ remaining: 'r', reset: 's', resetUnit: 'epoch-seconds', now })(headers, undefined)).toEqual({ remaining: 0, resetAfterMs: 10_000 });
    expect(rateLimitFromHeaders({ reset: 'm', resetUnit: 'epoch-ms', now })(headers, undefined)).toEqual({ resetAfterMs: 250 });
    expect(rateLimitFromHeaders({ reset: 'd', resetUnit: 'ms', now })(headers, undefined)).toEqual({ resetAfterMs: 1500 });
    expect(rateLimitFromHeaders({ reset: 'iso', resetUnit: 'date', now })(headers, undefined)).toEqual({ resetAfterMs: 20_000 });
    // Jira sends X-RateLimit-Reset as `yyyy-MM-ddTHH:mmZ` (developer.atlassian.com/cloud/jira/platform/rate-limiting).
    const jira = new Headers({ 'x-ratelimit-reset': '2023-11-14T22:14Z' });
    expect(rateLimitFromHeaders({ reset: 'x-ratelimit-reset', resetUnit: 'date', now })(jira, undefined)).toEqual({ resetAfterMs: 40_000 });
  });

  it('tolerates absent and malformed headers, and takes the smallest of merged values', () => {
    const read = rateLimitFromHeaders({ remaining: 'x-remaining', reset: 'x-reset' });
    expect(read(new Headers(), undefined)).toEqual({});
    expect(read(new Headers({ 'x-remaining': 'lots', 'x-reset': '' }), undefined)).toEqual({});
    expect(read(new Headers({ 'x-remaining': '5, 3' }), undefined)).toEqual({ remaining: 3 });
  });
});

describe('RateLimiter', () => {
  it('pauses only the exhausted bucket and never shortens a pause', () => {
    let t = 0;
    const limiter = new RateLimiter({ now: () => t });
    expect(limiter.update('export', { remaining: 0, resetAfterMs: 5000 })).toBe(5000);
    expect(limiter.update('export', { remaining: 0, resetAfterMs: 1000 })).toBe(0);
    expect(limiter.update('default', { remaining: 3, resetAfterMs: 5000 })).toBe(0);
    expect(limiter.waitFor('export')).toBe(5000);
    expect(limiter.waitFor('default')).toBe(0);
    t = 5000;
    expect(limiter.waitFor('export')).toBe(0);
  });
});

describe('createHttpClient: rate limits', () => {
  it('waits out a 429 with Retry-After: 1, reports the wait and succeeds', async () => {
    let calls = 0;
    const { server, requests } = await recordingServer(() =>
      ++calls === 1 ? { status: 429, headers: { 'retry-after': '1' }, body: { error: 'APIRateLimitExceeded' } } : { status: 200, body: { ok: true } },
    );
    const { observer, events, of } = recordingObserver();
    const http = createHttpClient(zendeskLikeConfig({ rateLimit: zendeskRateLimit }), { platform: 'zendesk', redactor, baseUrlOverride: server.url, observer, retries: 0, ...fast });

    await expect(http.get('incremental/tickets/cursor.json')).resolves.toEqual({ ok: true });

    expect(requests).toHaveLength(2);
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(900);
    expect(of('rateLimited')).toEqual([{ waitMs: 1000, status: 429, bucket: 'default' }]);
    expect(of('wait')[0]).toBeGreaterThanOrEqual(900);
    // 429 re-sends do not spend the transient retry budget (retries: 0 here) and are not reported as retries.
    expect(of('retry')).toHaveLength(0);
    expect(events.map((e) => e.type)).toEqual(['request', 'rateLimited', 'wait', 'request']);
  });

  it('falls back to the reset header on a 429 without Retry-After', async () => {
    let calls = 0;
    const { server, requests } = await recordingServer(() =>
      ++calls === 1 ? { status: 429, headers: { 'x-rate-limit-remaining': '0', 'ratelimit-reset': '1' } } : { status: 200, body: {} },
    );
    const http = createHttpClient(zendeskLikeConfig({ rateLimit: zendeskRateLimit }), { platform: 'zendesk', redactor, baseUrlOverride: server.url, ...fast });
    await http.get('tickets.json');
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(900);
  });

  it('pauses the bucket when remaining hits 0, so the next request arrives after the reset', async () => {
    let calls = 0;
    const exhausted: Record<string, string> = { 'x-rate-limit-remaining': '0.0', 'ratelimit-reset': '1' };
    const plenty: Record<string, string> = { 'x-rate-limit-remaining': '99' };
    const { server, requests } = await recordingServer(() => ({ status: 200, headers: ++calls === 1 ? exhausted : plenty, body: { n: calls } }));
    const { observer, of } = recordingObserver();
    const http = createHttpClient(zendeskLikeConfig({ rateLimit: zendeskRateLimit }), { platform: 'zendesk', redactor, baseUrlOverride: server.url, observer });

    await http.get('tickets.json');
    const answered = Date.now();
    await http.get('tickets.json');

    expect(requests[1]!.at - answered).toBeGreaterThanOrEqual(900);
    expect(of('rateLimited')).toEqual([{ waitMs: 1000, bucket: 'default' }]);
    expect(of('wait')[0]).toBeGreaterThanOrEqual(900);
  });

  it('keeps buckets apart: an exhausted export bucket does not pause the default one', async () => {
    const exhausted: Record<string, string> = { 'x-rate-limit-remaining': '0', 'ratelimit-reset': '60' };
    const { server, requests } = await recordingServer((req) => ({ status: 200, headers: req.url.pathname.includes('incremental') ? exhausted : {}, body: {} }));
    const { observer, of } = recordingObserver();
    const http = createHttpClient(zendeskLikeConfig({ rateLimit: zendeskRateLimit }), { platform: 'zendesk', redactor, baseUrlOverride: server.url, observer });

    await http.get('incremental/tickets/cursor.json', { bucket: 'export' });
    await http.get('users/me.json');

    expect(requests).toHaveLength(2);
    expect(of('wait')).toHaveLength(0);
  });

  it('throws RateLimitError with retryAfterMs when the wait exceeds maxRateLimitWaitMs', async () => {
    const { server, requests } = await recordingServer(() => ({ status: 429, headers: { 'retry-after': '120' }, body: { message: 'Too many requests' } }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url, maxRateLimitWaitMs: 1000, ...fast });

    const error = await http.get('tickets.json').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ retryAfterMs: 120_000, status: 429, retryable: true, code: 'rate_limit', platformMessage: 'Too many requests' });
    expect(requests).toHaveLength(1);
  });

  it('refuses to wait on a paused bucket beyond maxRateLimitWaitMs', async () => {
    const { server, requests } = await recordingServer(() => ({ status: 200, headers: { 'x-rate-limit-remaining': '0', 'ratelimit-reset': '3600' }, body: {} }));
    const http = createHttpClient(zendeskLikeConfig({ rateLimit: zendeskRateLimit }), { platform: 'zendesk', redactor, baseUrlOverride: server.url, maxRateLimitWaitMs: 1000 });

    await http.get('tickets.json');
    const error = await http.get('tickets.json').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBeGreaterThan(3_500_000);
    expect(requests).toHaveLength(1);
  });

  it('gives up with RateLimitError after 10 re-sent 429s in a row', async () => {
    const { server, requests } = await recordingServer(() => ({ status: 429, headers: { 'retry-after': '0' } }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url, ...fast });
    await expect(http.get('tickets.json')).rejects.toThrow(/still rate-limited after 10 re-sends/);
    expect(requests).toHaveLength(11);
  });

  it('re-sends a POST after a 429, since the platform did not process it', async () => {
    let calls = 0;
    const { server, requests } = await recordingServer(() => (++calls === 1 ? { status: 429, headers: { 'retry-after': '0' } } : { status: 201, body: { id: 1 } }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'hubspot', redactor, baseUrlOverride: server.url, ...fast });
    await expect(http.post('crm/v3/objects/tickets', { json: { properties: { subject: 'x' } } })).resolves.toEqual({ id: 1 });
    expect(requests).toHaveLength(2);
  });

  it('cancels a rate-limit wait when the signal aborts, rejecting with its reason', async () => {
    const { server, requests } = await recordingServer(() => ({ status: 429, headers: { 'retry-after': '600' } }));
    const controller = new AbortController();
    const { observer } = recordingObserver();
    const http = createHttpClient(zendeskLikeConfig(), {
      platform: 'zendesk',
      redactor,
      baseUrlOverride: server.url,
      signal: controller.signal,
      observer: { ...observer, onRateLimited: () => setTimeout(() => controller.abort(new Error('hub closing')), 50) },
    });

    await expect(http.get('tickets.json')).rejects.toThrow('hub closing');
    expect(requests).toHaveLength(1);
  });

  it('rejects at once with the reason when the signal is already aborted', async () => {
    const { server, requests } = await recordingServer(() => ({ status: 200, body: {} }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url, signal: AbortSignal.abort(new Error('paused')) });
    await expect(http.get('tickets.json')).rejects.toThrow('paused');
    expect(requests).toHaveLength(0);
  });
});
