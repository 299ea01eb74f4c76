import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StuckCursorError } from '../../src/errors/index.js';
import { createHttpClient } from '../../src/http/create-http-client.js';
import { paginate } from '../../src/toolkit/paginate.js';
import { paginateCursor } from '../../src/toolkit/paginate-cursor.js';
import { closeServers, recordingServer, redactor, zendeskLikeConfig } from '../http/helpers.js';
import { collect } from './helpers.js';

afterEach(closeServers);

// Zendesk cursor export: `after_cursor` + `end_of_stream`.
// https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/#incremental-ticket-export-cursor-based
const exportPage = z.object({ tickets: z.array(z.object({ id: z.number() })), after_cursor: z.string().nullable(), end_of_stream: z.boolean() });

describe('paginate (the engine under every walk)', () => {
  it('yields each page with where it was read and where to continue, and stops on the end step', async () => {
    const fetched: number[] = [];
    const walk = paginate({
      start: 3,
      fetchPage: async (page: number) => {
        fetched.push(page);
        return { page, last: page === 5 };
      },
      step: (p, at) => (p.last ? { end: true } : { next: at + 1 }),
    });
    const { items } = await collect(walk);
    expect(items.map(({ position, checkpoint, end }) => ({ position, checkpoint, end }))).toEqual([
      { position: 3, checkpoint: 4, end: false },
      { position: 4, checkpoint: 5, end: false },
      { position: 5, checkpoint: 5, end: true },
    ]);
    expect(fetched).toEqual([3, 4, 5]);
  });

  it('stops after maxPages, the last page saying it was not the end', async () => {
    const { items } = await collect(paginate({ start: 1, fetchPage: async (page: number) => page, step: (_p, at) => ({ next: at + 1 }), maxPages: 2 }));
    expect(items.map((i) => [i.page, i.end])).toEqual([
      [1, false],
      [2, false],
    ]);
  });

  it('throws StuckCursorError when the next position is the current one, before yielding the page that said so', async () => {
    const { items, error } = await collect(paginate({ start: 'a', fetchPage: async (at: string) => at, step: () => ({ next: 'same' }), platform: 'zendesk' }));
    expect(error).toBeInstanceOf(StuckCursorError);
    expect(error).toMatchObject({ code: 'stuck_cursor', cursor: '"same"', platform: 'zendesk' });
    expect(items.map((i) => i.page)).toEqual(['a']);
  });

  it('throws StuckCursorError on a cycle through several positions, objects compared as JSON', async () => {
    const next: Record<string, string> = { a: 'b', b: 'c', c: 'a' };
    let fetched = 0;
    const { error } = await collect(
      paginate({
        start: { at: 'a' },
        fetchPage: async (position: { at: string }) => (++fetched, position),
        step: (page) => ({ next: { at: next[page.at]! } }),
      }),
    );
    expect(error).toMatchObject({ code: 'stuck_cursor', cursor: '{"at":"a"}' });
    expect(fetched).toBe(3);
  });

  it('recognises a long cursor that comes back (kept as a hash, not the whole string)', async () => {
    const long = (n: number) => `${'x'.repeat(500)}${n}`;
    const { items, error } = await collect(paginate({ start: long(0), fetchPage: async (at: string) => at, step: (_p, at) => ({ next: at === long(2) ? long(1) : long(Number(at.slice(500)) + 1) }) }));
    expect(items).toHaveLength(2);
    expect(error).toBeInstanceOf(StuckCursorError);
    expect((error as StuckCursorError).cursor.length).toBeLessThanOrEqual(203);
  });

  it('stops before the next page when the signal aborts', async () => {
    const controller = new AbortController();
    let fetched = 0;
    const walk = paginate({ start: 0, fetchPage: async () => ++fetched, step: (n) => ({ next: n }), signal: controller.signal });
    const error = await (async () => {
      for await (const _ of walk) controller.abort(new Error('stop'));
    })().catch((e: unknown) => e);
    expect((error as Error).message).toBe('stop');
    expect(fetched).toBe(1);
  });
});

