import type { ConnectorContext, HttpResponse, HttpSuccess, PullPage, TicketDraft } from '@ticketbridge/core';
import { paginate, paginateKeyset } from '@ticketbridge/core/toolkit';
import { z } from 'zod';
import {
  ConversationSearchPage,
  DELETED_PER_PAGE,
  DeletedConversationList,
  IntercomConversation,
  IntercomTicket,
  PER_PAGE,
  TICKET_PER_PAGE,
  TicketSearchPage,
  paths,
  searchBody,
} from './api.js';
import type { IntercomCredentials } from './credentials.js';
import type { DirectoryCache } from './directory.js';
import {
  CONVERSATION_PREFIX,
  TICKET_PREFIX,
  deletedDraft,
  normalizeConversation,
  normalizeParts,
  normalizeTicket,
  partsTruncated,
  type NormalizeIntercomOptions,
} from './normalize.js';

type Ctx = ConnectorContext<IntercomCredentials>;

/** What the walk reads of a search result, conversation or ticket. */
type Item = { id: string; updated_at: number };

/** The listings a pull walks, in order: the two searches, then the deleted conversation ids. */
export const STREAMS = ['conversations', 'tickets', 'deleted'] as const;
/** One listing of the pull. */
export type IntercomStream = (typeof STREAMS)[number];

/**
 * Most `[id, updated_at]` pairs a stream remembers from the overlap window: a restarted search reads them again, and
 * skipping them saves their read-backs (dedupe would drop the versions anyway). Bounded so the cursor stays small;
 * past it the extra items are read again, which costs requests, never correctness.
 */
export const RECENT_MAX = 300;

/** Where one search stands. */
const StreamPosition = z.object({
  /** `updated_at` lower bound of the next search, UNIX seconds (Intercom's `>` is "greater or equal"). */
  since: z.number().int().nonnegative(),
  /** Items delivered at their `updated_at`, newest last, so a re-read does not read them back again. */
  recent: z.array(z.tuple([z.string(), z.number().int()])).max(RECENT_MAX),
});

/**
 * Where the deleted-ids listing stands: `since` is the newest `deleted_at` handled; `walk` is set while a walk from the
 * newest deletion down to `since` is under way (the page to read next and the newest `deleted_at` it met), so a stop
 * mid-walk resumes there.
 */
const DeletedPosition = StreamPosition.extend({
  walk: z.object({ page: z.number().int().min(2), newest: z.number().int().nonnegative() }).optional(),
});

/**
 * The pull cursor (JSON): one position per search and the search a pull that stopped resumes in. After a crash the
 * pull resumes in that search at the last delivered `updated_at` (a fresh search from there: Intercom's
 * `starting_after` cursors are opaque and not documented to outlive the query that issued them).
 */
export const IntercomCursor = z.object({
  v: z.literal(1),
  stream: z.enum(STREAMS),
  streams: z.object({ conversations: StreamPosition, tickets: StreamPosition, deleted: DeletedPosition }),
});
/** The pull cursor. */
export type IntercomCursor = z.infer<typeof IntercomCursor>;

/** Pages one search query is followed for before it restarts from the last `updated_at` read. */
export const PAGES_PER_QUERY = 50;

/**
 * Read-backs per delivered page. A search page holds up to 150 items, each read back with its parts; delivering them
 * ten at a time checkpoints every ten requests, so a crash replays at most ten read-backs, not 150.
 */
export const READ_BACK_BATCH = 10;

/**
 * Splits a search page, in order, into groups holding at most `size` items that need a read-back; skipped items ride
 * with the group they fall in, so each group's last `updated_at` is a safe place to resume from.
 */
function readBackGroups(items: readonly Item[], needsRead: (item: Item) => boolean, size: number): Item[][] {
  const groups: Item[][] = [];
  let current: Item[] = [];
  let reads = 0;
  for (const item of items) {
    current.push(item);
    if (needsRead(item) && ++reads === size) {
      groups.push(current);
      current = [];
      reads = 0;
    }
  }
  if (current.length > 0 || groups.length === 0) groups.push(current);
  return groups;
}

