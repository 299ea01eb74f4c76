import { EDGE_CASE_TEXT, createOAuthServer, startSimulatorBase, type SimRequest, type SimResponse } from '@ticketbridge/core/testing';
import { adfDoc, toIssue } from './generate.js';
import { UNAUTHORIZED_TEXT, createRoutes, type Caller } from './routes.js';
import { FIELD_IDS, createGenerator, createSimState, tokenFor, type SimState } from './state.js';
import type { JiraSimulator, JiraSimulatorOptions } from './types.js';
import { createWebhookSender } from './webhooks.js';
import { createDynamicWebhooks } from './dynamic.js';

export type { JiraSimCredentials, JiraSimRequestRecord, JiraSimulator, JiraSimulatorOptions, SimAccount, SimComment, SimIssue, SimProject } from './types.js';
export type { JiraWebhookSender, JiraDynamicWebhooks } from './types.js';
export { formatJiraTime } from './state.js';

/** Statuses an update cycles through, so a changed issue visibly changes. */
const STATUS_CYCLE = ['Waiting for support', 'In Progress', 'Waiting for customer', 'Escalated', 'Pending', 'Resolved', 'Closed', 'Canceled'] as const;

function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Who a request authenticates as: Basic `email:token` (classic tokens on the site, scoped ones on the gateway) or Bearer. */
function identify(state: SimState, req: SimRequest, bearer: (token: string) => string | undefined): Caller | undefined {
  const auth = header(req, 'authorization') ?? '';
  const gateway = req.url.pathname.startsWith('/ex/jira/') || req.url.pathname === '/oauth/token/accessible-resources';
  const b = /^Bearer\s+(.+)$/i.exec(auth);
  if (b) {
    if (!gateway) return undefined;
    const id = bearer(b[1]!.trim());
    const account = id === undefined ? undefined : state.accounts.get(id);
    return account ? { account, via: 'oauth' } : undefined;
  }
  const m = /^Basic\s+(.+)$/i.exec(auth);
  if (!m) return undefined;
  const pair = Buffer.from(m[1]!, 'base64').toString('utf8');
  if (gateway) {
    const account = state.scopedTokens.get(pair);
    return account && req.url.pathname !== '/oauth/token/accessible-resources' ? { account, via: 'gateway-basic' } : undefined;
  }
  const account = state.tokens.get(pair);
  return account ? { account, via: 'site' } : undefined;
}

/**
 * Starts a Jira Service Management simulator on loopback, written from Atlassian's documentation and examples, never
 * from the connector: Basic auth with `{email}:{token}` (an expired or wrong token answers 401 with Jira's plain-text
 * body), scoped tokens and OAuth 2.0 (3LO) on the `ex/jira/{cloudId}` gateway with `accessible-resources`;
 * `/search/jql` with server-side `nextPageToken`s bound to their query and expiring after 7 days, `isLast`, no totals,
 * 5000 ids or 100 issues a page, unbounded JQL refused, dates read in the caller's profile zone at minute granularity,
 * an optional index lag; REST v3 issues with ADF bodies, `+0100`-style timestamps in the site's zone and JSM custom
 * fields (request type, organizations, SLAs); comments with `jsdPublic`; bulk fetch; service desks; admin webhooks
 * through `/rest/webhooks/1.0/webhook` (admins only) and deliveries signed with `X-Hub-Signature`; OAuth apps' dynamic
 * webhooks through `/rest/api/3/webhook` (apps only), expiring after 30 days unless refreshed, delivered with an HS256
 * JWT signed with the app's client secret; burst rate-limit
 * headers (`X-RateLimit-*`, `Retry-After`, `RateLimit-Reason`) or the `Beta-RateLimit` quota headers.
 *
 * @example
 * ```ts
 * const sim = await startJiraSimulator({ seed: 7 });
 * await sim.seed(50);
 * await hub.connect({ platform: 'jira', credentials: sim.credentials(), baseUrl: sim.url });
 * ```
 */
