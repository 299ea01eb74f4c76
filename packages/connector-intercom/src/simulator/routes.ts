import { randomUUID } from 'node:crypto';
import { paginateByCursor, type OAuthServer, type SimRequest, type SimResponse, type SimRoute, type SortKey } from '@ticketbridge/core/testing';
import type { SimState } from './state.js';
import type { SimConversation, SimTicket } from './types.js';

/** Intercom's error envelope, as every 4xx example of the OpenAPI description prints it. */
export const errorList = (status: number, code: string, message: string): SimResponse => ({
  status,
  body: { type: 'error.list', request_id: randomUUID(), errors: [{ code, message }] },
});

/** The 401 of a bad, revoked or missing token (the OpenAPI "Unauthorized" examples). */
export const UNAUTHORIZED = () => errorList(401, 'unauthorized', 'Access Token Invalid');

/** The workspace's one team, the `team_assignee_id` of the OpenAPI examples. */
export const TEAM = { id: '5017691', name: 'Billing & Refunds' } as const;

/** Search conversations: "The default is 20 results per page and maximum is 150". */
const DEFAULT_PER_PAGE = 20;
const MAX_PER_PAGE = 150;
/** Retrieve a conversation: "we will return the 500 most recent conversation parts". */
const MAX_PARTS = 500;

const header = (req: SimRequest, name: string) => {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? null;
};

type Filter = { field: string; operator: string; value: unknown };

/** Flattens a single filter or one AND group of filters (the query shapes of `search_request`). */
function filters(query: unknown): Filter[] | string {
  if (!query || typeof query !== 'object') return 'query is required';
  const q = query as Record<string, unknown>;
  if (typeof q.field === 'string') return [{ field: q.field, operator: String(q.operator), value: q.value }];
  if (q.operator === 'AND' && Array.isArray(q.value)) {
    if (q.value.length > 15) return 'There\'s a limit of max 15 filters for each AND or OR group';
    const out: Filter[] = [];
    for (const f of q.value) {
      if (!f || typeof f !== 'object' || typeof (f as Filter).field !== 'string') return 'Nested queries are not supported by this simulator';
      out.push(f as Filter);
    }
    return out;
  }
  return 'Unsupported query operator';
}

/** Whether an item passes the time filters the connector uses: `>` and `<` are "greater (or equal)" and "lower (or equal)". */
function matches(item: { updated_at: number; created_at: number; id: string }, f: Filter): boolean | string {
  const value = typeof f.value === 'string' && /^\d+$/.test(f.value) ? Number(f.value) : f.value;
  if (f.field === 'id') return f.operator === '=' ? item.id === String(value) : true;
  if (f.field !== 'updated_at' && f.field !== 'created_at') return `Simulator does not search on ${f.field}`;
  if (typeof value !== 'number') return `The value for ${f.field} must be a UNIX timestamp`;
  const at = item[f.field];
  if (f.operator === '>') return at >= value;
  if (f.operator === '<') return at <= value;
  if (f.operator === '=') return at === value;
  return `Operator ${f.operator} is not valid for ${f.field}`;
}

