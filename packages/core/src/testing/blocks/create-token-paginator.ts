import { randomBytes } from 'node:crypto';
import { lowerBound, type SortKey } from './compare-sort-keys.js';
import { defaultInvalidResponse, resolvePageSize, type PageResult, type PageSizeOptions } from './resolve-page-size.js';

/** Options of {@link createTokenPaginator}. */
export interface TokenPaginatorOptions extends Pick<PageSizeOptions, 'invalid'> {
  /** How long a token stays valid (Jira: 7 days). Default: forever. */
  ttlMs?: number;
  /** Clock, replaceable to test expiry without waiting. */
  now?: () => number;
}

/** One page request to a {@link TokenPaginator}. */
export interface TokenPageRequest<T> extends PageSizeOptions {
  /** Every record the query matches, sorted ascending by `key`. */
  items: readonly T[];
  key: (item: T) => SortKey;
  /** The token from the request (`nextPageToken`), absent on the first page. */
  token: string | null | undefined;
  /** The page size as received (`maxResults`). */
  pageSize: string | number | null | undefined;
  /**
   * A fingerprint of the query (e.g. the JQL). A token is valid only for the query that issued it, as on Jira; a
   * mismatch answers the invalid-token error.
   */
  query?: string;
  /** Parameter names for error messages (defaults `nextPageToken` / `maxResults`). */
  tokenParameter?: string;
  pageSizeParameter?: string;
}

/** Issues and redeems server-side page tokens. */
export interface TokenPaginator {
  page<T>(request: TokenPageRequest<T>): PageResult<T, string>;
  /** Tokens currently valid. */
  readonly size: number;
}

/**
 * Token pagination (Jira's `nextPageToken`): tokens are random strings the server remembers, bound to the query
 * and optionally expiring, so a connector cannot forge, reuse across queries or keep one forever. Positions are
 * sort keys, like cursors, so records updated between requests are not skipped.
 */
export function createTokenPaginator(options: TokenPaginatorOptions = {}): TokenPaginator {
  const tokens = new Map<string, { key: SortKey; query: string; expiresAt: number }>();
  const now = options.now ?? Date.now;
  return {
    get size() {
      return tokens.size;
    },
    page<T>(request: TokenPageRequest<T>): PageResult<T, string> {
      const invalid = request.invalid ?? options.invalid ?? defaultInvalidResponse;
      const size = resolvePageSize(request.pageSize, request.pageSizeParameter ?? 'maxResults', { ...request, invalid });
      if (!size.ok) return size;
      const query = request.query ?? '';
      let start = 0;
      if (request.token) {
        const held = tokens.get(request.token);
        if (!held || held.query !== query || held.expiresAt <= now()) {
          return { ok: false, response: invalid(`${request.tokenParameter ?? 'nextPageToken'} is invalid or expired`, request.tokenParameter ?? 'nextPageToken') };
        }
        start = lowerBound(request.items, held.key, request.key, true);
      }
      const items = request.items.slice(start, start + size.size);
      const last = items[items.length - 1];
      let next: string | null = null;
      if (start + items.length < request.items.length && last !== undefined) {
        next = randomBytes(24).toString('base64url');
        tokens.set(next, { key: request.key(last), query, expiresAt: options.ttlMs === undefined ? Number.POSITIVE_INFINITY : now() + options.ttlMs });
      }
      return { ok: true, items, next, total: request.items.length, pageSize: size.size };
    },
  };
}
