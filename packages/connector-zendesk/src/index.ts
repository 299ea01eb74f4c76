import {
  CredentialsError,
  TicketbridgeError,
  type HttpError,
  defineConnector,
  type Comment,
  type ConnectorContext,
  type HttpConfig,
  type JsonValue,
  type PullPage,
  type TicketDraft,
} from '@ticketbridge/core';
import { batches, paginateCursor } from '@ticketbridge/core/toolkit';
import { z } from 'zod';
import {
  COMMENTS_PAGE_SIZE,
  CommentsResponse,
  EXPORT_BUCKET,
  IncrementalTicketsResponse,
  MeResponse,
  ShowManyChecked,
  ShowTicketChecked,
  TICKET_SIDELOADS,
  ZendeskTicket,
  paths,
  zendeskErrorMessage,
  zendeskRateLimit,
} from './api.js';
import { zendeskAuthorization, zendeskCredentialMethods, zendeskOrigin, type ZendeskCredentials } from './credentials.js';
import { lookupsFrom, normalizeZendesk, normalizeZendeskComments, normalizeZendeskTicket, type ZendeskLookups } from './normalize.js';
import { zendeskWebhook, type ZendeskWebhookMode } from './webhook.js';

export {
  ZENDESK_API_TOKEN_END,
  zendeskAuthorization,
  zendeskCredentialMethods,
  zendeskCredentials,
  zendeskScopes,
  type ZendeskCredentials,
  type ZendeskScopeOptions,
} from './credentials.js';
export { zendeskRateLimit } from './api.js';
export { mapZendeskPriority, mapZendeskStatus, normalizeZendesk, normalizeZendeskTicket, zendeskTicketUrl, type ZendeskLookups } from './normalize.js';
export {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  TICKET_EVENT_TYPES,
  TRIGGER_PAYLOAD_TEMPLATE,
  parseZendeskWebhook,
  signZendeskWebhook,
  verifyZendeskSignature,
  zendeskSignature,
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

/**
 * Where the connector's incremental pull continues: Zendesk's opaque export cursor, or the first call's start time.
 * The engine checks stored cursors against it before resuming.
 */
export const ZendeskCursor = z.union([
  z.object({ v: z.literal(1), afterCursor: z.string().min(1) }),
  z.object({ v: z.literal(1), startTime: z.number().int().nonnegative() }),
]);
/** Where the connector's incremental pull continues. */
export type ZendeskCursor = z.infer<typeof ZendeskCursor>;

const SHOW_MANY_LIMIT = 100;

type Ctx = ConnectorContext<ZendeskCredentials>;

async function readComments(ctx: Ctx, ticketId: string): Promise<Comment[] | undefined> {
  const comments: Comment[] = [];
  const pages = paginateCursor({
    fetchPage: (after) =>
      ctx.http.request(paths.comments(ticketId), {
        searchParams: { 'page[size]': COMMENTS_PAGE_SIZE, include: 'users', ...(after ? { 'page[after]': after } : {}) },
        schema: CommentsResponse,
        // Deleted between the export and this read: keep the ticket, skip its comments.
        acceptStatus: [404],
      }),
    read: (res) => (res.ok ? { cursor: res.data.meta?.after_cursor, end: !res.data.meta?.has_more } : { end: true }),
    signal: ctx.signal,
    platform: 'zendesk',
  });
  for await (const { page } of pages) {
    if (!page.ok) return undefined;
    comments.push(...normalizeZendeskComments(page.data.comments, lookupsFrom(page.data.users)));
  }
  return comments;
}

async function draft(ctx: Ctx, ticket: ZendeskTicket, lookups: ZendeskLookups, includeComments: boolean): Promise<TicketDraft> {
  const deleted = ticket.status.toLowerCase() === 'deleted';
  const comments = includeComments && !deleted ? await readComments(ctx, String(ticket.id)) : undefined;
  return normalizeZendeskTicket(ticket, { subdomain: ctx.credentials.subdomain, lookups, ...(comments ? { comments } : {}) });
}

/** How each credential method names the person behind the token, in Test & Connect's errors. */
function whoSignsIn(credentials: ZendeskCredentials) {
  switch (credentials.method) {
    case 'api_token':
      return {
        subject: credentials.email,
        check: 'check the e-mail and the API token',
        field: 'apiToken',
        adminField: 'email',
        actor: () => credentials.email,
        fixAdmin: "use an admin's e-mail and API token",
      };
    case 'oauth_client_credentials':
      return {
        subject: `the OAuth client "${credentials.clientId}"`,
        check: 'check the client identifier and secret',
        field: 'clientSecret',
        adminField: 'clientId',
        actor: (user: string) => `The OAuth client's creator (${user})`,
        fixAdmin: 'have an admin create the OAuth client: its tokens act as the user who created it',
      };
    default:
      return {
        subject: 'the signed-in user',
        check: 'sign in again',
        field: 'authorization',
        adminField: 'authorization',
        actor: (user: string) => `The user who signed in (${user})`,
        fixAdmin: 'sign in as a Zendesk admin',
      };
  }
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
    id: 'zendesk',
    displayName: 'Zendesk Support',
    credentials: zendeskCredentialMethods({ webhookMode: options.webhookMode ?? 'events' }),
    // The export cursor is exact (no time window), so nothing needs re-reading.
    defaultOverlapMs: 0,

    http: (credentials): HttpConfig => ({
      baseUrl: `${zendeskOrigin(credentials.subdomain)}/api/v2`,
      // OAuth methods send no header of their own: the core adds the Bearer token it obtains and refreshes.
      headers: credentials.method === 'api_token' ? { authorization: zendeskAuthorization(credentials) } : {},
      ...(credentials.method === 'api_token' ? { authField: 'apiToken' } : { authField: credentials.method === 'oauth_client_credentials' ? 'clientSecret' : 'authorization' }),
      rateLimit: zendeskRateLimit,
      errorMessage: (body) => zendeskErrorMessage(body),
    }),

    async testConnection(ctx) {
      const credentials = ctx.credentials;
      const { subdomain } = credentials;
      const who = whoSignsIn(credentials);
      let me: MeResponse;
      try {
        me = await ctx.http.get(paths.me, { schema: MeResponse });
      } catch (error) {
        // isInstance, not instanceof: the client may come from another copy of core.
        const failed = TicketbridgeError.isInstance(error) ? (error as HttpError) : undefined;
        if (failed?.status === 401) {
          throw new CredentialsError(`Zendesk could not authenticate ${who.subject}; ${who.check}`, {
            platform: 'zendesk',
            field: who.field,
            method: credentials.method,
            status: 401,
            ...(failed.platformMessage ? { platformMessage: failed.platformMessage } : {}),
            cause: error,
          });
        }
        if (failed?.status === 403 && credentials.method !== 'api_token') {
          // An OAuth token without users:read: the client's allowed scopes (or the consent) left it out.
          throw new CredentialsError(`Zendesk refused users/me to this OAuth token (403): the token lacks the users:read scope; an admin must allow it in the OAuth client's allowed scopes`, {
            platform: 'zendesk',
            field: credentials.method === 'oauth_client_credentials' ? 'scopes' : 'authorization',
            method: credentials.method,
            status: 403,
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
        throw new CredentialsError(`Zendesk answered as an anonymous user: ${who.subject} was not signed in; ${who.check}`, {
          platform: 'zendesk',
          field: who.adminField,
          method: credentials.method,
          ...(user.name ? { platformMessage: `signed in as "${user.name}"` } : {}),
        });
      }
      if (user.role !== 'admin') {
        throw new CredentialsError(`${who.actor(user.email ?? user.name ?? 'the user')} is a Zendesk ${user.role ?? 'user'}, not an admin: the incremental ticket export is admin-only, so ${who.fixAdmin}`, {
          platform: 'zendesk',
          field: who.adminField,
          method: credentials.method,
        });
      }
      return {
        accountName: `${subdomain}.zendesk.com`,
        metadata: { subdomain, userId: user.id, role: user.role },
      };
    },

    cursor: ZendeskCursor,

    async *pull(ctx, { cursor }): AsyncIterable<PullPage<ZendeskCursor>> {
      // The first pull exports from the account's beginning (start_time 0, which the export accepts).
      const start: ZendeskCursor = cursor ?? { v: 1, startTime: 0 };
      const startTime = 'startTime' in start ? start.startTime : 0;
      const pages = paginateCursor({
        start: 'afterCursor' in start ? start.afterCursor : undefined,
        fetchPage: (cursor) =>
          ctx.http.get(paths.incrementalTickets, {
            // start_time only on the first call; every later call follows the cursor (else records are skipped).
            searchParams: { ...(cursor ? { cursor } : { start_time: startTime }), include: TICKET_SIDELOADS },
            schema: IncrementalTicketsResponse,
            keepBody: true,
            bucket: EXPORT_BUCKET,
          }),
        read: (page: IncrementalTicketsResponse) => ({ cursor: page.after_cursor, end: page.end_of_stream }),
        signal: ctx.signal,
        platform: 'zendesk',
      });
      for await (const { page, checkpoint } of pages) {
        const lookups = lookupsFrom(page.users, page.organizations);
        const tickets: TicketDraft[] = [];
        if (includeComments) {
          for (const ticket of page.tickets) tickets.push(await draft(ctx, ticket, lookups, true));
        } else {
          // Nothing to wait for: no promise per ticket, and one options object for the whole page.
          const options = { subdomain: ctx.credentials.subdomain, lookups };
          for (const ticket of page.tickets) tickets.push(normalizeZendeskTicket(ticket, options));
        }
        const nextCursor: ZendeskCursor = checkpoint ? { v: 1, afterCursor: checkpoint } : start;
        yield { tickets, nextCursor };
      }
    },

    async fetchTicket(ctx, { externalId }) {
      if (!/^\d+$/.test(externalId)) return null;
      // 404: deleted or never existed; the router turns a null into a tombstone.
      const res = await ctx.http.request(paths.ticket(externalId), { searchParams: { include: TICKET_SIDELOADS }, schema: ShowTicketChecked, keepBody: true, acceptStatus: [404] });
      if (!res.ok) return null;
      return draft(ctx, res.data.ticket, lookupsFrom(res.data.users, res.data.organizations), includeComments);
    },

    async fetchTickets(ctx, { externalIds }) {
      const out: TicketDraft[] = [];
      for (const ids of batches(externalIds.filter((id) => /^\d+$/.test(id)), SHOW_MANY_LIMIT)) {
        const res = await ctx.http.get('tickets/show_many.json', {
          searchParams: { ids: ids.join(','), include: TICKET_SIDELOADS },
          schema: ShowManyChecked,
          keepBody: true,
        });
        const lookups = lookupsFrom(res.users, res.organizations);
        for (const ticket of res.tickets) out.push(await draft(ctx, ticket, lookups, includeComments));
      }
      return out;
    },

    webhook: zendeskWebhook({ mode: options.webhookMode ?? 'events', ...(options.webhookReplayWindowMs === undefined ? {} : { replayWindowMs: options.webhookReplayWindowMs }) }),
  });
}