/** The searches: filtered, sorted, paged with opaque `starting_after` cursors. */
function search<T extends { updated_at: number; created_at: number; id: string }>(
  state: SimState,
  req: SimRequest,
  all: readonly T[],
  kind: 'conversation' | 'ticket',
  view: (item: T) => unknown,
): SimResponse {
  const body = (req.json ?? {}) as Record<string, unknown>;
  const fs = filters(body.query);
  if (typeof fs === 'string') return errorList(400, 'query_invalid', fs);
  let rows: T[] = [];
  for (const item of all) {
    let ok = true;
    for (const f of fs) {
      const m = matches(item, f);
      if (typeof m === 'string') return errorList(400, 'query_invalid', m);
      ok = ok && m;
    }
    if (ok) rows.push(item);
  }
  const sort = body.sort as { field?: string; order?: string } | undefined;
  const ascending = (state.options.honourSort ?? true) && sort?.field === 'updated_at' && sort.order === 'ascending';
  if (!ascending) rows = [...rows].reverse();
  // Cursors encode the last item's position, so an item updated between two pages moves instead of shifting others.
  const key = (t: T): SortKey => (ascending ? [t.updated_at, t.id] : [-t.updated_at, -Number(t.id)]);
  const pagination = (body.pagination ?? {}) as { per_page?: unknown; starting_after?: unknown };
  const page = paginateByCursor({
    items: rows,
    key,
    cursor: typeof pagination.starting_after === 'string' ? pagination.starting_after : null,
    pageSize: typeof pagination.per_page === 'number' || typeof pagination.per_page === 'string' ? pagination.per_page : null,
    defaultSize: DEFAULT_PER_PAGE,
    maxSize: MAX_PER_PAGE,
    pageSizeParameter: 'per_page',
    cursorParameter: 'starting_after',
    invalid: (message) => errorList(400, 'parameter_invalid', message),
  });
  if (!page.ok) return page.response;
  const index = page.items.length ? rows.indexOf(page.items[0]!) : rows.length;
  const pages: Record<string, unknown> = {
    type: 'pages',
    page: Math.floor(index / page.pageSize) + 1,
    per_page: page.pageSize,
    total_pages: Math.max(1, Math.ceil(rows.length / page.pageSize)),
  };
  if (page.next) pages.next = { page: Math.floor(index / page.pageSize) + 2, starting_after: page.next };
  return {
    status: 200,
    body: { type: `${kind}.list`, pages, total_count: rows.length, [`${kind}s`]: page.items.map(view) },
  };
}

/** A conversation as Search prints it: no parts ("only returned when Retrieving a Conversation"). */
export const conversationJson = (c: SimConversation) => structuredClone(c);

/** A ticket as Search prints it: no parts. */
export const ticketJson = (t: SimTicket) => structuredClone(t);