/** Settings of the pull, from the connector's options. */
export interface PullSettings {
  /** Read conversation and ticket parts (one request per changed item). */
  includeParts: boolean;
  /** Where the first sync starts, UNIX seconds. */
  startAt: number;
}

/**
 * How far back the first sync reads deletions: an hour, so a host hears of deletions from about when it connected, not
 * of years of conversations it never received.
 */
const DELETED_LOOKBACK_S = 3600;

/** Most pages of deleted ids read in one run (60 each); a longer walk resumes in the next run from its `walk` page. */
export const MAX_DELETED_PAGES = 50;

function initialCursor(startAt: number, now: number): IntercomCursor {
  return {
    v: 1,
    stream: 'conversations',
    streams: { conversations: { since: startAt, recent: [] }, tickets: { since: startAt, recent: [] }, deleted: { since: Math.max(0, now - DELETED_LOOKBACK_S), recent: [] } },
  };
}

/** Normalization options for this connection: region from the credentials, workspace id from Test & Connect. */
export function normalizeOptions(ctx: Ctx): Omit<NormalizeIntercomOptions, 'parts'> {
  const appId = ctx.metadata['appId'];
  return { region: ctx.credentials.region, ...(typeof appId === 'string' ? { appId } : {}) };
}

/**
 * Reads one conversation with its parts (Retrieve a conversation). `null` when Intercom answers 404: the conversation
 * was deleted after a search listed it or a webhook named it, which is a deletion, not a failed run
 * (airbytehq/airbyte#42853).
 */
export async function readConversation(ctx: Ctx, id: string, directory: DirectoryCache): Promise<TicketDraft | null> {
  const res: HttpResponse<IntercomConversation> = await ctx.http.request(paths.conversation(id), { schema: IntercomConversation, acceptStatus: [404] });
  if (!res.ok) return null;
  const c = res.data;
  const parts = c.conversation_parts?.conversation_parts ?? [];
  // The list's own total first; the conversation statistics only when the list carries none.
  const total = c.conversation_parts?.total_count ?? c.statistics?.count_conversation_parts ?? null;
  const truncated = partsTruncated(parts.length, total);
  if (truncated) ctx.logger.warn('Intercom returned only the 500 most recent parts of a conversation; it is flagged intercom_parts_truncated', { conversationId: id, read: parts.length, total });
  return normalizeConversation(c, { ...normalizeOptions(ctx), directory: await directory.get(ctx, assigned(c)), parts: { comments: normalizeParts(parts), truncated, total } });
}

/** Reads one ticket with its parts (Retrieve a ticket); `null` on 404 (deleted). */
export async function readTicket(ctx: Ctx, id: string, directory: DirectoryCache): Promise<TicketDraft | null> {
  const res: HttpResponse<IntercomTicket> = await ctx.http.request(paths.ticket(id), { schema: IntercomTicket, acceptStatus: [404] });
  if (!res.ok) return null;
  const t = res.data;
  const parts = t.ticket_parts?.ticket_parts ?? [];
  const total = t.ticket_parts?.total_count ?? null;
  const truncated = partsTruncated(parts.length, total);
  if (truncated) ctx.logger.warn('Intercom returned only the 500 most recent parts of a ticket; it is flagged intercom_parts_truncated', { ticketId: id, read: parts.length, total });
  return normalizeTicket(t, { ...normalizeOptions(ctx), directory: await directory.get(ctx, assigned(t)), parts: { comments: normalizeParts(parts), truncated, total } });
}

const assignedId = (v: string | number | null | undefined) => v !== null && v !== undefined && String(v) !== '0' && String(v) !== '';

/** Which directory lists an item's assignee needs: the admin's, else the team's. */
function assigned(item: Pick<IntercomConversation, 'admin_assignee_id' | 'team_assignee_id'>): { admins: boolean; teams: boolean } {
  const admin = assignedId(item.admin_assignee_id);
  return { admins: admin, teams: !admin && assignedId(item.team_assignee_id) };
}

type SearchPage = HttpSuccess<{ items: Item[]; next: string | undefined; raw: ConversationSearchPage | TicketSearchPage }>;

