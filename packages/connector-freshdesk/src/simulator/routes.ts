import type { SimRequest, SimResponse, SimRoute } from '@ticketbridge/core/testing';
import { STATUS_CHOICES, type SimKeyOwner, type SimState } from './state.js';
import type { SimFreshdeskTicket } from './types.js';

/** The body of a 401: https://developers.freshdesk.com/api/#authentication (as Freshdesk answers a wrong key). */
export const UNAUTHORIZED = { code: 'invalid_credentials', message: 'You have to be logged in to perform this action.' };

/** Freshdesk's validation envelope: https://developers.freshdesk.com/api/#error. */
const invalid = (field: string, message: string, code = 'invalid_value'): SimResponse => ({
  status: 400,
  body: { description: 'Validation failed', errors: [{ field, message, code }] },
});

const PER_PAGE_DEFAULT = 30;
const PER_PAGE_MAX = 100;
/** The last page a list query serves (airbytehq/airbyte#3858). */
const MAX_PAGE = 300;
const ORDER_BY = ['created_at', 'due_by', 'updated_at', 'status'] as const;
const LIST_FILTERS = ['new_and_my_open', 'watching', 'spam', 'deleted'] as const;
// The list's embeds (developers.freshdesk.com/api/#list_all_tickets); `company` and `conversations` are View-only.
const LIST_INCLUDES = ['description', 'requester', 'stats'] as const;
/** Without updated_since the list returns tickets created in the last 30 days only (airbytehq/airbyte#6133). */
const DEFAULT_WINDOW_MS = 30 * 86_400_000;
const SINCE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** The ticket as the API prints it, with the side-loads asked for; a copy, so a caller cannot change the account. */
export function ticketJson(state: SimState, t: SimFreshdeskTicket, include: ReadonlySet<string>, view: boolean): Record<string, unknown> {
  const { description, description_text, ...rest } = t;
  const out: Record<string, unknown> = { ...rest, tags: [...t.tags], custom_fields: { ...t.custom_fields }, cc_emails: [...t.cc_emails] };
  // On the list, accounts created after 2018-11-30 get the description only with include=description; View a
  // Ticket always carries it.
  if (view || include.has('description')) Object.assign(out, { description, description_text });
  // The list's own sample carries the description as structured content when the HTML is not embedded.
  else out.structured_description = { description_contents: [{ type: 'text', data: { content: description_text } }] };
  if (include.has('requester')) {
    const r = [...state.contacts.values()].find((c) => c.id === t.requester_id);
    out.requester = r ? { id: r.id, name: r.name, email: r.email, mobile: r.mobile, phone: r.phone } : null;
  }
  return out;
}

function parseInclude(req: SimRequest, allowed: readonly string[]): Set<string> | SimResponse {
  const raw = req.url.searchParams.get('include');
  const set = new Set<string>();
  if (raw === null) return set;
  for (const part of raw.split(',')) {
    if (!allowed.includes(part)) return invalid('include', `It should be one/more of: '${allowed.join(',')}'`, 'invalid_value');
    set.add(part);
  }
  return set;
}

/** The `link` header as the Pagination section prints it: `<https://domain.freshdesk.com/api/v2/tickets?…&page=2>;rel="next"`. */
const nextLinkHeader = (state: SimState, path: string, query: URLSearchParams) => `<${state.origin}${path}?${query.toString()}>;rel="next"`;

const isResponse = (x: unknown): x is SimResponse => typeof x === 'object' && x !== null && 'status' in x && typeof (x as SimResponse).status === 'number';

