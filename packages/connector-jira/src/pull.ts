import { ConfigError, type Comment, type ConnectorContext, type HttpSuccess, type PullPage, type TicketDraft } from '@ticketbridge/core';
import { paginate, paginateCursor, paginateKeyset } from '@ticketbridge/core/toolkit';
import { z } from 'zod';
import {
  BASE_FIELDS,
  BULK_FETCH_MAX,
  BulkFetch,
  COMMENT_PAGE,
  CommentPage,
  FieldList,
  ID_PAGE,
  IdPage,
  JSM_FIELD_TYPES,
  Myself,
  SEARCH_PAGE,
  SearchPage,
  paths,
  type JiraIssue,
} from './api.js';
import type { JiraCredentials } from './credentials.js';
import { MAX_PACKED_IDS, packIds, unpackIds } from './id-set.js';
import { MAX_ZONE_OFFSET_MS, changesJql, idsJql, jqlDateTime, knownTimeZone, safeBound, scopeJql } from './jql.js';
import { deletedIssue, jiraTime, normalizeJiraComments, normalizeJiraIssue, type JiraStatusMap, type JsmFieldIds } from './normalize.js';

type Ctx = ConnectorContext<JiraCredentials>;

/**
 * The path prefix of the Jira API for a connection: none on the site itself (API token) or on the gateway URL the
 * scoped-token method's base already names, and `ex/jira/{cloudId}/` for OAuth, whose cloud id Test & Connect
 * resolved and stored in the connection's metadata.
 */
export function apiRoot(ctx: Pick<ConnectorContext<JiraCredentials>, 'credentials' | 'metadata'>): string {
  if (ctx.credentials.method !== 'oauth') return '';
  const cloudId = ctx.metadata['cloudId'];
  if (typeof cloudId !== 'string' || !/^[0-9a-f-]{36}$/i.test(cloudId)) {
    throw new ConfigError('this OAuth connection has no cloud id in its metadata; connect it again', { platform: 'jira' });
  }
  return `ex/jira/${cloudId}/`;
}

/** Tokens of `/search/jql` expire after 7 days; one saved longer than this is dropped and the query restarted. */
const TOKEN_TTL_MS = 6 * 86_400_000;
/**
 * Default of `PullSettings.pagesPerQuery`: pages one changes query is followed for before it restarts from its last
 * minute (which also re-asks the index). Large, because a restart lands on the minute it left: a bulk edit that touched
 * more than this many pages of issues in one minute (50,000 at 100 a page) would make the restart repeat itself, which
 * core's stuck-cursor check stops.
 */
export const PAGES_PER_QUERY = 500;

const Token = z.string().min(1).max(4096);

/**
 * The pull cursor (JSON).
 * - `since`/`page`/`token`: the changes query (its lower bound in epoch ms, on a minute) and, mid-walk, Jira's token
 *   to the next page of that very query (`tokenAt`: when it was issued).
 * - `known`: the ids delivered so far (packed, see `packIds`): what the deletion check compares against.
 * - `check`: the deletion check: when the last one finished, a walk in progress (its token and the ids seen so far),
 *   and ids that vanished and wait for their existence check.
 */
export const JiraCursor = z.object({
  v: z.literal(1),
  since: z.number().int(),
  page: z.number().int().min(1),
  token: Token.optional(),
  tokenAt: z.number().int().optional(),
  known: z.string(),
  check: z.object({
    lastAt: z.number().int(),
    walk: z.object({ token: Token.optional(), tokenAt: z.number().int().optional(), seen: z.string() }).optional(),
    pending: z.string(),
  }),
});
/** The pull cursor. */
export type JiraCursor = z.infer<typeof JiraCursor>;

/** Settings of the pull, from the connector's options. */
export interface PullSettings {
  /** Where the first sync starts (epoch ms). */
  startAt: number;
  includeComments: boolean;
  customFields: readonly string[];
  statusMap: JiraStatusMap;
  /** How often the deletion check runs (ms); `Infinity` turns it off. */
  deletionCheckEveryMs: number;
  /** Ids-only pages (of up to 5000) the deletion check reads per pull. */
  deletionCheckPagesPerRun: number;
  /** Vanished ids whose existence is checked per pull (in batches of 100). */
  deletionVerifyPerRun: number;
  /** Pages one changes query is followed for before it restarts (see {@link PAGES_PER_QUERY}). */
  pagesPerQuery: number;
}

