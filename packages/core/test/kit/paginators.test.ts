import { describe, expect, it } from 'vitest';
import {
  TicketTable,
  compareSortKeys,
  createTokenPaginator,
  paginateByCursor,
  paginateByOffset,
  paginateByPageNumber,
  resolvePageSize,
  type SimResponse,
} from '@ticketbridge/core/testing';

interface Rec {
  id: string;
  updated: number;
}

const table = (records: Rec[]) => {
  const t = new TicketTable<Rec>({ id: (r) => r.id, updatedAt: (r) => r.updated });
  for (const r of records) t.upsert(r);
  return t;
};

describe('compareSortKeys', () => {
  it('orders numbers and digit-only ids numerically, other strings by code unit', () => {
    expect(compareSortKeys([1, '9'], [1, '10'])).toBeLessThan(0);
    expect(compareSortKeys([2, '1'], [1, '10'])).toBeGreaterThan(0);
    expect(compareSortKeys([1, '99999999999999999999'], [1, '100000000000000000000'])).toBeLessThan(0);
    expect(compareSortKeys([1, 'a'], [1, 'b'])).toBeLessThan(0);
    expect(compareSortKeys([1, 'x'], [1, 'x'])).toBe(0);
  });
});

describe('TicketTable', () => {
  it('changedSinceView matches changedSince and follows writes; changedSince hands out copies', () => {
    const t = table([
      { id: '1', updated: 1 },
      { id: '2', updated: 2 },
      { id: '3', updated: 3 },
    ]);
    expect(t.changedSinceView(0).map((r) => r.id)).toEqual(['1', '2', '3']);
    expect(t.changedSinceView(2).map((r) => r.id)).toEqual(['2', '3']);
    expect(t.changedSinceView(2, { exclusive: true }).map((r) => r.id)).toEqual(['3']);
    const copy = t.changedSince(0);
    copy.pop();
    expect(t.changedSince(0)).toHaveLength(3);
    t.upsert({ id: '1', updated: 9 });
    t.upsert({ id: '4', updated: 4 });
    expect(t.changedSinceView(0).map((r) => r.id)).toEqual(['2', '3', '4', '1']);
    expect(t.changedSince(3).map((r) => r.id)).toEqual(['3', '4', '1']);
  });

  it('keeps records sorted by updated time, ties by numeric id, and moves a record on upsert', () => {
    const t = table([
      { id: '10', updated: 5 },
      { id: '9', updated: 5 },
      { id: '2', updated: 1 },
      { id: '1', updated: 7 },
    ]);
    expect(t.all().map((r) => r.id)).toEqual(['2', '9', '10', '1']);
    t.upsert({ id: '2', updated: 9 });
    expect(t.all().map((r) => r.id)).toEqual(['9', '10', '1', '2']);
    expect(t.size).toBe(4);
    expect(t.get('2')).toEqual({ id: '2', updated: 9 });
    expect(t.remove('10')).toBe(true);
    expect(t.has('10')).toBe(false);
    expect(t.all().map((r) => r.id)).toEqual(['9', '1', '2']);
  });

  it('changedSince is inclusive by default and strict on request, including same-time ties', () => {
    const t = table([
      { id: '1', updated: 1000 },
      { id: '2', updated: 2000 },
      { id: '3', updated: 2000 },
      { id: '4', updated: 3000 },
    ]);
    expect(t.changedSince(2000).map((r) => r.id)).toEqual(['2', '3', '4']);
    expect(t.changedSince(2000, { exclusive: true }).map((r) => r.id)).toEqual(['4']);
    expect(t.changedSince(0).length).toBe(4);
    expect(t.changedSince(3001)).toEqual([]);
  });

  it('refuses a record without a valid time', () => {
    expect(() => table([{ id: '1', updated: Number.NaN }])).toThrow(/no valid updated time/);
  });
});

describe('resolvePageSize', () => {
  const opts = { defaultSize: 25, maxSize: 100 };
  it('defaults, accepts, clamps or refuses', () => {
    expect(resolvePageSize(null, 'per_page', opts)).toEqual({ ok: true, size: 25 });
    expect(resolvePageSize('40', 'per_page', opts)).toEqual({ ok: true, size: 40 });
    expect(resolvePageSize('500', 'per_page', opts)).toEqual({ ok: true, size: 100 });
    const refused = resolvePageSize('500', 'per_page', { ...opts, oversize: 'error' });
    expect(refused).toEqual({ ok: false, response: { status: 400, body: { error: 'invalid_parameter', parameter: 'per_page', message: 'per_page must be at most 100' } } });
    for (const bad of ['0', '-1', '2.5', 'abc']) expect(resolvePageSize(bad, 'per_page', opts).ok, bad).toBe(false);
  });
});

