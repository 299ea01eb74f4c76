import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  ConfigError,
  credentialMethod,
  credentialMethods,
  defineConnector,
  ResponseShapeError,
  secretField,
  textField,
  TicketbridgeError,
  type Comment,
  type Connector,
  type ConnectorContext,
  type Person,
  type RateLimitHeaders,
  type TicketDraft,
  type TicketStatus,
  type WebhookItem,
  type WebhookRequest,
} from '@ticketbridge/core';
import { hmacSignature, htmlToText, paginatePages, readWebhookJson } from '@ticketbridge/core/toolkit';
import {
  HELPSCOUT_API,
  HELPSCOUT_CONVERSATION_EVENTS,
  HELPSCOUT_EVENT_HEADER,
  HELPSCOUT_MAX_SECRET_LENGTH,
  HELPSCOUT_SIGNATURE_HEADER,
  HELPSCOUT_TOKEN_URL,
  HelpScoutConversation,
  HelpScoutConversationPage,
  HelpScoutError,
  HelpScoutMe,
  HelpScoutWebhookBody,
  type HelpScoutPerson,
  type HelpScoutThread,
} from './api.js';

export * from './api.js';

/** Options of {@link helpScout}. */
export interface HelpScoutOptions {
  /**
   * Length of Help Scout's rate-limit window in ms (default 60 000: "per minute"). Its headers give requests left but
   * no reset time, so the client waits one whole window when none are left. Tests pass their simulator's window.
   */
  rateLimitWindowMs?: number;
  /**
   * Pages read with one `modifiedSince` before the walk starts a new query from the newest change it has seen
   * (default 5). Page numbers shift when a conversation changes during a walk (it moves to the end of a list sorted
   * by `modifiedAt`), so short page runs keep that window small.
   */
  pagesPerQuery?: number;
}

/** The pull cursor: the `modifiedSince` of the current query (`null`: from the beginning) and the page inside it. */
export const HelpScoutCursor = z.object({ window: z.string().nullable(), page: z.number().int().min(1) });
/** The pull cursor (JSON). */
export type HelpScoutCursor = z.infer<typeof HelpScoutCursor>;

/**
 * Help Scout's credentials: one OAuth 2 client-credentials method (an app created under Your Profile → My Apps).
 * The core obtains the access token, refreshes it before it expires (Help Scout issues no refresh token for this
 * grant, so refreshing is asking again), and never shows it to the connector.
 */
export const helpScoutCredentials = credentialMethods(
  {
    oauth_client_credentials: credentialMethod({
      label: 'Help Scout app (client credentials)',
      help: 'An app created by a Help Scout user for this integration; it acts as that user.',
      fields: {
        appId: textField({ label: 'App ID', help: 'Help Scout → Your Profile → My Apps → your app → "App ID"' }),
        appSecret: secretField({ label: 'App Secret', help: 'Help Scout → Your Profile → My Apps → your app → "App Secret" (shown when the app is created)' }),
      },
      oauth: {
        grant: 'client_credentials',
        tokenUrl: () => HELPSCOUT_TOKEN_URL,
        // Help Scout has no scopes: an app can do what its user can.
        scopes: () => [],
        client: { idField: 'appId', secretField: 'appSecret' },
      },
    }),
  },
  { defaultMethod: 'oauth_client_credentials' },
);
/** Validated credentials. */
export type HelpScoutCredentials = z.output<typeof helpScoutCredentials>;

/**
 * Help Scout's rate-limit headers (Rate limiting): `X-RateLimit-Remaining-Minute` on every response. No header says
 * when the minute ends, so an exhausted window is waited out whole.
 */
export function helpScoutRateLimit(windowMs = 60_000): RateLimitHeaders {
  return { windows: [{ remaining: 'x-ratelimit-remaining-minute', reset: { windowMs } }] };
}

