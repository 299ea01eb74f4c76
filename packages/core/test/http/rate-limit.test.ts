import { afterEach, describe, expect, it } from 'vitest';
import { RateLimitError } from '../../src/errors/index.js';
import { createHttpClient } from '../../src/http/create-http-client.js';
import type { RateLimitHeaders } from '../../src/connector/rate-limit-headers.js';
import { parseRetryAfter, RateLimiter, readRateLimitHeaders } from '../../src/http/rate-limit.js';
import { closeServers, fast, recordingObserver, recordingServer, redactor, zendeskLikeConfig } from './helpers.js';

afterEach(closeServers);

/** Zendesk's account-wide headers: `X-Rate-Limit-Remaining` and `ratelimit-reset` in seconds. */
const zendeskRateLimit: RateLimitHeaders = { windows: [{ remaining: 'x-rate-limit-remaining', reset: { header: 'ratelimit-reset', unit: 'seconds' } }] };

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

describe('readRateLimitHeaders: each platform\'s header set, declared as data', () => {
  const now = 1_700_000_000_000;
  const read = (declaration: RateLimitHeaders, headers: Record<string, string>, bucket?: string) => readRateLimitHeaders(declaration, new Headers(headers), bucket, now);

  it('Freshdesk: X-RateLimit-Remaining as a decimal and no reset header, so an exhausted window waits one declared window', () => {
    // support.freshdesk.com 225439: X-RateLimit-Total / -Remaining / -Used-CurrentRequest per minute; "700.0" occurs.
    const freshdesk: RateLimitHeaders = { windows: [{ remaining: 'x-ratelimit-remaining', reset: { windowMs: 60_000 } }] };
    expect(read(freshdesk, { 'x-ratelimit-total': '700.0', 'x-ratelimit-remaining': '699.0', 'x-ratelimit-used-currentrequest': '1' })).toEqual({ remaining: 699, resetAfterMs: 60_000 });
    expect(read(freshdesk, { 'x-ratelimit-total': '700', 'x-ratelimit-remaining': '0.0' })).toEqual({ remaining: 0, resetAfterMs: 60_000 });
    // Without the count the computed window says nothing: the client falls back to 429 + Retry-After.
    expect(read(freshdesk, {})).toEqual({});
    expect(read({ windows: [{ remaining: 'x-ratelimit-remaining', reset: { windowMs: 0 } }] }, { 'x-ratelimit-remaining': '0' })).toEqual({ remaining: 0 });
  });

  it('Zendesk: account-wide ratelimit-* (falling back to X-Rate-Limit-Remaining), plus the export endpoint\'s packed header for its bucket only', () => {
    // developer.zendesk.com/api-reference/introduction/rate-limits: ratelimit-remaining/-reset (seconds) on list
    // endpoints, X-Rate-Limit-Remaining everywhere, `Zendesk-RateLimit-incremental-exports: total=10; remaining=9; resets=2`.
    const zendesk: RateLimitHeaders = {
      windows: [
        { remaining: ['ratelimit-remaining', 'x-rate-limit-remaining'], reset: { header: 'ratelimit-reset', unit: 'seconds' } },
        {
          buckets: ['incremental-exports'],
          remaining: { header: 'zendesk-ratelimit-incremental-exports', field: 'remaining' },
          reset: { header: { header: 'zendesk-ratelimit-incremental-exports', field: 'resets' }, unit: 'seconds' },
        },
      ],
    };
    expect(read(zendesk, { 'ratelimit-remaining': '399', 'ratelimit-reset': '41', 'x-rate-limit-remaining': '7' })).toEqual({ remaining: 399, resetAfterMs: 41_000 });
    expect(read(zendesk, { 'X-Rate-Limit-Remaining': '7' })).toEqual({ remaining: 7 });
    const exportHeaders = { 'x-rate-limit-remaining': '650', 'zendesk-ratelimit-incremental-exports': 'total=10; remaining=0; resets=2' };
    expect(read(zendesk, exportHeaders, 'incremental-exports')).toEqual({ remaining: 0, resetAfterMs: 2_000 });
    // The same response for another bucket: the export limit does not count it.
    expect(read(zendesk, exportHeaders, 'default')).toEqual({ remaining: 650 });
    // Both exhausted: wait for the later reset, since each limit applies on its own.
    expect(read(zendesk, { 'ratelimit-remaining': '0', 'ratelimit-reset': '50', 'zendesk-ratelimit-incremental-exports': 'total=10; remaining=0; resets=2' }, 'incremental-exports')).toEqual({
      remaining: 0,
      resetAfterMs: 50_000,
    });
  });

  it('HubSpot: a rolling window in interval milliseconds, and a daily quota that waits for the next UTC midnight', () => {
    // developers.hubspot.com/docs/guides/apps/api-usage/usage-details: X-HubSpot-RateLimit-Remaining, -Interval-Milliseconds, -Daily-Remaining.
    const hubspot: RateLimitHeaders = {
      windows: [
        { remaining: 'x-hubspot-ratelimit-remaining', reset: { header: 'x-hubspot-ratelimit-interval-milliseconds', unit: 'interval-ms' } },
        { remaining: 'x-hubspot-ratelimit-daily-remaining', reset: { at: 'next-utc-midnight' } },
      ],
    };
    const secondly = { 'x-hubspot-ratelimit-max': '190', 'x-hubspot-ratelimit-remaining': '0', 'x-hubspot-ratelimit-interval-milliseconds': '10000' };
    expect(read(hubspot, secondly)).toEqual({ remaining: 0, resetAfterMs: 10_000 });
    expect(read(hubspot, {})).toEqual({});
    const midnight = Date.UTC(2023, 10, 15) - now;
    expect(read(hubspot, { 'x-hubspot-ratelimit-remaining': '12', 'x-hubspot-ratelimit-daily-remaining': '0' })).toEqual({ remaining: 0, resetAfterMs: midnight });
    // A missing daily count never makes a computed midnight count as a reset.
    expect(read(hubspot, { 'x-hubspot-ratelimit-remaining': '12' })).toEqual({ remaining: 12 });
  });

  it('Intercom: X-RateLimit-Reset is a UNIX time in seconds', () => {
    // developers.intercom.com/docs/references/rest-api/errors/rate-limiting
    const intercom: RateLimitHeaders = { windows: [{ remaining: 'x-ratelimit-remaining', reset: { header: 'x-ratelimit-reset', unit: 'epoch-seconds' } }] };
    expect(read(intercom, { 'x-ratelimit-limit': '167', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1700000004' })).toEqual({ remaining: 0, resetAfterMs: 4_000 });
    expect(read(intercom, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1699999990' })).toEqual({ remaining: 0, resetAfterMs: 0 });
  });

  it('Freshdesk: decimals such as 700.0 and no reset header', () => {
    // support.freshdesk.com 225439: X-RateLimit-Total, -Remaining, -Used-CurrentRequest; values seen as "700.0".
    const freshdesk: RateLimitHeaders = { windows: [{ remaining: 'x-ratelimit-remaining' }] };
    expect(read(freshdesk, { 'x-ratelimit-total': '700.0', 'x-ratelimit-remaining': '699.0', 'x-ratelimit-used-currentrequest': '1' })).toEqual({ remaining: 699 });
    expect(read(freshdesk, { 'x-ratelimit-remaining': '0.0' })).toEqual({ remaining: 0 });
  });

  it('Jira: X-RateLimit-Reset is a date', () => {
    // developer.atlassian.com/cloud/jira/platform/rate-limiting: `yyyy-MM-ddTHH:mmZ`.
    const jira: RateLimitHeaders = { windows: [{ remaining: 'x-ratelimit-remaining', reset: { header: 'x-ratelimit-reset', unit: 'date' } }] };
    expect(read(jira, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2023-11-14T22:14Z' })).toEqual({ remaining: 0, resetAfterMs: 40_000 });
    // A reset without a count still tells a 429 without Retry-After how long to wait.
    expect(read(jira, { 'x-ratelimit-reset': 'Tue, 14 Nov 2023 22:13:40 GMT' })).toEqual({ resetAfterMs: 20_000 });
  });

  it('reads epoch milliseconds and durations in ms', () => {
    const declared = (unit: 'epoch-ms' | 'ms'): RateLimitHeaders => ({ windows: [{ remaining: 'r', reset: { header: 'x', unit } }] });
    expect(read(declared('epoch-ms'), { r: '0', x: '1700000000250' })).toEqual({ remaining: 0, resetAfterMs: 250 });
    expect(read(declared('ms'), { r: '0', x: '1500' })).toEqual({ remaining: 0, resetAfterMs: 1_500 });
  });

  it('tolerates absent and malformed values, and takes the smallest of merged ones', () => {
    const declared: RateLimitHeaders = { windows: [{ remaining: 'x-remaining', reset: { header: 'x-reset', unit: 'seconds' } }] };
    expect(read(declared, {})).toEqual({});
    expect(read(declared, { 'x-remaining': 'lots', 'x-reset': '' })).toEqual({});
    expect(read(declared, { 'x-remaining': '5, 3' })).toEqual({ remaining: 3 });
    expect(read(declared, { 'x-remaining': '1e309' })).toEqual({});
    const packed: RateLimitHeaders = { windows: [{ remaining: { header: 'ratelimit', field: 'remaining' } }] };
    expect(read(packed, { ratelimit: 'limit=100, remaining=50, reset=5' })).toEqual({ remaining: 50 });
    expect(read(packed, { ratelimit: 'limit=100' })).toEqual({});
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

  it('pauses only the bucket a declared window counts (Zendesk\'s export limit), reading its packed header', async () => {
    const exportLimit: RateLimitHeaders = {
      windows: [
        {
          buckets: ['incremental-exports'],
          remaining: { header: 'zendesk-ratelimit-incremental-exports', field: 'remaining' },
          reset: { header: { header: 'zendesk-ratelimit-incremental-exports', field: 'resets' }, unit: 'seconds' },
        },
      ],
    };
    const { server, requests } = await recordingServer(() => ({ status: 200, headers: { 'zendesk-ratelimit-incremental-exports': 'total=10; remaining=0; resets=1' }, body: {} }));
    const { observer, of } = recordingObserver();
    const http = createHttpClient(zendeskLikeConfig({ rateLimit: exportLimit }), { platform: 'zendesk', redactor, baseUrlOverride: server.url, observer });

    await http.get('incremental/tickets/cursor.json', { bucket: 'incremental-exports' });
    await http.get('users/me.json');
    expect(of('wait')).toHaveLength(0);
    await http.get('incremental/tickets/cursor.json', { bucket: 'incremental-exports' });

    expect(requests).toHaveLength(3);
    expect(requests[2]!.at - requests[0]!.at).toBeGreaterThanOrEqual(900);
    expect(of('rateLimited')[0]).toEqual({ waitMs: 1000, bucket: 'incremental-exports' });
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