describe('paginateByCursor', () => {
  const records = Array.from({ length: 23 }, (_, i) => ({ id: String(i + 1), updated: 1000 * Math.floor(i / 5) }));

  it('walks every record once, across pages that split same-time ties', () => {
    const t = table(records);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: ReturnType<typeof paginateByCursor<(typeof records)[number]>> = paginateByCursor({ items: t.all(), key: (r) => t.keyOf(r), cursor, pageSize: '4', defaultSize: 10, maxSize: 10 });
      if (!page.ok) throw new Error('unexpected error page');
      seen.push(...page.items.map((r) => r.id));
      expect(page.total).toBe(23);
      cursor = page.next;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(6);
    expect(seen).toEqual(t.all().map((r) => r.id));
  });

  it('does not skip records when one is updated between two page requests', () => {
    const t = table(records);
    const first = paginateByCursor({ items: t.all(), key: (r) => t.keyOf(r), cursor: null, pageSize: 5, defaultSize: 5, maxSize: 5 });
    if (!first.ok) throw new Error('unexpected');
    // A record already served moves to the end; offsets would now skip one.
    t.upsert({ id: '2', updated: 99_000 });
    const rest: string[] = [];
    let cursor = first.next;
    while (cursor) {
      const page = paginateByCursor({ items: t.all(), key: (r) => t.keyOf(r), cursor, pageSize: 5, defaultSize: 5, maxSize: 5 });
      if (!page.ok) throw new Error('unexpected');
      rest.push(...page.items.map((r) => r.id));
      cursor = page.next;
    }
    const all = new Set([...first.items.map((r) => r.id), ...rest]);
    expect(all.size).toBe(23);
    expect(rest.at(-1)).toBe('2');
  });

  it('answers 400 to a cursor it did not issue, with a custom platform body', () => {
    const invalid = (message: string, parameter: string): SimResponse => ({ status: 400, body: { errors: [{ code: 'parameter_invalid', field: parameter, message }] } });
    const page = paginateByCursor({ items: records, key: (r) => [r.updated, r.id], cursor: 'not-a-cursor', pageSize: null, defaultSize: 5, maxSize: 5, invalid, cursorParameter: 'starting_after' });
    expect(page).toEqual({ ok: false, response: { status: 400, body: { errors: [{ code: 'parameter_invalid', field: 'starting_after', message: 'cursor is invalid' }] } } });
  });
});

describe('paginateByPageNumber', () => {
  const items = Array.from({ length: 45 }, (_, i) => i + 1);
  it('serves pages until the last partial one', () => {
    const p1 = paginateByPageNumber({ items, page: null, perPage: '20', defaultSize: 30, maxSize: 100 });
    const p3 = paginateByPageNumber({ items, page: '3', perPage: '20', defaultSize: 30, maxSize: 100 });
    expect(p1).toMatchObject({ ok: true, next: 2, total: 45, pageSize: 20 });
    expect(p3).toMatchObject({ ok: true, items: [41, 42, 43, 44, 45], next: null });
  });

  it('answers the platform error past the page cap, even when records remain', () => {
    const freshdeskCap = (page: number, max: number): SimResponse => ({
      status: 400,
      body: { description: 'Validation failed', errors: [{ field: 'page', message: `You cannot access tickets beyond the ${max}th page`, code: 'invalid_value' }], requested: page },
    });
    const over = paginateByPageNumber({ items, page: 4, perPage: 10, defaultSize: 10, maxSize: 100, maxPage: 3, pageCapResponse: freshdeskCap });
    expect(over.ok).toBe(false);
    if (!over.ok) {
      expect(over.response.status).toBe(400);
      expect(JSON.stringify(over.response.body)).toContain('beyond the 3th page');
    }
    expect(paginateByPageNumber({ items, page: 3, perPage: 10, defaultSize: 10, maxSize: 100, maxPage: 3 })).toMatchObject({ ok: true, next: 4 });
    expect(paginateByPageNumber({ items, page: '0', perPage: 10, defaultSize: 10, maxSize: 100 }).ok).toBe(false);
  });
});

describe('paginateByOffset', () => {
  const items = Array.from({ length: 12 }, (_, i) => i);
  it('returns the slice, the total and the next offset', () => {
    expect(paginateByOffset({ items, offset: '0', limit: '5', defaultSize: 5, maxSize: 50 })).toEqual({ ok: true, items: [0, 1, 2, 3, 4], next: 5, total: 12, pageSize: 5 });
    expect(paginateByOffset({ items, offset: 10, limit: 5, defaultSize: 5, maxSize: 50 })).toEqual({ ok: true, items: [10, 11], next: null, total: 12, pageSize: 5 });
    expect(paginateByOffset({ items, offset: -1, limit: 5, defaultSize: 5, maxSize: 50 }).ok).toBe(false);
    expect(paginateByOffset({ items, offset: 0, limit: 51, defaultSize: 5, maxSize: 50, oversize: 'error' }).ok).toBe(false);
  });
});

describe('createTokenPaginator', () => {
  const records = Array.from({ length: 10 }, (_, i) => ({ id: String(i + 1), updated: i }));
  const key = (r: Rec) => [r.updated, r.id] as const;

  it('pages with server-held tokens bound to the query', () => {
    const paginator = createTokenPaginator();
    const first = paginator.page({ items: records, key, token: null, pageSize: 4, defaultSize: 50, maxSize: 100, query: 'project = A' });
    if (!first.ok || !first.next) throw new Error('expected a next token');
    const second = paginator.page({ items: records, key, token: first.next, pageSize: 4, defaultSize: 50, maxSize: 100, query: 'project = A' });
    expect(second.ok && second.items.map((r) => r.id)).toEqual(['5', '6', '7', '8']);
    const otherQuery = paginator.page({ items: records, key, token: first.next, pageSize: 4, defaultSize: 50, maxSize: 100, query: 'project = B' });
    expect(otherQuery.ok).toBe(false);
    const forged = paginator.page({ items: records, key, token: 'forged', pageSize: 4, defaultSize: 50, maxSize: 100, query: 'project = A' });
    expect(!forged.ok && forged.response.status).toBe(400);
  });

  it('expires tokens after the TTL', () => {
    let now = 1_000;
    const paginator = createTokenPaginator({ ttlMs: 7 * 24 * 3600_000, now: () => now });
    const first = paginator.page({ items: records, key, token: undefined, pageSize: 5, defaultSize: 50, maxSize: 100 });
    if (!first.ok || !first.next) throw new Error('expected a next token');
    now += 7 * 24 * 3600_000;
    const late = paginator.page({ items: records, key, token: first.next, pageSize: 5, defaultSize: 50, maxSize: 100 });
    expect(late.ok).toBe(false);
  });
});