/** Help Scout's webhook signature: `X-HelpScout-Signature` = base64 HMAC-SHA1 of the raw body, keyed with the webhook's secret. */
export const helpScoutSignature = hmacSignature({
  algorithm: 'sha1',
  encoding: 'base64',
  signature: { header: HELPSCOUT_SIGNATURE_HEADER },
  signed: ['body'],
});

/**
 * The Help Scout connector: conversations of every mailbox through List Conversations (`status=all`, sorted by
 * `modifiedAt` ascending, `modifiedSince` windows, threads embedded), Test & Connect on `GET /v2/users/me`, and
 * webhooks registered through `POST /v2/webhooks`, verified by their HMAC-SHA1 signature and read back from the API.
 *
 * @example
 * ```ts
 * const hub = createHub({ connectors: [helpScout()], store, publicUrl });
 * await hub.connect({ platform: 'helpscout', credentials: { appId, appSecret }, syncMode: 'both' });
 * ```
 */
export function helpScout(options: HelpScoutOptions = {}): Connector<typeof helpScoutCredentials, HelpScoutCursor> {
  const windowMs = options.rateLimitWindowMs ?? 60_000;
  if (!(windowMs > 0)) throw new ConfigError('rateLimitWindowMs must be a positive number of milliseconds', { platform: 'helpscout' });
  const pagesPerQuery = options.pagesPerQuery ?? 5;
  if (!Number.isSafeInteger(pagesPerQuery) || pagesPerQuery < 1) throw new ConfigError('pagesPerQuery must be a whole number, 1 or more', { platform: 'helpscout' });

  const readConversation = async (ctx: ConnectorContext<HelpScoutCredentials>, externalId: string): Promise<TicketDraft | null> => {
    if (!/^\d{1,20}$/.test(externalId)) return null;
    const res = await ctx.http.request(`conversations/${externalId}`, { searchParams: { embed: 'threads' }, acceptStatus: [404] });
    return res.ok ? normalizeHelpScoutConversation(res.data) : null;
  };

  return defineConnector({
    id: 'helpscout',
    displayName: 'Help Scout',
    credentials: helpScoutCredentials,
    // Times are whole seconds and `modifiedSince` may be exclusive: re-read a minute, the dedupe drops repeats.
    defaultOverlapMs: 60_000,
    http: () => ({
      baseUrl: HELPSCOUT_API,
      // The core adds `Authorization: Bearer <token>` for the OAuth method.
      headers: { accept: 'application/json' },
      rateLimit: helpScoutRateLimit(windowMs),
      errorMessage: (body) => {
        const parsed = HelpScoutError.safeParse(body);
        if (!parsed.success) return undefined;
        const fields = (parsed.data._embedded?.errors ?? []).map((e) => [e.path, e.message].filter(Boolean).join(': ')).filter(Boolean);
        return [parsed.data.message ?? parsed.data.logref, ...fields].filter(Boolean).join('; ') || undefined;
      },
    }),

    async testConnection(ctx) {
      const me = await ctx.http.get('users/me', { schema: HelpScoutMe });
      const name = [me.firstName, me.lastName].filter(Boolean).join(' ');
      return { accountName: `Help Scout (${name || me.email || `user ${me.id}`})`, metadata: { userId: me.id } };
    },

    cursor: HelpScoutCursor,

    async *pull(ctx, { cursor }) {
      const pages = paginatePages({
        start: cursor ?? { window: null, page: 1 },
        fetchPage: ({ window, page }) =>
          ctx.http.get('conversations', {
            searchParams: { status: 'all', sortField: 'modifiedAt', sortOrder: 'asc', embed: 'threads', page, modifiedSince: window ?? undefined },
            schema: HelpScoutConversationPage,
          }),
        read: (res) => {
          const last = res._embedded?.conversations.at(-1);
          return {
            more: res.page.number < res.page.totalPages,
            // Restart a second before the newest change read, whether `modifiedSince` is inclusive or not.
            restartFrom: last === undefined ? undefined : isoSeconds(Date.parse(normalizeHelpScoutConversation(last).updatedAt) - 1000),
          };
        },
        maxPage: pagesPerQuery,
        signal: ctx.signal,
        platform: 'helpscout',
      });
      for await (const { page, checkpoint, end } of pages) {
        const tickets = (page._embedded?.conversations ?? []).map((raw) => normalizeHelpScoutConversation(raw));
        if (!end) {
          yield { tickets, nextCursor: checkpoint };
          continue;
        }
        // The pass is over: the next one starts overlapMs before the newest change read.
        const window = checkpoint.window === null ? null : isoSeconds(Date.parse(checkpoint.window) - ctx.overlapMs);
        yield { tickets, nextCursor: { window, page: 1 } };
      }
    },

    fetchTicket: (ctx, { externalId }) => readConversation(ctx, externalId),

    webhook: {
      // The host makes the secret and sends it with POST /v2/webhooks; Help Scout caps it at 40 characters.
      secretSource: 'host',
      generateSecret: () => randomBytes(30).toString('base64url'),
      verify: (_ctx, { request, secret }) => helpScoutSignature.verify(request, secret),
      parse: (_ctx, { request }) => parseHelpScoutWebhook(request),
      async register(ctx, target) {
        if (target.secret.length > HELPSCOUT_MAX_SECRET_LENGTH) {
          throw new ConfigError(`Help Scout takes webhook secrets of at most ${HELPSCOUT_MAX_SECRET_LENGTH} characters`, { platform: 'helpscout' });
        }
        const res = await ctx.http.request('webhooks', {
          method: 'POST',
          json: { url: target.url, events: HELPSCOUT_CONVERSATION_EVENTS, secret: target.secret, payloadVersion: 'V2', label: 'Ticketbridge' },
        });
        const id = res.ok ? res.headers.get('resource-id') : null;
        if (!id || !/^\d{1,20}$/.test(id)) throw new ResponseShapeError('Help Scout created the webhook but named no Resource-ID', { platform: 'helpscout', issues: ['Resource-ID'] });
        return { secret: target.secret, resources: { webhookId: id } };
      },
      async unregister(ctx, { registration }) {
        const id = (registration.resources as { webhookId?: unknown } | null)?.webhookId;
        if (typeof id !== 'string' || !/^\d{1,20}$/.test(id)) return;
        // Already removed in Help Scout: nothing left to do.
        await ctx.http.request(`webhooks/${id}`, { method: 'DELETE', acceptStatus: [404] });
      },
    },
  });
}

