import type { ConnectorContext, PullPage, TicketDraft } from '@ticketbridge/core';
import { paginateCursor, paginateKeyset, type KeysetStep } from '@ticketbridge/core/toolkit';
import { z } from 'zod';
import { LIST_PAGE_LIMIT, ListResponse, SearchResponse, TICKET_PROPERTIES, paths, type HubSpotObject, type SearchRequest } from './api.js';
import type { HubSpotCredentials } from './credentials.js';
import { ContactCache, lookupsFor, type LookupCache } from './lookups.js';
import { lookupsFromMetadata, modifiedMs, normalizeHubSpotTicket, toIso } from './normalize.js';

type Ctx = ConnectorContext<HubSpotCredentials>;

/**
 * The pull cursor (JSON). Two phases: `search` walks `hs_lastmodifieddate` upward; `archived` lists deleted tickets.
 *
 * The search phase is keyset-paged: every page is a fresh query `hs_lastmodifieddate >= since`, sorted ascending, and
 * `since` moves to the last date of the page. So no query ever pages, it can never reach the 10,000-result cap,
 * and a ticket modified mid-sync cannot shift offsets and make `after` skip a neighbour. When a whole page shares one
 * millisecond, `tieAfterId` walks that millisecond by `hs_object_id` instead, so even 10,000 tickets changed in the
 * same millisecond (bulk imports) sync without a gap.
 */
export const HubSpotCursor = z.object({
  v: z.literal(1),
  phase: z.enum(['search', 'archived']),
  /** Lower bound (epoch ms, inclusive) of `hs_lastmodifieddate` for the next search. */
  since: z.number(),
  /** Inside the millisecond `since`: the last `hs_object_id` read. */
  tieAfterId: z.string().optional(),
  /** Deleted tickets already reported up to this `archivedAt` (epoch ms). */
  deletedSince: z.number(),
  /** Paging token of the archived listing while that phase runs. */
  archivedAfter: z.string().optional(),
  /** Latest `archivedAt` seen in the running archived pass. */
  deletedMax: z.number().optional(),
});
/** The pull cursor. */
export type HubSpotCursor = z.infer<typeof HubSpotCursor>;

/** Pull options of the connector. */
export interface PullSettings {
  extraProperties: readonly string[];
  pollDeletions: boolean;
  /** Results per search page (200, the API's maximum; tests lower it). */
  pageSize: number;
}

/** The cursor without `undefined` members, as it will read back from a store. */
function toJson(cursor: HubSpotCursor): HubSpotCursor {
  return JSON.parse(JSON.stringify(cursor)) as HubSpotCursor;
}

// Deletions are reported from the first sync on, not for the portal's whole 90-day archive: a host never saw those
// tickets, so a `ticket.deleted` for them would only be noise.
function initialCursor(now: number): HubSpotCursor {
  return { v: 1, phase: 'search', since: 0, deletedSince: now };
}

/**
 * Most ids of the last page's final millisecond a next window excludes by `NOT_IN` instead of reading them again.
 * Usually one or two; a millisecond shared by more falls back to re-reading them (`GTE`), which the engine dedupes.
 */
const MAX_READ_AT_BOUNDARY = 50;

/** The search body for one keyset page. */
export function searchRequest(window: SearchWindow, settings: PullSettings): SearchRequest {
  const properties = [...TICKET_PROPERTIES, ...settings.extraProperties];
  const { since, tieAfterId, readAt } = window;
  if (tieAfterId !== undefined) {
    return {
      filterGroups: [
        {
          filters: [
            { propertyName: 'hs_lastmodifieddate', operator: 'EQ', value: String(since) },
            { propertyName: 'hs_object_id', operator: 'GT', value: tieAfterId },
          ],
        },
      ],
      sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
      properties,
      limit: settings.pageSize,
    };
  }
  // Filter groups are ORed: everything after the millisecond, or the tickets of that millisecond not read yet. The
  // page before ended inside it (a lastmodified sort does not order ties), so both are needed, and neither re-reads
  // what that page delivered.
  const filterGroups: SearchRequest['filterGroups'] = readAt?.length
    ? [
        { filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GT', value: String(since) }] },
        {
          filters: [
            { propertyName: 'hs_lastmodifieddate', operator: 'EQ', value: String(since) },
            { propertyName: 'hs_object_id', operator: 'NOT_IN', values: readAt },
          ],
        },
      ]
    : [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(since) }] }];
  return { filterGroups, sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }], properties, limit: settings.pageSize };
}

/**
 * A search window: `hs_lastmodifieddate >= since` (less the tickets of millisecond `since` in `readAt`, read by the
 * page before), or inside the millisecond `since`, object ids after `tieAfterId`.
 */
type SearchWindow = { since: number; tieAfterId?: string; readAt?: string[] };

/**
 * Where the next window starts after a search page, read from HubSpot's own end signal (`paging.next`). A full page
 * inside one millisecond is walked by object id, or `since` would never move; a finished millisecond walk goes on
 * after that millisecond. Otherwise the next window starts at the page's last millisecond, leaving out the tickets
 * of it this page read.
 */
