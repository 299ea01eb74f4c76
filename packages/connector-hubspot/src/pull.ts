import type { ConnectorContext, JsonValue, PullOptions, PullPage, TicketDraft } from '@ticketbridge/core';
import { ConfigError } from '@ticketbridge/core';
import { z } from 'zod';
import { LIST_PAGE_LIMIT, ListResponse, SEARCH_PAGE_LIMIT, SearchResponse, TICKET_PROPERTIES, paths, type HubSpotObject, type SearchRequest } from './api.js';
import type { HubSpotCredentials } from './credentials.js';
import { lookupsFor, type LookupCache } from './lookups.js';
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

function toJson(cursor: HubSpotCursor): JsonValue {
  return JSON.parse(JSON.stringify(cursor)) as JsonValue;
}

// Deletions are reported from the first sync on, not for the portal's whole 90-day archive: a host never saw those
// tickets, so a `ticket.deleted` for them would only be noise.
function initialCursor(options: PullOptions, now: number): HubSpotCursor {
  const since = options.since ? Date.parse(options.since) : 0;
  if (!Number.isFinite(since)) throw new ConfigError(`pull "since" is not a timestamp: ${options.since}`, { platform: 'hubspot' });
  return { v: 1, phase: 'search', since, deletedSince: now };
}

/** The search body for one keyset page. */
export function searchRequest(since: number, tieAfterId: string | undefined, settings: PullSettings): SearchRequest {
  const properties = [...TICKET_PROPERTIES, ...settings.extraProperties];
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
  return {
    filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(since) }] }],
    sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }],
    properties,
    limit: settings.pageSize,
  };
}

/**
 * Incremental pull: search pages by `hs_lastmodifieddate` (re-reading `ctx.overlapMs` before the saved position for
 * HubSpot's search-index lag), then, if enabled, the archived listing for deletions. Stages and owners are read once
 * per pull; requesters once per page.
 */
export async function* pullTickets(ctx: Ctx, raw: JsonValue | null, options: PullOptions, settings: PullSettings, cache: LookupCache): AsyncGenerator<PullPage> {
  let cursor: HubSpotCursor;
  if (raw === null) cursor = initialCursor(options, ctx.now().getTime());
  else {
    const parsed = HubSpotCursor.safeParse(raw);
    if (!parsed.success) throw new ConfigError('the saved HubSpot cursor is not one this connector wrote', { platform: 'hubspot' });
    cursor = parsed.data;
  }
  const shared = await cache.get(ctx, true);

  if (cursor.phase === 'search') {
    const saved = cursor.since;
    // Only a fresh position gets the overlap: inside a millisecond walk the position is exact.
    let since = cursor.tieAfterId === undefined ? Math.max(0, cursor.since - ctx.overlapMs) : cursor.since;
    let tieAfterId = cursor.tieAfterId;
    let maxSeen = saved;
    let seen = 0;
    for (;;) {
      const body = searchRequest(since, tieAfterId, settings);
      const page = await ctx.http.post(paths.ticketsSearch, { json: body, schema: SearchResponse, idempotent: true });
      const results = page.results;
      const full = results.length >= settings.pageSize && page.total > results.length;
      let next: { since: number; tieAfterId?: string };
      let done = false;
      if (tieAfterId !== undefined) {
        const last = results.at(-1);
        if (last && full) next = { since, tieAfterId: last.id };
        else next = { since: since + 1 };
      } else if (results.length === 0) {
        next = { since };
        done = true;
      } else {
        const firstMs = modifiedMs(results[0]!);
        const lastMs = modifiedMs(results.at(-1)!);
        if (!full) {
          next = { since: lastMs };
          done = true;
        } else if (firstMs === lastMs) {
          // A full page inside one millisecond: walk it by object id, or `since` would never move.
          next = { since: lastMs, tieAfterId: '0' };
        } else next = { since: lastMs };
      }
      for (const t of results) maxSeen = Math.max(maxSeen, modifiedMs(t));
      seen += results.length;
      const tickets = await normalizePage(ctx, shared, results);
      since = next.since;
      tieAfterId = next.tieAfterId;
      const position: HubSpotCursor = done
        ? { v: 1, phase: settings.pollDeletions ? 'archived' : 'search', since: Math.max(maxSeen, saved), deletedSince: cursor.deletedSince }
        : { v: 1, phase: 'search', since: next.since, ...(next.tieAfterId === undefined ? {} : { tieAfterId: next.tieAfterId }), deletedSince: cursor.deletedSince };
      yield { tickets, nextCursor: toJson(position), total: seen + Math.max(0, page.total - results.length) };
      if (done) {
        cursor = position;
        break;
      }
    }
  }

  if (cursor.phase !== 'archived') return;
  // Deleted tickets: the archived listing has no date filter, so it is walked whole and only deletions newer than
  // the watermark (minus the overlap) are reported. HubSpot keeps archived tickets for 90 days, bounding the walk.
  const floor = cursor.deletedSince - ctx.overlapMs;
  let after = cursor.archivedAfter;
  let deletedMax = cursor.deletedMax ?? cursor.deletedSince;
  const lookups = { ...lookupsFromMetadata(ctx.metadata), stages: shared.stages, owners: shared.owners };
  for (;;) {
    const page = await ctx.http.get(paths.ticketsList, {
      searchParams: { archived: true, limit: LIST_PAGE_LIMIT, properties: [...TICKET_PROPERTIES].join(','), ...(after ? { after } : {}) },
      schema: ListResponse,
    });
    const tickets: TicketDraft[] = [];
    for (const t of page.results) {
      const archivedAt = Date.parse(toIso(t.archivedAt, t.updatedAt));
      if (archivedAt < floor) continue;
      deletedMax = Math.max(deletedMax, archivedAt);
      tickets.push(normalizeHubSpotTicket(t, lookups, { deleted: true }));
    }
    after = page.paging?.next?.after;
    const position: HubSpotCursor = after
      ? { ...cursor, phase: 'archived', archivedAfter: after, deletedMax }
      : { v: 1, phase: 'search', since: cursor.since, deletedSince: deletedMax };
    yield { tickets, nextCursor: toJson(position) };
    if (!after) return;
  }
}

/** Normalizes one page with its requesters read in one batch. */
export async function normalizePage(ctx: Ctx, shared: Awaited<ReturnType<LookupCache['get']>>, results: HubSpotObject[]): Promise<TicketDraft[]> {
  if (results.length === 0) return [];
  const lookups = await lookupsFor(ctx, shared, results);
  return results.map((t) => normalizeHubSpotTicket(t, lookups));
}