/**
 * A webhook to items. Conversation events become references the router reads back with `fetchTicket` (the API's
 * answer has the threads, which the payload lacks). Help Scout signs only the body, so the router checks each item's
 * event time against its replay window: for a conversation event, the newest activity time the payload carries
 * (the change that fired it). `convo.deleted` carries only `{ id }`: it is read back too, so a replayed deletion of a
 * conversation that still exists delivers its current version, never a false deletion, and a conversation that is
 * gone becomes `ticket.deleted` (the receipt time stands in for the event time it lacks). Other events are acknowledged.
 */
export function parseHelpScoutWebhook(request: WebhookRequest): WebhookItem[] {
  const event = request.headers[HELPSCOUT_EVENT_HEADER] ?? '';
  if (!event.startsWith('convo.')) return [];
  const body = readWebhookJson(request, HelpScoutWebhookBody, { platform: 'helpscout', expected: 'a Help Scout conversation with an id' });
  const externalId = String(body.id);
  if (event === 'convo.deleted') return [{ kind: 'ref', externalId, occurredAt: request.receivedAt.toISOString() }];
  const parsed = HelpScoutConversation.safeParse(body);
  if (!parsed.success) throw new TicketbridgeError('webhook', `the ${event} payload is not a Help Scout conversation`, { platform: 'helpscout' });
  return [{ kind: 'ref', externalId, occurredAt: newestActivity(parsed.data) }];
}