/** The simulated API's routes. */
export function createRoutes(state: SimState, oauth: OAuthServer): SimRoute[] {
  const record = (req: SimRequest) => state.log.push({ method: req.method, path: req.url.pathname, version: header(req, 'intercom-version'), body: req.json });
  return [
    {
      method: 'GET',
      path: '/me',
      handler: (req) => {
        record(req);
        const me = state.admins[0]!;
        return {
          status: 200,
          body: {
            type: 'admin',
            id: me.id,
            email: me.email,
            name: me.name,
            email_verified: true,
            app: { type: 'app', id_code: state.appId, name: 'Acme Support', created_at: 1734537243, secure: false, identity_verification: false, timezone: 'Europe/Dublin', region: state.region },
            avatar: { type: 'avatar', image_url: 'https://static.intercomassets.com/assets/default-avatars/admins/128.png' },
            has_inbox_seat: true,
          },
        };
      },
    },
    {
      // List all admins: every teammate in one answer (admin_list example).
      method: 'GET',
      path: '/admins',
      handler: (req) => {
        record(req);
        if (state.options.readAdmins === false) return UNAUTHORIZED();
        return {
          status: 200,
          body: {
            type: 'admin.list',
            admins: state.admins.map((a) => ({ type: 'admin', email: a.email, id: a.id, name: a.name, away_mode_enabled: false, away_mode_reassign: false, has_inbox_seat: true, team_ids: a.id === state.admins[0]!.id ? [Number(TEAM.id)] : [] })),
          },
        };
      },
    },
    {
      // List all teams (team_list).
      method: 'GET',
      path: '/teams',
      handler: (req) => {
        record(req);
        if (state.options.readAdmins === false) return UNAUTHORIZED();
        return { status: 200, body: { type: 'team.list', teams: [{ type: 'team', id: TEAM.id, name: TEAM.name, admin_ids: [Number(state.admins[0]!.id)] }] } };
      },
    },
    {
      method: 'POST',
      path: '/conversations/search',
      handler: (req) => {
        record(req);
        return search(state, req, state.conversations.all(), 'conversation', conversationJson);
      },
    },
    {
      // List all deleted conversation IDs (2.16): `order` asc|desc (default desc, by deletion time as the example
      // orders them), `page` numbers, `per_page` default 20 and at most 60, `pages.next` a URL or absent.
      method: 'GET',
      path: '/conversations/deleted',
      handler: (req) => {
        record(req);
        const q = req.url.searchParams;
        const order = q.get('order') ?? 'desc';
        if (order !== 'asc' && order !== 'desc') return errorList(400, 'parameter_invalid', 'order must be asc or desc');
        const perPage = Math.min(Math.max(1, Number(q.get('per_page') ?? 20) || 20), 60);
        const page = Math.max(1, Number(q.get('page') ?? 1) || 1);
        const rows = [...state.deleted].sort((a, b) => (a.deleted_at - b.deleted_at || Number(a.id) - Number(b.id)) * (order === 'asc' ? 1 : -1));
        const items = rows.slice((page - 1) * perPage, page * perPage);
        const totalPages = Math.max(1, Math.ceil(rows.length / perPage));
        const pages: Record<string, unknown> = { type: 'pages', page, per_page: perPage, total_pages: totalPages };
        if (page < totalPages) pages.next = `https://api.intercom.io/conversations/deleted?per_page=${perPage}&order=${order}&page=${page + 1}`;
        return { status: 200, body: { type: 'conversations.list', total_count: rows.length, pages, conversations: items.map((d) => ({ ...d })) } };
      },
    },
    {
      method: 'GET',
      path: '/conversations/:id',
      handler: (req, p) => {
        record(req);
        const c = state.conversations.get(p.id ?? '');
        if (!c) return errorList(404, 'not_found', 'Resource Not Found');
        const parts = (state.parts.get(c.id) ?? []) as unknown[];
        const out = conversationJson(c) as unknown as Record<string, unknown>;
        out.conversation_parts = { type: 'conversation_part.list', conversation_parts: structuredClone(parts.slice(-MAX_PARTS)), total_count: parts.length };
        return { status: 200, body: out };
      },
    },
    {
      method: 'POST',
      path: '/tickets/search',
      handler: (req) => {
        record(req);
        return search(state, req, state.tickets.all(), 'ticket', ticketJson);
      },
    },
    {
      method: 'GET',
      path: '/tickets/:id',
      handler: (req, p) => {
        record(req);
        const t = state.tickets.get(p.id ?? '');
        if (!t) return errorList(404, 'ticket_not_found', 'Ticket not found');
        const parts = (state.parts.get(t.id) ?? []) as unknown[];
        const out = ticketJson(t) as unknown as Record<string, unknown>;
        out.ticket_parts = { type: 'ticket_part.list', ticket_parts: structuredClone(parts.slice(-MAX_PARTS)), total_count: parts.length };
        return { status: 200, body: out };
      },
    },
    // OAuth ("Setting up OAuth"): the consent page, and the token exchange at /auth/eagle/token, which answers a
    // token that never expires and no refresh token ("Access tokens do not expire", Intercom's OAuth guide as quoted
    // by nango.dev).
    { method: 'GET', path: '/oauth', public: true, handler: (req) => oauth.authorize(req) },
    {
      method: 'POST',
      path: '/auth/eagle/token',
      public: true,
      handler: async (req) => {
        const answer = await oauth.token(req);
        if (answer.status !== 200 || !answer.body || typeof answer.body !== 'object') return answer;
        const b = answer.body as Record<string, unknown>;
        return { status: 200, body: { token_type: 'Bearer', token: b.access_token, access_token: b.access_token } };
      },
    },
  ];
}

/** Refuses a request without a token the workspace issued, with Intercom's 401. */
export function authenticate(state: SimState, oauth: OAuthServer, req: SimRequest): SimResponse | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(header(req, 'authorization') ?? '');
  if (!m) return UNAUTHORIZED();
  if (m[1] === state.accessToken) return undefined;
  return oauth.bearer(m[1]!).ok ? undefined : UNAUTHORIZED();
}
