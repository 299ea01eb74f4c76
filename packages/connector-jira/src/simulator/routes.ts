import { compareSortKeys, createTokenPaginator, type OAuthServer, type SimRequest, type SimResponse, type SimRoute } from '@ticketbridge/core/testing';
import { JqlError, parseJql, sortKey } from './jql.js';
import { CATEGORIES, FIELD_IDS, PRIORITIES, STATUSES, type SimState } from './state.js';
import type { SimAccount, SimComment, SimIssue } from './types.js';

// Sources: Jira Cloud platform REST API v3 (developer.atlassian.com/cloud/jira/platform/rest/v3/), its OpenAPI
// document (swagger-v3.v3.json), the Service Management REST API (developer.atlassian.com/cloud/jira/service-desk/rest/)
// and the webhooks page. What rests on third parties only is marked [U] in the package README.

/** The 401 Jira Cloud answers to missing or wrong Basic credentials (plain text) [U: wording from community reports]. */
export const UNAUTHORIZED_TEXT = 'Client must be authenticated to access this resource.';

const errors = (status: number, ...messages: string[]): SimResponse => ({ status, body: { errorMessages: messages, errors: {} } });

/** The API caller: the account, and whether it came through the gateway with OAuth. */
export interface Caller {
  account: SimAccount;
  via: 'site' | 'gateway-basic' | 'oauth';
}

const NOT_FOUND = 'Issue does not exist or you do not have permission to see it.';
/** "max 5000 issues" when only id/key are requested; fewer with fields (100 seen; the API may return fewer) [U]. */
const ID_MAX = 5000;
const FIELDS_MAX = 100;
const DEFAULT_MAX = 50;

/** What a caller sees: issues of the service projects it is an agent of (and the software project for admins). */
function visible(caller: Caller, issue: SimIssue): boolean {
  return caller.account.projects.includes(issue.projectKey) || (caller.account.admin && issue.projectKey === 'DEV');
}

function user(state: SimState, id: string | null): unknown {
  if (id === null) return null;
  const a = state.accounts.get(id);
  if (!a) return null;
  // The e-mail is left out (not null) when the profile hides it.
  return {
    self: `${state.site}/rest/api/3/user?accountId=${a.accountId}`,
    accountId: a.accountId,
    ...(a.emailAddress === null ? {} : { emailAddress: a.emailAddress }),
    avatarUrls: { '48x48': 'https://secure.gravatar.com/avatar/0?d=mm' },
    displayName: a.displayName,
    active: a.active,
    timeZone: a.timeZone,
    accountType: a.accountType,
  };
}

function commentJson(state: SimState, issue: SimIssue, c: SimComment): Record<string, unknown> {
  return {
    self: `${state.site}/rest/api/3/issue/${issue.id}/comment/${c.id}`,
    id: c.id,
    author: user(state, c.authorId),
    body: c.body,
    updateAuthor: user(state, c.authorId),
    created: c.created,
    updated: c.updated,
    jsdPublic: c.jsdPublic,
  };
}

