import { StuckCursorError } from '../errors/stuck-cursor-error.js';

/** Options of {@link paginate}. */
export interface PaginateOptions<TCursor> {
  /** Cursor of the first page (a saved `after_cursor`, a page number); `undefined` starts from the beginning. */
  start?: TCursor;
  /** Stops after this many pages, for callers that bound one run (HubSpot search stops answering past 10 000 results). */
  maxPages?: number;
  /** Checked before each page so a long walk stops promptly. */
  signal?: AbortSignal;
}

/**
 * Walks a paginated endpoint page by page: `fetchPage(cursor)` loads one page, `getNext(page, cursor)` says where
 * the next one is (`undefined` when done). Fits cursor (`after_cursor`), link (`paging.next.link`, `after_url`) and
 * page-number styles alike, since the cursor is whatever the connector passes back in.
 *
 * Pages, not items, are yielded, because a connector hands the engine one page at a time and saves the cursor
 * after each. A cursor that comes back (the same one again, or any earlier one: a cycle) throws `StuckCursorError`
 * rather than looping forever on a platform bug.
 *
 * @example
 * for await (const page of paginate(
 *   (cursor) => ctx.http.get('incremental/tickets/cursor.json', { searchParams: cursor ? { cursor } : { start_time }, schema }),
 *   (page) => (page.end_of_stream ? undefined : page.after_cursor),
 * )) yield { tickets: page.tickets.map(normalize), nextCursor: { cursor: page.after_cursor } };
 */
export async function* paginate<TPage, TCursor = string>(
  fetchPage: (cursor: TCursor | undefined) => Promise<TPage>,
  getNext: (page: TPage, cursor: TCursor | undefined) => TCursor | undefined | null,
  options: PaginateOptions<TCursor> = {},
): AsyncGenerator<TPage, void, undefined> {
  let cursor = options.start;
  const seen = new Set<string>();
  if (cursor !== undefined) seen.add(JSON.stringify(cursor));
  for (let pages = 0; options.maxPages === undefined || pages < options.maxPages; pages++) {
    options.signal?.throwIfAborted();
    const page = await fetchPage(cursor);
    yield page;
    const next = getNext(page, cursor);
    if (next === undefined || next === null) return;
    const key = JSON.stringify(next);
    if (seen.has(key)) {
      const shown = key.length > 200 ? `${key.slice(0, 200)}...` : key;
      throw new StuckCursorError(`pagination cursor ${shown} came back after it had been read; stopping instead of looping`, { cursor: shown });
    }
    seen.add(key);
    cursor = next;
  }
}
