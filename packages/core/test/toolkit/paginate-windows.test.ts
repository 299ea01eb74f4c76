import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, StuckCursorError } from '../../src/errors/index.js';
import { createHttpClient } from '../../src/http/create-http-client.js';
import { nextLink } from '../../src/toolkit/next-link.js';
import { paginateKeyset } from '../../src/toolkit/paginate-keyset.js';
import { paginatePages } from '../../src/toolkit/paginate-pages.js';
import { closeServers, recordingServer, redactor, zendeskLikeConfig } from '../http/helpers.js';
import { collect } from './helpers.js';

afterEach(closeServers);

const config = zendeskLikeConfig({ baseUrl: 'https://example.test/' });

/**
 * A search endpoint shaped like HubSpot's: `modified >= since`, ascending, `after` is an offset, and paging a query
 * past `cap` results answers 400 (HubSpot's 10,000-result cap, made small).
 */
async function searchServer(rows: Array<{ id: number; modified: number }>, cap: number) {
  return recordingServer((req) => {
    const { since, after, limit } = req.json as { since: number; after?: string; limit: number };
    const offset = after === undefined ? 0 : Number(after);
    if (offset >= cap) return { status: 400, body: { status: 'error', category: 'VALIDATION_ERROR', message: `results are limited to ${cap}` } };
    const found = rows.filter((r) => r.modified >= since).sort((a, b) => a.modified - b.modified || a.id - b.id);
    const results = found.slice(offset, offset + limit);
    const more = offset + results.length < found.length;
    return { status: 200, body: { total: found.length, results, ...(more ? { paging: { next: { after: String(offset + results.length) } } } : {}) } };
  });
}
const SearchPage = z.object({
  total: z.number(),
  results: z.array(z.object({ id: z.number(), modified: z.number() })),
  paging: z.object({ next: z.object({ after: z.string() }) }).optional(),
});