/** Every field of an issue, as REST v3 prints them (ADF bodies, Jira timestamps, nulls for unset system fields). */
function allFields(state: SimState, issue: SimIssue, embedded: number): Record<string, unknown> {
  const project = state.projects.find((p) => p.key === issue.projectKey)!;
  const status = STATUSES[issue.status]!;
  const fields: Record<string, unknown> = {
    summary: issue.summary,
    description: issue.description,
    status: { self: `${state.site}/rest/api/3/status/${status.id}`, description: '', iconUrl: '', name: issue.status, id: status.id, statusCategory: CATEGORIES[status.category] },
    priority: issue.priority === null ? null : { self: `${state.site}/rest/api/3/priority/${PRIORITIES[issue.priority]}`, iconUrl: '', name: issue.priority, id: PRIORITIES[issue.priority] },
    labels: [...issue.labels],
    reporter: user(state, issue.reporterId),
    creator: user(state, issue.reporterId),
    assignee: user(state, issue.assigneeId),
    issuetype: { self: '', id: issue.issueType === 'Bug' ? '10004' : '10003', name: issue.issueType, subtask: false, hierarchyLevel: 0 },
    project: { self: `${state.site}/rest/api/3/project/${project.id}`, id: project.id, key: project.key, name: project.name, projectTypeKey: project.projectTypeKey, simplified: false },
    resolution: issue.resolution === null ? null : { self: '', id: issue.resolution === 'Done' ? '10000' : '10001', description: '', name: issue.resolution },
    resolutiondate: issue.resolution === null ? null : state.time(issue.updated),
    created: state.time(issue.created),
    updated: state.time(issue.updated),
    comment: {
      comments: issue.comments.slice(0, embedded).map((c) => commentJson(state, issue, c)),
      self: `${state.site}/rest/api/3/issue/${issue.id}/comment`,
      maxResults: Math.min(embedded, issue.comments.length),
      total: issue.comments.length,
      startAt: 0,
    },
    watches: { self: '', watchCount: 1, isWatching: false },
    customfield_10000: '{}',
  };
  for (const [id, value] of Object.entries(issue.custom)) fields[id] = value;
  return fields;
}

