import { createHash, createHmac, randomUUID } from 'node:crypto';
import { sendWebhook, type OAuthServer, type SimRequest, type SimResponse, type SimRoute } from '@ticketbridge/core/testing';
import { issueJson } from './routes.js';
import type { SimState } from './state.js';
import type { JiraDynamicWebhooks, SimIssue } from './types.js';

// Sources: Jira Cloud platform REST API v3, group Webhooks (developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-webhooks/)
// and its OpenAPI document (swagger-v3.v3.json: registerDynamicWebhooks, getDynamicWebhooksForApp, deleteWebhookById,
// refreshWebhooks; schemas WebhookRegistrationDetails, WebhookDetails, ContainerForRegisteredWebhooks, PageBeanWebhook,
// ContainerForWebhookIDs, WebhooksExpirationDate). The delivery's JWT: Nango's Jira webhook guide ("a bearer JWT in
// the Authorization header, using your app's client secret") and the claims lobu-ai/lobu observed (iss, sub, exp,
// iat, jti, context). What rests on third parties only is marked [U] in the package README.

/** Events a dynamic webhook may subscribe to (the `WebhookDetails.events` enum). */
const EVENTS = ['jira:issue_created', 'jira:issue_updated', 'jira:issue_deleted', 'comment_created', 'comment_updated', 'comment_deleted', 'issue_property_set', 'issue_property_deleted'];
/** "Webhooks registered through the REST API expire after 30 days." (refreshWebhooks) */
export const DYNAMIC_TTL_MS = 30 * 24 * 3_600_000;
/** Fields and operators of the JQL subset a dynamic webhook's `jqlFilter` may use (WebhookDetails.jqlFilter). */
const FIELDS = /^(issueKey|project|issuetype|status|assignee|reporter|issue\.property\[[^\]]+\](\.[\w.]+)?|cf\[\d+\])$/i;
/** How long a delivery's JWT lives [U: Atlassian documents no lifetime]. */
const JWT_TTL_SEC = 180;

interface Hook {
  id: number;
  clientId: string;
  accountId: string;
  url: string;
  events: string[];
  jqlFilter: string;
  fieldIdsFilter?: string[];
  issuePropertyKeysFilter?: string[];
  expiresAt: number;
}

const errors = (status: number, ...messages: string[]): SimResponse => ({ status, body: { errorMessages: messages, errors: {} } });

function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const unquote = (v: string) => v.trim().replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');

/**
 * The JQL subset of a dynamic webhook, as a predicate: clauses `field (=|!=) value` and `field [NOT] IN (a, b)` joined
 * by AND and OR (AND binds tighter). A field or operator outside the subset throws with the wording of the OpenAPI
 * example ("The clause watchCount is unsupported"). Only project, issueKey, issuetype and status are evaluated; the
 * other allowed fields are accepted and match every issue.
 */
export function dynamicJql(jql: string): (issue: SimIssue) => boolean {
  const ors = jql.trim().split(/\s+OR\s+/i).map((part) =>
    part.split(/\s+AND\s+/i).map((clause) => {
      const m = /^\s*([\w.[\]]+)\s*(=|!=|NOT\s+IN|IN|>=|<=|>|<|~|!~|IS\s+NOT|IS|WAS)\s*(.*?)\s*$/i.exec(clause);
      if (!m) throw new Error(`The clause ${clause.trim().slice(0, 40)} is unsupported`);
      const [, field, rawOp, value] = m as unknown as [string, string, string, string];
      if (!FIELDS.test(field)) throw new Error(`The clause ${field} is unsupported`);
      const op = rawOp.toUpperCase().replace(/\s+/g, ' ');
      if (!['=', '!=', 'IN', 'NOT IN'].includes(op)) throw new Error(`The operator ${op} is unsupported`);
      const values = op.endsWith('IN') ? (/^\((.*)\)$/.exec(value)?.[1] ?? '').split(',').map(unquote).filter(Boolean) : [unquote(value)];
      if (values.length === 0) throw new Error(`The clause ${field} has no value`);
      const read = (i: SimIssue): string | undefined => {
        switch (field.toLowerCase()) {
          case 'project': return i.projectKey;
          case 'issuekey': return i.key;
          case 'issuetype': return i.issueType;
          case 'status': return i.status;
          default: return undefined;
        }
      };
      return (i: SimIssue) => {
        const v = read(i);
        if (v === undefined) return true;
        const hit = values.some((x) => x.toLowerCase() === v.toLowerCase());
        return op === '=' || op === 'IN' ? hit : !hit;
      };
    }),
  );
  return (issue) => ors.some((ands) => ands.every((f) => f(issue)));
}

