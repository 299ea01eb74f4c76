import type { Comment, ConnectorContext, HttpSuccess, PullPage, TicketDraft } from '@ticketbridge/core';
import { nextLink, paginate, paginateKeyset, type KeysetStep } from '@ticketbridge/core/toolkit';
import { z } from 'zod';
import {
  AgentList,
  ConversationList,
  MAX_AGENT_PAGES,
  LIST_INCLUDES,
  MAX_PAGE,
  PER_PAGE,
  REMOVED_FILTERS,
  TicketFields,
  TicketList,
  paths,
  type FreshdeskTicket,
  type RemovedFilter,
} from './api.js';
import type { FreshdeskCredentials } from './credentials.js';
import { normalizeFreshdeskConversations, normalizeFreshdeskTicket, statusCategories, type FreshdeskStatusMap } from './normalize.js';

type Ctx = ConnectorContext<FreshdeskCredentials>;

/** The three listings a pull walks, in order: live tickets, then the trash, then spam. */
export const STREAMS = ['tickets', ...REMOVED_FILTERS] as const;
/** One listing of the pull. */
export type FreshdeskStream = (typeof STREAMS)[number];

/** Freshdesk's `updated_since` format: ISO-8601 UTC at whole seconds, as its timestamps are printed. */
const Since = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

/** Where one listing stands. */
const StreamPosition = z.object({
  /** `updated_since` of the listing's current query (inclusive). */
  since: Since,
  /**
   * Ids already delivered whose `updated_at` is exactly `since`: the restarted query reads them again, and skipping
   * them saves their conversation reads (dedupe would drop the versions anyway). At most one page's worth.
   */
  seen: z.array(z.string()).max(PER_PAGE),
});

/**
 * The pull cursor (JSON). Each listing keeps its own `updated_since`; `stream` and `page` say where a pull that
 * stopped mid-way resumes. `page` > 1 only while a run of tickets sharing one second is paged through (see
 * {@link nextStep}).
 */
export const FreshdeskCursor = z.object({
  v: z.literal(1),
  stream: z.enum(STREAMS),
  page: z.number().int().min(1).max(MAX_PAGE),
  streams: z.object({ tickets: StreamPosition, deleted: StreamPosition, spam: StreamPosition }),
});
/** The pull cursor. */
export type FreshdeskCursor = z.infer<typeof FreshdeskCursor>;

/** Settings of the pull, from the connector's options. */
export interface PullSettings {
  includeComments: boolean;
  /** Where the first sync starts reading live tickets. */
  startAt: string;
}

/**
 * The first sync's start for the trash and spam listings: an hour before the first pull, so a host hears of removals
 * from then on (not of years of trash it never saw as tickets), with room for clock skew between host and Freshdesk.
 */
const REMOVED_LOOKBACK_MS = 60 * 60_000;