describe('paginateKeyset over loopback HTTP (HubSpot-style search with a result cap)', () => {
  it('follows `after` up to the cap, restarts the window from the last key, and ends on the platform\'s signal', async () => {
    const rows = Array.from({ length: 23 }, (_, i) => ({ id: i + 1, modified: 1000 + i }));
    const { server, requests } = await searchServer(rows, 10);
    const http = createHttpClient(config, { platform: 'hubspot', redactor, baseUrlOverride: server.url });

    const { items, error } = await collect(
      paginateKeyset({
        start: { window: 0 },
        fetchPage: ({ window, after }) => http.post('search', { json: { since: window, limit: 5, ...(after ? { after } : {}) }, schema: SearchPage, idempotent: true }),
        read: (page) => ({ after: page.paging?.next.after, end: !page.paging?.next, restartFrom: page.results.at(-1)?.modified }),
        maxPagesPerWindow: 2, // 10 results / 5 per page
      }),
    );

    expect(error).toBeUndefined();
    expect(new Set(items.flatMap((i) => i.page.results.map((r) => r.id)))).toEqual(new Set(rows.map((r) => r.id)));
    // Never asked past the cap; each restart re-reads only the row at the boundary key.
    expect(requests.map((r) => r.json)).toEqual([
      { since: 0, limit: 5 },
      { since: 0, limit: 5, after: '5' },
      { since: 1009, limit: 5 },
      { since: 1009, limit: 5, after: '5' },
      { since: 1018, limit: 5 },
    ]);
    expect(items.map((i) => i.checkpoint)).toEqual([
      { window: 0, page: 2, after: '5' },
      { window: 1009, page: 1 },
      { window: 1009, page: 2, after: '5' },
      { window: 1018, page: 1 },
      { window: 1022, page: 1 },
    ]);
    expect(items.at(-1)!.end).toBe(true);
  });

  it('with one page per window never follows `after` (every page a fresh query from the last key)', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => ({ id: i + 1, modified: 2000 + i }));
    const { server, requests } = await searchServer(rows, 10_000);
    const http = createHttpClient(config, { platform: 'hubspot', redactor, baseUrlOverride: server.url });
    const { items } = await collect(
      paginateKeyset({
        start: { window: 0 },
        fetchPage: ({ window }) => http.post('search', { json: { since: window, limit: 5 }, schema: SearchPage, idempotent: true }),
        read: (page) => ({ after: page.paging?.next.after, end: !page.paging?.next, restartFrom: page.results.at(-1)?.modified }),
        maxPagesPerWindow: 1,
      }),
    );
    expect(requests.every((r) => (r.json as { after?: string }).after === undefined)).toBe(true);
    expect(new Set(items.flatMap((i) => i.page.results.map((r) => r.id))).size).toBe(12);
  });

  it('throws StuckCursorError when a capped window cannot move (every result shares one key) instead of re-reading it', async () => {
    const rows = Array.from({ length: 15 }, (_, i) => ({ id: i + 1, modified: 5000 }));
    const { server, requests } = await searchServer(rows, 10);
    const http = createHttpClient(config, { platform: 'hubspot', redactor, baseUrlOverride: server.url });
    const { error } = await collect(
      paginateKeyset({
        start: { window: 0 },
        fetchPage: ({ window, after }) => http.post('search', { json: { since: window, limit: 5, ...(after ? { after } : {}) }, schema: SearchPage, idempotent: true }),
        read: (page) => ({ after: page.paging?.next.after, end: !page.paging?.next, restartFrom: page.results.at(-1)?.modified }),
        maxPagesPerWindow: 2,
        platform: 'hubspot',
      }),
    );
    // 0 → 5000 moves once; 5000 → 5000 is the same window again.
    expect(error).toBeInstanceOf(StuckCursorError);
    expect(requests).toHaveLength(4);
  });

  it('resumes from a mid-window checkpoint and refuses a cap below one page', async () => {
    const rows = Array.from({ length: 8 }, (_, i) => ({ id: i + 1, modified: 3000 + i }));
    const { server, requests } = await searchServer(rows, 10);
    const http = createHttpClient(config, { platform: 'hubspot', redactor, baseUrlOverride: server.url });
    const read = (page: z.infer<typeof SearchPage>) => ({ after: page.paging?.next.after, end: !page.paging?.next, restartFrom: page.results.at(-1)?.modified });
    const { items } = await collect(
      paginateKeyset({
        start: { window: 0, page: 2, after: '5' },
        fetchPage: ({ window, after }) => http.post('search', { json: { since: window, limit: 5, ...(after ? { after } : {}) }, schema: SearchPage, idempotent: true }),
        read,
        maxPagesPerWindow: 2,
      }),
    );
    expect(items.flatMap((i) => i.page.results.map((r) => r.id))).toEqual([6, 7, 8]);
    expect(items.at(-1)!.checkpoint).toEqual({ window: 3007, page: 1 });
    expect(requests).toHaveLength(1);
    expect(() => paginateKeyset({ start: { window: 0 }, fetchPage: async () => ({}), read: () => ({ end: true }), maxPagesPerWindow: 0 })).toThrow(ConfigError);
  });
});

/**
 * A listing shaped like Freshdesk's tickets: `updated_since` + `page` (ascending `updated_at`), a `Link: rel="next"`
 * header while more pages exist, and 400 past page `maxPage` ("You cannot access tickets beyond the 300th page").
 */
async function listingServer(rows: Array<{ id: number; updated_at: string }>, maxPage: number) {
  return recordingServer((req) => {
    const since = req.url.searchParams.get('updated_since') ?? '1970-01-01T00:00:00Z';
    const page = Number(req.url.searchParams.get('page') ?? '1');
    const perPage = Number(req.url.searchParams.get('per_page') ?? '30');
    if (page > maxPage) return { status: 400, body: { description: 'Validation failed', errors: [{ message: `You cannot access tickets beyond the ${maxPage}th page` }] } };
    const found = rows.filter((r) => r.updated_at >= since).sort((a, b) => a.updated_at.localeCompare(b.updated_at) || a.id - b.id);
    const slice = found.slice((page - 1) * perPage, page * perPage);
    const more = page * perPage < found.length;
    const link = `<https://acme.freshdesk.com/api/v2/tickets?updated_since=${since}&page=${page + 1}&per_page=${perPage}>; rel="next"`;
    const headers: Record<string, string> = more ? { link } : {};
    return { status: 200, headers, body: slice };
  });
}
const Tickets = z.array(z.object({ id: z.number(), updated_at: z.string() }));
const second = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString().replace('.000Z', 'Z');

