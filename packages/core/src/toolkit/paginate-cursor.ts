import { ResponseShapeError } from '../errors/response-shape-error.js';
import { paginate, type WalkedPage } from './paginate.js';

/** What one page says about the next: the platform's cursor or token, and its own end signal. */
export interface CursorStep {
  /** The cursor or token of the next page (`after_cursor`, `starting_after`, `nextPageToken`, `paging.next.after`). */
  cursor?: string | null | undefined;
  /**
   * The platform's own end signal (`end_of_stream`, `isLast`, `!has_more`, no `paging.next`). Never a count: a
   * short page is not the end when the platform says more follow, and a full one may be the last.
   */
  end: boolean;
}

/** Options of {@link paginateCursor}. */
export interface PaginateCursorOptions<TPage> {
  /** A saved cursor to resume from; `undefined` reads the first page (the connector sends its start parameters). */
  start?: string | undefined;
  /** Loads the page at `cursor` (`undefined` for the first page). */
  fetchPage: (cursor: string | undefined) => Promise<TPage>;
  /** Reads the next cursor and the end signal from a page. */
  read: (page: TPage) => CursorStep;
  /** Stops after this many pages even without an end signal. */
  maxPages?: number;
  /** Checked before each page, so a long walk stops promptly. */
  signal?: AbortSignal;
  /** Connector id, for error message prefixes. */
  platform?: string;
}

/**
 * Walks a cursor- or token-paginated endpoint: Zendesk's `after_cursor` until `end_of_stream`, Intercom's
 * `starting_after` until `pages.next` is gone, Jira's `nextPageToken` until `isLast`, HubSpot list endpoints'
 * `paging.next.after`.
 *
 * Each yielded page's `checkpoint` is the cursor to resume from after it. On the last page it is the cursor the page
 * still carried (Zendesk hands one out for the next poll), else the last page's own cursor. A page that says more
 * follow but carries no cursor throws `ResponseShapeError` (there is no way forward that would not skip or repeat),
 * and a cursor that comes back throws `StuckCursorError`.
 *
 * @example
 * // Zendesk's cursor-based incremental export: start_time on the first call only, then the cursor.
 * for await (const { page, checkpoint } of paginateCursor({
 *   start: saved?.afterCursor,
 *   fetchPage: (cursor) => ctx.http.get('incremental/tickets/cursor.json', { searchParams: cursor ? { cursor } : { start_time }, schema: ExportPage }),
 *   read: (page) => ({ cursor: page.after_cursor, end: page.end_of_stream }),
 * })) yield { tickets: page.tickets.map(normalize), nextCursor: { afterCursor: checkpoint } };
 *
 * @example
 * // Jira's /search/jql: the last page has isLast (or no nextPageToken).
 * paginateCursor({ fetchPage: (nextPageToken) => search(nextPageToken), read: (page) => ({ cursor: page.nextPageToken, end: page.isLast === true || !page.nextPageToken }) });
 */
export function paginateCursor<TPage>(options: PaginateCursorOptions<TPage>): AsyncGenerator<WalkedPage<TPage, string | undefined>, void, undefined> {
  return paginate<TPage, string | undefined>({
    start: options.start,
    fetchPage: options.fetchPage,
    step: (page) => {
      const { cursor, end } = options.read(page);
      const next = cursor ? cursor : undefined;
      if (end) return next === undefined ? { end: true } : { end: true, resumeAt: next };
      if (next === undefined) {
        throw new ResponseShapeError('a page says more pages follow but carries no cursor to them; stopping rather than skipping or repeating', {
          ...(options.platform ? { platform: options.platform } : {}),
        });
      }
      return { next };
    },
    ...(options.maxPages === undefined ? {} : { maxPages: options.maxPages }),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.platform ? { platform: options.platform } : {}),
  });
}
