import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StuckCursorError } from '../../src/errors/index.js';
import { createHttpClient } from '../../src/http/create-http-client.js';
import { paginate } from '../../src/http/paginate.js';
import { closeServers, recordingServer, redactor, zendeskLikeConfig } from './helpers.js';

afterEach(closeServers);

// Zendesk cursor export: `after_cursor` + `end_of_stream`.
// https://developer.zendesk.com/api-reference/ticketing/ticket-management/incremental_exports/#incremental-ticket-export-cursor-based
const exportPage = z.object({ tickets: z.array(z.object({ id: z.number() })), after_cursor: z.string().nullable(), end_of_stream: z.boolean() });

describe('paginate', () => {
  it('walks a cursor-paginated endpoint until end_of_stream', async () => {
    const pages: Record<string, unknown> = {
      start: { tickets: [{ id: 1 }, { id: 2 }], after_cursor: 'c1', end_of_stream: false },
      c1: { tickets: [{ id: 3 }], after_cursor: 'c2', end_of_stream: true },
    };
    const { server, requests } = await recordingServer((req) => ({ status: 200, body: pages[req.url.searchParams.get('cursor') ?? 'start'] }));
    const http = createHttpClient(zendeskLikeConfig(), { platform: 'zendesk', redactor, baseUrlOverride: server.url });

    const ids: number[] = [];
    for await (const page of paginate(
      (cursor) => http.get('incremental/tickets/cursor.json', { searchParams: cursor ? { cursor } : { start_time: 0 }, schema: exportPage }),
      (page) => (page.end_of_stream ? undefined : page.after_cursor),
    )) {
      ids.push(...page.tickets.map((t) => t.id));
    }

    expect(ids).toEqual([1, 2, 3]);
    expect(requests.map((r) => r.rawUrl)).toEqual(['/api/v2/incremental/tickets/cursor.json?start_time=0', '/api/v2/incremental/tickets/cursor.json?cursor=c1']);
  });

  it('supports page numbers, a start cursor and a page cap', async () => {
    const seen: Array<number | undefined> = [];
    const walk = paginate(
      async (page: number | undefined) => {
        seen.push(page);
        return { page: page ?? 1 };
      },
      (p) => p.page + 1,
      { start: 3, maxPages: 2 },
    );
    const got: number[] = [];
    for await (const p of walk) got.push(p.page);
    expect(got).toEqual([3, 4]);
    expect(seen).toEqual([3, 4]);
  });

  it('throws StuckCursorError instead of looping when the cursor does not advance', async () => {
    const walk = paginate(
      async () => ({ next: { after: 'same' } }),
      (p) => p.next,
    );
    const pages: unknown[] = [];
    const error = await (async () => {
      for await (const p of walk) pages.push(p);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StuckCursorError);
    expect(pages).toHaveLength(2);
  });

  it('throws StuckCursorError on a cycle through several cursors', async () => {
    const next: Record<string, string> = { a: 'b', b: 'c', c: 'a' };
    let fetched = 0;
    const walk = paginate(
      async (cursor: string | undefined) => ({ next: next[cursor ?? 'c']!, n: ++fetched }),
      (p) => p.next,
    );
    const error = await (async () => {
      for await (const _ of walk);
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'stuck_cursor', cursor: '"a"' });
    expect(fetched).toBe(4);
  });

  it('stops before the next page when the signal aborts', async () => {
    const controller = new AbortController();
    let fetched = 0;
    const walk = paginate(
      async () => ({ n: ++fetched }),
      (p) => p.n,
      { signal: controller.signal },
    );
    const error = await (async () => {
      for await (const _ of walk) controller.abort(new Error('stop'));
    })().catch((e: unknown) => e);
    expect((error as Error).message).toBe('stop');
    expect(fetched).toBe(1);
  });
});
