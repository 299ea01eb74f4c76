import { createHmac } from 'node:crypto';
import {
  createOAuthServer,
  createTicketGenerator,
  EDGE_CASE_TEXT,
  sendWebhook,
  startSimulatorBase,
  TicketTable,
  type ConnectorSimulator,
  type GeneratedPerson,
  type GeneratedStatus,
  type GeneratedTicket,
  type OAuthServer,
  type SimRequest,
  type SimResponse,
  type SimulatorWebhooks,
} from '@ticketbridge/core/testing';

// The Help Scout simulator. It is written from Help Scout's documentation (README.md, "Sources"), never from the
// connector: it imports nothing from ./index.ts or ./api.ts, so a connector bug cannot hide in a simulator that
// shares its assumptions.

/** Credentials the simulator accepts: an app's id and secret. A type alias, so it fits `hub.connect()`'s Record. */
export type HelpScoutSimCredentials = { method: 'oauth_client_credentials'; appId: string; appSecret: string };

/** Options of {@link startHelpScoutSimulator}. */
export interface HelpScoutSimulatorOptions {
  /** Seed of the generated conversations (default 1). */
  seed?: number;
  /** Conversations created at start (default 0). */
  tickets?: number;
  /** Requests per window (default 400 per minute, the Plus plan's limit; `null` = off). */
  rateLimit?: { limit: number; windowMs: number } | null;
  /** Access-token lifetime in seconds (default 172 800: two days). */
  accessTokenTtlSec?: number;
  /**
   * Start of the generated history (default: seven days ago on the real clock, so webhooks, which follow a change,
   * carry times a host accepts).
   */
  start?: Date;
}

/** The Help Scout simulator: a `ConnectorSimulator` and Help Scout-only controls. */
export interface HelpScoutSimulator extends ConnectorSimulator<HelpScoutSimCredentials> {
  readonly webhooks: SimulatorWebhooks & { registered(): string[] };
  /** The token endpoint's authorization server (expire tokens, count grants). */
  readonly oauth: OAuthServer;
  /** The conversation as Get Conversation prints it, threads embedded. */
  conversation(id: string): Record<string, unknown> | undefined;
  /** Every webhook registered through `POST /v2/webhooks`: id, url, events and secret. */
  webhookRegistrations(): Array<{ id: string; url: string; events: string[]; secret: string }>;
}

/**
 * Starts a loopback simulator of Help Scout's Mailbox API 2.0:
 *
 * - `POST /v2/oauth2/token`: `grant_type=client_credentials` with `client_id`/`client_secret` (form or JSON); a
 *   bearer token (`expires_in` in seconds); `invalid_client` for a wrong pair.
 * - `GET /v2/users/me`: the app's user. 401 for a missing, expired or unknown token.
 * - `GET /v2/conversations`: `status` (default `active`; `all`, `active`, `closed`, `open`, `pending`, `spam`),
 *   `modifiedSince` (ISO-8601; conversations modified AFTER it), `sortField` (`createdAt`, `modifiedAt`, `number`),
 *   `sortOrder` (`asc`/`desc`, default `desc`), `page`, `embed=threads`. 25 per page; HAL `_embedded.conversations`
 *   (absent when empty), `_links` and `page { size, totalElements, totalPages, number }`.
 * - `GET /v2/conversations/:id` (`embed=threads`): the conversation, 404 once deleted.
 * - `POST /v2/webhooks` (201, `Resource-ID` and `Location` headers, no body) and `DELETE /v2/webhooks/:id` (204).
 * - Rate limit: `X-RateLimit-Limit-Minute` and `X-RateLimit-Remaining-Minute` on every response; 429 with
 *   `X-RateLimit-Retry-After` (seconds) and no `Retry-After`.
 * - Webhooks: the v2 conversation object (or `{ id }` for `convo.deleted`), `X-HelpScout-Event`, and
 *   `X-HelpScout-Signature` = base64 HMAC-SHA1 of the raw body with the registered secret.
 */
