import { ConfigError } from '../errors/config-error.js';
import { ResponseShapeError } from '../errors/response-shape-error.js';
import { paginate, type WalkedPage } from './paginate.js';

/** Where a windowed walk is: which window (the query's lower bound), which page of it, and the token to that page. */
export interface WindowPosition<TWindow> {
  /** The window: the lower bound the query filters on (`hs_lastmodifieddate >= since`, `updated_since`). */
  window: TWindow;
  /** The page of this window's query, from 1. */
  page: number;
  /** The platform's token to this page, from the page before (absent on a window's first page). */
  after?: string;
}

/** What one page of a keyset walk says. */
export interface KeysetStep<TWindow> {
  /** The platform's token to the next page of this window's query (HubSpot search's `paging.next.after`). */
  after?: string | null | undefined;
  /** The platform's own end signal for the whole walk (no next page, and nothing beyond this window). */
  end: boolean;
  /**
   * Where a window restarted after this page begins: the sort key of its last item (the last
   * `hs_lastmodifieddate`). Needed whenever the walk must go on without `after`: at the cap, or when a window's
   * query is exhausted but the walk is not.
   */
  restartFrom?: TWindow | undefined;
}

/** Options of {@link paginateKeyset}. */
export interface PaginateKeysetOptions<TPage, TWindow> {
  /** A saved checkpoint, or the first window (`page` defaults to 1). */
  start: { window: TWindow; page?: number; after?: string };
  /** Loads one page: the window's query, at `after` when it is set. */
  fetchPage: (position: WindowPosition<TWindow>) => Promise<TPage>;
  /** Reads the token, the end signal and the restart key from a page. */
  read: (page: TPage, position: WindowPosition<TWindow>) => KeysetStep<TWindow>;
  /**
   * Pages one window's query may be followed for before the walk restarts from `restartFrom`: the platform's result
   * cap divided by the page size (HubSpot search: 10,000 / 200 = 50). `1` makes every page a fresh query from the
   * last key, which never meets the cap and cannot skip an item when an update moves one out of an offset.
   */
  maxPagesPerWindow: number;
  /** Stops after this many pages even without an end signal. */
  maxPages?: number;
  /** Checked before each page, so a long walk stops promptly. */
  signal?: AbortSignal;
  /** Connector id, for error message prefixes. */
  platform?: string;
}

/**
 * Walks a search that caps how far one query may be paged by windowing on the sort key: pages a window's query with
 * the platform's token up to `maxPagesPerWindow`, then restarts the window from the last key seen (HubSpot search's
 * 10,000-result cap: restart from the last `hs_lastmodifieddate`). The walk ends on the platform's end signal, and
 * the last page's checkpoint is the window the next walk starts from.
 *
 * A restart that lands on a window already read (every result of a capped window shares one key) throws
 * `StuckCursorError` instead of reading the same pages forever: break such ties with a finer key in `TWindow`
 * (HubSpot: the object id inside one millisecond).
 *
 * @example
 * // HubSpot ticket search, one fresh query per page from the last modified date.
 * for await (const { page, checkpoint } of paginateKeyset({
 *   start: { window: since },
 *   fetchPage: ({ window }) => ctx.http.post('crm/v3/objects/tickets/search', { json: searchFrom(window), schema: SearchPage, idempotent: true }),
 *   read: (page) => ({ after: page.paging?.next?.after, end: !page.paging?.next, restartFrom: lastModified(page) }),
 *   maxPagesPerWindow: 1,
 * })) yield { tickets: page.results.map(normalize), nextCursor: { since: checkpoint.window } };
 */
export function paginateKeyset<TPage, TWindow>(options: PaginateKeysetOptions<TPage, TWindow>): AsyncGenerator<WalkedPage<TPage, WindowPosition<TWindow>>, void, undefined> {
  return walkWindows(options, (page, position) => {
    const step = options.read(page, position);
    const after = step.after ? step.after : undefined;
    return { end: step.end, ...(after === undefined ? {} : { after }), continues: after !== undefined, restartFrom: step.restartFrom };
  });
}

/** What a window walk needs to know about a page, whatever moves it inside a window (a token, a page number). */
export interface WindowAdvance<TWindow> {
  end: boolean;
  /** Whether this window's query has another page. */
  continues: boolean;
  after?: string;
  restartFrom: TWindow | undefined;
}

/** The walk shared by {@link paginateKeyset} and `paginatePages`: page a window up to its cap, then restart it. */
export function walkWindows<TPage, TWindow>(
  options: Omit<PaginateKeysetOptions<TPage, TWindow>, 'read'>,
  advance: (page: TPage, position: WindowPosition<TWindow>) => WindowAdvance<TWindow>,
): AsyncGenerator<WalkedPage<TPage, WindowPosition<TWindow>>, void, undefined> {
  const cap = options.maxPagesPerWindow;
  if (!Number.isSafeInteger(cap) || cap < 1) {
    throw new ConfigError(`maxPagesPerWindow must be a whole number of pages, 1 or more; got ${String(cap)}`, { ...(options.platform ? { platform: options.platform } : {}) });
  }
  const { window, page = 1, after } = options.start;
  // The latest restart key seen, so a restart or the final checkpoint after an empty page still moves forward.
  let lastKey: TWindow | undefined;
  return paginate<TPage, WindowPosition<TWindow>>({
    start: { window, page, ...(after ? { after } : {}) },
    fetchPage: options.fetchPage,
    step: (result, position) => {
      const next = advance(result, position);
      if (next.restartFrom !== undefined) lastKey = next.restartFrom;
      if (next.end) return { end: true, resumeAt: { window: lastKey ?? position.window, page: 1 } };
      if (next.continues && position.page < cap) return { next: { window: position.window, page: position.page + 1, ...(next.after ? { after: next.after } : {}) } };
      if (lastKey === undefined) {
        throw new ResponseShapeError(`window ${JSON.stringify(position.window)?.slice(0, 200)} must restart after page ${position.page} but no page gave a key to restart from`, {
          ...(options.platform ? { platform: options.platform } : {}),
        });
      }
      return { next: { window: lastKey, page: 1 } };
    },
    ...(options.maxPages === undefined ? {} : { maxPages: options.maxPages }),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.platform ? { platform: options.platform } : {}),
  });
}