/** `2019-06-01T12:42:30.000+0000`, the OpenAPI example's spelling of `expirationDate`. */
function atlassianDate(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** An HS256 JWT built with node:crypto: the simulator never uses the connector's or core's verifier to sign. */
function jwt(claims: Record<string, unknown>, secret: string, alg = 'HS256'): string {
  const input = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
  if (alg === 'none') return `${input}.`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/**
 * Jira's dynamic webhooks for OAuth 2.0 (3LO) apps: the four REST operations on `/rest/api/3/webhook` (apps only:
 * any other caller gets 403), a 30-day expiry on a clock the test moves (`advance`), refresh extending it, and
 * deliveries to the registered URL with `Authorization: Bearer <JWT>` signed HS256 with the app's client secret.
 */
export function createDynamicWebhooks(state: SimState, oauth: OAuthServer, options: { expirationDate?: 'epoch' | 'string' } = {}) {
  const hooks = new Map<number, Hook>();
  let nextId = 10000;
  let offset = 0;
  const now = () => Date.now() + offset;
  const live = (clientId: string) => [...hooks.values()].filter((h) => h.clientId === clientId && h.expiresAt > now());
  const expiration = (ms: number) => (options.expirationDate === 'string' ? atlassianDate(ms) : ms);
  const record = (req: SimRequest) => state.log.push({ method: req.method, path: req.url.pathname.replace(/^\/ex\/jira\/[^/]+/, ''), query: new URLSearchParams(req.url.search), body: req.json });

  /** The calling app: only an OAuth bearer token (through the gateway) is an app; Basic callers are refused. */
  const app = (req: SimRequest): { clientId: string; accountId: string } | SimResponse => {
    const token = /^Bearer\s+(.+)$/i.exec(header(req, 'authorization') ?? '')?.[1];
    const check = token && req.url.pathname.startsWith('/ex/jira/') ? oauth.bearer(token.trim()) : undefined;
    // The OpenAPI document: 403 "Returned if the caller isn't an app." [U: the message wording].
    if (!check?.ok) return errors(403, 'Only Connect and OAuth 2.0 apps can use this operation.');
    return { clientId: check.clientId, accountId: check.userId };
  };
  const ids = (req: SimRequest): number[] | undefined => {
    const list = (req.json as { webhookIds?: unknown } | undefined)?.webhookIds;
    return Array.isArray(list) && list.every((x) => Number.isSafeInteger(x)) ? (list as number[]) : undefined;
  };
  /** DELETE and refresh: an app caller and a `{ webhookIds: [...] }` body, or Jira's 403 / 400. */
  const withIds = (handle: (caller: { clientId: string; accountId: string }, list: number[]) => SimResponse) => (req: SimRequest): SimResponse => {
    record(req);
    const caller = app(req);
    if ('status' in caller) return caller;
    const list = ids(req);
    if (!list) return errors(400, 'The list of webhook IDs is missing.');
    return handle(caller, list);
  };
  const webhookJson = (h: Hook) => ({
    id: h.id,
    jqlFilter: h.jqlFilter,
    ...(h.fieldIdsFilter ? { fieldIdsFilter: h.fieldIdsFilter } : {}),
    ...(h.issuePropertyKeysFilter ? { issuePropertyKeysFilter: h.issuePropertyKeysFilter } : {}),
    events: h.events,
    expirationDate: expiration(h.expiresAt),
    url: h.url,
  });

  const site: SimRoute[] = [
    {
      method: 'POST',
      path: '/rest/api/3/webhook',
      handler: (req) => {
        record(req);
        const caller = app(req);
        if ('status' in caller) return caller;
        const b = req.json as { url?: unknown; webhooks?: unknown } | undefined;
        if (typeof b?.url !== 'string' || !Array.isArray(b.webhooks)) return errors(400, 'The request must contain url and webhooks.');
        // "Only a single URL per app is allowed to be registered." [U: how Jira enforces it]
        const other = live(caller.clientId).find((h) => h.url !== b.url);
        if (other) return errors(400, 'Only a single URL per app is allowed to be registered.');
        const results = (b.webhooks as unknown[]).map((raw) => {
          const w = raw as { events?: unknown; jqlFilter?: unknown; fieldIdsFilter?: unknown; issuePropertyKeysFilter?: unknown };
          if (!Array.isArray(w?.events) || w.events.length === 0) return { errors: ['The events are required.'] };
          const unknownEvent = w.events.find((e) => !EVENTS.includes(String(e)));
          if (unknownEvent !== undefined) return { errors: [`The event ${String(unknownEvent)} is unsupported`] };
          if (typeof w.jqlFilter !== 'string' || !w.jqlFilter.trim()) return { errors: ['The JQL filter is required.'] };
          try {
            dynamicJql(w.jqlFilter);
          } catch (error) {
            return { errors: [(error as Error).message] };
          }
          const hook: Hook = {
            id: nextId++,
            clientId: caller.clientId,
            accountId: caller.accountId,
            url: b.url as string,
            events: w.events.map(String),
            jqlFilter: w.jqlFilter,
            ...(Array.isArray(w.fieldIdsFilter) ? { fieldIdsFilter: w.fieldIdsFilter.map(String) } : {}),
            ...(Array.isArray(w.issuePropertyKeysFilter) ? { issuePropertyKeysFilter: w.issuePropertyKeysFilter.map(String) } : {}),
            expiresAt: now() + DYNAMIC_TTL_MS,
          };
          hooks.set(hook.id, hook);
          return { createdWebhookId: hook.id };
        });
        return { status: 200, body: { webhookRegistrationResult: results } };
      },
    },
    {
      method: 'GET',
      path: '/rest/api/3/webhook',
      handler: (req) => {
        record(req);
        const caller = app(req);
        if ('status' in caller) return caller;
        const startAt = Math.max(0, Number(req.url.searchParams.get('startAt') ?? 0) || 0);
        const maxResults = Math.min(100, Math.max(1, Number(req.url.searchParams.get('maxResults') ?? 100) || 100));
        // An expired webhook is no longer sent, and here no longer listed [U: whether Jira still lists it].
        const all = live(caller.clientId).sort((a, b) => a.id - b.id);
        const values = all.slice(startAt, startAt + maxResults).map(webhookJson);
        return { status: 200, body: { self: req.url.toString(), maxResults, startAt, total: all.length, isLast: startAt + values.length >= all.length, values } };
      },
    },
    {
      method: 'DELETE',
      path: '/rest/api/3/webhook',
      handler: withIds((caller, list) => {
        // Webhooks of other apps are ignored.
        for (const id of list) if (hooks.get(id)?.clientId === caller.clientId) hooks.delete(id);
        return { status: 202 };
      }),
    },
    {
      method: 'PUT',
      path: '/rest/api/3/webhook/refresh',
      handler: withIds((caller, list) => {
        const until = now() + DYNAMIC_TTL_MS;
        // "Unrecognized webhook IDs (those that are not found or belong to other apps) are ignored."
        for (const h of live(caller.clientId)) if (list.includes(h.id)) h.expiresAt = until;
        return { status: 200, body: { expirationDate: expiration(until) } };
      }),
    },
  ];
  const routes: SimRoute[] = [
    ...site,
    ...site.map((r) => ({ ...r, path: `/ex/jira/:cloudId${r.path as string}`, handler: (req: SimRequest, p: Record<string, string>) => (p.cloudId === state.cloudId ? r.handler(req, p) : errors(404, 'Site not found')) })),
  ];

  let last: { url: string; body: Buffer; headers: Record<string, string> } | undefined;

  const api: JiraDynamicWebhooks = {
    advance(ms) {
      offset += ms;
    },
    list: () => [...hooks.values()].map((h) => ({ id: h.id, url: h.url, events: [...h.events], jqlFilter: h.jqlFilter, expiresAt: new Date(h.expiresAt).toISOString(), expired: h.expiresAt <= now() })),
    async deliver(externalIds, o = {}) {
      const event = o.event ?? 'updated';
      const name = `jira:issue_${event}`;
      const out: Array<{ status: number; body: string }> = [];
      for (const id of externalIds) {
        const issue = state.issues.get(id) ?? state.deleted.get(id);
        if (!issue) throw new Error(`simulator has no issue ${id}`);
        const matched = [...hooks.values()].filter((h) => h.expiresAt > now() && h.events.includes(name) && dynamicJql(h.jqlFilter)(issue));
        for (const url of new Set(matched.map((h) => h.url))) {
          const mine = matched.filter((h) => h.url === url);
          const sentAt = (o.sentAt ?? new Date()).getTime();
          const payload = {
            timestamp: sentAt,
            webhookEvent: name,
            issue_event_type_name: event === 'created' ? 'issue_created' : event === 'deleted' ? 'issue_deleted' : 'issue_generic',
            user: { accountId: mine[0]!.accountId, accountType: 'atlassian' },
            issue: issueJson(state, issue, ['*all']),
            // Which of the app's webhooks matched [U: from the Connect webhook docs].
            matchedWebhookIds: mine.map((h) => h.id),
          };
          const body = Buffer.from(JSON.stringify(o.tamper === 'body' ? { ...payload, webhookEvent: 'jira:issue_deleted' } : payload));
          const secret = oauth.client(mine[0]!.clientId)?.clientSecret ?? '';
          const iat = Math.floor(Date.now() / 1000) - (o.token === 'expired' ? 3600 : 0);
          const claims = { iss: mine[0]!.clientId, sub: mine[0]!.accountId, iat, exp: iat + JWT_TTL_SEC, jti: randomUUID(), context: {} };
          const token =
            o.token === 'alg-none' ? jwt(claims, secret, 'none') : o.token === 'wrong-secret' ? jwt(claims, 'not-the-client-secret') : o.token === 'tampered' ? tamper(jwt(claims, secret)) : jwt(claims, secret);
          const headers: Record<string, string> = {
            'content-type': 'application/json; charset=UTF-8',
            'user-agent': 'Atlassian Webhook HTTP Client',
            'x-atlassian-webhook-identifier': createHash('sha256').update(randomUUID()).digest('hex').slice(0, 24),
            'x-atlassian-webhook-flow': 'Primary',
            ...(o.token === 'missing' ? {} : { authorization: `Bearer ${token}` }),
          };
          last = { url, body, headers };
          const res = await sendWebhook({ url, body, headers });
          out.push({ status: res.status, body: res.body });
        }
      }
      return out;
    },
    async retryLast(retry) {
      if (!last) throw new Error('no delivery to retry');
      const res = await sendWebhook({ url: last.url, body: last.body, headers: { ...last.headers, 'x-atlassian-webhook-retry': String(retry) } });
      return { status: res.status, body: res.body };
    },
  };
  return { routes, api };
}

/** Changes one claim of a signed token without signing again. */
function tamper(token: string): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${h}.${b64({ ...claims, sub: 'someone-else' })}.${s}`;
}
