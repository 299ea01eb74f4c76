import type { SimResponse } from '../loopback-server.js';

/** What every paginator returns: a page, or the platform's error response to send as is. */
export type PageResult<T, TNext> =
  | {
      ok: true;
      /** The records of this page. */
      items: T[];
      /** Where the next page starts, or `null` on the last page. */
      next: TNext | null;
      /** How many records the whole query matches (for platforms that report totals). */
      total: number;
      /** The page size actually used (after clamping). */
      pageSize: number;
    }
  | { ok: false; response: SimResponse };

/** How a paginator treats the page-size parameter. */
export interface PageSizeOptions {
  /** The size used when the request names none. */
  defaultSize: number;
  /** The platform's maximum. */
  maxSize: number;
  /**
   * Over the maximum: `clamp` silently serves `maxSize` (Zendesk, Freshdesk, HubSpot list), `error` answers 400
   * (platforms that validate strictly). Default `clamp`.
   */
  oversize?: 'clamp' | 'error';
  /** Builds the error response for a bad page size, page, cursor or token (default: 400 with a JSON message). */
  invalid?: (message: string, parameter: string) => SimResponse;
}

/** The default answer to a bad paging parameter: 400 `{ error: 'invalid_parameter', parameter, message }`. */
export const defaultInvalidResponse = (message: string, parameter: string): SimResponse => ({
  status: 400,
  body: { error: 'invalid_parameter', parameter, message },
});

/**
 * Validates a page-size parameter as received (query strings arrive as text). Not an integer or below 1 is always
 * an error; above the maximum is clamped or refused as configured, because platforms differ exactly there.
 */
export function resolvePageSize(raw: string | number | null | undefined, parameter: string, options: PageSizeOptions): { ok: true; size: number } | { ok: false; response: SimResponse } {
  const invalid = options.invalid ?? defaultInvalidResponse;
  if (raw === null || raw === undefined || raw === '') return { ok: true, size: Math.min(options.defaultSize, options.maxSize) };
  const size = typeof raw === 'number' ? raw : /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(size) || size < 1) return { ok: false, response: invalid(`${parameter} must be a positive integer`, parameter) };
  if (size > options.maxSize) {
    if ((options.oversize ?? 'clamp') === 'error') return { ok: false, response: invalid(`${parameter} must be at most ${options.maxSize}`, parameter) };
    return { ok: true, size: options.maxSize };
  }
  return { ok: true, size };
}