export async function startJiraSimulator(options: JiraSimulatorOptions = {}): Promise<JiraSimulator> {
  const state = createSimState(options);
  const generator = createGenerator(state);
  const oauth = createOAuthServer({ accessTokenTtlSec: options.accessTokenTtlSec ?? 3600, now: state.now, tokenPrefix: 'eyJraWQiOiJzaW0' });
  const bearer = (token: string) => {
    const check = oauth.bearer(token);
    return check.ok ? check.userId : undefined;
  };
  const caller = (req: SimRequest) => identify(state, req, bearer);
  const beta = options.rateLimitHeaders === 'beta';
  const scoped = options.auth === 'scoped_token';
  const dynamic = createDynamicWebhooks(state, oauth, options.dynamicExpirationDate ? { expirationDate: options.dynamicExpirationDate } : {});
  const base = await startSimulatorBase({
    routes: [...dynamic.routes, ...createRoutes(state, caller, oauth)],
    authenticate: (req): SimResponse | undefined => {
      if (caller(req)) return undefined;
      const isBearer = /^Bearer\s/i.test(header(req, 'authorization') ?? '');
      // A refused Bearer token answers like Atlassian's gateway; refused Basic credentials get the site's plain text.
      return isBearer ? { status: 401, body: { code: 401, message: 'Unauthorized; scope does not match' } } : { status: 401, headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: UNAUTHORIZED_TEXT };
    },
    rateLimit: {
      limit: null,
      windowMs: 60_000,
      retryAfter: 'seconds',
      // Jira prints X-RateLimit-Reset as an ISO time at minutes; the simulator keeps seconds so a one-second test window
      // can be honoured ahead of time. RateLimit-Reason names the limit on a 429.
      headers: (s) =>
        beta
          ? { 'beta-ratelimit-policy': `"tenant-app-quota";q=${s.limit};w=${Math.round(s.windowMs / 1000)}`, 'beta-ratelimit': `"tenant-app-quota";r=${s.remaining};t=${Math.max(0, Math.ceil(s.resetInMs / 1000))}`, ...(s.limited ? { 'ratelimit-reason': 'jira-quota-tenant-based' } : {}) }
          : {
              'x-ratelimit-limit': String(s.limit),
              'x-ratelimit-remaining': String(s.remaining),
              'x-ratelimit-reset': new Date(Math.ceil(s.resetAt / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
              ...(s.limited ? { 'ratelimit-reason': 'jira-burst-based' } : s.remaining <= Math.floor(s.limit / 5) ? { 'x-ratelimit-nearlimit': 'true' } : {}),
            },
    },
    notFound: () => ({ status: 404, body: { errorMessages: ['null for uri: not found'], errors: {} } }),
  });

  const save = (issue: ReturnType<typeof toIssue>) => {
    state.issues.set(issue.id, issue);
    return issue.id;
  };
  const stamp = (at?: string) => (at === undefined ? state.now() : Date.parse(at));
  const webhooks = createWebhookSender(state);

  const sim: JiraSimulator = {
    url: base.url,
    cloudId: state.cloudId,
    scopedToken: state.scopedToken,
    expiredToken: state.expiredToken,
    oauth,
    credentials: () =>
      scoped
        ? { method: 'scoped_token' as const, subdomain: state.subdomain, cloudId: state.cloudId, email: state.me.emailAddress!, apiToken: state.scopedToken }
        : { subdomain: state.subdomain, email: state.me.emailAddress!, apiToken: state.apiToken },
    badCredentials: () => {
      if (scoped) {
        const good = { method: 'scoped_token' as const, subdomain: state.subdomain, cloudId: state.cloudId, email: state.me.emailAddress! };
        return [
          { description: 'wrong scoped token (401)', credentials: { ...good, apiToken: `${state.scopedToken.slice(0, -6)}xxxxxx` }, field: 'apiToken' },
          { description: 'a classic token on the gateway (401)', credentials: { ...good, apiToken: state.apiToken }, field: 'apiToken' },
          { description: 'another site\'s cloud id (404)', credentials: { ...good, cloudId: '00000000-0000-4000-a000-000000000000', apiToken: state.scopedToken }, field: 'cloudId' },
        ];
      }
      const blind = [...state.accounts.values()].find((a) => a.displayName === 'Bo Developer')!;
      const customer = [...state.accounts.values()].find((a) => a.displayName === 'Carla Customer')!;
      const good = { subdomain: state.subdomain, email: state.me.emailAddress! };
      return [
        { description: 'wrong API token (401)', credentials: { ...good, apiToken: `${state.apiToken.slice(0, -6)}xxxxxx` }, field: 'apiToken' },
        { description: 'an expired API token (401, as any refused token)', credentials: { ...good, apiToken: state.expiredToken }, field: 'apiToken' },
        { description: 'the right token with another e-mail (401)', credentials: { ...good, email: 'someone@else.example.com', apiToken: state.apiToken }, field: 'apiToken' },
        { description: 'an account that is agent of no service desk', credentials: { subdomain: state.subdomain, email: blind.emailAddress!, apiToken: tokenFor(state, blind.emailAddress)! }, field: 'email' },
        { description: 'a JSM customer account, not an agent', credentials: { subdomain: state.subdomain, email: customer.emailAddress!, apiToken: tokenFor(state, customer.emailAddress)! }, field: 'email' },
        { description: 'a project key the account cannot see', credentials: { ...good, apiToken: state.apiToken, projectKeys: 'SUP, NOPE' }, field: 'projectKeys' },
      ];
    },
    async seed(count) {
      const ids: string[] = [];
      for (const g of generator.iterate(count)) ids.push(save(toIssue(state, g)));
      return ids;
    },
    async create(count, o = {}) {
      const ids: string[] = [];
      for (const g of generator.iterate(count)) {
        const issue = toIssue(state, g, o.project);
        if (o.at !== undefined) issue.created = issue.updated = Date.parse(o.at);
        ids.push(save(issue));
      }
      return ids;
    },
    async seedSameMinute(count, at) {
      const ids: string[] = [];
      const ms = Date.parse(at);
      let k = 0;
      for (const g of generator.iterate(count)) {
        const issue = toIssue(state, g, 'SUP');
        issue.updated = ms + (k++ % 60_000);
        ids.push(save(issue));
      }
      return ids;
    },
    async seedEdgeCases() {
      const [sparse, unicode, huge] = [...generator.iterate(3)].map((g) => toIssue(state, g, 'SUP')) as [ReturnType<typeof toIssue>, ReturnType<typeof toIssue>, ReturnType<typeof toIssue>];
      const length = 256 * 1024;
      // Jira requires a summary; the empty one is the simulator's stand-in for "as empty as allowed" (see the README).
      Object.assign(sparse, { summary: '', description: null, assigneeId: null, priority: null, labels: [], custom: { [FIELD_IDS.requestType]: sparse.custom[FIELD_IDS.requestType], [FIELD_IDS.organizations]: [] } });
      Object.assign(unicode, { summary: EDGE_CASE_TEXT, description: adfDoc(EDGE_CASE_TEXT) });
      const text = `${'x'.repeat(length - 6)} done.`;
      Object.assign(huge, { description: adfDoc(text), custom: { ...huge.custom, [FIELD_IDS.notes]: 'y'.repeat(64 * 1024) } });
      for (const i of [sparse, unicode, huge]) save(i);
      return { sparse: sparse.id, unicode: unicode.id, huge: { id: huge.id, length } };
    },
    async update(externalIds, o = {}) {
      for (const id of externalIds) {
        const issue = state.issue(id);
        const i = STATUS_CYCLE.indexOf(issue.status as (typeof STATUS_CYCLE)[number]);
        issue.status = STATUS_CYCLE[(i + 1) % STATUS_CYCLE.length]!;
        issue.resolution = ['Resolved', 'Closed', 'Canceled'].includes(issue.status) ? 'Done' : null;
        if (!issue.labels.includes('updated')) issue.labels = [...issue.labels, 'updated'];
        issue.updated = stamp(o.at);
      }
      return [...externalIds];
    },
    async remove(externalIds) {
      // Jira deletes for good: the issue is gone from search and reads (404); only the webhook's body still shows it.
      for (const id of externalIds) {
        state.deleted.set(id, state.issue(id));
        state.issues.delete(id);
      }
      return [...externalIds];
    },
    async patchIssue(externalId, fields, o = {}) {
      const issue = state.issue(externalId);
      Object.assign(issue, fields);
      issue.updated = stamp(o.at);
    },
    async addComment(externalId, c) {
      const issue = state.issue(externalId);
      const now = state.now();
      const author = c.internal ? state.me.accountId : (issue.reporterId ?? state.me.accountId);
      issue.comments.push({ id: String(state.ids.comment++), authorId: author, body: adfDoc(c.text), created: state.time(now), updated: state.time(now), jsdPublic: !c.internal });
      issue.updated = now;
    },
    issue: (externalId) => structuredClone(state.issue(externalId)),
    index: {
      lag: (ids) => ids.forEach((id) => state.lagging.add(id)),
      catchUp: () => state.lagging.clear(),
    },
    async expireToken() {
      state.tokens.delete(`${state.me.emailAddress}:${state.apiToken}`);
    },
    async move(externalId, projectKey) {
      const issue = state.issue(externalId);
      const seq = (state.ids.perProject[projectKey] = (state.ids.perProject[projectKey] ?? 0) + 1);
      Object.assign(issue, { projectKey, key: `${projectKey}-${seq}`, updated: state.now() });
    },
    vocabulary: {
      // Status names as the API prints them, with the meaning of their category (new / indeterminate / done).
      statuses: [
        ['Waiting for support', 'new'],
        ['In Progress', 'open'],
        ['Escalated', 'open'],
        ['Waiting for customer', 'open'],
        ['Pending', 'open'],
        ['Resolved', 'solved'],
        ['Closed', 'solved'],
        ['Canceled', 'solved'],
      ],
      // Jira Cloud's default priorities; an issue whose project has no priority field has none.
      priorities: [
        ['Highest', 'urgent'],
        ['High', 'high'],
        ['Medium', 'normal'],
        ['Low', 'low'],
        ['Lowest', 'low'],
        [null, null],
      ],
    },
    // Only service-desk issues the API user can see are the connector's (DEV is a software project).
    snapshot: () => new Map([...state.issues.values()].filter((i) => state.me.projects.includes(i.projectKey)).map((i) => [i.id, new Date(i.updated).toISOString()])),
    faults: base.faults,
    rateLimit: base.rateLimit,
    stats: base.stats,
    resetStats() {
      base.resetStats();
      state.log.length = 0;
    },
    requests: () => [...state.log],
    webhooks,
    dynamicWebhooks: dynamic.api,
    close: () => base.close(),
  };
  return sim;
}