function nextWindow(page: SearchResponse, window: SearchWindow): KeysetStep<SearchWindow> {
  const more = page.paging?.next !== undefined;
  const last = page.results.at(-1);
  if (window.tieAfterId !== undefined) return { end: false, restartFrom: more && last ? { since: window.since, tieAfterId: last.id } : { since: window.since + 1 } };
  if (!last) return { end: true };
  const lastMs = modifiedMs(last);
  if (!more) return { end: true, restartFrom: { since: lastMs } };
  if (modifiedMs(page.results[0]!) === lastMs) return { end: false, restartFrom: { since: lastMs, tieAfterId: '0' } };
  const readAt = page.results.filter((t) => modifiedMs(t) === lastMs).map((t) => t.id);
  return { end: false, restartFrom: readAt.length <= MAX_READ_AT_BOUNDARY ? { since: lastMs, readAt } : { since: lastMs } };
}

/**
 * Incremental pull: search pages by `hs_lastmodifieddate` (re-reading `ctx.overlapMs` before the saved position for
 * HubSpot's search-index lag), then, if enabled, the archived listing for deletions. Stages and owners are read once
 * per pull; requesters per page, each contact read once per pull (a repeat requester costs no request).
 */
export async function* pullTickets(ctx: Ctx, start: HubSpotCursor | null, settings: PullSettings, cache: LookupCache): AsyncGenerator<PullPage<HubSpotCursor>> {
  // The engine checked a stored cursor against HubSpotCursor already.
  let cursor: HubSpotCursor = start ?? initialCursor(ctx.now().getTime());
  const shared = await cache.get(ctx, true);
  const contacts = new ContactCache();

  if (cursor.phase === 'search') {
    const saved = cursor.since;
    // Only a fresh position gets the overlap: inside a millisecond walk the position is exact.
    const since = cursor.tieAfterId === undefined ? Math.max(0, cursor.since - ctx.overlapMs) : cursor.since;
    let maxSeen = saved;
    let seen = 0;
    const pages = paginateKeyset({
      start: { window: { since, ...(cursor.tieAfterId === undefined ? {} : { tieAfterId: cursor.tieAfterId }) } },
      fetchPage: ({ window }) => ctx.http.post(paths.ticketsSearch, { json: searchRequest(window, settings), schema: SearchResponse, idempotent: true }),
      read: (page, { window }) => nextWindow(page, window),
      // `after` is an offset: a ticket modified mid-walk moves to the end and shifts its neighbours, so following it
      // could skip one for good. Every page is a fresh query from the last key instead, far below the 10,000 cap.
      maxPagesPerWindow: 1,
      signal: ctx.signal,
      platform: 'hubspot',
    });
    for await (const { page, checkpoint, end } of pages) {
      for (const t of page.results) maxSeen = Math.max(maxSeen, modifiedMs(t));
      seen += page.results.length;
      const tickets = await normalizePage(ctx, shared, page.results, contacts);
      const { since: next, tieAfterId } = checkpoint.window;
      const position: HubSpotCursor = end
        ? { v: 1, phase: settings.pollDeletions ? 'archived' : 'search', since: Math.max(maxSeen, saved), deletedSince: cursor.deletedSince }
        : { v: 1, phase: 'search', since: next, ...(tieAfterId === undefined ? {} : { tieAfterId }), deletedSince: cursor.deletedSince };
      yield { tickets, nextCursor: toJson(position), total: seen + Math.max(0, page.total - page.results.length) };
      if (end) cursor = position;
    }
  }

  if (cursor.phase !== 'archived') return;
  // Deleted tickets: the archived listing has no date filter, so it is walked whole and only deletions newer than
  // the watermark (minus the overlap) are reported. HubSpot keeps archived tickets for 90 days, bounding the walk.
  const floor = cursor.deletedSince - ctx.overlapMs;
  let deletedMax = cursor.deletedMax ?? cursor.deletedSince;
  const lookups = { ...lookupsFromMetadata(ctx.metadata), stages: shared.stages, owners: shared.owners };
  const archived = cursor;
  const pages = paginateCursor({
    start: archived.archivedAfter,
    fetchPage: (after) =>
      ctx.http.get(paths.ticketsList, {
        searchParams: { archived: true, limit: LIST_PAGE_LIMIT, properties: [...TICKET_PROPERTIES].join(','), ...(after ? { after } : {}) },
        schema: ListResponse,
      }),
    read: (page) => ({ cursor: page.paging?.next?.after, end: !page.paging?.next }),
    signal: ctx.signal,
    platform: 'hubspot',
  });
  for await (const { page, checkpoint, end } of pages) {
    const tickets: TicketDraft[] = [];
    for (const t of page.results) {
      const archivedAt = Date.parse(toIso(t.archivedAt, t.updatedAt));
      if (archivedAt < floor) continue;
      deletedMax = Math.max(deletedMax, archivedAt);
      tickets.push(normalizeHubSpotTicket(t, lookups, { deleted: true }));
    }
    const position: HubSpotCursor = end
      ? { v: 1, phase: 'search', since: archived.since, deletedSince: deletedMax }
      : { ...archived, phase: 'archived', ...(checkpoint ? { archivedAfter: checkpoint } : {}), deletedMax };
    yield { tickets, nextCursor: toJson(position) };
  }
}

/** Normalizes one page with its requesters read in one batch. */
export async function normalizePage(ctx: Ctx, shared: Awaited<ReturnType<LookupCache['get']>>, results: HubSpotObject[], contacts?: ContactCache): Promise<TicketDraft[]> {
  if (results.length === 0) return [];
  const lookups = await lookupsFor(ctx, shared, results, contacts);
  return results.map((t) => normalizeHubSpotTicket(t, lookups));
}