/** The site's service-desk field ids, read once per connection and kept for `ttlMs` (they change when admins add SLAs). */
export interface SiteFields {
  get(ctx: Ctx): Promise<JsmFieldIds>;
}

/** A cache of {@link SiteFields} per connection. */
export function createSiteFields(ttlMs = 60 * 60_000): SiteFields {
  const cache = new Map<string, { at: number; ids: JsmFieldIds }>();
  return {
    async get(ctx) {
      const now = ctx.now().getTime();
      const hit = cache.get(ctx.connectionId);
      if (hit && now - hit.at < ttlMs) return hit.ids;
      const fields = await ctx.http.get(apiRoot(ctx) + paths.fields, { schema: FieldList });
      const of = (type: string) => fields.filter((f) => f.schema?.custom === type);
      const ids: JsmFieldIds = {
        requestType: of(JSM_FIELD_TYPES.requestType)[0]?.id,
        organizations: of(JSM_FIELD_TYPES.organizations)[0]?.id,
        slas: of(JSM_FIELD_TYPES.sla)
          .slice(0, 20)
          .map((f) => ({ id: f.id, name: f.name ?? f.id })),
      };
      cache.set(ctx.connectionId, { at: now, ids });
      return ids;
    },
  };
}

/** The fields a read asks for: the base fields, the site's service-desk fields, the host's extras, comments if asked. */
export function readFields(jsm: JsmFieldIds, settings: Pick<PullSettings, 'includeComments' | 'customFields'>): string[] {
  const out = new Set<string>(BASE_FIELDS);
  if (jsm.requestType) out.add(jsm.requestType);
  if (jsm.organizations) out.add(jsm.organizations);
  for (const s of jsm.slas ?? []) out.add(s.id);
  for (const id of settings.customFields) out.add(id);
  if (settings.includeComments) out.add('comment');
  return [...out];
}

/** Most comment pages read for one issue beyond those it embeds (100 each); the cut is logged. */
export const MAX_COMMENT_PAGES = 20;

/** Every comment of an issue whose embedded list is cut short (`total` above what came), by offset pages. */
async function readComments(ctx: Ctx, issueId: string): Promise<Comment[] | undefined> {
  const out: Comment[] = [];
  const pages = paginate({
    start: 0,
    fetchPage: (startAt: number) =>
      ctx.http.request(apiRoot(ctx) + paths.comments(issueId), { searchParams: { startAt, maxResults: COMMENT_PAGE, orderBy: 'created' }, schema: CommentPage, acceptStatus: [404] }),
    step: (res, startAt) => {
      if (!res.ok) return { end: true };
      const next = startAt + res.data.comments.length;
      return res.data.comments.length > 0 && next < (res.data.total ?? 0) ? { next } : { end: true };
    },
    maxPages: MAX_COMMENT_PAGES,
    signal: ctx.signal,
    platform: 'jira',
  });
  let complete = true;
  for await (const { page, end } of pages) {
    if (!page.ok) return undefined;
    out.push(...normalizeJiraComments(page.data.comments));
    complete = end;
  }
  if (!complete) ctx.logger.warn('issue has more comments than are read; the oldest ones are kept', { issueId, read: out.length });
  return out;
}

/** Normalizes issues, completing each comment list that Jira cut short. */
export async function draftIssues(ctx: Ctx, issues: readonly JiraIssue[], jsm: JsmFieldIds, settings: Pick<PullSettings, 'includeComments' | 'customFields' | 'statusMap'>): Promise<TicketDraft[]> {
  const out: TicketDraft[] = [];
  for (const issue of issues) {
    const embedded = issue.fields.comment;
    const cut = settings.includeComments && embedded && (embedded.total ?? 0) > embedded.comments.length;
    const comments = cut ? await readComments(ctx, issue.id) : undefined;
    out.push(
      normalizeJiraIssue(issue, {
        subdomain: ctx.credentials.subdomain,
        jsm,
        statusMap: settings.statusMap,
        customFields: settings.customFields,
        includeComments: settings.includeComments,
        ...(comments ? { comments } : {}),
      }),
    );
  }
  return out;
}

const minuteOf = (ms: number) => Math.floor(ms / 60_000) * 60_000;

function initialCursor(now: number, startAt: number): JiraCursor {
  // The deletion check's clock starts now: ids delivered by the first sync are the baseline it later compares with.
  return { v: 1, since: minuteOf(startAt), page: 1, known: '', check: { lastAt: now, pending: '' } };
}