/** One search request of a stream. */
async function search(ctx: Ctx, stream: IntercomStream, since: number, after: string | undefined): Promise<SearchPage> {
  if (stream === 'conversations') {
    const res = await ctx.http.request(paths.searchConversations, { method: 'POST', json: searchBody(since, PER_PAGE, after), schema: ConversationSearchPage, idempotent: true });
    return { ...res, data: { items: res.data.conversations, next: res.data.pages?.next?.starting_after ?? undefined, raw: res.data } };
  }
  const res = await ctx.http.request(paths.searchTickets, { method: 'POST', json: searchBody(since, TICKET_PER_PAGE, after), schema: TicketSearchPage, idempotent: true });
  return { ...res, data: { items: res.data.tickets, next: res.data.pages?.next?.starting_after ?? undefined, raw: res.data } };
}

/** Drafts for the items of one search page: read back with parts, or normalized from the search result as is. */
async function draftPage(ctx: Ctx, stream: IntercomStream, items: readonly Item[], includeParts: boolean, directory: DirectoryCache): Promise<TicketDraft[]> {
  const out: TicketDraft[] = [];
  for (const item of items) {
    if (includeParts) {
      const draft = stream === 'conversations' ? await readConversation(ctx, item.id, directory) : await readTicket(ctx, item.id, directory);
      const prefix = stream === 'conversations' ? CONVERSATION_PREFIX : TICKET_PREFIX;
      out.push(draft ?? deletedDraft(`${prefix}${item.id}`, ctx.now().toISOString(), item));
    } else {
      const options = { ...normalizeOptions(ctx), directory: await directory.get(ctx, assigned(item as IntercomConversation | IntercomTicket)) };
      out.push(stream === 'conversations' ? normalizeConversation(item as IntercomConversation, options) : normalizeTicket(item as IntercomTicket, options));
    }
  }
  return out;
}

/** Keeps the pairs still inside the overlap window, newest last, at most {@link RECENT_MAX}. */
function remember(recent: ReadonlyArray<readonly [string, number]>, items: readonly Item[], floor: number): Array<[string, number]> {
  const byId = new Map<string, number>(recent.map(([id, at]) => [id, at]));
  for (const item of items) {
    byId.delete(item.id);
    byId.set(item.id, item.updated_at);
  }
  return [...byId].filter(([, at]) => at >= floor).slice(-RECENT_MAX);
}

/**
 * Incremental pull: Search conversations, then Search tickets, each `updated_at > since` (greater or equal), oldest
 * first, the largest page, `starting_after` cursors within one query and a fresh query from the last `updated_at`
 * every {@link PAGES_PER_QUERY} pages. Each search re-reads `overlapMs` before its position, because a search index
 * can lag a write; items already delivered at the same `updated_at` are skipped before any read-back.
 */
