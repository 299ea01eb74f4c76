import {
  CredentialsError,
  ResponseShapeError,
  TicketbridgeError,
  type HttpError,
  defineConnector,
  paginate,
  type Comment,
  type ConnectorContext,
  type HttpConfig,
  type JsonValue,
  type PullPage,
  type RateLimitState,
  type TicketDraft,
} from '@ticketbridge/core';
import { z } from 'zod';
import {
  COMMENTS_PAGE_SIZE,
  CommentsResponse,
  EXPORT_BUCKET,
  EXPORT_EXCLUSION_SECONDS,
  IncrementalTicketsResponse,
  MeResponse,
  ShowTicketResponse,
  TICKET_SIDELOADS,
  ZendeskOrganization,
  ZendeskTicket,
  ZendeskUser,
  paths,
  zendeskErrorMessage,
} from './api.js';
import { zendeskAuthorization, zendeskCredentials, zendeskOrigin, type ZendeskCredentials } from './credentials.js';
import { lookupsFrom, normalizeZendesk, normalizeZendeskComments, normalizeZendeskTicket, type ZendeskLookups } from './normalize.js';
import { zendeskWebhook, type ZendeskWebhookMode } from './webhook.js';

export { zendeskCredentials, zendeskAuthorization, type ZendeskCredentials } from './credentials.js';
export { mapZendeskPriority, mapZendeskStatus, normalizeZendesk, normalizeZendeskTicket, zendeskTicketUrl, type ZendeskLookups } from './normalize.js';
export {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  TICKET_EVENT_TYPES,
  TRIGGER_PAYLOAD_TEMPLATE,
  parseZendeskWebhook,
  signZendeskWebhook,
  verifyZendeskSignature,
  type ZendeskWebhookMode,
  type ZendeskWebhookResources,
} from './webhook.js';

/** Options of the {@link zendesk} connector. */
export interface ZendeskOptions {
  /**
   * Also read each changed ticket's comments (public replies and internal notes) through the comments endpoint.
   * Costs one or more requests per changed ticket against the account-wide limit. Default false.
   */
  includeComments?: boolean;
  /**
   * How `register()` connects the webhook to ticket activity: `events` subscribes to the `zen:event-type:ticket.*`
   * events (default), `trigger` creates a trigger that posts the documented JSON template.
   */
  webhookMode?: ZendeskWebhookMode;
  /** How far a webhook's signed timestamp may be from its arrival before the hub refuses it as a replay, in ms. Default: the hub's `webhookReplayWindowMs` (5 minutes). */
  webhookReplayWindowMs?: number;
}

/** Where the connector's incremental pull continues: Zendesk's opaque export cursor, or the first call's start time. */
export type ZendeskCursor = { v: 1; afterCursor: string } | { v: 1; startTime: number };

const CursorSchema = z.union([
  z.object({ v: z.literal(1), afterCursor: z.string().min(1) }),
  z.object({ v: z.literal(1), startTime: z.number().int().nonnegative() }),
]);

// https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#show-multiple-tickets
const ShowManyResponse = z.object({
  tickets: z.array(ZendeskTicket),
  users: z.array(ZendeskUser).optional(),
  organizations: z.array(ZendeskOrganization).optional(),
});
const SHOW_MANY_LIMIT = 100;

