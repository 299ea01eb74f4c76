import { createHash } from 'node:crypto';
import { StuckCursorError } from '../errors/stuck-cursor-error.js';

/**
 * What the platform said after one page: go on to `next`, or stop because it signalled the end (`end_of_stream`,
 * `isLast`, no `paging.next`). `resumeAt` is where the next walk should begin, when the last page says so (Zendesk's
 * last `after_cursor`); without it the last page's own position is the checkpoint.
 */
export type PageStep<TPosition> = { next: TPosition; end?: false } | { end: true; resumeAt?: TPosition };

/** One page of a walk and where to continue after it. */
export interface WalkedPage<TPage, TPosition> {
  /** The page as `fetchPage` returned it. */
  page: TPage;
  /** Where this page was read. */
  position: TPosition;
  /**
   * Where to continue after this page: save it (as the connector's cursor) once the page is delivered. On the last
   * page, where the next walk starts.
   */
  checkpoint: TPosition;
  /** The platform signalled that this is the last page. */
  end: boolean;
}

/** Options of {@link paginate}. */
export interface PaginateOptions<TPage, TPosition> {
  /** Where the walk starts: a saved checkpoint, or the first page's position. */
  start: TPosition;
  /** Loads the page at `position`. */
  fetchPage: (position: TPosition) => Promise<TPage>;
  /** Reads the platform's answer: where the next page is, or that this was the last one. */
  step: (page: TPage, position: TPosition) => PageStep<TPosition>;
  /** Stops after this many pages even without an end signal (the last page yielded then has `end: false`). */
  maxPages?: number;
  /** Checked before each page, so a long walk stops promptly. */
  signal?: AbortSignal;
  /** Connector id, for the error message prefix. */
  platform?: string;
}

/**
 * Positions remembered to recognise one that comes back. A cycle longer than this goes unnoticed by the walk, but
 * not by the sync engine's per-run page cap; the bound keeps a walk of any length in constant memory.
 */
const REMEMBERED_POSITIONS = 10_000;

/**
 * Walks a paginated endpoint page by page and yields each page with its checkpoint. The pagination style lives in
 * `step`: this is the engine under {@link paginateCursor}, {@link paginateKeyset} and {@link paginatePages}, for the
 * rare endpoint none of them fits.
 *
 * Pages, not items, are yielded, because a connector hands the engine one page at a time and the engine saves the
 * checkpoint after each. A position that comes back (the same one again, or any earlier one: a cycle) throws
 * `StuckCursorError` rather than looping forever on a platform bug. Positions are compared as JSON, so they must be
 * JSON (they are what a connector saves as its cursor anyway).
 *
 * @example
 * for await (const { page, checkpoint } of paginate({
 *   start: 1,
 *   fetchPage: (page) => ctx.http.get('tickets', { searchParams: { page }, schema: TicketPage }),
 *   step: (page, at) => (page.has_more ? { next: at + 1 } : { end: true }),
 * })) yield { tickets: page.tickets.map(normalize), nextCursor: { page: checkpoint } };
 */
export async function* paginate<TPage, TPosition>(options: PaginateOptions<TPage, TPosition>): AsyncGenerator<WalkedPage<TPage, TPosition>, void, undefined> {
  const seen = new Set<string>();
  const remember = (key: string) => {
    if (seen.size >= REMEMBERED_POSITIONS) seen.delete(seen.values().next().value as string);
    seen.add(key);
  };
  let position = options.start;
  remember(positionKey(position));
  for (let pages = 0; options.maxPages === undefined || pages < options.maxPages; pages++) {
    options.signal?.throwIfAborted();
    const page = await options.fetchPage(position);
    const step = options.step(page, position);
    if (step.end) {
      yield { page, position, checkpoint: step.resumeAt === undefined ? position : step.resumeAt, end: true };
      return;
    }
    const key = positionKey(step.next);
    if (seen.has(key)) {
      const json = JSON.stringify(step.next) ?? 'undefined';
      const shown = json.length > 200 ? `${json.slice(0, 200)}...` : json;
      throw new StuckCursorError(`pagination position ${shown} came back after it had been read; stopping instead of looping`, {
        cursor: shown,
        ...(options.platform ? { platform: options.platform } : {}),
      });
    }
    remember(key);
    yield { page, position, checkpoint: step.next, end: false };
    position = step.next;
  }
}

/** A short, collision-safe key for a position: long cursors are hashed so the remembered set stays small. */
function positionKey(position: unknown): string {
  const json = JSON.stringify(position) ?? 'undefined';
  return json.length <= 64 ? json : `#${createHash('sha256').update(json).digest('base64url')}`;
}
