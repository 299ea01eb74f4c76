import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  createRandom,
  startLoopbackServer,
  type ConnectorSimulator,
  type FaultControl,
  type FaultKind,
  type RateLimitControl,
  type SimRequest,
  type SimResponse,
  type SimulatorStats,
  type SimulatorWebhooks,
} from '@ticketbridge/core/testing';
import type { ZendeskCredentials } from './credentials.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signZendeskWebhook } from './webhook.js';

/** Options of {@link startZendeskSimulator}. */
export interface ZendeskSimulatorOptions {
  /** Seed of the deterministic data generator. */
  seed?: number;
  /** The account subdomain the simulator plays (only used in URLs it returns). Default `acmecorp`. */
  subdomain?: string;
  /** Account-wide requests per minute (Enterprise: 700). `rateLimit.set()` overrides it. */
  accountLimitPerMinute?: number;
  /** Requests per minute on the incremental exports (Zendesk: 10; 30 with High Volume API). */
  exportLimitPerMinute?: number;
  /**
   * Length of the export limit's window in ms (Zendesk: one minute). Tests shorten it to see the connector pause
   * on the `Zendesk-RateLimit-incremental-exports` header without waiting a minute.
   */
  exportWindowMs?: number;
  /** Tickets per page of the cursor export. Zendesk returns up to 1000; lower it to test paging with few tickets. */
  exportPageSize?: number;
  /**
   * What `users/me` answers for an e-mail that belongs to no user: 401 (default), or 200 with the anonymous user
   * (what Zendesk does for failed password auth). Zendesk's behaviour for API tokens here is not documented.
   */
  unknownEmail?: 'unauthorized' | 'anonymous';
  /**
   * Where the simulator's clock starts (ISO). Default: the real time. The clock then runs with real time, and
   * `update()` / `clock.advance()` move it further ahead.
   */
  clockStart?: string;
}

/** A ticket as the simulator stores it: a Zendesk ticket object plus the export's `generated_timestamp`. */
export interface SimZendeskTicket {
  id: number;
  url: string;
  external_id: string | null;
  type: string | null;
  subject: string;
  raw_subject: string;
  description: string;
  priority: string | null;
  status: string;
  recipient: string | null;
  requester_id: number;
  submitter_id: number;
  assignee_id: number | null;
  organization_id: number | null;
  group_id: number | null;
  collaborator_ids: number[];
  follower_ids: number[];
  has_incidents: boolean;
  is_public: boolean;
  due_at: string | null;
  tags: string[];
  custom_fields: Array<{ id: number; value: unknown }>;
  satisfaction_rating: null;
  via: { channel: string; source: { from: Record<string, unknown>; to: Record<string, unknown>; rel: string | null } };
  brand_id: number;
  allow_channelback: boolean;
  allow_attachments: boolean;
  from_messaging_channel: boolean;
  created_at: string;
  updated_at: string;
  generated_timestamp: number;
}

interface SimUser {
  id: number;
  name: string;
  email: string;
  role: 'admin' | 'agent' | 'end-user';
}

interface SimComment {
  id: number;
  type: 'Comment';
  author_id: number;
  body: string;
  html_body: string;
  plain_body: string;
  public: boolean;
  attachments: never[];
  audit_id: number;
  via: { channel: string };
  created_at: string;
}

/** A webhook as the simulator stores it: the Webhooks API's `webhook` object, with its signing secret. */
export interface SimWebhook {
  id: string;
  name: string;
  description?: string;
  endpoint: string;
  http_method: string;
  request_format: string;
  status: string;
  subscriptions: string[];
  created_at: string;
  created_by: string;
  secret: string;
}

/** A trigger as the simulator stores it: the Triggers API's `trigger` object, trimmed to what the connector sets. */
export interface SimTrigger {
  id: number;
  title: string;
  active: boolean;
  conditions: unknown;
  actions: Array<{ field: string; value: unknown }>;
  created_at: string;
}

/** A request the simulator received, for tests that check how the connector called the API. */
export interface ZendeskSimRequestRecord {
  method: string;
  path: string;
  query: URLSearchParams;
}

/** The Zendesk simulator: a {@link ConnectorSimulator} plus Zendesk-specific controls. */
export interface ZendeskSimulator extends ConnectorSimulator<ZendeskCredentials> {
  /**
   * Changes these tickets at the simulator's current time, then moves the clock on by `advanceMs` (default 61 s)
   * so the cursor export, which leaves out the last minute, includes the change on the next request. Pass
   * `advanceMs: 0` to keep the change inside the excluded minute.
   */
  /** `at` sets `updated_at` (the export still lists the change at the end: it is ordered by when it was written). */
  update(externalIds: string[], options?: { advanceMs?: number; at?: string }): Promise<string[]>;
  /** Soft-deletes tickets: they stay in the export with `status: "deleted"` and 404 on Show Ticket. */
  deleteTickets(externalIds: string[], options?: { advanceMs?: number }): Promise<string[]>;
  /** Adds a comment (public reply or internal note) to a ticket; updates it like `update`. */
  addComment(externalId: string, comment: { body: string; html?: string; public: boolean; authorId?: number }, options?: { advanceMs?: number }): Promise<void>;
  /** Replaces fields of a stored ticket as-is (unicode, HTML, huge custom fields); updates it like `update`. */
  patchTicket(externalId: string, fields: Partial<SimZendeskTicket>, options?: { advanceMs?: number }): Promise<void>;
  /** The simulator's clock: the export's one-minute exclusion is measured against it. */
  readonly clock: { now(): Date; advance(ms: number): void };
  /** Users by role, to build credentials of a non-admin in tests. */
  user(role: 'admin' | 'agent' | 'end-user'): { id: number; email: string; name: string };
  /** Every request received, in order. */
  requests(): ZendeskSimRequestRecord[];
  /** Webhooks and triggers that exist on the simulated account. */
  registered(): { webhooks: Array<Omit<SimWebhook, 'secret'>>; triggers: SimTrigger[] };
  readonly webhooks: SimulatorWebhooks;
}

const STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const;
const PRIORITIES = ['low', 'normal', 'high', 'urgent', null] as const;
const CHANNELS = ['web', 'email', 'api', 'chat', 'mobile'] as const;
const SUBJECTS = ['Help, my printer is on fire!', 'Login fails with 2FA', 'Facture en double — remboursement ?', 'Refund request', '配送が遅れています', 'Feature request: dark mode', 'Cannot export CSV'];
const TAGS = ['enterprise', 'vip', 'billing', 'bug', 'how-to', 'other_tag'];
const CUSTOM_FIELD_TEXT = 27642;
const CUSTOM_FIELD_CHECKBOX = 27648;

// Error bodies as Zendesk sends them.
const UNAUTHORIZED = { error: "Couldn't authenticate you" };
const FORBIDDEN = { error: 'Forbidden', description: 'You do not have access to this page. Please contact the account owner of this help desk for further help.' };
const NOT_FOUND = { error: 'RecordNotFound', description: 'Not found' };
const INVALID_ENDPOINT = { error: 'InvalidEndpoint', description: 'Not found' };
const RATE_LIMITED = { error: 'APIRateLimitExceeded', description: 'Number of allowed API requests per minute exceeded' };

const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** Cursor of the export, in Zendesk's format: base64("{generated_timestamp}.0||{ticket id}|"). */
function encodeCursor(ts: number, id: number): string {
  return Buffer.from(`${ts}.0||${id}|`).toString('base64');
}
function decodeCursor(cursor: string): { ts: number; id: number } | undefined {
  const m = Buffer.from(cursor, 'base64').toString('utf8').match(/^(\d+)\.0\|\|(\d+)\|$/);
  return m ? { ts: Number(m[1]), id: Number(m[2]) } : undefined;
}

interface Window {
  start: number;
  count: number;
}

/**
 * Starts a Zendesk Support simulator on loopback. It serves the endpoints the connector uses with Zendesk's
 * shapes, error bodies, rate-limit headers and quirks: the cursor export's one-minute exclusion and 1000-ticket
 * pages, side-loads, admin-only exports, cursor-paginated comments capped at 100, the Webhooks API with signing
 * secrets, triggers, and signed webhook deliveries.
 */