export async function startHelpScoutSimulator(options: HelpScoutSimulatorOptions = {}): Promise<HelpScoutSimulator> {
  const seed = options.seed ?? 1;
  const start = options.start ?? new Date(Date.now() - 7 * 24 * 3600_000);
  const generator = createTicketGenerator({ seed, start });
  const app = { appId: `hs_app_${seed}_7c1e`, appSecret: `hs_secret_${seed}_2b9f04d1e8a7c3b6` };
  const oauth = createOAuthServer({ accessTokenTtlSec: options.accessTokenTtlSec ?? 172_800, tokenPrefix: 'hs', encodings: ['form', 'json'] });
  oauth.addClient({ clientId: app.appId, clientSecret: app.appSecret, redirectUris: [], allowedScopes: null });

  type Stored = { conversation: Record<string, unknown>; threads: Array<Record<string, unknown>>; modifiedAt: number };
  const table = new TicketTable<Stored>({ id: (s) => String(s.conversation.id), updatedAt: (s) => s.modifiedAt });
  const generated = new Map<string, GeneratedTicket>();
  const webhooks = new Map<string, { id: string; url: string; events: string[]; secret: string }>();
  let nextWebhookId = 10;
  let nextThreadId = 5000;

  const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const personOf = (p: GeneratedPerson, type: 'user' | 'customer') => {
    const [first, ...rest] = p.name.split(' ');
    return { id: numericId(p.id), type, first: first ?? '', last: rest.join(' '), email: p.email };
  };
  const render = (t: GeneratedTicket, modifiedAtMs: number, prior?: Stored): Stored => {
    // Help Scout keeps whole seconds.
    const modifiedAt = Math.floor(modifiedAtMs / 1000) * 1000;
    const id = 1000 + t.seq;
    const status = statusOf(t.status, t.seq);
    const customerThread = prior?.threads.find((x) => x.type === 'customer') ?? {
      id: nextThreadId++,
      type: 'customer',
      status: 'active',
      state: 'published',
      body: paragraphs(t.description),
      source: { type: 'email', via: 'customer' },
      customer: personOf(t.requester, 'customer'),
      createdBy: personOf(t.requester, 'customer'),
      createdAt: iso(t.createdAt),
    };
    const conversation: Record<string, unknown> = {
      id,
      number: 100 + t.seq,
      threads: 1,
      type: t.channel === 'chat' ? 'chat' : t.channel === 'phone' ? 'phone' : 'email',
      folderId: 11,
      status,
      state: 'published',
      subject: t.subject,
      preview: t.description.slice(0, 180),
      mailboxId: 13,
      ...(t.assignee ? { assignee: personOf(t.assignee, 'user') } : {}),
      createdBy: personOf(t.requester, 'customer'),
      createdAt: iso(t.createdAt),
      ...(status === 'closed' ? { closedBy: 14, closedAt: iso(modifiedAt) } : { closedBy: 0 }),
      userUpdatedAt: iso(modifiedAt),
      customerWaitingSince: { time: iso(t.createdAt), friendly: 'a while ago' },
      source: { type: 'email', via: 'customer' },
      tags: t.tags.map((tag, i) => ({ id: 9000 + i, color: '#929499', tag })),
      cc: [],
      bcc: [],
      primaryCustomer: personOf(t.requester, 'customer'),
      customFields: [{ id: 8, name: 'Topic', value: t.topic, text: t.topic }],
      _links: { self: { href: `https://api.helpscout.net/v2/conversations/${id}` }, threads: { href: `https://api.helpscout.net/v2/conversations/${id}/threads/` } },
    };
    return { conversation, threads: [customerThread], modifiedAt };
  };
  const print = (s: Stored, embed: boolean) => {
    const out = structuredClone(s.conversation);
    if (embed) out._embedded = { threads: [...s.threads].reverse().map((x) => structuredClone(x)) };
    return out;
  };
  const unauthorized = (message: string): SimResponse => ({ status: 401, headers: { 'content-type': 'application/vnd.error+json' }, body: { logref: 'Unauthorized', message } });
  const invalid = (path: string, message: string): SimResponse => ({
    status: 400,
    headers: { 'content-type': 'application/vnd.error+json' },
    body: { logref: 'Invalid request', message: 'Request validation failed', _embedded: { errors: [{ path, message, source: 'QUERY' }] } },
  });

  const base = await startSimulatorBase({
    authenticate: (req: SimRequest) => {
      const header = req.headers.authorization ?? '';
      if (!header.startsWith('Bearer ')) return unauthorized('Missing bearer token');
      const check = oauth.bearer(header.slice('Bearer '.length));
      return check.ok ? undefined : unauthorized(check.reason === 'expired' ? 'Access token expired' : 'Invalid access token');
    },
    rateLimit: {
      limit: null,
      windowMs: 60_000,
      retryAfter: 'none',
      headers: (s) => ({
        'x-ratelimit-limit-minute': String(s.limit),
        'x-ratelimit-remaining-minute': String(s.remaining),
        ...(s.limited ? { 'x-ratelimit-retry-after': String(Math.max(1, Math.ceil(s.resetInMs / 1000))) } : {}),
      }),
    },
    routes: [
      { method: 'POST', path: '/v2/oauth2/token', public: true, handler: (req) => oauth.token(req) },
      { method: 'GET', path: '/v2/users/me', handler: () => ({ status: 200, headers: HAL, body: { id: 4, firstName: 'Mr', lastName: 'Robot', email: 'robot@helpscout.example', role: 'owner', timezone: 'UTC', type: 'user' } }) },
      {
        method: 'GET',
        path: '/v2/conversations',
        handler: (req) => {
          const q = req.url.searchParams;
          const status = q.get('status') ?? 'active';
          if (!STATUS_FILTERS.has(status)) return invalid('status', `Invalid status: ${status}`);
          const sortField = q.get('sortField') ?? 'createdAt';
          if (!SORT_FIELDS.has(sortField)) return invalid('sortField', `Invalid sortField: ${sortField}`);
          const sortOrder = q.get('sortOrder') ?? 'desc';
          if (sortOrder !== 'asc' && sortOrder !== 'desc') return invalid('sortOrder', `Invalid sortOrder: ${sortOrder}`);
          const since = q.get('modifiedSince');
          let sinceMs = Number.NEGATIVE_INFINITY;
          if (since !== null) {
            if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(since) || Number.isNaN(Date.parse(since))) return invalid('modifiedSince', 'Invalid ISO 8601 date time');
            sinceMs = Date.parse(since);
          }
          const pageParam = q.get('page') ?? '1';
          if (!/^\d{1,6}$/.test(pageParam) || Number(pageParam) < 1) return invalid('page', 'Page must be a positive number');
          const page = Number(pageParam);
          // "Filters conversations modified after this timestamp": strictly after.
          let rows = table.changedSince(sinceMs, { exclusive: true }).filter((s) => status === 'all' || matchesStatus(String(s.conversation.status), status));
          const key = (s: Stored): number => (sortField === 'modifiedAt' ? s.modifiedAt : sortField === 'number' ? Number(s.conversation.number) : Date.parse(String(s.conversation.createdAt)));
          rows = [...rows].sort((a, b) => key(a) - key(b) || Number(a.conversation.id) - Number(b.conversation.id));
          if (sortOrder === 'desc') rows.reverse();
          const totalElements = rows.length;
          const totalPages = Math.ceil(totalElements / PAGE_SIZE);
          const items = rows.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE).map((s) => print(s, q.get('embed') === 'threads'));
          const link = (n: number) => ({ href: `https://api.helpscout.net/v2/conversations?page=${n}` });
          return {
            status: 200,
            headers: HAL,
            body: {
              ...(items.length > 0 ? { _embedded: { conversations: items } } : {}),
              _links: {
                self: link(page),
                first: link(1),
                ...(totalPages > 0 ? { last: link(totalPages) } : {}),
                ...(page < totalPages ? { next: link(page + 1) } : {}),
                ...(page > 1 ? { previous: link(page - 1) } : {}),
                page: { href: 'https://api.helpscout.net/v2/conversations{?page}', templated: true },
              },
              page: { size: PAGE_SIZE, totalElements, totalPages, number: page },
            },
          };
        },
      },
      {
        method: 'GET',
        path: '/v2/conversations/:id',
        handler: (req, { id }) => {
          const s = table.get(id ?? '');
          if (!s) return { status: 404, headers: { 'content-type': 'application/vnd.error+json' }, body: { logref: 'Not Found', message: `Conversation not found` } };
          return { status: 200, headers: HAL, body: print(s, req.url.searchParams.get('embed') === 'threads') };
        },
      },
      {
        method: 'POST',
        path: '/v2/webhooks',
        handler: (req) => {
          let body: { url?: unknown; events?: unknown; secret?: unknown };
          try {
            body = JSON.parse(req.body.toString('utf8')) as typeof body;
          } catch {
            return invalid('body', 'Malformed JSON');
          }
          if (typeof body.url !== 'string' || !/^https?:\/\//.test(body.url)) return invalid('url', 'must be a valid URL');
          if (!Array.isArray(body.events) || body.events.length === 0 || !body.events.every((e) => typeof e === 'string' && WEBHOOK_EVENTS.has(e))) return invalid('events', 'must list known events');
          if (typeof body.secret !== 'string' || body.secret.length === 0 || body.secret.length > 40) return invalid('secret', 'must be 40 characters or less');
          const id = String(nextWebhookId++);
          webhooks.set(id, { id, url: body.url, events: body.events as string[], secret: body.secret });
          return { status: 201, headers: { 'resource-id': id, location: `https://api.helpscout.net/v2/webhooks/${id}` } };
        },
      },
      {
        method: 'DELETE',
        path: '/v2/webhooks/:id',
        handler: (_req, { id }) => (webhooks.delete(id ?? '') ? { status: 204 } : { status: 404, headers: { 'content-type': 'application/vnd.error+json' }, body: { logref: 'Not Found', message: 'Webhook not found' } }),
      },
    ],
    notFound: (req) => ({ status: 404, headers: { 'content-type': 'application/vnd.error+json' }, body: { logref: 'Not Found', message: `No such resource: ${req.url.pathname}` } }),
  });
  base.rateLimit.set(options.rateLimit === undefined ? { limit: 400, windowMs: 60_000 } : options.rateLimit);

  const seedTickets = (count: number): string[] => {
    const ids: string[] = [];
    for (const t of generator.iterate(count)) {
      const s = render(t, t.updatedAt);
      generated.set(String(s.conversation.id), t);
      table.upsert(s);
      ids.push(String(s.conversation.id));
    }
    return ids;
  };
  if (options.tickets) seedTickets(options.tickets);

  const patch = (id: string, change: (s: Stored) => void) => {
    const s = structuredClone(table.get(id)!);
    change(s);
    table.upsert(s);
  };

  const sign = (secret: string, body: Buffer) => createHmac('sha1', secret).update(body).digest('base64');
  const deliver: SimulatorWebhooks['deliver'] = async (url, externalIds, o = {}) => {
    const registered = [...webhooks.values()].find((w) => w.url === url);
    // A URL nobody registered (a test's unknown connection) gets the latest registration's secret.
    const secret = o.secret ?? registered?.secret ?? [...webhooks.values()].at(-1)?.secret;
    if (secret === undefined) throw new TypeError('deliver() needs the webhook secret, or a webhook registered through POST /v2/webhooks');
    let last = { status: 204, body: '' };
    for (const id of externalIds) {
      let body: unknown;
      let event: string;
      if (o.event === 'deleted') {
        event = 'convo.deleted';
        body = { id: Number(id) };
      } else {
        const s = table.get(id);
        if (!s) continue;
        event = o.event === 'created' ? 'convo.created' : 'convo.status';
        if (o.sentAt) {
          // A request captured when it was sent: the conversation as it was then.
          body = { ...print(s, false), userUpdatedAt: iso(o.sentAt.getTime()) };
        } else {
          // A webhook follows a change: a conversation last changed before now is changed (updated by a user) now.
          if (s.modifiedAt < Math.floor(Date.now() / 1000) * 1000) patch(id, (x) => {
            x.modifiedAt = Math.floor(Date.now() / 1000) * 1000;
            x.conversation.userUpdatedAt = iso(x.modifiedAt);
            if (x.conversation.closedAt) x.conversation.closedAt = iso(x.modifiedAt);
          });
          body = print(table.get(id)!, false);
        }
      }
      const raw = Buffer.from(JSON.stringify(body));
      const res = await sendWebhook({
        url,
        body: raw,
        headers: { 'content-type': 'application/json', 'x-helpscout-event': event },
        sign: ({ body: bytes }) => ({ 'x-helpscout-signature': sign(o.forge ? `${secret}-forged` : secret, bytes) }),
      });
      last = { status: res.status, body: res.body };
      if (last.status >= 300) break;
    }
    return last;
  };

  return {
    url: base.url,
    faults: base.faults,
    rateLimit: base.rateLimit,
    stats: () => base.stats(),
    resetStats: () => base.resetStats(),
    close: () => base.close(),
    oauth,
    credentials: () => ({ method: 'oauth_client_credentials', ...app }),
    badCredentials: () => [{ description: 'wrong App Secret', credentials: { method: 'oauth_client_credentials', appId: app.appId, appSecret: 'hs_secret_wrong_0000000000000' }, field: 'appSecret' }],
    seed: async (count) => seedTickets(count),
    async seedEdgeCases() {
      const [sparse, unicode, huge, html] = seedTickets(4) as [string, string, string, string];
      const length = 256 * 1024;
      patch(sparse, (s) => {
        // A chat with no subject, no assignee, no tags and no published thread yet.
        delete s.conversation.subject;
        delete s.conversation.assignee;
        s.conversation.tags = [];
        s.conversation.preview = '';
        s.threads = [];
      });
      patch(unicode, (s) => {
        s.conversation.subject = EDGE_CASE_TEXT;
        s.threads[0]!.body = escapeHtml(EDGE_CASE_TEXT);
      });
      patch(huge, (s) => {
        s.threads[0]!.body = 'x'.repeat(length - 6) + ' done.';
      });
      patch(html, (s) => {
        s.threads[0]!.body = '<div>Hello&nbsp;team,</div><div><br></div><p>The export <b>fails</b> &amp; times out.</p><script>alert(1)</script>';
      });
      return { sparse, unicode, huge: { id: huge, length }, html: { id: html, text: 'Hello team,\n\nThe export fails & times out.' } };
    },
    async update(externalIds, o = {}) {
      const changed: string[] = [];
      for (const id of externalIds) {
        const current = generated.get(id);
        const stored = table.get(id);
        if (!current || !stored) continue;
        const mutated = generator.mutate(current);
        // Never earlier than the version it replaces (a webhook may have stamped it on the real clock).
        const at = o.at === undefined ? Math.max(mutated.updatedAt, stored.modifiedAt + 1000) : Date.parse(o.at);
        generated.set(id, mutated);
        table.upsert({ ...render(mutated, at, stored), threads: stored.threads });
        changed.push(id);
      }
      return changed;
    },
    async remove(externalIds) {
      // Deleting a conversation takes it out of every list and Get Conversation answers 404.
      return externalIds.filter((id) => table.remove(id));
    },
    vocabulary: {
      // The four statuses a conversation has (Get Conversation); spam needs no more work. Help Scout has no priority.
      statuses: [
        ['active', 'open'],
        ['pending', 'pending'],
        ['closed', 'closed'],
        ['spam', 'closed'],
      ],
      priorities: [[null, null]],
    },
    snapshot: () => new Map(table.all().map((s) => [String(s.conversation.id), new Date(s.modifiedAt).toISOString()])),
    conversation: (id) => {
      const s = table.get(id);
      return s ? print(s, true) : undefined;
    },
    webhookRegistrations: () => [...webhooks.values()].map((w) => ({ ...w, events: [...w.events] })),
    webhooks: { deliver, registered: () => [...webhooks.values()].map((w) => w.url) },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Internal helpers
// ---------------------------------------------------------------------------------------------------------------

const PAGE_SIZE = 25;
const HAL = { 'content-type': 'application/hal+json' };
const STATUS_FILTERS = new Set(['active', 'all', 'closed', 'open', 'pending', 'spam']);
const SORT_FIELDS = new Set(['createdAt', 'customerEmail', 'customerName', 'mailboxid', 'modifiedAt', 'number', 'score', 'status', 'subject', 'waitingSince']);
const WEBHOOK_EVENTS = new Set([
  'beacon.chat.created',
  'beacon.chat.customer.replied',
  'convo.agent.reply.created',
  'convo.assigned',
  'convo.created',
  'convo.custom-fields',
  'convo.customer.reply.created',
  'convo.deleted',
  'convo.merged',
  'convo.moved',
  'convo.note.created',
  'convo.status',
  'convo.tags',
  'customer.created',
  'customer.deleted',
  'customer.updated',
  'message.survey.response.received',
  'satisfaction.ratings',
  'tag.created',
  'tag.deleted',
  'tag.updated',
]);

/** Generated statuses as Help Scout has them; every 13th conversation is spam, so all four occur. */
function statusOf(status: GeneratedStatus, seq: number): string {
  if (seq % 13 === 0) return 'spam';
  switch (status) {
    case 'pending':
    case 'on_hold':
      return 'pending';
    case 'solved':
    case 'closed':
      return 'closed';
    default:
      return 'active';
  }
}

/** `open` lists what is not closed or spam (active and pending). */
function matchesStatus(status: string, filter: string): boolean {
  return filter === 'open' ? status === 'active' || status === 'pending' : status === filter;
}

/** A generated person id (`usr_12`) as Help Scout's numeric id. */
function numericId(id: string): number {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return (h % 900_000) + 100_000;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A plain-text description as the HTML Help Scout stores for an email: one `<p>` per paragraph. */
function paragraphs(text: string): string {
  return text
    .split('\n\n')
    .map((p) => `<p>${escapeHtml(p)}</p>`)
    .join('');
}
