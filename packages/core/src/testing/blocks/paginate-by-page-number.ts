import type { SimResponse } from '../loopback-server.js';
import { defaultInvalidResponse, resolvePageSize, type PageResult, type PageSizeOptions } from './resolve-page-size.js';

/** Options of {@link paginateByPageNumber}. */
export interface PageNumberOptions<T> extends PageSizeOptions {
  /** Every record the query matches, in the order the platform serves them. */
  items: readonly T[];
  /** The `page` parameter as received (1-based; absent means 1). */
  page: string | number | null | undefined;
  /** The `per_page` parameter as received. */
  perPage: string | number | null | undefined;
  /** Names of the parameters, for error messages (default `page` / `per_page`). */
  pageParameter?: string;
  perPageParameter?: string;
  /** The last page the platform serves (Freshdesk: 300). Beyond it, {@link PageNumberOptions.pageCapResponse}. */
  maxPage?: number;
  /** The platform's answer past `maxPage` (default: 400 with a JSON message naming the cap). */
  pageCapResponse?: (page: number, maxPage: number) => SimResponse;
}

/**
 * Page-number pagination (`page` + `per_page`, as Freshdesk lists do). `next` is the next page number while the
 * current page is full and records remain, else `null`. A page past `maxPage` answers the platform's error even
 * when records remain: the cap that forces connectors to re-window with `updated_since`.
 */
export function paginateByPageNumber<T>(options: PageNumberOptions<T>): PageResult<T, number> {
  const invalid = options.invalid ?? defaultInvalidResponse;
  const pageParameter = options.pageParameter ?? 'page';
  const size = resolvePageSize(options.perPage, options.perPageParameter ?? 'per_page', options);
  if (!size.ok) return size;
  const raw = options.page;
  const page = raw === null || raw === undefined || raw === '' ? 1 : typeof raw === 'number' ? raw : /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(page) || page < 1) return { ok: false, response: invalid(`${pageParameter} must be a positive integer`, pageParameter) };
  if (options.maxPage !== undefined && page > options.maxPage) {
    const response = options.pageCapResponse?.(page, options.maxPage) ?? invalid(`You cannot access pages beyond the ${options.maxPage}th page`, pageParameter);
    return { ok: false, response };
  }
  const start = (page - 1) * size.size;
  const items = options.items.slice(start, start + size.size);
  const more = start + items.length < options.items.length;
  return { ok: true, items, next: more ? page + 1 : null, total: options.items.length, pageSize: size.size };
}