/** The issue bean with the fields asked for (`*all`, `*navigable`, or ids; `-id` removes one). */
export function issueJson(state: SimState, issue: SimIssue, wanted: readonly string[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations', id: issue.id, self: `${state.site}/rest/api/3/issue/${issue.id}`, key: issue.key };
  const all = allFields(state, issue, state.options.embeddedComments ?? 20);
  const picked: Record<string, unknown> = {};
  const list = wanted ?? ['*navigable'];
  const everything = list.includes('*all') || list.includes('*navigable');
  for (const [k, v] of Object.entries(all)) {
    // Unset custom fields print as null when asked for by id or by *all.
    if (everything || list.includes(k)) picked[k] = v;
  }
  for (const id of list) if (id.startsWith('customfield_') && !(id in picked)) picked[id] = null;
  for (const id of list) if (id.startsWith('-')) delete picked[id.slice(1)];
  out.fields = picked;
  return out;
}

function fieldsParam(raw: string | string[] | null | undefined): string[] | undefined {
  if (raw === null || raw === undefined) return undefined;
  const parts = (Array.isArray(raw) ? raw : [raw]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
  return parts.length ? parts : undefined;
}

/** The simulated REST API's routes, for the site's paths; the gateway mounts the same under `/ex/jira/{cloudId}`. */
export function createRoutes(state: SimState, caller: (req: SimRequest) => Caller | undefined, oauth: OAuthServer): SimRoute[] {
  const tokens = createTokenPaginator({ ttlMs: 7 * 86_400_000, invalid: (message) => errors(400, message) });
  const record = (req: SimRequest) => state.log.push({ method: req.method, path: req.url.pathname.replace(/^\/ex\/jira\/[^/]+/, ''), query: new URLSearchParams(req.url.search), body: req.json });
  const who = (req: SimRequest) => caller(req)!;

  const search = (req: SimRequest): SimResponse => {
    record(req);
    const q = req.url.searchParams;
    const jql = q.get('jql') ?? '';
    const c = who(req);
    let parsed;
    try {
      parsed = parseJql(state, jql, c.account.timeZone);
    } catch (error) {
      return errors(400, error instanceof JqlError ? error.message : 'Error in the JQL Query.');
    }
    if (!parsed.bounded) return errors(400, 'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.');
    const fields = fieldsParam(q.getAll('fields'));
    const idsOnly = fields === undefined || fields.every((f) => f === 'id' || f === 'key');
    const lag = state.options.indexLagMs ?? 0;
    const now = state.now();
    // The index is eventually consistent: a write younger than the lag is not searchable yet.
    const items = [...state.issues.values()]
      .filter((i) => visible(c, i) && parsed.filter(i) && now - i.updated >= lag && !state.lagging.has(i.id))
      .map((i) => ({ i, key: sortKey(i, parsed.order) }))
      .sort((a, b) => compareSortKeys(a.key, b.key));
    const page = tokens.page({
      items,
      key: (x) => x.key,
      token: q.get('nextPageToken'),
      pageSize: q.get('maxResults'),
      defaultSize: DEFAULT_MAX,
      maxSize: idsOnly ? (state.options.idPageMax ?? ID_MAX) : (state.options.searchPageMax ?? FIELDS_MAX),
      query: `${jql}|${fields?.join(',') ?? ''}`,
    });
    if (!page.ok) return page.response;
    const issues = page.items.map(({ i }) => (fields === undefined || (fields.length === 1 && fields[0] === 'id') ? { id: i.id } : issueJson(state, i, fields)));
    // No total, no startAt; the token is absent on the last page, which says isLast.
    return { status: 200, body: { issues, ...(page.next ? { nextPageToken: page.next } : {}), isLast: page.next === null } };
  };

  const readIssue = (req: SimRequest, id: string | undefined): SimResponse => {
    record(req);
    const issue = [...state.issues.values()].find((i) => i.id === id || i.key === id);
    if (!issue || !visible(who(req), issue)) return errors(404, NOT_FOUND);
    return { status: 200, body: issueJson(state, issue, fieldsParam(req.url.searchParams.get('fields'))) };
  };

  const comments = (req: SimRequest, id: string | undefined): SimResponse => {
    record(req);
    const issue = [...state.issues.values()].find((i) => i.id === id || i.key === id);
    if (!issue || !visible(who(req), issue)) return errors(404, NOT_FOUND);
    const q = req.url.searchParams;
    const startAt = Math.max(0, Number(q.get('startAt') ?? 0) || 0);
    const maxResults = Math.min(Math.max(1, Number(q.get('maxResults') ?? 5000) || 5000), 5000);
    const slice = issue.comments.slice(startAt, startAt + maxResults);
    return { status: 200, body: { startAt, maxResults, total: issue.comments.length, comments: slice.map((c) => commentJson(state, issue, c)) } };
  };

  const bulkFetch = (req: SimRequest): SimResponse => {
    record(req);
    const body = req.json as { issueIdsOrKeys?: unknown; fields?: unknown } | undefined;
    const ids = Array.isArray(body?.issueIdsOrKeys) ? body.issueIdsOrKeys.map(String) : [];
    if (ids.length === 0 || ids.length > 100) return errors(400, 'issueIdsOrKeys must contain between 1 and 100 issue ids or keys.');
    const fields = Array.isArray(body?.fields) ? body.fields.map(String) : undefined;
    const c = who(req);
    const found: unknown[] = [];
    const issueErrors: unknown[] = [];
    for (const id of ids) {
      const issue = [...state.issues.values()].find((i) => i.id === id || i.key === id);
      if (issue && visible(c, issue)) found.push(issueJson(state, issue, fields));
      else issueErrors.push({ errorMessages: [NOT_FOUND], errors: {}, status: 404, issueIdOrKey: id });
    }
    return { status: 200, body: { expand: 'schema,names', issues: found, issueErrors } };
  };

  const fields = (req: SimRequest): SimResponse => {
    record(req);
    const custom = (id: string, name: string, type: string, custom: string) => ({ id, key: id, name, custom: true, orderable: true, navigable: true, searchable: true, clauseNames: [`cf[${id.slice(12)}]`, name], schema: { type, custom, customId: Number(id.slice(12)) } });
    return {
      status: 200,
      body: [
        { id: 'summary', key: 'summary', name: 'Summary', custom: false, orderable: true, navigable: true, searchable: true, clauseNames: ['summary'], schema: { type: 'string', system: 'summary' } },
        { id: 'status', key: 'status', name: 'Status', custom: false, orderable: false, navigable: true, searchable: true, clauseNames: ['status'], schema: { type: 'status', system: 'status' } },
        { id: 'updated', key: 'updated', name: 'Updated', custom: false, orderable: false, navigable: true, searchable: true, clauseNames: ['updated', 'updatedDate'], schema: { type: 'datetime', system: 'updated' } },
        custom(FIELD_IDS.requestType, 'Request Type', 'sd-customerrequesttype', 'com.atlassian.servicedesk:vp-origin'),
        custom(FIELD_IDS.organizations, 'Organizations', 'array', 'com.atlassian.servicedesk:sd-customer-organizations'),
        custom(FIELD_IDS.timeToResolution, 'Time to resolution', 'sd-servicelevelagreement', 'com.atlassian.servicedesk:sd-sla-field'),
        custom(FIELD_IDS.timeToFirstResponse, 'Time to first response', 'sd-servicelevelagreement', 'com.atlassian.servicedesk:sd-sla-field'),
        custom(FIELD_IDS.notes, 'Escalation notes', 'string', 'com.atlassian.jira.plugin.system.customfieldtypes:textarea'),
      ],
    };
  };

  const myself = (req: SimRequest): SimResponse => {
    record(req);
    const a = who(req).account;
    return {
      status: 200,
      body: {
        self: `${state.site}/rest/api/3/user?accountId=${a.accountId}`,
        accountId: a.accountId,
        accountType: a.accountType,
        ...(a.emailAddress === null ? {} : { emailAddress: a.emailAddress }),
        avatarUrls: {},
        displayName: a.displayName,
        active: a.active,
        timeZone: a.timeZone,
        locale: 'en_US',
        groups: { size: 1, items: [] },
        applicationRoles: { size: 1, items: [] },
        expand: 'groups,applicationRoles',
      },
    };
  };

  const permissions = (req: SimRequest): SimResponse => {
    record(req);
    const wanted = req.url.searchParams.get('permissions');
    // Since 2019 the permissions parameter is required.
    if (!wanted) return errors(400, 'The permissions query parameter is required.');
    const admin = who(req).account.admin;
    const out: Record<string, unknown> = {};
    for (const key of wanted.split(',')) out[key] = { id: key === 'ADMINISTER' ? '0' : '10', key, name: key === 'ADMINISTER' ? 'Administer Jira' : key, type: 'GLOBAL', description: '', havePermission: key === 'ADMINISTER' ? admin : true };
    return { status: 200, body: { permissions: out } };
  };

  const serviceDesks = (req: SimRequest): SimResponse => {
    record(req);
    const q = req.url.searchParams;
    const start = Math.max(0, Number(q.get('start') ?? 0) || 0);
    const limit = Math.min(Math.max(1, Number(q.get('limit') ?? 50) || 50), 100);
    const a = who(req).account;
    const desks = state.projects.filter((p) => p.serviceDeskId !== null && a.projects.includes(p.key));
    const values = desks.slice(start, start + limit).map((p) => ({ id: p.serviceDeskId, projectId: p.id, projectName: p.name, projectKey: p.key, _links: { self: `${state.site}/rest/servicedeskapi/servicedesk/${p.serviceDeskId}` } }));
    return { status: 200, body: { _expands: [], size: values.length, start, limit, isLastPage: start + values.length >= desks.length, _links: { base: state.site, context: '' }, values } };
  };

  const adminOnly = (req: SimRequest): SimResponse | undefined => {
    const c = who(req);
    if (c.via === 'oauth') return errors(403, 'Only Jira administrators can manage webhooks, and only with a user\'s credentials.');
    if (!c.account.admin) return errors(403, 'You do not have permission to manage webhooks. Only Jira administrators can.');
    return undefined;
  };

  const webhookJson = (w: { id: string; name: string; url: string; events: string[]; jql: string | null }) => ({
    self: `${state.site}/rest/webhooks/1.0/webhook/${w.id}`,
    name: w.name,
    url: w.url,
    excludeBody: false,
    filters: { 'issue-related-events-section': w.jql ?? '' },
    events: w.events,
    enabled: true,
    lastUpdatedUser: state.me.accountId,
    lastUpdatedDisplayName: state.me.displayName,
    lastUpdated: state.now(),
  });

  const site: SimRoute[] = [
    { method: 'GET', path: '/rest/api/3/myself', handler: myself },
    { method: 'GET', path: '/rest/api/3/field', handler: fields },
    { method: 'GET', path: '/rest/api/3/mypermissions', handler: permissions },
    { method: 'GET', path: '/rest/api/3/search/jql', handler: search },
    { method: 'GET', path: '/rest/api/3/issue/:id', handler: (req, p) => readIssue(req, p.id) },
    { method: 'GET', path: '/rest/api/3/issue/:id/comment', handler: (req, p) => comments(req, p.id) },
    { method: 'POST', path: '/rest/api/3/issue/bulkfetch', handler: bulkFetch },
    // The old search endpoints were removed (atlassian-mcp-server#70): 410 Gone.
    { method: 'GET', path: '/rest/api/3/search', handler: (req) => (record(req), errors(410, 'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.')) },
    { method: 'GET', path: '/rest/servicedeskapi/servicedesk', handler: serviceDesks },
    {
      method: 'GET',
      path: '/rest/webhooks/1.0/webhook',
      handler: (req) => {
        record(req);
        return adminOnly(req) ?? { status: 200, body: [...state.webhooks.values()].map(webhookJson) };
      },
    },
    {
      method: 'POST',
      path: '/rest/webhooks/1.0/webhook',
      handler: (req) => {
        record(req);
        const refused = adminOnly(req);
        if (refused) return refused;
        const b = req.json as { name?: unknown; url?: unknown; events?: unknown; filters?: Record<string, unknown>; secret?: unknown } | undefined;
        if (typeof b?.name !== 'string' || typeof b.url !== 'string') return { status: 400, body: { errorMessages: [], errors: { url: 'URL and name are required.' } } };
        const jql = typeof b.filters?.['issue-related-events-section'] === 'string' ? (b.filters['issue-related-events-section'] as string) : null;
        if (jql) {
          try {
            parseJql(state, jql, 'UTC');
          } catch (error) {
            return errors(400, error instanceof Error ? error.message : 'invalid JQL');
          }
        }
        const id = String(state.ids.webhook++);
        const w = { id, name: b.name, url: b.url, events: Array.isArray(b.events) ? b.events.map(String) : [], jql, secret: typeof b.secret === 'string' && b.secret ? b.secret : null };
        state.webhooks.set(id, w);
        return { status: 201, body: webhookJson(w) };
      },
    },
    {
      method: 'DELETE',
      path: '/rest/webhooks/1.0/webhook/:id',
      handler: (req, p) => {
        record(req);
        const refused = adminOnly(req);
        if (refused) return refused;
        if (!state.webhooks.delete(p.id!)) return errors(404, 'Webhook not found.');
        return { status: 204 };
      },
    },
  ];

  const gateway = site.map((r) => ({ ...r, path: `/ex/jira/:cloudId${r.path as string}`, handler: (req: SimRequest, p: Record<string, string>) => (p.cloudId === state.cloudId ? r.handler(req, p) : errors(404, 'Site not found')) }));
  return [
    ...site,
    ...gateway,
    // auth.atlassian.com and api.atlassian.com's resource list, on the same loopback origin.
    { method: 'POST', path: '/oauth/token', public: true, handler: (req) => oauth.token(req) },
    { method: 'GET', path: '/authorize', public: true, handler: (req) => oauth.authorize(req, { userId: state.me.accountId }) },
    {
      method: 'GET',
      path: '/oauth/token/accessible-resources',
      handler: (req) => {
        record(req);
        return {
          status: 200,
          body: [
            { id: state.cloudId, url: state.site, name: state.subdomain, scopes: ['read:jira-work', 'read:jira-user', 'read:servicedesk-request'], avatarUrl: 'https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png' },
            { id: '00000000-1111-4222-a333-444444444444', url: 'https://other-team.atlassian.net', name: 'other-team', scopes: ['read:jira-work'], avatarUrl: '' },
          ],
        };
      },
    },
  ];
}
