import { defaultInvalidResponse, resolvePageSize, type PageResult, type PageSizeOptions } from './resolve-page-size.js';

/** Options of {@link paginateByOffset}. */
export interface OffsetPageOptions<T> extends PageSizeOptions {
  /** Every record the query matches, in the order the platform serves them. */
  items: readonly T[];
  /** The offset parameter as received (0-based; absent means 0). */
  offset: string | number | null | undefined;
  /** The limit parameter as received. */
  limit: string | number | null | undefined;
  /** Names of the parameters, for error messages (default `offset` / `limit`). */
  offsetParameter?: string;
  limitParameter?: string;
}

/**
 * Offset pagination with a total (`startAt`/`maxResults`/`total` in Jira's older search, `offset`/`limit` in
 * many APIs). `next` is the next offset, or `null` when the page reaches the end. Offsets shift when records move
 * between requests, which is exactly the skip a connector must survive on such platforms.
 */
export function paginateByOffset<T>(options: OffsetPageOptions<T>): PageResult<T, number> {
  const invalid = options.invalid ?? defaultInvalidResponse;
  const offsetParameter = options.offsetParameter ?? 'offset';
  const size = resolvePageSize(options.limit, options.limitParameter ?? 'limit', options);
  if (!size.ok) return size;
  const raw = options.offset;
  const offset = raw === null || raw === undefined || raw === '' ? 0 : typeof raw === 'number' ? raw : /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(offset) || offset < 0) return { ok: false, response: invalid(`${offsetParameter} must be a non-negative integer`, offsetParameter) };
  const items = options.items.slice(offset, offset + size.size);
  const end = offset + items.length;
  return { ok: true, items, next: end < options.items.length ? end : null, total: options.items.length, pageSize: size.size };
}
