import { lowerBound, type SortKey } from './compare-sort-keys.js';
import { defaultInvalidResponse, resolvePageSize, type PageResult, type PageSizeOptions } from './resolve-page-size.js';

/** Options of {@link paginateByCursor}. */
export interface CursorPageOptions<T> extends PageSizeOptions {
  /** Every record the query matches, sorted ascending by `key` (e.g. `table.changedSince(t)`). */
  items: readonly T[];
  /** The record's position, usually `[updatedAtMs, id]` (`table.keyOf`). */
  key: (item: T) => SortKey;
  /** The cursor from the request, or absent for the first page. */
  cursor: string | null | undefined;
  /** The page size from the request, as received. */
  pageSize: string | number | null | undefined;
  /** Name of the page-size parameter, for error messages (default `per_page`). */
  pageSizeParameter?: string;
  /** Name of the cursor parameter, for error messages (default `cursor`). */
  cursorParameter?: string;
}

/** Encodes a position as an opaque cursor (base64url JSON), the way Zendesk's `after_cursor` looks opaque. */
export function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * Cursor pagination (Zendesk `after_cursor`, Intercom `starting_after`, Acme `cursor`): the cursor encodes the
 * position of the last record served, and the next page starts strictly after it. Because it is a position and
 * not an offset, a record updated between two page requests moves to the end of the feed instead of shifting
 * every later record by one (which would skip a record, as offset paging does).
 *
 * An undecodable cursor answers the configured 400.
 */
export function paginateByCursor<T>(options: CursorPageOptions<T>): PageResult<T, string> {
  const invalid = options.invalid ?? defaultInvalidResponse;
  const size = resolvePageSize(options.pageSize, options.pageSizeParameter ?? 'per_page', options);
  if (!size.ok) return size;
  let start = 0;
  if (options.cursor) {
    const key = decodeCursor(options.cursor);
    if (!key) return { ok: false, response: invalid('cursor is invalid', options.cursorParameter ?? 'cursor') };
    start = lowerBound(options.items, key, options.key, true);
  }
  const items = options.items.slice(start, start + size.size);
  const last = items[items.length - 1];
  const more = start + items.length < options.items.length;
  return { ok: true, items, next: more && last !== undefined ? encodeCursor(options.key(last)) : null, total: options.items.length, pageSize: size.size };
}

// ---------------------------------------------------------------------------------------------------------------
// Internal helpers
// ---------------------------------------------------------------------------------------------------------------

function decodeCursor(cursor: string): SortKey | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length > 0 && parsed.every((v) => typeof v === 'string' || typeof v === 'number')) return parsed as SortKey;
  } catch {
    // Not base64 JSON: reported as an invalid cursor below.
  }
  return undefined;
}