describe('paginateCursor over loopback HTTP', () => {
  it('walks Zendesk\'s export: start_time first, then after_cursor until end_of_stream, keeping the last cursor for the next poll', async () => {
    const pages: Record<string, unknown> = {
      start: { tickets: [{ id: 1 }, { id: 2 }], after_cursor: 'c1', end_of_stream: false },
      // A short page that is not the end: the walk goes on, because only the platform's signal ends it.
      c1: { tickets: [{ id: 3 }], after_cursor: 'c2', end_of_stream: false },
      c2: { tickets: [{ id: 4 }, { id: 5 }], after_cursor: 'c3', end_of_stream: true },
    };
    const { server, requests } = await recordingServer((req) => ({ status: 200, body: pages[req.url.searchParams.get('cursor') ?? 'start'] }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url });

    const { items } = await collect(
      paginateCursor({
        fetchPage: (cursor) => http.get('incremental/tickets/cursor.json', { searchParams: cursor ? { cursor } : { start_time: 0 }, schema: exportPage }),
        read: (page) => ({ cursor: page.after_cursor, end: page.end_of_stream }),
      }),
    );

    expect(items.flatMap((i) => i.page.tickets.map((t) => t.id))).toEqual([1, 2, 3, 4, 5]);
    expect(items.map((i) => [i.position, i.checkpoint, i.end])).toEqual([
      [undefined, 'c1', false],
      ['c1', 'c2', false],
      ['c2', 'c3', true],
    ]);
    expect(requests.map((r) => r.rawUrl)).toEqual([
      '/api/v2/incremental/tickets/cursor.json?start_time=0',
      '/api/v2/incremental/tickets/cursor.json?cursor=c1',
      '/api/v2/incremental/tickets/cursor.json?cursor=c2',
    ]);
  });

  it('stops on Jira\'s isLast even with a full page, and on Intercom\'s missing pages.next', async () => {
    const { server } = await recordingServer((req) => {
      if (req.url.pathname === '/jira') {
        const token = req.url.searchParams.get('nextPageToken');
        return { status: 200, body: token ? { issues: [{ id: '3' }, { id: '4' }], nextPageToken: 'stale', isLast: true } : { issues: [{ id: '1' }, { id: '2' }], nextPageToken: 't1', isLast: false } };
      }
      const after = req.url.searchParams.get('starting_after');
      return { status: 200, body: after ? { data: [{ id: 'b' }], pages: {} } : { data: [{ id: 'a' }], pages: { next: { starting_after: 'WzE3' } } } };
    });
    const http = createHttpClient(zendeskLikeConfig({ baseUrl: 'https://example.test/' }), { platform: 'x', redactor, baseUrlOverride: server.url });
    const jira = z.object({ issues: z.array(z.object({ id: z.string() })), nextPageToken: z.string().optional(), isLast: z.boolean().optional() });
    const jiraWalk = await collect(
      paginateCursor({
        fetchPage: (token) => http.get('jira', { searchParams: { nextPageToken: token }, schema: jira }),
        read: (page) => ({ cursor: page.nextPageToken, end: page.isLast === true || !page.nextPageToken }),
      }),
    );
    expect(jiraWalk.items.flatMap((i) => i.page.issues.map((x) => x.id))).toEqual(['1', '2', '3', '4']);
    const intercom = z.object({ data: z.array(z.object({ id: z.string() })), pages: z.object({ next: z.object({ starting_after: z.string() }).optional() }) });
    const intercomWalk = await collect(
      paginateCursor({
        fetchPage: (after) => http.get('intercom', { searchParams: { starting_after: after }, schema: intercom }),
        read: (page) => ({ cursor: page.pages.next?.starting_after, end: !page.pages.next }),
      }),
    );
    expect(intercomWalk.items.map((i) => [i.page.data[0]!.id, i.checkpoint, i.end])).toEqual([
      ['a', 'WzE3', false],
      ['b', 'WzE3', true],
    ]);
  });

  it('throws StuckCursorError when the platform hands back a cursor already read', async () => {
    const { server, requests } = await recordingServer((req) => ({
      status: 200,
      body: { tickets: [{ id: 1 }], after_cursor: req.url.searchParams.get('cursor') === 'c2' ? 'c1' : 'c2', end_of_stream: false },
    }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url });
    const { items, error } = await collect(
      paginateCursor({
        start: 'c1',
        fetchPage: (cursor) => http.get('incremental/tickets/cursor.json', { searchParams: { cursor }, schema: exportPage }),
        read: (page) => ({ cursor: page.after_cursor, end: page.end_of_stream }),
        platform: 'zendesk',
      }),
    );
    expect(error).toBeInstanceOf(StuckCursorError);
    expect((error as StuckCursorError).message).toMatch(/^\[ticketbridge\] \[zendesk\] pagination position "c1" came back/);
    expect(items).toHaveLength(1);
    expect(requests).toHaveLength(2);
  });

  it('refuses a page that says more follow but carries no cursor', async () => {
    const { server } = await recordingServer(() => ({ status: 200, body: { tickets: [], after_cursor: null, end_of_stream: false } }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url });
    const { error } = await collect(
      paginateCursor({
        fetchPage: () => http.get('incremental/tickets/cursor.json', { schema: exportPage }),
        read: (page) => ({ cursor: page.after_cursor, end: page.end_of_stream }),
        platform: 'zendesk',
      }),
    );
    expect(error).toMatchObject({ code: 'response_shape', platform: 'zendesk' });
  });
});