describe('paginatePages over loopback HTTP (Freshdesk-style page cap)', () => {
  it('reads pages up to the cap, restarts updated_since from the last updated_at at page 1, and ends when no Link says next', async () => {
    const rows = Array.from({ length: 17 }, (_, i) => ({ id: i + 1, updated_at: second(i) }));
    const { server, requests } = await listingServer(rows, 3);
    const http = createHttpClient(config, { platform: 'freshdesk', redactor, baseUrlOverride: server.url });

    const { items, error } = await collect(
      paginatePages({
        start: { window: second(0) },
        fetchPage: ({ window, page }) => http.request('tickets', { searchParams: { updated_since: window, order_by: 'updated_at', order_type: 'asc', per_page: 2, page }, schema: Tickets }),
        read: (res) => ({ more: nextLink(res.headers) !== undefined, restartFrom: res.data.at(-1)?.updated_at }),
        maxPage: 3,
      }),
    );

    expect(error).toBeUndefined();
    expect(new Set(items.flatMap((i) => i.page.data.map((t) => t.id)))).toEqual(new Set(rows.map((r) => r.id)));
    expect(requests.every((r) => Number(r.url.searchParams.get('page')) <= 3)).toBe(true);
    const asked = requests.map((r) => `${r.url.searchParams.get('updated_since')}#${r.url.searchParams.get('page')}`);
    expect(asked.slice(0, 5)).toEqual([`${second(0)}#1`, `${second(0)}#2`, `${second(0)}#3`, `${second(5)}#1`, `${second(5)}#2`]);
    expect(items.at(-1)).toMatchObject({ end: true, checkpoint: { window: second(16), page: 1 } });
    expect(items[0]!.checkpoint).toEqual({ window: second(0), page: 2 });
    expect(items[2]!.checkpoint).toEqual({ window: second(5), page: 1 });
  });

  it('throws StuckCursorError when a full window shares one updated_at, instead of reading it forever', async () => {
    const rows = Array.from({ length: 9 }, (_, i) => ({ id: i + 1, updated_at: second(7) }));
    const { server, requests } = await listingServer(rows, 3);
    const http = createHttpClient(config, { platform: 'freshdesk', redactor, baseUrlOverride: server.url });
    const { error } = await collect(
      paginatePages({
        start: { window: second(7) },
        fetchPage: ({ window, page }) => http.request('tickets', { searchParams: { updated_since: window, per_page: 2, page }, schema: Tickets }),
        read: (res) => ({ more: nextLink(res.headers) !== undefined, restartFrom: res.data.at(-1)?.updated_at }),
        maxPage: 3,
        platform: 'freshdesk',
      }),
    );
    expect(error).toBeInstanceOf(StuckCursorError);
    expect(requests).toHaveLength(3);
  });

  it('keeps the last key seen when the final page is empty, so the next walk starts after what was read', async () => {
    const pages = [[{ id: 1, updated_at: second(1) }], []];
    const { server } = await recordingServer((req) => {
      const page = Number(req.url.searchParams.get('page'));
      const headers: Record<string, string> = page === 1 ? { link: '<https://x.test/tickets?page=2>; rel="next"' } : {};
      return { status: 200, headers, body: pages[page - 1] };
    });
    const http = createHttpClient(config, { platform: 'freshdesk', redactor, baseUrlOverride: server.url });
    const { items } = await collect(
      paginatePages({
        start: { window: second(0) },
        fetchPage: ({ window, page }) => http.request('tickets', { searchParams: { updated_since: window, page }, schema: Tickets }),
        read: (res) => ({ more: nextLink(res.headers) !== undefined, restartFrom: res.data.at(-1)?.updated_at }),
        maxPage: 300,
      }),
    );
    expect(items.map((i) => i.checkpoint)).toEqual([
      { window: second(0), page: 2 },
      { window: second(1), page: 1 },
    ]);
  });
});

describe('nextLink', () => {
  it('finds rel="next" among other links and parameters, and nothing when absent', () => {
    expect(nextLink(new Headers({ link: '<https://a.test/t?page=2>; rel="next"' }))).toBe('https://a.test/t?page=2');
    expect(nextLink(new Headers({ link: '<https://a.test/t?page=1>; rel="prev", <https://a.test/t?page=3>; title="x"; rel=next' }))).toBe('https://a.test/t?page=3');
    expect(nextLink(new Headers({ link: '<https://a.test/t?page=1>; rel="prev first"' }))).toBeUndefined();
    expect(nextLink(new Headers())).toBeUndefined();
  });
});