/** A Help Scout conversation (with `embed=threads`) to the normalized model; throws `ResponseShapeError` on another shape. */
export function normalizeHelpScoutConversation(raw: unknown): TicketDraft {
  const parsed = HelpScoutConversation.safeParse(raw);
  if (!parsed.success) {
    throw new ResponseShapeError('unexpected conversation shape from Help Scout', { platform: 'helpscout', issues: parsed.error.issues.map((i) => i.path.join('.') || '(root)') });
  }
  const c = parsed.data;
  // Threads come newest first; drafts and threads held by collision detection are not part of the conversation yet.
  const threads = [...(c._embedded?.threads ?? [])].filter((t) => (t.state ?? 'published') === 'published').sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  const first = threads.find((t) => MESSAGE_TYPES.has(t.type) && t.body);
  const comments: Comment[] = threads.filter((t) => t !== first && COMMENT_TYPES.has(t.type) && t.body).map(toComment);
  return {
    externalId: String(c.id),
    platform: 'helpscout',
    url: c.number == null ? null : `https://secure.helpscout.net/conversation/${c.id}/${c.number}/`,
    subject: c.subject ?? '',
    description: first?.body ? htmlToText(first.body) : '',
    status: mapHelpScoutStatus(c.status),
    rawStatus: c.status,
    // Help Scout has no priority.
    priority: null,
    rawPriority: null,
    channel: c.type ?? null,
    requester: person(c.primaryCustomer),
    assignee: person(c.assignee),
    organization: null,
    tags: (c.tags ?? []).map((t) => t.tag),
    customFields: Object.fromEntries((c.customFields ?? []).map((f) => [f.name ?? String(f.id), f.text ?? f.value ?? null])),
    createdAt: new Date(c.createdAt).toISOString(),
    updatedAt: newestActivity(c),
    comments,
    deleted: c.state === 'deleted',
    raw,
  };
}

/** Help Scout status → normalized status. `spam` needs no more work, as a closed conversation. */
export function mapHelpScoutStatus(raw: string): TicketStatus {
  switch (raw) {
    case 'active':
      return 'open';
    case 'pending':
      return 'pending';
    case 'closed':
    case 'spam':
      return 'closed';
    default:
      return 'open';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Internal helpers
// ---------------------------------------------------------------------------------------------------------------

/** Thread types that carry the customer's first message: an email, a chat or a phone call. */
const MESSAGE_TYPES = new Set(['customer', 'message', 'chat', 'phone']);
/** Thread types that are replies or notes (line items, forwards and beacon events are not). */
const COMMENT_TYPES = new Set(['customer', 'message', 'reply', 'note', 'chat', 'phone']);

/**
 * The version time: the newest of the times Help Scout prints. The API has no `modifiedAt` field (only the sort key
 * and filter), so a change shows as the newest of creation, the last user update, the customer's last message and
 * closing.
 */
function newestActivity(c: HelpScoutConversation): string {
  const times = [c.createdAt, c.userUpdatedAt, c.closedAt, c.customerWaitingSince?.time].filter((t): t is string => typeof t === 'string').map(Date.parse).filter((t) => !Number.isNaN(t));
  if (times.length === 0) throw new ResponseShapeError('a Help Scout conversation has no readable time', { platform: 'helpscout', issues: ['createdAt'] });
  return new Date(Math.max(...times)).toISOString();
}

function person(p: HelpScoutPerson | null | undefined): Person | null {
  if (!p) return null;
  const name = [p.first, p.last].filter((s) => typeof s === 'string' && s.trim() !== '').join(' ');
  return { externalId: String(p.id), name: name || null, email: p.email || null };
}

function toComment(t: HelpScoutThread): Comment {
  return { externalId: String(t.id), author: person(t.createdBy), body: htmlToText(t.body ?? ''), htmlBody: t.body ?? null, public: t.type !== 'note', createdAt: new Date(t.createdAt).toISOString() };
}

/** ISO-8601 at whole seconds, as Help Scout prints and takes times (`2018-05-04T12:00:03Z`). */
function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