/** The simulated API's routes, under `/api/v2`. */
export function createRoutes(state: SimState): SimRoute[] {
  const record = (req: SimRequest, credits: number) => {
    state.log.push({ method: req.method, path: req.url.pathname, query: new URLSearchParams(req.url.search) });
    state.credits += credits;
  };

  const list = (req: SimRequest): SimResponse => {
    const q = req.url.searchParams;
    const include = parseInclude(req, LIST_INCLUDES);
    if (isResponse(include)) return include;
    record(req, 1 + 2 * include.size);
    const perPageRaw = q.get('per_page');
    const perPage = perPageRaw === null ? PER_PAGE_DEFAULT : /^\d+$/.test(perPageRaw) ? Number(perPageRaw) : Number.NaN;
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > PER_PAGE_MAX) return invalid('per_page', `It should be a Positive Number less than or equal to ${PER_PAGE_MAX}`);
    const pageRaw = q.get('page');
    const page = pageRaw === null ? 1 : /^\d+$/.test(pageRaw) ? Number(pageRaw) : Number.NaN;
    if (!Number.isInteger(page) || page < 1) return invalid('page', 'It should be a Positive Number');
    if (page > MAX_PAGE) return invalid('page', `You cannot access tickets beyond the ${MAX_PAGE}th page`);
    const orderBy = q.get('order_by') ?? 'created_at';
    if (!(ORDER_BY as readonly string[]).includes(orderBy)) return invalid('order_by', `It should be one of these values: '${ORDER_BY.join(',')}'`, 'not_included');
    const orderType = q.get('order_type') ?? 'desc';
    if (orderType !== 'asc' && orderType !== 'desc') return invalid('order_type', "It should be one of these values: 'asc,desc'", 'not_included');
    const filter = q.get('filter');
    if (filter !== null && !(LIST_FILTERS as readonly string[]).includes(filter)) return invalid('filter', `It should be one of these values: '${LIST_FILTERS.join(',')}'`, 'not_included');
    const sinceRaw = q.get('updated_since');
    if (sinceRaw !== null && (!SINCE.test(sinceRaw) || Number.isNaN(Date.parse(sinceRaw)))) return invalid('updated_since', 'It should be in the \'YYYY-MM-DDTHH:MM:SSZ\' format', 'invalid_date');

    let rows = [...state.tickets.values()].filter((t) => (filter === 'deleted' ? t.deleted && !t.spam : filter === 'spam' ? t.spam : !t.deleted && !t.spam));
    const who = keyOwner(state, req)!;
    // An agent sees the tickets its ticket_scope allows: all (1), its groups' (2), or those assigned to it (3).
    if (who.ticketScope === 2) rows = rows.filter((t) => t.group_id !== null && who.groupIds.includes(t.group_id));
    if (who.ticketScope === 3) rows = rows.filter((t) => t.responder_id === who.agent.id);
    if (filter === 'new_and_my_open') rows = rows.filter((t) => t.status === 2 && (t.responder_id === null || t.responder_id === who.agent.id));
    if (filter === 'watching') rows = [];
    // updated_since is inclusive; without it only the last 30 days of created tickets come back.
    if (sinceRaw !== null) {
      const since = Date.parse(sinceRaw);
      rows = rows.filter((t) => Date.parse(t.updated_at) >= since);
    } else {
      const floor = state.now() - DEFAULT_WINDOW_MS;
      rows = rows.filter((t) => Date.parse(t.created_at) >= floor);
    }
    const key = orderBy === 'status' ? (t: SimFreshdeskTicket) => t.status : (t: SimFreshdeskTicket) => Date.parse(t[orderBy as 'created_at' | 'due_by' | 'updated_at']);
    // Ties keep id order, as a database index on (key, id) would.
    rows.sort((a, b) => (key(a) - key(b) || a.id - b.id) * (orderType === 'asc' ? 1 : -1));
    const start = (page - 1) * perPage;
    const items = rows.slice(start, start + perPage);
    const headers: Record<string, string> = {};
    // "The link header will not be set" on the last page (https://developers.freshdesk.com/api/#pagination).
    if (start + items.length < rows.length) {
      const next = new URLSearchParams(q);
      next.set('page', String(page + 1));
      headers.link = nextLinkHeader(state, req.url.pathname, next);
    }
    return { status: 200, headers, body: items.map((t) => ticketJson(state, t, include, false)) };
  };

  const view = (req: SimRequest, id: string | undefined): SimResponse => {
    const include = parseInclude(req, ['requester', 'stats', 'company', 'conversations']);
    if (isResponse(include)) return include;
    // On View a Ticket each include costs one more credit (the list charges two).
    record(req, 1 + include.size);
    const t = /^\d+$/.test(id ?? '') ? state.tickets.get(Number(id)) : undefined;
    // Trashed and spam tickets are still shown (deleted / spam true); only a purged or unknown id is 404, empty body.
    if (!t) return { status: 404 };
    return { status: 200, body: ticketJson(state, t, include, true) };
  };

  const conversations = (req: SimRequest, id: string | undefined): SimResponse => {
    record(req, 1);
    const t = /^\d+$/.test(id ?? '') ? state.tickets.get(Number(id)) : undefined;
    if (!t) return { status: 404 };
    const q = req.url.searchParams;
    const perPage = Math.min(Number(q.get('per_page') ?? PER_PAGE_DEFAULT) || PER_PAGE_DEFAULT, PER_PAGE_MAX);
    const page = Number(q.get('page') ?? '1') || 1;
    const all = state.conversations.get(t.id) ?? [];
    const items = all.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < all.length) {
      const next = new URLSearchParams(q);
      next.set('page', String(page + 1));
      headers.link = nextLinkHeader(state, req.url.pathname, next);
    }
    return { status: 200, headers, body: items.map((c) => ({ ...c })) };
  };

  return [
    {
      method: 'GET',
      path: '/api/v2/agents/me',
      handler: (req) => {
        record(req, 1);
        const who = keyOwner(state, req)!;
        const m = who.agent;
        return {
          status: 200,
          body: {
            available: true,
            occasional: false,
            id: m.id,
            signature: null,
            group_ids: who.groupIds,
            role_ids: [48000000100],
            ticket_scope: who.ticketScope,
            created_at: '2019-08-12T07:30:00Z',
            updated_at: '2026-01-05T08:00:00Z',
            type: 'support_agent',
            contact: { active: true, email: m.email, job_title: null, language: 'en', mobile: m.mobile, name: m.name, phone: m.phone, time_zone: 'Chennai', created_at: '2019-08-12T07:30:00Z', updated_at: '2026-01-05T08:00:00Z' },
          },
        };
      },
    },
    {
      // https://developers.freshdesk.com/api/#list_all_agents: per_page up to 100, link header to the next page.
      method: 'GET',
      path: '/api/v2/agents',
      handler: (req) => {
        record(req, 1);
        const q = req.url.searchParams;
        const perPage = Math.min(Number(q.get('per_page') ?? PER_PAGE_DEFAULT) || PER_PAGE_DEFAULT, PER_PAGE_MAX);
        const page = Number(q.get('page') ?? '1') || 1;
        const items = state.agents.slice((page - 1) * perPage, page * perPage);
        const headers: Record<string, string> = {};
        if (page * perPage < state.agents.length) {
          const next = new URLSearchParams(q);
          next.set('page', String(page + 1));
          headers.link = nextLinkHeader(state, req.url.pathname, next);
        }
        return {
          status: 200,
          headers,
          body: items.map((a) => ({
            available: true,
            occasional: false,
            id: a.id,
            ticket_scope: 1,
            signature: null,
            group_ids: [],
            role_ids: [48000000100],
            type: 'support_agent',
            created_at: '2019-08-12T07:30:00Z',
            updated_at: '2026-01-05T08:00:00Z',
            contact: { active: true, email: a.email, job_title: null, language: 'en', mobile: a.mobile, name: a.name, phone: a.phone, time_zone: 'Chennai' },
          })),
        };
      },
    },
    { method: 'GET', path: '/api/v2/tickets', handler: (req) => list(req) },
    { method: 'GET', path: '/api/v2/tickets/:id', handler: (req, p) => view(req, p.id) },
    { method: 'GET', path: '/api/v2/tickets/:id/conversations', handler: (req, p) => conversations(req, p.id) },
    {
      method: 'GET',
      path: '/api/v2/ticket_fields',
      handler: (req) => {
        record(req, 1);
        const type = req.url.searchParams.get('type');
        const fields = [
          { id: 48000100001, name: 'requester', label: 'Search a requester', type: 'default_requester', default: true, position: 1 },
          { id: 48000100002, name: 'subject', label: 'Subject', type: 'default_subject', default: true, position: 2 },
          { id: 48000100004, name: 'status', label: 'Status', type: 'default_status', default: true, position: 4, choices: STATUS_CHOICES },
          { id: 48000100005, name: 'priority', label: 'Priority', type: 'default_priority', default: true, position: 5, choices: { Low: 1, Medium: 2, High: 3, Urgent: 4 } },
          { id: 48000100006, name: 'cf_order_number', label: 'Order number', type: 'custom_text', default: false, position: 10 },
        ];
        // "Filter by type: /api/v2/ticket_fields?type=[type]".
        return { status: 200, body: type === null ? fields : fields.filter((f) => f.type === type) };
      },
    },
  ];
}

/** The agent whose key `Authorization: Basic base64(apiKey:X)` carries; Freshdesk ignores the password part. */
export function keyOwner(state: SimState, req: SimRequest): SimKeyOwner | undefined {
  const header = req.headers.authorization;
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Basic\s+(.+)$/i.exec(value ?? '');
  const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
  return state.keys.get(decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded);
}

/** Refuses a request whose key belongs to no agent, with Freshdesk's 401. */
export function authenticate(state: SimState, req: SimRequest): SimResponse | undefined {
  return keyOwner(state, req) ? undefined : { status: 401, body: UNAUTHORIZED };
}