/** The profile's zone, and how far back an unknown one moves the bound. */
async function profileZone(ctx: Ctx): Promise<{ zone: string; slackMs: number }> {
  const me = await ctx.http.get(apiRoot(ctx) + paths.myself, { schema: Myself });
  if (knownTimeZone(me.timeZone)) return { zone: me.timeZone, slackMs: 0 };
  ctx.logger.warn('the account\'s profile time zone is unknown; reading changes with a 14-hour margin', { timeZone: me.timeZone ?? null });
  return { zone: 'UTC', slackMs: MAX_ZONE_OFFSET_MS };
}

/**
 * Incremental pull. First the changes: `/search/jql` with explicit fields, scoped to service projects, bounded below by
 * the checkpoint written in the profile's zone and re-read `overlapMs` back (minute granularity, eventually
 * consistent index: dedupe drops the repeats), `ORDER BY updated ASC, key ASC`, paged by `nextPageToken` until
 * `isLast` or no token. Then, when due, a bounded step of the deletion check (see {@link checkDeletions}).
 */
export async function* pullIssues(ctx: Ctx, start: JiraCursor | null, settings: PullSettings, site: SiteFields): AsyncGenerator<PullPage<JiraCursor>> {
  const now = ctx.now().getTime();
  let cursor: JiraCursor = start ?? initialCursor(now, settings.startAt);
  const root = apiRoot(ctx);
  const { zone, slackMs } = await profileZone(ctx);
  const jsm = await site.get(ctx);
  const fields = readFields(jsm, settings).join(',');
  const scope = scopeJql(ctx.credentials.projectKeys);

  const resumable = cursor.token !== undefined && cursor.tokenAt !== undefined && now - cursor.tokenAt < TOKEN_TTL_MS;
  // A fresh query re-reads the overlap; a resumed one must repeat its own JQL exactly, or the token is refused.
  const window = resumable ? cursor.since : cursor.since - Math.max(0, ctx.overlapMs) - slackMs;
  const floor = resumable ? cursor.since : Math.max(cursor.since, window);
  const pages = paginateKeyset<HttpSuccess<SearchPage>, number>({
    start: { window, page: resumable ? cursor.page : 1, ...(resumable ? { after: cursor.token! } : {}) },
    fetchPage: ({ window: bound, after }) =>
      ctx.http.request(root + paths.search, {
        searchParams: {
          jql: changesJql(scope, jqlDateTime(safeBound(bound, zone), zone)),
          fields,
          maxResults: SEARCH_PAGE,
          ...(after ? { nextPageToken: after } : {}),
        },
        schema: SearchPage,
      }),
    read: (res) => {
      const last = res.data.issues?.at(-1);
      return {
        after: res.data.nextPageToken,
        end: res.data.isLast === true || !res.data.nextPageToken,
        restartFrom: last ? minuteOf(Date.parse(jiraTime(last.fields.updated))) : undefined,
      };
    },
    maxPagesPerWindow: settings.pagesPerQuery,
    signal: ctx.signal,
    platform: 'jira',
  });
  const knownIds = new Set(unpackIds(cursor.known));
  let known = cursor.known;
  for await (const { page, checkpoint, end } of pages) {
    const issues = page.data.issues ?? [];
    const tickets = await draftIssues(ctx, issues, jsm, settings);
    if (issues.length > 0) {
      for (const i of issues) knownIds.add(i.id);
      known = packIds(knownIds);
    }
    const next: JiraCursor = end
      ? { v: 1, since: Math.max(checkpoint.window, floor), page: 1, known, check: cursor.check }
      : {
          v: 1,
          since: checkpoint.window,
          page: checkpoint.page,
          ...(checkpoint.after ? { token: checkpoint.after, tokenAt: ctx.now().getTime() } : {}),
          known,
          check: cursor.check,
        };
    yield { tickets, nextCursor: next };
    cursor = next;
  }
  yield* checkDeletions(ctx, cursor, settings, scope);
}

/**
 * The deletion check. Jira's search never shows a deleted issue, so the check lists every id of the scope (ids only,
 * 5000 a page) and compares with the ids delivered before: an id that vanished was deleted, or left the scope. Each
 * vanished id is then asked for by `POST /issue/bulkfetch` (which reads issues, not the search index): one that is
 * gone becomes a `ticket.deleted`; one that still exists stays known if it is still in scope.
 *
 * Bounded per pull: `deletionCheckPagesPerRun` id pages and `deletionVerifyPerRun` existence checks; a walk that does
 * not finish resumes on the next pull from its saved token, and runs at most every `deletionCheckEveryMs`.
 */
