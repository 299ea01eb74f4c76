import type { WalkedPage } from './paginate.js';
import { walkWindows, type WindowPosition } from './paginate-keyset.js';

/** What one numbered page says. */
export interface PagesStep<TWindow> {
  /** The platform's own signal that another page exists (Freshdesk: a `Link: <…>; rel="next"` header). */
  more: boolean;
  /** Where a restarted window begins: the sort key of the page's last item (Freshdesk: its `updated_at`). */
  restartFrom?: TWindow | undefined;
}

/** Options of {@link paginatePages}. */
export interface PaginatePagesOptions<TPage, TWindow> {
  /** A saved checkpoint, or the first window (`page` defaults to 1). */
  start: { window: TWindow; page?: number };
  /** Loads page `page` of the window's query. */
  fetchPage: (position: { window: TWindow; page: number }) => Promise<TPage>;
  /** Reads the platform's "more" signal and the restart key from a page. */
  read: (page: TPage, position: { window: TWindow; page: number }) => PagesStep<TWindow>;
  /**
   * The last page number the platform serves for one query (Freshdesk: 300, then 400 "You cannot access tickets
   * beyond the 300th page"). After it the walk restarts the window from `restartFrom` at page 1.
   */
  maxPage: number;
  /** Stops after this many pages even without an end signal. */
  maxPages?: number;
  /** Checked before each page, so a long walk stops promptly. */
  signal?: AbortSignal;
  /** Connector id, for error message prefixes. */
  platform?: string;
}

/**
 * Walks a page-numbered listing that stops serving past a page cap, by restarting its time window: pages 1 to
 * `maxPage` of a window, then page 1 of a new window from the last key seen (Freshdesk: `page` up to 300 of
 * `updated_since=W&order_by=updated_at&order_type=asc`, then `updated_since` = the last `updated_at`). The walk ends
 * when the platform says no page follows; the last page's checkpoint is the window the next walk starts from.
 *
 * Restarting at the last key re-reads the items that share it (dedupe drops them); a window whose every item shares
 * one key throws `StuckCursorError` rather than reading it again and again.
 *
 * @example
 * // Freshdesk: the Link header announces the next page.
 * for await (const { page, checkpoint } of paginatePages({
 *   start: { window: updatedSince },
 *   fetchPage: ({ window, page }) =>
 *     ctx.http.request('tickets', { searchParams: { updated_since: window, order_by: 'updated_at', order_type: 'asc', per_page: 100, page }, schema: Tickets }),
 *   read: (res) => ({ more: nextLink(res.headers) !== undefined, restartFrom: res.data.at(-1)?.updated_at }),
 *   maxPage: 300,
 * })) yield { tickets: page.data.map(normalize), nextCursor: checkpoint };
 */
export function paginatePages<TPage, TWindow>(options: PaginatePagesOptions<TPage, TWindow>): AsyncGenerator<WalkedPage<TPage, WindowPosition<TWindow>>, void, undefined> {
  return walkWindows(
    {
      start: options.start,
      fetchPage: ({ window, page }) => options.fetchPage({ window, page }),
      maxPagesPerWindow: options.maxPage,
      ...(options.maxPages === undefined ? {} : { maxPages: options.maxPages }),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.platform ? { platform: options.platform } : {}),
    },
    (page, { window, page: number }) => {
      const step = options.read(page, { window, page: number });
      return { end: !step.more, continues: true, restartFrom: step.restartFrom };
    },
  );
}