/** Whole seconds in Freshdesk's format; flooring re-reads at most one second, which dedupe absorbs. */
export function toSince(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function initialCursor(now: number, startAt: string): FreshdeskCursor {
  const removed = { since: toSince(now - REMOVED_LOOKBACK_MS), seen: [] };
  return { v: 1, stream: 'tickets', page: 1, streams: { tickets: { since: toSince(Date.parse(startAt)), seen: [] }, deleted: removed, spam: { ...removed } } };
}

/**
 * Where the walk goes after one page, from Freshdesk's own end signal (no `link: <…>; rel="next"` header). The
 * window is the `updated_since` second.
 *
 * Every page is a fresh query from the page's last `updated_at` (page 1 of `updated_since` = that second), never page
 * N+1 of the same query: the list is an offset into tickets sorted by `updated_at`, and a ticket updated mid-walk
 * jumps to the end and shifts its neighbours, so following page numbers could skip one for good. The exception is a
 * page whose tickets all share one second: restarting there would read the same page again, so the walk follows
 * the page numbers of the query anchored at that second until the second is passed, up to the 300-page cap (30,000 tickets in one second;
 * past it the restart lands where it began and core's stuck-cursor check stops the walk instead of looping).
 */
export function nextStep(tickets: readonly FreshdeskTicket[], more: boolean, window: string): KeysetStep<string> {
  const last = tickets.at(-1);
  if (!last) return { end: true };
  const restartFrom = toSince(Date.parse(last.updated_at));
  if (!more) return { end: true, restartFrom };
  // Page numbers are followed only in the query anchored at the shared second itself, so the cap's restart lands
  // exactly where that query began and the stuck check sees it.
  if (window === restartFrom && toSince(Date.parse(tickets[0]!.updated_at)) === restartFrom) return { end: false, after: 'next-page', restartFrom };
  return { end: false, restartFrom };
}

/**
 * The tickets of the newest second read so far, by id: a query restarted at that second reads them again, and
 * skipping them saves their conversation reads (dedupe would drop the versions anyway). At most one page's worth.
 */
class Boundary {
  constructor(
    public since: string,
    public ids: string[],
  ) {}

  /** Whether a restarted query's ticket was delivered already. */
  delivered(ticket: FreshdeskTicket): boolean {
    return toSince(Date.parse(ticket.updated_at)) === this.since && this.ids.includes(String(ticket.id));
  }

  /** Takes in a delivered page. */
  advance(tickets: readonly FreshdeskTicket[]): void {
    const last = tickets.at(-1);
    if (!last) return;
    const second = toSince(Date.parse(last.updated_at));
    const atLast = tickets.filter((t) => toSince(Date.parse(t.updated_at)) === second).map((t) => String(t.id));
    this.ids = (second === this.since ? [...new Set([...this.ids, ...atLast])] : atLast).slice(-PER_PAGE);
    this.since = second;
  }
}

/** What the mapping reads from the account besides the tickets. */
export interface AccountLookups {
  /** Custom statuses (6+) by code. */
  statuses: FreshdeskStatusMap;
  /** Agents by id. */
  agents: ReadonlyMap<number, { name: string | null; email: string | null }>;
}

/** The account's custom statuses and agents, read only when a page needs them and then reused for `ttlMs`. */
export interface LookupCache {
  get(ctx: Ctx, tickets: readonly FreshdeskTicket[]): Promise<AccountLookups>;
}

/**
 * A cache per connection that reads `ticket_fields` only when a status code of 6 or more shows up, and the agents
 * list only when a ticket is assigned, each at most once per `ttlMs`: an account without custom statuses or
 * assignments never pays for them, and a sync pays once, not once per page. An agent added since the last read stays
 * an id until the entry expires, rather than triggering a re-read per page.
 */
export function createLookupCache(ttlMs = 10 * 60_000): LookupCache {
  const statuses = new Map<string, { at: number; map: FreshdeskStatusMap }>();
  const agents = new Map<string, { at: number; map: AccountLookups['agents'] }>();
  const fresh = (entry: { at: number } | undefined, now: number) => entry !== undefined && now - entry.at < ttlMs;
  return {
    async get(ctx, tickets) {
      const now = ctx.now().getTime();
      const out: AccountLookups = { statuses: new Map(), agents: new Map() };
      if (tickets.some((t) => t.status >= 6)) {
        let entry = statuses.get(ctx.connectionId);
        if (!fresh(entry, now)) {
          entry = { at: now, map: statusCategories(await ctx.http.get(paths.ticketFields, { searchParams: paths.statusField, schema: TicketFields })) };
          statuses.set(ctx.connectionId, entry);
        }
        out.statuses = entry!.map;
      }
      if (tickets.some((t) => t.responder_id !== null && t.responder_id !== undefined)) {
        let entry = agents.get(ctx.connectionId);
        if (!fresh(entry, now)) {
          entry = { at: now, map: await readAgents(ctx) };
          agents.set(ctx.connectionId, entry);
        }
        out.agents = entry!.map;
      }
      return out;
    },
  };
}

async function readAgents(ctx: Ctx): Promise<AccountLookups['agents']> {
  const map = new Map<number, { name: string | null; email: string | null }>();
  const pages = paginate({
    start: 1,
    fetchPage: (page: number) => ctx.http.request(paths.agents, { searchParams: { per_page: PER_PAGE, page }, schema: AgentList }),
    step: (res, page) => (nextLink(res.headers) !== undefined ? { next: page + 1 } : { end: true }),
    maxPages: MAX_AGENT_PAGES,
    signal: ctx.signal,
    platform: 'freshdesk',
  });
  for await (const { page } of pages) for (const a of page.data) map.set(a.id, { name: a.contact?.name ?? null, email: a.contact?.email ?? null });
  return map;
}

/**
 * Most conversation pages read for one ticket (100 each): a ticket with more is a mail loop, not a conversation, and
 * reading it whole would spend the account's minute on one ticket. What was read is kept and the cut is logged, never
 * silent.
 */
export const MAX_CONVERSATION_PAGES = 50;

/**
 * Every reply and note of one ticket (`GET /tickets/{id}/conversations`, 100 per page, `link` header to the next), up
 * to {@link MAX_CONVERSATION_PAGES}. `undefined` when the ticket went away between the list and this read (404).
 */
export async function readConversations(ctx: Ctx, ticketId: string): Promise<Comment[] | undefined> {
  const comments: Comment[] = [];
  const pages = paginate({
    start: 1,
    fetchPage: (page: number) => ctx.http.request(paths.conversations(ticketId), { searchParams: { per_page: PER_PAGE, page }, schema: ConversationList, acceptStatus: [404] }),
    step: (res, page) => (res.ok && nextLink(res.headers) !== undefined ? { next: page + 1 } : { end: true }),
    maxPages: MAX_CONVERSATION_PAGES,
    signal: ctx.signal,
    platform: 'freshdesk',
  });
  let complete = true;
  for await (const { page, end } of pages) {
    if (!page.ok) return undefined;
    comments.push(...normalizeFreshdeskConversations(page.data));
    complete = end;
  }
  if (!complete) ctx.logger.warn('ticket has more conversations than are read; the oldest ones are kept', { ticketId, read: comments.length });
  return comments;
}

/** Normalizes tickets, with their conversations when asked (never for removed tickets: nothing to analyse). */
export async function draftTickets(ctx: Ctx, tickets: readonly FreshdeskTicket[], includeComments: boolean, lookups: LookupCache): Promise<TicketDraft[]> {
  const { statuses, agents } = await lookups.get(ctx, tickets);
  const out: TicketDraft[] = [];
  for (const ticket of tickets) {
    const removed = ticket.deleted === true || ticket.spam === true;
    const comments = includeComments && !removed ? await readConversations(ctx, String(ticket.id)) : undefined;
    out.push(normalizeFreshdeskTicket(ticket, { subdomain: ctx.credentials.subdomain, statuses, agents, ...(comments ? { comments } : {}) }));
  }
  return out;
}

/**
 * Incremental pull: the live tickets, then `filter=deleted`, then `filter=spam`, each `updated_since` its own
 * position, `order_by=updated_at&order_type=asc&per_page=100`. `updated_since` is always sent: without it Freshdesk
 * returns only tickets created in the last 30 days (airbytehq/airbyte#6133).
 */
export async function* pullTickets(ctx: Ctx, start: FreshdeskCursor | null, settings: PullSettings, lookups: LookupCache): AsyncGenerator<PullPage<FreshdeskCursor>> {
  let cursor: FreshdeskCursor = start ?? initialCursor(ctx.now().getTime(), settings.startAt);
  for (let s = STREAMS.indexOf(cursor.stream); s < STREAMS.length; s++) {
    const stream = STREAMS[s]!;
    const nextStream = STREAMS[(s + 1) % STREAMS.length]!;
    const saved = cursor.streams[stream];
    const resuming = cursor.stream === stream && cursor.page > 1;
    // A fresh query re-reads overlapMs before the saved second; inside a same-second run the position is exact.
    const since = resuming || ctx.overlapMs <= 0 ? saved.since : toSince(Date.parse(saved.since) - ctx.overlapMs);
    const boundary = new Boundary(saved.since, [...saved.seen]);
    const filter: RemovedFilter | undefined = stream === 'tickets' ? undefined : stream;
    const pages = paginateKeyset<HttpSuccess<FreshdeskTicket[]>, string>({
      start: { window: since, page: resuming ? cursor.page : 1, ...(resuming ? { after: 'next-page' } : {}) },
      fetchPage: ({ window, page }) =>
        ctx.http.request(paths.tickets, {
          searchParams: {
            updated_since: window,
            order_by: 'updated_at',
            order_type: 'asc',
            per_page: PER_PAGE,
            page,
            include: LIST_INCLUDES,
            ...(filter ? { filter } : {}),
          },
          schema: TicketList,
        }),
      read: (res, { window }) => nextStep(res.data, nextLink(res.headers) !== undefined, window),
      maxPagesPerWindow: MAX_PAGE,
      signal: ctx.signal,
      platform: 'freshdesk',
    });
    for await (const { page, position, checkpoint, end } of pages) {
      // Only a restarted query (page 1) re-reads what an earlier page delivered.
      const fresh = position.page === 1 ? page.data.filter((t) => !boundary.delivered(t)) : page.data;
      const tickets = await draftTickets(ctx, fresh, settings.includeComments, lookups);
      boundary.advance(page.data);
      const seen = checkpoint.window === boundary.since ? boundary.ids : [];
      const streams = { ...cursor.streams, [stream]: { since: checkpoint.window, seen } };
      const next: FreshdeskCursor = end
        ? { v: 1, stream: nextStream, page: 1, streams }
        : { v: 1, stream, page: checkpoint.after ? checkpoint.page : 1, streams };
      yield { tickets, nextCursor: next };
      cursor = next;
    }
  }
}
