import { randomBytes } from 'node:crypto';
import type { SimRequest, SimResponse } from '@ticketbridge/core/testing';
import { iso, ticketJson, userJson, type SimComment, type SimState, type SimUser } from './state.js';
import type { SimTrigger, SimWebhook, SimZendeskTicket } from './types.js';
import { DOCUMENTED_SUBSCRIPTIONS } from './webhooks.js';

// Error bodies as Zendesk sends them.
const UNAUTHORIZED = { error: "Couldn't authenticate you" };
const FORBIDDEN = { error: 'Forbidden', description: 'You do not have access to this page. Please contact the account owner of this help desk for further help.' };
const NOT_FOUND = { error: 'RecordNotFound', description: 'Not found' };
const INVALID_ENDPOINT = { error: 'InvalidEndpoint', description: 'Not found' };

/** Cursor of the export, in Zendesk's format: base64("{generated_timestamp}.0||{ticket id}|"). */
function encodeCursor(ts: number, id: number): string {
  return Buffer.from(`${ts}.0||${id}|`).toString('base64');
}
function decodeCursor(cursor: string): { ts: number; id: number } | undefined {
  const m = Buffer.from(cursor, 'base64').toString('utf8').match(/^(\d+)\.0\|\|(\d+)\|$/);
  return m ? { ts: Number(m[1]), id: Number(m[2]) } : undefined;
}

/**
 * The REST endpoints the simulator serves, with Zendesk's auth rules: Basic `{email}/token:{token}`, the anonymous
 * user for unauthenticated `users/me`, admin-only exports and Webhooks API. Bearer tokens are resolved by the OAuth
 * server (`oauth.ts`) before `route` runs.
 */