export async function* pullIntercom(ctx: Ctx, start: IntercomCursor | null, settings: PullSettings, directory: DirectoryCache): AsyncGenerator<PullPage<IntercomCursor>> {
  let cursor: IntercomCursor = start ?? initialCursor(settings.startAt, Math.floor(ctx.now().getTime() / 1000));
  const overlap = Math.max(0, Math.ceil(ctx.overlapMs / 1000));
  for (let s = STREAMS.indexOf(cursor.stream); s < STREAMS.length; s++) {
    const stream = STREAMS[s]!;
    const nextStream = STREAMS[(s + 1) % STREAMS.length]!;
    if (stream === 'deleted') {
      for await (const page of pullDeleted(ctx, cursor, overlap)) {
        yield page;
        cursor = page.nextCursor;
      }
      continue;
    }
    const saved = cursor.streams[stream];
    const delivered = new Map(saved.recent.map(([id, at]) => [id, at]));
    let position = { since: saved.since, recent: saved.recent };
    const pages = paginateKeyset<SearchPage, number>({
      start: { window: Math.max(0, saved.since - overlap) },
      fetchPage: ({ window, after }) => search(ctx, stream, window, after),
      // The newest `updated_at` of the page (its last one when the search honours `sort`): a search answering newest
      // first then restarts on the same key and core stops the run as stuck instead of walking backwards.
      read: (res) => ({ after: res.data.next, end: res.data.next === undefined, restartFrom: res.data.items.length ? Math.max(...res.data.items.map((i) => i.updated_at)) : undefined }),
      maxPagesPerWindow: PAGES_PER_QUERY,
      signal: ctx.signal,
      platform: 'intercom',
    });
    for await (const { page, end } of pages) {
      const items = page.data.items;
      const groups = readBackGroups(items, (i) => delivered.get(i.id) !== i.updated_at, settings.includeParts ? READ_BACK_BATCH : Number.POSITIVE_INFINITY);
      for (const [g, group] of groups.entries()) {
        const fresh = group.filter((i) => delivered.get(i.id) !== i.updated_at);
        const tickets = await draftPage(ctx, stream, fresh, settings.includeParts, directory);
        const since = Math.max(position.since, ...group.map((i) => i.updated_at));
        position = { since, recent: remember(position.recent, group, since - overlap) };
        for (const [id, at] of position.recent) delivered.set(id, at);
        const streams = { ...cursor.streams, [stream]: position };
        const next: IntercomCursor = { v: 1, stream: end && g === groups.length - 1 ? nextStream : stream, streams };
        yield { tickets, nextCursor: next, ...(typeof page.data.raw.total_count === 'number' ? { total: page.data.raw.total_count } : {}) };
        cursor = next;
      }
    }
  }
}

/**
 * The deleted conversation ids (List all deleted conversation IDs, 2.16), newest deletion first, page by page until a
 * page reaches `since` (less the overlap) or the list ends. Search results carry no tombstones, so this is how a poll
 * hears of a deletion it did not catch mid-sync. Each id becomes a deletion of `conversation:<id>` and `ticket:<id>`:
 * a customer ticket is a conversation with the same id, and the listing does not say which it was.
 */
async function* pullDeleted(ctx: Ctx, start: IntercomCursor, overlap: number): AsyncGenerator<PullPage<IntercomCursor>> {
  const saved = start.streams.deleted;
  const floor = Math.max(0, saved.since - overlap);
  const delivered = new Map(saved.recent.map(([id, at]) => [id, at]));
  let newest = saved.walk?.newest ?? saved.since;
  let recent = saved.recent;
  const pages = paginate({
    start: saved.walk?.page ?? 1,
    fetchPage: (page: number) =>
      ctx.http.get(paths.deletedConversations, { searchParams: { order: 'desc', per_page: DELETED_PER_PAGE, page }, schema: DeletedConversationList }),
    // Newest first: once a page reaches the floor, every later page is older still.
    step: (list: DeletedConversationList, page: number) => (list.pages?.next && list.conversations.every((d) => d.deleted_at >= floor) && list.conversations.length > 0 ? { next: page + 1 } : { end: true }),
    maxPages: MAX_DELETED_PAGES,
    signal: ctx.signal,
    platform: 'intercom',
  });
  for await (const { page, checkpoint, end } of pages) {
    const items = page.conversations.filter((d) => d.deleted_at >= floor);
    const fresh = items.filter((d) => delivered.get(d.id) !== d.deleted_at);
    newest = Math.max(newest, ...items.map((d) => d.deleted_at));
    recent = remember(recent, items.map((d) => ({ id: d.id, updated_at: d.deleted_at })), newest - overlap);
    for (const [id, at] of recent) delivered.set(id, at);
    const position = end ? { since: newest, recent } : { since: saved.since, recent, walk: { page: checkpoint, newest } };
    const tickets = fresh.flatMap((d) => {
      const at = new Date(d.deleted_at * 1000).toISOString();
      return [deletedDraft(`${CONVERSATION_PREFIX}${d.id}`, at, d), deletedDraft(`${TICKET_PREFIX}${d.id}`, at, d)];
    });
    yield { tickets, nextCursor: { v: 1, stream: end ? 'conversations' : 'deleted', streams: { ...start.streams, deleted: position } } };
  }
}