function parseHeaderNumber(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Reads an endpoint bucket header such as `Zendesk-RateLimit-incremental-exports: total=10; remaining=9; resets=2`
 * (`resets` in seconds). https://developer.zendesk.com/api-reference/introduction/rate-limits/
 */
export function parseZendeskBucketHeader(value: string | null): RateLimitState | undefined {
  if (!value) return undefined;
  const fields = new Map<string, number>();
  for (const part of value.split(';')) {
    const [k, v] = part.split('=').map((s) => s.trim().toLowerCase());
    const n = parseHeaderNumber(v ?? null);
    if (k && n !== undefined) fields.set(k, n);
  }
  const remaining = fields.get('remaining');
  const resets = fields.get('resets');
  if (remaining === undefined && resets === undefined) return undefined;
  return { ...(remaining === undefined ? {} : { remaining }), ...(resets === undefined ? {} : { resetAfterMs: resets * 1000 }) };
}

/**
 * Zendesk's rate-limit headers to the HTTP layer's state. Account-wide: `ratelimit-remaining` / `ratelimit-reset`
 * (seconds), falling back to `X-Rate-Limit-Remaining`. The export bucket also reads
 * `Zendesk-RateLimit-incremental-exports`, and whichever of the two is tighter wins, because both limits apply.
 */
export function zendeskRateLimit(headers: Headers, bucket: string | undefined): RateLimitState {
  const remaining = parseHeaderNumber(headers.get('ratelimit-remaining')) ?? parseHeaderNumber(headers.get('x-rate-limit-remaining'));
  const reset = parseHeaderNumber(headers.get('ratelimit-reset'));
  const account: RateLimitState = { ...(remaining === undefined ? {} : { remaining }), ...(reset === undefined ? {} : { resetAfterMs: reset * 1000 }) };
  if (bucket !== EXPORT_BUCKET) return account;
  const endpoint = parseZendeskBucketHeader(headers.get(`zendesk-ratelimit-${EXPORT_BUCKET}`));
  if (!endpoint) return account;
  const exhausted = [account, endpoint].filter((s) => s.remaining !== undefined && s.remaining <= 0);
  if (exhausted.length) return exhausted.reduce((a, b) => ((b.resetAfterMs ?? 0) > (a.resetAfterMs ?? 0) ? b : a));
  if (account.remaining !== undefined && endpoint.remaining !== undefined && account.remaining < endpoint.remaining) return account;
  return endpoint;
}

type Ctx = ConnectorContext<ZendeskCredentials>;

/** Validates a body read with `acceptStatus` (the client applies `schema` to accepted error bodies too). */
function parseBody<T>(schema: z.ZodType<T>, data: unknown, label: string): T {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'} (${i.code})`);
  throw new ResponseShapeError(`${label} answered with an unexpected shape at: ${issues.slice(0, 10).join(', ')}`, { platform: 'zendesk', issues });
}

async function readComments(ctx: Ctx, ticketId: string): Promise<Comment[] | undefined> {
  const comments: Comment[] = [];
  const label = `GET ${paths.comments(ticketId)}`;
  const pages = paginate<CommentsResponse | null, string>(
    async (after) => {
      const res = await ctx.http.request(paths.comments(ticketId), {
        searchParams: { 'page[size]': COMMENTS_PAGE_SIZE, include: 'users', ...(after ? { 'page[after]': after } : {}) },
        // Deleted between the export and this read: keep the ticket, skip its comments.
        acceptStatus: [404],
      });
      return res.status === 404 ? null : parseBody(CommentsResponse, res.data, label);
    },
    (page) => (page?.meta?.has_more ? page.meta.after_cursor : undefined) ?? undefined,
    { signal: ctx.signal },
  );
  for await (const page of pages) {
    if (!page) return undefined;
    comments.push(...normalizeZendeskComments(page.comments, lookupsFrom(page.users)));
  }
  return comments;
}

async function draft(ctx: Ctx, ticket: ZendeskTicket, lookups: ZendeskLookups, includeComments: boolean): Promise<TicketDraft> {
  const deleted = ticket.status.toLowerCase() === 'deleted';
  const comments = includeComments && !deleted ? await readComments(ctx, String(ticket.id)) : undefined;
  return normalizeZendeskTicket(ticket, { subdomain: ctx.credentials.subdomain, lookups, ...(comments ? { comments } : {}) });
}

function readCursor(ctx: Ctx, cursor: JsonValue | null): ZendeskCursor | null {
  if (cursor === null) return null;
  const parsed = CursorSchema.safeParse(cursor);
  if (parsed.success) return parsed.data;
  ctx.logger.warn('ignoring a cursor this connector did not write; starting from the beginning', {});
  return null;
}

/**
 * The Zendesk Support connector: Test & Connect on `users/me` (admins only), incremental pull through the
 * cursor-based incremental ticket export with users and organizations side-loaded, webhooks verified with
 * Zendesk's HMAC signature and registered through the Webhooks API.
 *
 * @example
 * ```ts
 * import { createHub, MemoryStore } from '@ticketbridge/core';
 * import { zendesk } from '@ticketbridge/connector-zendesk';
 *
 * const hub = createHub({ connectors: [zendesk({ includeComments: true })], store: new MemoryStore(), publicUrl: 'https://app.example.com' });
 * await hub.connect({ platform: 'zendesk', credentials: { subdomain: 'acmecorp', email: 'admin@acme.com', apiToken: process.env.ZENDESK_TOKEN } });
 * ```
 */
export function zendesk(options: ZendeskOptions = {}) {
  const includeComments = options.includeComments ?? false;
  return defineConnector({
    contractVersion: 1,
    id: 'zendesk',
    displayName: 'Zendesk Support',
    credentials: zendeskCredentials,
    // The export cursor is exact (no time window), so nothing needs re-reading.
    defaultOverlapMs: 0,

    http: (credentials): HttpConfig => ({
      baseUrl: `${zendeskOrigin(credentials.subdomain)}/api/v2`,
      headers: { authorization: zendeskAuthorization(credentials), accept: 'application/json' },
      authField: 'apiToken',
      rateLimit: zendeskRateLimit,
      errorMessage: (body) => zendeskErrorMessage(body),
    }),

    async testConnection(ctx) {
      const { subdomain, email } = ctx.credentials;
      let me: MeResponse;
      try {
        me = await ctx.http.get(paths.me, { schema: MeResponse });
      } catch (error) {
        // isInstance, not instanceof: the client may come from another copy of core.
        const failed = TicketbridgeError.isInstance(error) ? (error as HttpError) : undefined;
        if (failed?.status === 401) {
          throw new CredentialsError(`Zendesk could not authenticate ${email} with this API token; check the e-mail and the token`, {
            platform: 'zendesk',
            field: 'apiToken',
            status: 401,
            ...(failed.platformMessage ? { platformMessage: failed.platformMessage } : {}),
            cause: error,
          });
        }
        if (failed?.status === 404) {
          throw new CredentialsError(`no Zendesk account answers at ${subdomain}.zendesk.com; check the subdomain`, {
            platform: 'zendesk',
            field: 'subdomain',
            status: 404,
            ...(failed.platformMessage ? { platformMessage: failed.platformMessage } : {}),
            cause: error,
          });
        }
        throw error;
      }
      const user = me.user;
      if (user.id === null) {
        throw new CredentialsError(`Zendesk answered as an anonymous user: ${email} was not signed in; check the e-mail and the API token`, {
          platform: 'zendesk',
          field: 'email',
          ...(user.name ? { platformMessage: `signed in as "${user.name}"` } : {}),
        });
      }
      if (user.role !== 'admin') {
        throw new CredentialsError(
          `${email} is a Zendesk ${user.role ?? 'user'}, not an admin: the incremental ticket export is admin-only, so use an admin's e-mail and API token`,
          { platform: 'zendesk', field: 'email' },
        );
      }
      return {
        accountName: `${subdomain}.zendesk.com`,
        metadata: { subdomain, userId: user.id, role: user.role },
      };
    },

    async *pull(ctx, rawCursor, pullOptions): AsyncIterable<PullPage> {
      let cursor = readCursor(ctx, rawCursor);
      if (!cursor) {
        const since = pullOptions.since ? Math.floor(Date.parse(pullOptions.since) / 1000) : 0;
        // The export refuses a start_time within the last minute.
        const latest = Math.floor(ctx.now().getTime() / 1000) - EXPORT_EXCLUSION_SECONDS;
        cursor = { v: 1, startTime: Math.max(0, Math.min(Number.isNaN(since) ? 0 : since, latest)) };
      }
      for (;;) {
        const page: IncrementalTicketsResponse = await ctx.http.get(paths.incrementalTickets, {
          // start_time only on the first call; every later call follows the cursor (else records are skipped).
          searchParams: { ...('afterCursor' in cursor ? { cursor: cursor.afterCursor } : { start_time: cursor.startTime }), include: TICKET_SIDELOADS },
          schema: IncrementalTicketsResponse,
          bucket: EXPORT_BUCKET,
        });
        const lookups = lookupsFrom(page.users, page.organizations);
        const tickets: TicketDraft[] = [];
        for (const ticket of page.tickets) tickets.push(await draft(ctx, ticket, lookups, includeComments));
        if (page.after_cursor) cursor = { v: 1, afterCursor: page.after_cursor };
        else if (!page.end_of_stream) {
          throw new ResponseShapeError('incremental export page has more data but no after_cursor', { platform: 'zendesk' });
        }
        yield { tickets, nextCursor: cursor };
        if (page.end_of_stream) return;
      }
    },

    async fetchTicket(ctx, externalId) {
      if (!/^\d+$/.test(externalId)) return null;
      // 404: deleted or never existed; the router turns a null into a tombstone.
      const res = await ctx.http.request(paths.ticket(externalId), { searchParams: { include: TICKET_SIDELOADS }, acceptStatus: [404] });
      if (res.status === 404) return null;
      const shown = parseBody(ShowTicketResponse, res.data, `GET ${paths.ticket(externalId)}`);
      return draft(ctx, shown.ticket, lookupsFrom(shown.users, shown.organizations), includeComments);
    },

    async fetchTickets(ctx, externalIds) {
      const ids = externalIds.filter((id) => /^\d+$/.test(id));
      const out: TicketDraft[] = [];
      for (let i = 0; i < ids.length; i += SHOW_MANY_LIMIT) {
        const res = await ctx.http.get('tickets/show_many.json', {
          searchParams: { ids: ids.slice(i, i + SHOW_MANY_LIMIT).join(','), include: TICKET_SIDELOADS },
          schema: ShowManyResponse,
        });
        const lookups = lookupsFrom(res.users, res.organizations);
        for (const ticket of res.tickets) out.push(await draft(ctx, ticket, lookups, includeComments));
      }
      return out;
    },

    normalize: (raw, ctx) => normalizeZendesk(raw, ctx.credentials.subdomain),

    webhook: zendeskWebhook({ mode: options.webhookMode ?? 'events', ...(options.webhookReplayWindowMs === undefined ? {} : { replayWindowMs: options.webhookReplayWindowMs }) }),
  });
}