export function createRoutes(state: SimState) {
  const exportPageSize = Math.min(1000, state.options.exportPageSize ?? 1000);

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
    // Password auth: Zendesk answers users/me as the anonymous user when it fails; the simulator knows no passwords.
    if (!username.endsWith('/token')) return 'anonymous';
    const email = username.slice(0, -'/token'.length).toLowerCase();
    if (secret !== state.apiToken) return 'unauthorized';
    const user = state.users.find((u) => u.email === email);
    if (!user) return state.options.unknownEmail === 'anonymous' ? 'anonymous' : 'unauthorized';
    return user;
  }

  function sideloads(list: SimZendeskTicket[], include: string | null) {
    const wanted = new Set((include ?? '').split(',').map((s) => s.trim()));
    const out: Record<string, unknown> = {};
    if (wanted.has('users')) {
      const ids = new Set<number>();
      for (const t of list) for (const id of [t.requester_id, t.submitter_id, t.assignee_id]) if (typeof id === 'number') ids.add(id);
      out.users = [...ids].map((id) => state.userById.get(id)).filter(Boolean).map((u) => userJson(state, u!));
    }
    if (wanted.has('organizations')) {
      const ids = new Set(list.map((t) => t.organization_id).filter((x): x is number => typeof x === 'number'));
      out.organizations = [...ids].map((id) => state.orgById.get(id)).filter(Boolean).map((o) => ({ url: `${state.origin}/api/v2/organizations/${o!.id}.json`, ...o, tags: [], domain_names: [] }));
    }
    return out;
  }

  let sorted: SimZendeskTicket[] = [];
  let sortedAt = -1;
  /** Every ticket in the export's order, sorted again only after a change that could move one (see `revision`). */
  function exportOrder(): SimZendeskTicket[] {
    if (sortedAt !== state.revision) {
      sorted = [...state.tickets.values()].sort((a, b) => a.generated_timestamp - b.generated_timestamp || a.id - b.id);
      sortedAt = state.revision;
    }
    return sorted;
  }

  /** Index of the first ticket strictly after the cursor's (generated_timestamp, id). */
  function firstAfter(list: SimZendeskTicket[], pos: { ts: number; id: number }): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = list[mid]!;
      if (t.generated_timestamp < pos.ts || (t.generated_timestamp === pos.ts && t.id <= pos.id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function exportTickets(req: SimRequest): SimResponse {
    const q = req.url.searchParams;
    const cursorParam = q.get('cursor');
    const startParam = q.get('start_time');
    const end = Math.floor(state.now() / 1000) - 60;
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
    // The export's order is (generated_timestamp, id): a page is a binary search for the cursor's position and a
    // walk of at most one page (plus the deleted tickets it skips), so an account of a million tickets is served
    // page by page without re-sorting it each time.
    const order = exportOrder();
    const page: SimZendeskTicket[] = [];
    let more = false;
    for (let i = firstAfter(order, pos); i < order.length; i++) {
      const t = order[i]!;
      // Sorted by time: the first ticket changed within the excluded minute ends the stream for now.
      if (t.generated_timestamp > end) break;
      if (excludeDeleted && t.status === 'deleted') continue;
      if (page.length === exportPageSize) {
        more = true;
        break;
      }
      page.push(t);
    }
    const last = page.at(-1);
    const after = last ? encodeCursor(last.generated_timestamp, last.id) : encodeCursor(pos.ts, pos.id);
    return {
      status: 200,
      body: {
        tickets: page.map(ticketJson),
        after_url: `${state.origin}/api/v2/incremental/tickets/cursor.json?cursor=${encodeURIComponent(after)}`,
        after_cursor: after,
        before_url: null,
        before_cursor: null,
        end_of_stream: !more,
        ...sideloads(page, q.get('include')),
      },
    };
  }

  function listComments(req: SimRequest, ticket: SimZendeskTicket): SimResponse {
    const q = req.url.searchParams;
    const all = state.comments.get(ticket.id) ?? [];
    const include = q.get('include') === 'users';
    const authors = (list: SimComment[]) => (include ? { users: [...new Set(list.map((c) => c.author_id))].map((id) => state.userById.get(id)).filter(Boolean).map((u) => userJson(state, u!)) } : {});
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
    const base = `${state.origin}/api/v2/tickets/${ticket.id}/comments.json?page%5Bsize%5D=${size}`;
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
    // Exactly the documented names: a misspelt or invented event type is refused, never silently never sent.
    const unknown = subs.filter((s) => !DOCUMENTED_SUBSCRIPTIONS.has(s));
    if (unknown.length) return invalid(`subscriptions contains unsupported event types: ${unknown.join(', ')}`);
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
    state.webhooks.set(id, hook);
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
      const hook = typeof webhookId === 'string' ? state.webhooks.get(webhookId) : undefined;
      if (!hook) return invalid(`Notify webhook: webhook ${String(webhookId)} does not exist`);
      if (!hook.subscriptions.includes('conditional_ticket_events')) return invalid('Notify webhook: the webhook is not connected to triggers and automations');
      if (typeof body !== 'string') return invalid('Notify webhook: request body must be a string');
      try {
        JSON.parse(body.replace(/\{\{[^}]+\}\}/g, '0'));
      } catch {
        return invalid('Notify webhook: JSON body is invalid');
      }
    }
    const trigger: SimTrigger = { id: state.ids.trigger++, title: t.title, active: t.active ?? true, conditions: t.conditions ?? { all: [], any: [] }, actions: t.actions, created_at: iso(Date.now()) };
    state.triggers.set(trigger.id, trigger);
    return { status: 201, body: { trigger: { url: `${state.origin}/api/v2/triggers/${trigger.id}.json`, ...trigger, updated_at: trigger.created_at, position: state.triggers.size, raw_title: trigger.title } } };
  }

  function webhookResource(method: string, id: string, signingSecret: boolean): SimResponse | undefined {
    const hook = state.webhooks.get(id);
    if (!hook) return { status: 404, body: { errors: [{ code: 'WebhookNotFound', title: 'Webhook not found', detail: `Webhook ${id} not found` }] } };
    if (signingSecret && method === 'GET') return { status: 200, body: { signing_secret: { algorithm: 'sha256', secret: hook.secret } } };
    if (signingSecret && method === 'POST') {
      hook.secret = randomBytes(32).toString('base64');
      return { status: 201, body: { signing_secret: { algorithm: 'sha256', secret: hook.secret } } };
    }
    if (!signingSecret && method === 'GET') {
      const { secret: _secret, ...visible } = hook;
      return { status: 200, body: { webhook: visible } };
    }
    if (!signingSecret && method === 'DELETE') {
      state.webhooks.delete(hook.id);
      return { status: 204 };
    }
    return undefined;
  }

  function route(req: SimRequest, user: SimUser | 'anonymous'): SimResponse {
    const path = req.url.pathname.replace(/\.json$/, '');
    const method = req.method;
    if (method === 'GET' && path === '/api/v2/users/me') {
      if (user === 'anonymous') {
        return { status: 200, body: { user: { id: null, url: null, name: 'Anonymous user', email: 'invalid@example.com', role: 'end-user', active: true, verified: false, locale: 'en-US' } } };
      }
      return { status: 200, body: { user: userJson(state, user) } };
    }
    if (user === 'anonymous') return { status: 401, body: UNAUTHORIZED };
    const admin = user.role === 'admin';

    if (method === 'GET' && path === '/api/v2/incremental/tickets/cursor') return admin ? exportTickets(req) : { status: 403, body: FORBIDDEN };

    if (method === 'GET' && path === '/api/v2/tickets/show_many') {
      const ids = (req.url.searchParams.get('ids') ?? '').split(',').filter(Boolean).slice(0, 100).map(Number);
      const found = ids.map((id) => state.tickets.get(id)).filter((t): t is SimZendeskTicket => !!t && t.status !== 'deleted');
      return { status: 200, body: { tickets: found.map(ticketJson), next_page: null, previous_page: null, count: found.length, ...sideloads(found, req.url.searchParams.get('include')) } };
    }
    let m = path.match(/^\/api\/v2\/tickets\/(\d+)$/);
    if (method === 'GET' && m) {
      const t = state.tickets.get(Number(m[1]));
      if (!t || t.status === 'deleted') return { status: 404, body: NOT_FOUND };
      return { status: 200, body: { ticket: ticketJson(t), ...sideloads([t], req.url.searchParams.get('include')) } };
    }
    m = path.match(/^\/api\/v2\/tickets\/(\d+)\/comments$/);
    if (method === 'GET' && m) {
      const t = state.tickets.get(Number(m[1]));
      if (!t || t.status === 'deleted') return { status: 404, body: NOT_FOUND };
      return listComments(req, t);
    }

    if (path === '/api/v2/webhooks' && method === 'POST') return admin ? createWebhook(req, user) : { status: 403, body: FORBIDDEN };
    m = path.match(/^\/api\/v2\/webhooks\/([A-Za-z0-9]+)(\/signing_secret)?$/);
    if (m) {
      if (!admin) return { status: 403, body: FORBIDDEN };
      const out = webhookResource(method, m[1]!, !!m[2]);
      if (out) return out;
    }
    if (path === '/api/v2/triggers' && method === 'POST') return admin ? createTrigger(req) : { status: 403, body: FORBIDDEN };
    m = path.match(/^\/api\/v2\/triggers\/(\d+)$/);
    if (m && method === 'DELETE') {
      if (!admin) return { status: 403, body: FORBIDDEN };
      if (!state.triggers.delete(Number(m[1]))) return { status: 404, body: NOT_FOUND };
      return { status: 204 };
    }
    return { status: 404, body: INVALID_ENDPOINT };
  }

  return { authenticate, route, UNAUTHORIZED, FORBIDDEN };
}
