import { PermanentError } from '../errors/permanent-error.js';

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
 * after each. A cursor that does not advance throws `PermanentError` rather than looping forever on a platform bug.
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
  for (let pages = 0; options.maxPages === undefined || pages < options.maxPages; pages++) {
    options.signal?.throwIfAborted();
    const page = await fetchPage(cursor);
    yield page;
    const next = getNext(page, cursor);
    if (next === undefined || next === null) return;
    if (cursor !== undefined && sameCursor(next, cursor)) {
      throw new PermanentError('pagination cursor did not advance; stopping instead of looping');
    }
    cursor = next;
  }
}

function sameCursor(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