export async function* checkDeletions(ctx: Ctx, start: JiraCursor, settings: PullSettings, scope: string): AsyncGenerator<PullPage<JiraCursor>> {
  const now = ctx.now().getTime();
  let cursor = start;
  const root = apiRoot(ctx);
  const due = cursor.check.walk !== undefined || (Number.isFinite(settings.deletionCheckEveryMs) && now - cursor.check.lastAt >= settings.deletionCheckEveryMs);
  if (due) {
    if (unpackIds(cursor.known).length > MAX_PACKED_IDS) {
      ctx.logger.warn('too many issues for the deletion check; rely on the jira:issue_deleted webhook', { limit: MAX_PACKED_IDS });
    } else {
      const walk = cursor.check.walk;
      const resumable = walk?.token !== undefined && walk.tokenAt !== undefined && now - walk.tokenAt < TOKEN_TTL_MS;
      let seen = resumable ? walk!.seen : '';
      const pages = paginateCursor<HttpSuccess<IdPage>>({
        start: resumable ? walk!.token : undefined,
        fetchPage: (token) =>
          ctx.http.request(root + paths.search, {
            searchParams: { jql: idsJql(scope), fields: 'id', maxResults: ID_PAGE, ...(token ? { nextPageToken: token } : {}) },
            schema: IdPage,
          }),
        read: (res) => ({ cursor: res.data.nextPageToken, end: res.data.isLast === true || !res.data.nextPageToken }),
        maxPages: Math.max(1, settings.deletionCheckPagesPerRun),
        signal: ctx.signal,
        platform: 'jira',
      });
      for await (const { page, checkpoint, end } of pages) {
        const ids = (page.data.issues ?? []).map((i) => i.id);
        seen = packIds([...unpackIds(seen), ...ids]);
        let next: JiraCursor;
        if (end) {
          const present = new Set(unpackIds(seen));
          const vanished = unpackIds(cursor.known).filter((id) => !present.has(id));
          next = { ...cursor, check: { lastAt: ctx.now().getTime(), pending: packIds([...unpackIds(cursor.check.pending), ...vanished]) } };
        } else {
          next = { ...cursor, check: { ...cursor.check, walk: { ...(checkpoint ? { token: checkpoint, tokenAt: ctx.now().getTime() } : {}), seen } } };
        }
        yield { tickets: [], nextCursor: next };
        cursor = next;
      }
    }
  }
  yield* verifyVanished(ctx, cursor, settings);
}

/** Asks Jira for vanished ids, 100 a request: those it no longer has are deletions. */
async function* verifyVanished(ctx: Ctx, start: JiraCursor, settings: PullSettings): AsyncGenerator<PullPage<JiraCursor>> {
  let cursor = start;
  let pending = unpackIds(cursor.check.pending);
  let budget = Math.max(0, settings.deletionVerifyPerRun);
  const scopeKeys = ctx.credentials.projectKeys;
  while (pending.length > 0 && budget > 0) {
    const batch = pending.slice(0, Math.min(BULK_FETCH_MAX, budget));
    budget -= batch.length;
    const res = await ctx.http.post(apiRoot(ctx) + paths.bulkFetch, { json: { issueIdsOrKeys: batch, fields: ['project'] }, schema: BulkFetch, idempotent: true });
    const found = new Map((res.issues ?? []).map((i) => [i.id, i] as const));
    const gone = batch.filter((id) => !found.has(id));
    // Still there but out of scope (moved to another project): no longer this connection's, and not a deletion.
    const left = [...found.values()]
      .filter((i) => {
        const project = i.fields?.project;
        if (!project) return false;
        return scopeKeys && scopeKeys.length > 0 ? !scopeKeys.includes(project.key ?? '') : typeof project.projectTypeKey === 'string' && project.projectTypeKey !== 'service_desk';
      })
      .map((i) => i.id);
    const drop = new Set([...gone, ...left]);
    pending = pending.slice(batch.length);
    const at = ctx.now().toISOString();
    const next: JiraCursor = {
      ...cursor,
      known: packIds(unpackIds(cursor.known).filter((id) => !drop.has(id))),
      check: { ...cursor.check, pending: packIds(pending) },
    };
    if (gone.length > 0) ctx.logger.info('issues deleted in Jira found by the deletion check', { count: gone.length });
    yield { tickets: gone.map((id) => deletedIssue(id, at)), nextCursor: next };
    cursor = next;
  }
}