export async function startZendeskSimulator(options: ZendeskSimulatorOptions = {}): Promise<ZendeskSimulator> {
  const seed = options.seed ?? 1;
  // The kit's seeded PRNG: the same seed gives the same account.
  const rand = createRandom(seed).next;
  const subdomain = options.subdomain ?? 'acmecorp';
  const origin = `https://${subdomain}.zendesk.com`;
  const exportPageSize = Math.min(1000, options.exportPageSize ?? 1000);
  const exportLimit = options.exportLimitPerMinute ?? 10;
  const exportWindowMs = options.exportWindowMs ?? 60_000;
  const apiToken = `zdsim${createHash('sha256').update(`token:${seed}`).digest('hex').slice(0, 35)}`;
  // The simulator's time is real time plus an offset that update() and clock.advance() grow: waiting a minute
  // makes a change visible to the export, as on Zendesk, and tests can skip the wait.
  let offsetMs = options.clockStart ? Date.parse(options.clockStart) - Date.now() : 0;
  const simNow = () => Math.floor((Date.now() + offsetMs) / 1000) * 1000;
  const accountId = 9_000_000 + seed;

  const users: SimUser[] = [
    { id: 1001, name: 'Ada Admin', email: `admin@${subdomain}.test`, role: 'admin' },
    { id: 1002, name: 'Aaron Agent', email: `agent@${subdomain}.test`, role: 'agent' },
    { id: 1003, name: 'Beatriz Agent', email: `beatriz@${subdomain}.test`, role: 'agent' },
    { id: 1004, name: 'Chen Wei 陈伟', email: `chen@${subdomain}.test`, role: 'agent' },
  ];
  const endUserNames = ['Zoë Ångström', 'John Doe', 'Amara Okafor', 'José Álvarez', 'Priya Nair', 'Олег Петров', 'Fatima Zahra', 'Liam Murphy'];
  endUserNames.forEach((name, i) => users.push({ id: 2001 + i, name, email: `customer${i + 1}@example.com`, role: 'end-user' }));
  const agents = users.filter((u) => u.role !== 'end-user');
  const customers = users.filter((u) => u.role === 'end-user');
  const organizations = [
    { id: 509974, name: 'Acme Holdings' },
    { id: 509975, name: 'Globex' },
    { id: 509976, name: 'Initech' },
  ];
  const userById = new Map(users.map((u) => [u.id, u]));
  const orgById = new Map(organizations.map((o) => [o.id, o]));

  const tickets = new Map<number, SimZendeskTicket>();
  const comments = new Map<number, SimComment[]>();
  const webhooks = new Map<string, SimWebhook>();
  const triggers = new Map<number, SimTrigger>();
  let nextTicketId = 35436;
  let nextCommentId = 9_000_000;
  let nextTriggerId = 360_000_001;
  const log: ZendeskSimRequestRecord[] = [];

  let stats: SimulatorStats = { requests: 0, rateLimited: 0, limitViolations: 0, byPath: {} };
  let accountLimit: { limit: number; windowMs: number } | null = { limit: options.accountLimitPerMinute ?? 700, windowMs: 60_000 };
  const accountWindow: Window = { start: 0, count: 0 };
  const exportWindow: Window = { start: 0, count: 0 };
  // Until when the simulator told the client to wait (per bucket). A request before that is a violation.
  let accountBlockedUntil = 0;
  let exportBlockedUntil = 0;
  // Timers fire a little early now and then; do not count a request a few ms early as ignoring the limit.
  const TOLERANCE_MS = 25;

  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

  // ---------------------------------------------------------------- data

  function addComment(ticket: SimZendeskTicket, authorId: number, body: string, isPublic: boolean, at: number, html?: string) {
    const list = comments.get(ticket.id) ?? [];
    const htmlBody = html ?? `<div class="zd-comment" dir="auto"><p>${body.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</p></div>`;
    list.push({
      id: nextCommentId++,
      type: 'Comment',
      author_id: authorId,
      body,
      html_body: htmlBody,
      plain_body: body,
      public: isPublic,
      attachments: [],
      audit_id: nextCommentId++,
      via: { channel: ticket.via.channel },
      created_at: iso(at),
    });
    comments.set(ticket.id, list);
  }

  function makeTicket(): SimZendeskTicket {
    const id = nextTicketId++;
    // Spread over the 30 days before the clock, at least 5 minutes old: outside the export's excluded minute.
    const created = simNow() - 5 * 60_000 - Math.floor(rand() * 30 * 86_400_000);
    const updated = Math.min(simNow() - 5 * 60_000, created + Math.floor(rand() * 3 * 86_400_000));
    const requester = pick(customers);
    const status = pick(STATUSES);
    const assignee = status === 'new' ? null : pick(agents);
    const subject = pick(SUBJECTS);
    const description = `${subject}\n\nTicket ${id}: the customer wrote in. Ünïcödé ✓`;
    const channel = pick(CHANNELS);
    const orgId = rand() < 0.7 ? pick(organizations).id : null;
    const tags = TAGS.filter(() => rand() < 0.3);
    const t: SimZendeskTicket = {
      id,
      url: `${origin}/api/v2/tickets/${id}.json`,
      external_id: rand() < 0.3 ? `ext-${id}` : null,
      type: pick(['incident', 'question', 'problem', 'task', null] as const),
      subject,
      raw_subject: subject,
      description,
      priority: pick(PRIORITIES),
      status,
      recipient: channel === 'email' ? `support@${subdomain}.test` : null,
      requester_id: requester.id,
      submitter_id: requester.id,
      assignee_id: assignee?.id ?? null,
      organization_id: orgId,
      group_id: assignee ? 98738 : null,
      collaborator_ids: [],
      follower_ids: [],
      has_incidents: false,
      is_public: true,
      due_at: null,
      tags,
      custom_fields: [
        { id: CUSTOM_FIELD_TEXT, value: rand() < 0.5 ? String(Math.floor(rand() * 1000)) : null },
        { id: CUSTOM_FIELD_CHECKBOX, value: rand() < 0.5 },
      ],
      satisfaction_rating: null,
      via: { channel, source: { from: {}, to: {}, rel: null } },
      brand_id: 360_000_001,
      allow_channelback: false,
      allow_attachments: true,
      from_messaging_channel: false,
      created_at: iso(created),
      updated_at: iso(updated),
      generated_timestamp: Math.floor(updated / 1000),
    };
    addComment(t, requester.id, description, true, created);
    if (rand() < 0.4) addComment(t, (assignee ?? agents[1]!).id, 'Internal note: checked the logs, escalating.', false, updated);
    return t;
  }

  function touch(ticket: SimZendeskTicket, advanceMs: number | undefined) {
    const at = simNow();
    ticket.updated_at = iso(at);
    ticket.generated_timestamp = Math.floor(at / 1000);
    offsetMs += advanceMs ?? 61_000;
  }

  function mustTicket(externalId: string): SimZendeskTicket {
    const t = tickets.get(Number(externalId));
    if (!t) throw new Error(`simulator has no ticket ${externalId}`);
    return t;
  }

  // ---------------------------------------------------------------- faults and limits

  const faults: Array<{ kind: FaultKind; count: number; path?: RegExp; delayMs: number }> = [];
  const faultControl: FaultControl = {
    inject(kind, o = {}) {
      faults.push({ kind, count: o.count ?? 1, ...(o.path ? { path: o.path } : {}), delayMs: o.delayMs ?? 2_000 });
    },
    clear() {
      faults.length = 0;
    },
  };
  const rateLimit: RateLimitControl = {
    set(o) {
      accountLimit = o;
      accountWindow.start = 0;
      accountWindow.count = 0;
      accountBlockedUntil = 0;
    },
  };

  function takeFault(path: string) {
    const i = faults.findIndex((f) => !f.path || f.path.test(path));
    if (i < 0) return undefined;
    const f = faults[i]!;
    if (--f.count <= 0) faults.splice(i, 1);
    return f;
  }

  function slot(w: Window, limit: number, windowMs: number, now: number) {
    if (now - w.start >= windowMs) {
      w.start = now;
      w.count = 0;
    }
    const resetMs = w.start + windowMs - now;
    if (w.count >= limit) return { ok: false as const, remaining: 0, resetMs };
    w.count++;
    return { ok: true as const, remaining: limit - w.count, resetMs };
  }

  // ---------------------------------------------------------------- HTTP

  function authenticate(req: SimRequest): SimUser | 'anonymous' | 'unauthorized' {
    const header = req.headers.authorization;
    if (!header) return 'anonymous';
    const m = header.match(/^Basic\s+(.+)$/i);
    if (!m) return 'unauthorized';
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const sep = decoded.indexOf(':');
    if (sep < 0) return 'unauthorized';
    const username = decoded.slice(0, sep);
    const secret = decoded.slice(sep + 1);
    if (!username.endsWith('/token')) {
      // Password auth: Zendesk answers users/me as the anonymous user when it fails; the simulator knows no passwords.
      return 'anonymous';
    }
    const email = username.slice(0, -'/token'.length).toLowerCase();
    if (secret !== apiToken) return 'unauthorized';
    const user = users.find((u) => u.email === email);
    if (!user) return options.unknownEmail === 'anonymous' ? 'anonymous' : 'unauthorized';
    return user;
  }

  function sideloads(list: SimZendeskTicket[], include: string | null) {
    const wanted = new Set((include ?? '').split(',').map((s) => s.trim()));
    const out: Record<string, unknown> = {};
    if (wanted.has('users')) {
      const ids = new Set<number>();
      for (const t of list) for (const id of [t.requester_id, t.submitter_id, t.assignee_id]) if (id !== null) ids.add(id);
      out.users = [...ids].map((id) => userById.get(id)).filter(Boolean).map((u) => userJson(u!));
    }
    if (wanted.has('organizations')) {
      const ids = new Set(list.map((t) => t.organization_id).filter((x): x is number => x !== null));
      out.organizations = [...ids].map((id) => orgById.get(id)).filter(Boolean).map((o) => ({ url: `${origin}/api/v2/organizations/${o!.id}.json`, ...o, tags: [], domain_names: [] }));
    }
    return out;
  }

  function userJson(u: SimUser) {
    return { id: u.id, url: `${origin}/api/v2/users/${u.id}.json`, name: u.name, email: u.email, role: u.role, active: true, verified: true, time_zone: 'UTC', locale: 'en-US' };
  }

  // The documented ticket examples (Show Ticket, the export) both carry generated_timestamp.
  const ticketJson = (t: SimZendeskTicket) => ({ ...t, tags: [...t.tags], custom_fields: t.custom_fields.map((f) => ({ ...f })) });

  function exportTickets(req: SimRequest): SimResponse {
    const q = req.url.searchParams;
    const cursorParam = q.get('cursor');
    const startParam = q.get('start_time');
    const end = Math.floor(simNow() / 1000) - 60;
    let pos: { ts: number; id: number };
    if (cursorParam) {
      const decoded = decodeCursor(cursorParam);
      if (!decoded) return { status: 400, body: { error: 'InvalidValue', description: 'Invalid cursor' } };
      pos = decoded;
    } else if (startParam !== null) {
      const start = Number(startParam);
      if (!Number.isInteger(start) || start < 0) return { status: 400, body: { error: 'InvalidValue', description: 'start_time must be a Unix epoch time in seconds' } };
      if (start > end) return { status: 400, body: { error: 'InvalidValue', description: 'start_time is too recent. Use a start_time that is at least one minute in the past.' } };
      pos = { ts: start, id: 0 };
    } else {
      return { status: 400, body: { error: 'InvalidValue', description: 'start_time or cursor is required' } };
    }
    const excludeDeleted = q.get('exclude_deleted') === 'true';
    const eligible = [...tickets.values()]
      .filter((t) => t.generated_timestamp <= end && (t.generated_timestamp > pos.ts || (t.generated_timestamp === pos.ts && t.id > pos.id)))
      .filter((t) => !(excludeDeleted && t.status === 'deleted'))
      .sort((a, b) => a.generated_timestamp - b.generated_timestamp || a.id - b.id);
    const page = eligible.slice(0, exportPageSize);
    const last = page.at(-1);
    const after = last ? encodeCursor(last.generated_timestamp, last.id) : encodeCursor(pos.ts, pos.id);
    return {
      status: 200,
      body: {
        tickets: page.map((t) => ticketJson(t)),
        after_url: `${origin}/api/v2/incremental/tickets/cursor.json?cursor=${encodeURIComponent(after)}`,
        after_cursor: after,
        before_url: null,
        before_cursor: null,
        end_of_stream: eligible.length <= exportPageSize,
        ...sideloads(page, q.get('include')),
      },
    };
  }

  function listComments(req: SimRequest, ticket: SimZendeskTicket): SimResponse {
    const q = req.url.searchParams;
    const all = comments.get(ticket.id) ?? [];
    const include = q.get('include') === 'users';
    const authors = (list: SimComment[]) => (include ? { users: [...new Set(list.map((c) => c.author_id))].map((id) => userById.get(id)).filter(Boolean).map((u) => userJson(u!)) } : {});
    const sizeParam = q.get('page[size]');
    if (sizeParam === null) {
      // Offset pagination (the default without page[size]).
      return { status: 200, body: { comments: all, next_page: null, previous_page: null, count: all.length, ...authors(all) } };
    }
    const size = Number(sizeParam);
    if (!Number.isInteger(size) || size < 1 || size > 100) {
      return { status: 400, body: { error: 'InvalidPaginationParameter', description: 'page[size] must be an integer between 1 and 100' } };
    }
    const afterParam = q.get('page[after]');
    const startIndex = afterParam ? all.findIndex((c) => String(c.id) === Buffer.from(afterParam, 'base64url').toString('utf8')) + 1 : 0;
    const slice = all.slice(startIndex, startIndex + size);
    const hasMore = startIndex + size < all.length;
    const afterCursor = slice.length ? Buffer.from(String(slice.at(-1)!.id)).toString('base64url') : null;
    const base = `${origin}/api/v2/tickets/${ticket.id}/comments.json?page%5Bsize%5D=${size}`;
    return {
      status: 200,
      body: {
        comments: slice,
        meta: { has_more: hasMore, after_cursor: afterCursor, before_cursor: slice.length ? Buffer.from(String(slice[0]!.id)).toString('base64url') : null },
        links: { prev: null, next: hasMore && afterCursor ? `${base}&page%5Bafter%5D=${afterCursor}` : null },
        ...authors(slice),
      },
    };
  }

  function createWebhook(req: SimRequest, user: SimUser): SimResponse {
    const w = (req.json as { webhook?: Partial<SimWebhook> } | undefined)?.webhook;
    const invalid = (detail: string): SimResponse => ({ status: 400, body: { errors: [{ code: 'InvalidInput', title: 'Invalid input', detail }] } });
    if (!w) return invalid('webhook is required');
    for (const k of ['name', 'endpoint', 'http_method', 'request_format', 'status'] as const) if (!w[k]) return invalid(`${k} is required`);
    const subs = w.subscriptions ?? [];
    const conditional = subs.includes('conditional_ticket_events');
    if (conditional && subs.length > 1) return invalid('conditional_ticket_events cannot be combined with event subscriptions');
    if (!conditional && subs.length && (w.http_method !== 'POST' || w.request_format !== 'json')) {
      return invalid('webhooks subscribed to Zendesk events must use POST and json');
    }
    const id = `01${randomBytes(12).toString('hex').toUpperCase().slice(0, 24)}`;
    const hook: SimWebhook = {
      id,
      name: w.name!,
      ...(w.description ? { description: w.description } : {}),
      endpoint: w.endpoint!,
      http_method: w.http_method!,
      request_format: w.request_format!,
      status: w.status!,
      subscriptions: subs,
      created_at: iso(Date.now()),
      created_by: String(user.id),
      secret: randomBytes(32).toString('base64'),
    };
    webhooks.set(id, hook);
    const { secret: _secret, ...visible } = hook;
    return { status: 201, body: { webhook: visible } };
  }

  function createTrigger(req: SimRequest): SimResponse {
    const t = (req.json as { trigger?: Partial<SimTrigger> } | undefined)?.trigger;
    const invalid = (description: string): SimResponse => ({ status: 422, body: { error: 'RecordInvalid', description: 'Record validation errors', details: { base: [{ description }] } } });
    if (!t?.title) return invalid('Title: cannot be blank');
    if (!Array.isArray(t.actions) || t.actions.length === 0) return invalid('Actions: cannot be blank');
    for (const a of t.actions) {
      if (a.field !== 'notification_webhook') continue;
      const [webhookId, body] = Array.isArray(a.value) ? (a.value as unknown[]) : [];
      const hook = typeof webhookId === 'string' ? webhooks.get(webhookId) : undefined;
      if (!hook) return invalid(`Notify webhook: webhook ${String(webhookId)} does not exist`);
      if (!hook.subscriptions.includes('conditional_ticket_events')) return invalid('Notify webhook: the webhook is not connected to triggers and automations');
      if (typeof body !== 'string') return invalid('Notify webhook: request body must be a string');
      try {
        JSON.parse(body.replace(/\{\{[^}]+\}\}/g, '0'));
      } catch {
        return invalid('Notify webhook: JSON body is invalid');
      }
    }
    const trigger: SimTrigger = { id: nextTriggerId++, title: t.title, active: t.active ?? true, conditions: t.conditions ?? { all: [], any: [] }, actions: t.actions, created_at: iso(Date.now()) };
    triggers.set(trigger.id, trigger);
    return { status: 201, body: { trigger: { url: `${origin}/api/v2/triggers/${trigger.id}.json`, ...trigger, updated_at: trigger.created_at, position: triggers.size, raw_title: trigger.title } } };
  }

  async function route(req: SimRequest, user: SimUser | 'anonymous'): Promise<SimResponse> {
    const path = req.url.pathname.replace(/\.json$/, '');
    const method = req.method;
    if (method === 'GET' && path === '/api/v2/users/me') {
      if (user === 'anonymous') {
        return { status: 200, body: { user: { id: null, url: null, name: 'Anonymous user', email: 'invalid@example.com', role: 'end-user', active: true, verified: false, locale: 'en-US' } } };
      }
      return { status: 200, body: { user: userJson(user) } };
    }
    if (user === 'anonymous') return { status: 401, body: UNAUTHORIZED };
    const admin = user.role === 'admin';

    if (method === 'GET' && path === '/api/v2/incremental/tickets/cursor') return admin ? exportTickets(req) : { status: 403, body: FORBIDDEN };

    if (method === 'GET' && path === '/api/v2/tickets/show_many') {
      const ids = (req.url.searchParams.get('ids') ?? '').split(',').filter(Boolean).slice(0, 100).map(Number);
      const found = ids.map((id) => tickets.get(id)).filter((t): t is SimZendeskTicket => !!t && t.status !== 'deleted');
      return { status: 200, body: { tickets: found.map((t) => ticketJson(t)), next_page: null, previous_page: null, count: found.length, ...sideloads(found, req.url.searchParams.get('include')) } };
    }
    let m = path.match(/^\/api\/v2\/tickets\/(\d+)$/);
    if (method === 'GET' && m) {
      const t = tickets.get(Number(m[1]));
      if (!t || t.status === 'deleted') return { status: 404, body: NOT_FOUND };
      return { status: 200, body: { ticket: ticketJson(t), ...sideloads([t], req.url.searchParams.get('include')) } };
    }
    m = path.match(/^\/api\/v2\/tickets\/(\d+)\/comments$/);
    if (method === 'GET' && m) {
      const t = tickets.get(Number(m[1]));
      if (!t || t.status === 'deleted') return { status: 404, body: NOT_FOUND };
      return listComments(req, t);
    }

    if (path === '/api/v2/webhooks' && method === 'POST') return admin ? createWebhook(req, user) : { status: 403, body: FORBIDDEN };
    m = path.match(/^\/api\/v2\/webhooks\/([A-Za-z0-9]+)(\/signing_secret)?$/);
    if (m) {
      if (!admin) return { status: 403, body: FORBIDDEN };
      const hook = webhooks.get(m[1]!);
      const missing: SimResponse = { status: 404, body: { errors: [{ code: 'WebhookNotFound', title: 'Webhook not found', detail: `Webhook ${m[1]} not found` }] } };
      if (!hook) return missing;
      if (m[2] && method === 'GET') return { status: 200, body: { signing_secret: { algorithm: 'sha256', secret: hook.secret } } };
      if (m[2] && method === 'POST') {
        hook.secret = randomBytes(32).toString('base64');
        return { status: 201, body: { signing_secret: { algorithm: 'sha256', secret: hook.secret } } };
      }
      if (!m[2] && method === 'GET') {
        const { secret: _secret, ...visible } = hook;
        return { status: 200, body: { webhook: visible } };
      }
      if (!m[2] && method === 'DELETE') {
        webhooks.delete(hook.id);
        return { status: 204 };
      }
    }
    if (path === '/api/v2/triggers' && method === 'POST') return admin ? createTrigger(req) : { status: 403, body: FORBIDDEN };
    m = path.match(/^\/api\/v2\/triggers\/(\d+)$/);
    if (m && method === 'DELETE') {
      if (!admin) return { status: 403, body: FORBIDDEN };
      if (!triggers.delete(Number(m[1]))) return { status: 404, body: NOT_FOUND };
      return { status: 204 };
    }
    return { status: 404, body: INVALID_ENDPOINT };
  }

  async function handle(req: SimRequest, res: ServerResponse): Promise<SimResponse | undefined> {
    const path = req.url.pathname;
    stats.requests++;
    stats.byPath[path] = (stats.byPath[path] ?? 0) + 1;
    log.push({ method: req.method, path, query: new URLSearchParams(req.url.search) });

    const fault = takeFault(path);
    if (fault) {
      switch (fault.kind) {
        case 'status500':
          return { status: 500, body: { error: 'InternalServerError', description: 'Something went wrong' } };
        case 'status502':
          return { status: 502, headers: { 'content-type': 'text/html' }, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' };
        case 'status503':
          return { status: 503, headers: { 'retry-after': '1' }, body: { error: 'ServiceUnavailable', description: 'Service temporarily unavailable' } };
        case 'status429':
          accountBlockedUntil = Math.max(accountBlockedUntil, Date.now() + 1000);
          stats.rateLimited++;
          return { status: 429, headers: { 'retry-after': '1' }, body: RATE_LIMITED };
        case 'reset':
          res.socket?.destroy();
          return undefined;
        case 'truncated': {
          const payload = Buffer.from(JSON.stringify({ tickets: [], end_of_stream: false, after_cursor: 'x'.repeat(200) }));
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': payload.length });
          res.write(payload.subarray(0, Math.floor(payload.length / 2)));
          setTimeout(() => res.socket?.destroy(), 5);
          return undefined;
        }
        case 'slow':
          await new Promise((r) => setTimeout(r, fault.delayMs));
          break;
      }
    }

    const now = Date.now();
    const isExport = /^\/api\/v2\/incremental\//.test(path);
    if (now + TOLERANCE_MS < accountBlockedUntil || (isExport && now + TOLERANCE_MS < exportBlockedUntil)) stats.limitViolations++;

    const headers: Record<string, string | number> = {};
    if (accountLimit) {
      const s = slot(accountWindow, accountLimit.limit, accountLimit.windowMs, now);
      const resetS = Math.max(1, Math.ceil(s.resetMs / 1000));
      Object.assign(headers, { 'x-rate-limit': accountLimit.limit, 'x-rate-limit-remaining': s.remaining, 'ratelimit-limit': accountLimit.limit, 'ratelimit-remaining': s.remaining, 'ratelimit-reset': resetS });
      if (!s.ok) {
        stats.rateLimited++;
        accountBlockedUntil = Math.max(accountBlockedUntil, now + s.resetMs);
        return { status: 429, headers: { ...headers, 'retry-after': resetS }, body: RATE_LIMITED };
      }
      if (s.remaining === 0) accountBlockedUntil = Math.max(accountBlockedUntil, now + s.resetMs);
    }
    if (isExport) {
      const s = slot(exportWindow, exportLimit, exportWindowMs, now);
      const resetS = Math.max(1, Math.ceil(s.resetMs / 1000));
      headers['zendesk-ratelimit-incremental-exports'] = `total=${exportLimit}; remaining=${s.remaining}; resets=${resetS}`;
      if (!s.ok) {
        stats.rateLimited++;
        exportBlockedUntil = Math.max(exportBlockedUntil, now + s.resetMs);
        return { status: 429, headers: { ...headers, 'retry-after': resetS }, body: RATE_LIMITED };
      }
      if (s.remaining === 0) exportBlockedUntil = Math.max(exportBlockedUntil, now + s.resetMs);
    }

    const user = authenticate(req);
    if (user === 'unauthorized') return { status: 401, headers, body: UNAUTHORIZED };
    const out = await route(req, user);
    return { ...out, headers: { ...headers, ...out.headers } };
  }

  const server = await startLoopbackServer(handle);

  // ---------------------------------------------------------------- webhook deliveries

  function renderTemplate(template: string, t: SimZendeskTicket, event: 'created' | 'updated' | 'deleted'): string {
    const values: Record<string, string> = {
      'ticket.id': String(t.id),
      'ticket.update_type': event === 'created' ? 'Create' : 'Change',
      'ticket.title': t.subject,
      'ticket.status': t.status.charAt(0).toUpperCase() + t.status.slice(1),
      'ticket.url': `${subdomain}.zendesk.com/agent/tickets/${t.id}`,
    };
    // Placeholders are replaced by their text as is; Zendesk does not JSON-escape them.
    return template.replace(/\{\{\s*([a-z_.]+)\s*\}\}/g, (_, key: string) => values[key] ?? '');
  }

  function eventPayload(t: SimZendeskTicket, event: 'created' | 'updated' | 'deleted'): string {
    const type = event === 'created' ? 'zen:event-type:ticket.created' : event === 'deleted' ? 'zen:event-type:ticket.soft_deleted' : 'zen:event-type:ticket.status_changed';
    const status = (event === 'deleted' ? 'deleted' : t.status).toUpperCase();
    const s = (v: number | null) => (v === null ? null : String(v));
    return JSON.stringify({
      account_id: accountId,
      detail: {
        actor_id: '1001',
        assignee_id: s(t.assignee_id),
        brand_id: String(t.brand_id),
        created_at: t.created_at,
        custom_status: '8447320465790',
        description: t.description,
        external_id: t.external_id,
        form_id: '360000000001',
        group_id: s(t.group_id),
        id: String(t.id),
        is_public: t.is_public,
        organization_id: s(t.organization_id),
        priority: t.priority ? t.priority.toUpperCase() : null,
        requester_id: String(t.requester_id),
        status,
        subject: t.subject,
        submitter_id: String(t.submitter_id),
        tags: t.tags,
        type: t.type ? t.type.toUpperCase() : null,
        updated_at: t.updated_at,
        via: { channel: t.via.channel },
      },
      event: event === 'updated' ? { current: status, previous: 'NEW' } : {},
      id: randomUUID(),
      subject: `zen:ticket:${t.id}`,
      time: new Date().toISOString(),
      type,
      zendesk_event_version: '2022-11-06',
    });
  }

  const simWebhooks: SimulatorWebhooks = {
    registered: () => [...webhooks.values()].map((w) => w.endpoint),
    async deliver(url, externalIds, o = {}) {
      const all = [...webhooks.values()];
      const hook = all.find((w) => w.endpoint === url) ?? all.at(-1);
      if (!hook) throw new Error('no webhook is registered on the simulated Zendesk account');
      const event = o.event ?? 'updated';
      const trigger = [...triggers.values()].find((t) => t.actions.some((a) => a.field === 'notification_webhook' && Array.isArray(a.value) && a.value[0] === hook.id));
      const template = trigger?.actions.find((a) => a.field === 'notification_webhook')?.value as [string, string] | undefined;
      let last = { status: 0, body: '' };
      for (const externalId of externalIds) {
        const t = mustTicket(externalId);
        const body = hook.subscriptions.includes('conditional_ticket_events') && template ? renderTemplate(template[1], t, event) : eventPayload(t, event);
        const timestamp = (o.sentAt ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
        const key = o.forge ? `${hook.secret}forged` : hook.secret;
        const res = await fetch(url, {
          method: hook.http_method,
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'user-agent': 'Zendesk Webhook',
            'x-zendesk-account-id': String(accountId),
            'x-zendesk-webhook-id': hook.id,
            'x-zendesk-webhook-invocation-id': String(Math.floor(Math.random() * 1e12)),
            [TIMESTAMP_HEADER]: timestamp,
            [SIGNATURE_HEADER]: signZendeskWebhook(key, timestamp, body),
          },
          body,
        });
        last = { status: res.status, body: await res.text() };
        if (last.status >= 300) return last;
      }
      return last;
    },
  };

  // ---------------------------------------------------------------- the simulator

  const sim: ZendeskSimulator = {
    url: server.url,
    credentials: () => ({ subdomain, email: users[0]!.email, apiToken }),
    badCredentials: () => [
      { description: 'wrong API token (401 "Couldn\'t authenticate you")', credentials: { subdomain, email: users[0]!.email, apiToken: `${apiToken.slice(0, -4)}xxxx` }, field: 'apiToken' },
      {
        description: 'e-mail of no user with a valid token',
        credentials: { subdomain, email: `nobody@${subdomain}.test`, apiToken },
        field: options.unknownEmail === 'anonymous' ? 'email' : 'apiToken',
      },
      { description: 'an agent, not an admin (the export would answer 403)', credentials: { subdomain, email: users[1]!.email, apiToken }, field: 'email' },
      { description: 'an end user', credentials: { subdomain, email: customers[0]!.email, apiToken }, field: 'email' },
    ],
    async seed(count) {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const t = makeTicket();
        tickets.set(t.id, t);
        ids.push(String(t.id));
      }
      return ids;
    },
    async update(externalIds, o = {}) {
      const at = simNow();
      const changed: string[] = [];
      for (const id of externalIds) {
        const t = mustTicket(id);
        const i = STATUSES.indexOf(t.status as (typeof STATUSES)[number]);
        t.status = STATUSES[(i + 1) % STATUSES.length]!;
        if (t.status !== 'new' && t.assignee_id === null) t.assignee_id = agents[1]!.id;
        t.tags = [...new Set([...t.tags, 'updated'])];
        t.updated_at = o.at === undefined ? iso(at) : iso(Date.parse(o.at));
        t.generated_timestamp = Math.floor(at / 1000);
        changed.push(id);
      }
      offsetMs += o.advanceMs ?? 61_000;
      return changed;
    },
    remove: (externalIds) => sim.deleteTickets(externalIds),
    async deleteTickets(externalIds, o = {}) {
      const at = simNow();
      for (const id of externalIds) {
        const t = mustTicket(id);
        t.status = 'deleted';
        t.updated_at = iso(at);
        t.generated_timestamp = Math.floor(at / 1000);
      }
      offsetMs += o.advanceMs ?? 61_000;
      return externalIds;
    },
    async addComment(externalId, c, o = {}) {
      const t = mustTicket(externalId);
      addComment(t, c.authorId ?? agents[1]!.id, c.body, c.public, simNow(), c.html);
      touch(t, o.advanceMs);
    },
    async patchTicket(externalId, fields, o = {}) {
      const t = mustTicket(externalId);
      Object.assign(t, fields);
      touch(t, o.advanceMs);
    },
    vocabulary: {
      // Zendesk's documented ticket statuses and priorities; "hold" is the on-hold status, and an unset priority is null.
      statuses: [
        ['new', 'new'],
        ['open', 'open'],
        ['pending', 'pending'],
        ['hold', 'on_hold'],
        ['solved', 'solved'],
        ['closed', 'closed'],
      ],
      priorities: [
        ['low', 'low'],
        ['normal', 'normal'],
        ['high', 'high'],
        ['urgent', 'urgent'],
        [null, null],
      ],
    },
    snapshot: () => new Map([...tickets.values()].map((t) => [String(t.id), new Date(t.updated_at).toISOString()])),
    faults: faultControl,
    rateLimit,
    stats: () => ({ ...stats, byPath: { ...stats.byPath } }),
    resetStats() {
      stats = { requests: 0, rateLimited: 0, limitViolations: 0, byPath: {} };
    },
    webhooks: simWebhooks,
    clock: {
      now: () => new Date(simNow()),
      advance(ms) {
        offsetMs += ms;
      },
    },
    user(role) {
      const u = users.find((x) => x.role === role)!;
      return { id: u.id, email: u.email, name: u.name };
    },
    requests: () => [...log],
    registered: () => ({ webhooks: [...webhooks.values()].map(({ secret: _s, ...w }) => w), triggers: [...triggers.values()] }),
    close: () => server.close(),
  };
  return sim;
}

