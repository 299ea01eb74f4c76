import { ConfigError, CredentialsError, TicketbridgeError, defineConnector, type ConnectorContext, type HttpConfig, type HttpError, type JsonObject, type PullPage, type TicketDraft, type TicketStatus } from '@ticketbridge/core';
import { paginate } from '@ticketbridge/core/toolkit';
import { AccessibleResources, JiraIssue, MyPermissions, Myself, ServiceDeskPage, jiraErrorMessage, jiraRateLimit, paths } from './api.js';
import { ATLASSIAN_API, jiraAuthorization, jiraCredentials, jiraSite, type JiraCredentials } from './credentials.js';
import { JiraCursor, PAGES_PER_QUERY, apiRoot, createSiteFields, draftIssues, pullIssues, readFields, type PullSettings } from './pull.js';
import { jiraWebhook } from './webhook.js';

export { jiraCredentials, jiraCredentialMethods, jiraAuthorization, jiraSite, JIRA_OAUTH_SCOPES, JIRA_WEBHOOK_SCOPE, PROJECT_KEY, type JiraCredentials } from './credentials.js';
export { jiraRateLimit, jiraErrorMessage, BASE_FIELDS, JSM_FIELD_TYPES, SEARCH_PAGE, ID_PAGE } from './api.js';
export { adfToText, isAdf } from './adf.js';
export {
  mapJiraStatusCategory,
  mapJiraPriority,
  jiraTime,
  jiraIssueUrl,
  normalizeJira,
  normalizeJiraIssue,
  normalizeJiraComments,
  type JiraStatusMap,
  type JsmFieldIds,
  type NormalizeJiraOptions,
} from './normalize.js';
export { JiraCursor, apiRoot } from './pull.js';
export { packIds, unpackIds } from './id-set.js';
export { jqlDateTime, scopeJql, changesJql, idsJql } from './jql.js';
export { jiraSignature, jiraInstructions, parseJiraWebhook, jiraRouteKeys, verifyJiraJwt, WEBHOOK_EVENTS, DYNAMIC_WEBHOOK_TTL_MS, DYNAMIC_REFRESH_EVERY_MS, type DynamicWebhookResources } from './webhook.js';

/** Options of the {@link jira} connector. */
export interface JiraOptions {
  /**
   * Read each issue's comments, with `public: false` for a service desk's internal notes (`jsdPublic`). They come
   * with the issue in the search page; only an issue whose embedded list Jira cut short costs more requests (100
   * comments each). Default true.
   */
  includeComments?: boolean;
  /** Further issue fields (ids such as `customfield_10050`) to read and copy into `customFields`, as Jira sends them. */
  customFields?: readonly string[];
  /**
   * Normalized statuses by Jira status name, over the category's reading (`new` → new, `indeterminate` → open,
   * `done` → solved). Example: `{ 'Waiting for customer': 'pending', 'Closed': 'closed' }`.
   */
  statusMap?: Readonly<Record<string, TicketStatus>>;
  /** How far back the first sync reads, as an ISO-8601 time. Default 2000-01-01T00:00:00Z: every issue. */
  startAt?: string;
  /**
   * How often the deletion check lists the scope's ids to find deleted issues, in ms. Default 6 hours; `Infinity`
   * turns it off (then only the `jira:issue_deleted` webhook reports deletions).
   */
  deletionCheckEveryMs?: number;
  /** Ids-only pages (5000 ids each) the deletion check reads per pull; the rest waits for the next pull. Default 20. */
  deletionCheckPagesPerRun?: number;
  /** Vanished ids checked for existence per pull (100 per request). Default 1000. */
  deletionVerifyPerRun?: number;
  /**
   * Search pages one changes query is followed by token before it restarts from the minute it reached. Default 500
   * (50,000 issues). More issues than this updated within one minute stop the run with `StuckCursorError`.
   */
  pagesPerQuery?: number;
  /** How far a webhook's event time may be from its arrival, in ms. Default: the hub's. */
  webhookReplayWindowMs?: number;
  /**
   * How often an OAuth connection's dynamic webhook is refreshed (`PUT /rest/api/3/webhook/refresh`), in ms, at least
   * a minute. Default 20 days: Jira expires a dynamic webhook 30 days after its registration or last refresh.
   */
  webhookRefreshEveryMs?: number;
}

const DEFAULT_START = '2000-01-01T00:00:00Z';
/** Five minutes back on every pull: JQL compares at minutes, and the search index lags writes by seconds. */
const DEFAULT_OVERLAP_MS = 5 * 60_000;

type Ctx = ConnectorContext<JiraCredentials>;

function failure(error: unknown): HttpError | undefined {
  // isInstance, not instanceof: the client may come from another copy of core.
  return TicketbridgeError.isInstance(error) ? (error as HttpError) : undefined;
}

/** The field Test & Connect blames for a refused sign-in, per method. */
function authField(credentials: JiraCredentials): string {
  return credentials.method === 'oauth' ? 'authorization' : 'apiToken';
}

/** What a token method's 401 most likely means a year after connecting, added to the error core raised. */
const EXPIRED_TOKEN_HINT = 'the API token may have expired (Atlassian tokens last at most a year): create a new one at id.atlassian.com → Security → API tokens, and update the connection';

/**
 * A pull whose 401 on a token method says the token may have expired, keeping the field, status and Jira's message.
 * OAuth is left alone: the core refreshes its token and asks for a new sign-in itself.
 */
async function* expiryHint<T>(ctx: Ctx, pages: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* pages;
  } catch (error) {
    if (ctx.credentials.method === 'oauth' || !CredentialsError.isInstance(error) || error.status !== 401) throw error;
    throw new CredentialsError(`${error.message}; ${EXPIRED_TOKEN_HINT}`, {
      platform: 'jira',
      field: 'apiToken',
      status: 401,
      ...(error.platformMessage ? { platformMessage: error.platformMessage } : {}),
      cause: error,
    });
  }
}

/** Resolves the cloud id of the connection's site among those an OAuth token may reach. */
async function resolveCloudId(ctx: Ctx): Promise<string> {
  const site = jiraSite(ctx.credentials.subdomain);
  const resources = await ctx.http.get(paths.accessibleResources, { schema: AccessibleResources });
  const match = resources.find((r) => r.url.replace(/\/+$/, '').toLowerCase() === site);
  if (!match) {
    const granted = resources.map((r) => r.url.replace(/^https:\/\//, '')).slice(0, 10);
    throw new CredentialsError(
      `the Atlassian sign-in did not grant access to ${site.replace('https://', '')}${granted.length ? ` (it granted ${granted.join(', ')})` : ''}; sign in again and pick this site on the consent page`,
      { platform: 'jira', field: 'subdomain' },
    );
  }
  return match.id;
}

/** Every service desk the account can see (`GET /rest/servicedeskapi/servicedesk`, 100 a page, at most 20 pages). */
async function serviceDesks(ctx: Ctx, root: string): Promise<Array<{ id: string; projectKey: string; projectName: string | null }>> {
  const out: Array<{ id: string; projectKey: string; projectName: string | null }> = [];
  const pages = paginate({
    start: 0,
    fetchPage: (start: number) => ctx.http.get(root + paths.serviceDesks, { searchParams: { start, limit: 100 }, schema: ServiceDeskPage }),
    step: (page, start) => (page.isLastPage === false && page.values.length > 0 ? { next: start + page.values.length } : { end: true }),
    maxPages: 20,
    signal: ctx.signal,
    platform: 'jira',
  });
  for await (const { page } of pages) for (const d of page.values) out.push({ id: d.id, projectKey: d.projectKey, projectName: d.projectName ?? null });
  return out;
}

/**
 * The Jira Service Management connector: Test & Connect on `/rest/api/3/myself` and the service desks the account
 * sees; an incremental pull through `/search/jql` (`nextPageToken`, explicit fields, service projects only, bounded by
 * the checkpoint in the profile's time zone, `ORDER BY updated ASC`); deletions from the `jira:issue_deleted` webhook
 * and a bounded, resumable id check; admin webhooks signed with `X-Hub-Signature`, registered for Jira admins.
 *
 * @example
 * ```ts
 * import { createHub, MemoryStore } from '@ticketbridge/core';
 * import { jira } from '@ticketbridge/connector-jira';
 *
 * const hub = createHub({ connectors: [jira()], store: new MemoryStore(), publicUrl: 'https://app.example.com' });
 * const conn = await hub.connect({
 *   platform: 'jira',
 *   credentials: { subdomain: 'acme', email: 'agent@acme.com', apiToken: process.env.JIRA_API_TOKEN, projectKeys: 'SUP' },
 *   syncMode: 'both',
 * });
 * ```
 */
export function jira(options: JiraOptions = {}) {
  const startAt = Date.parse(options.startAt ?? DEFAULT_START);
  if (Number.isNaN(startAt)) throw new ConfigError(`startAt "${options.startAt}" is not an ISO-8601 time`, { platform: 'jira' });
  const settings: PullSettings = {
    startAt,
    includeComments: options.includeComments ?? true,
    customFields: [...(options.customFields ?? [])],
    statusMap: { ...(options.statusMap ?? {}) },
    deletionCheckEveryMs: options.deletionCheckEveryMs ?? 6 * 3_600_000,
    deletionCheckPagesPerRun: options.deletionCheckPagesPerRun ?? 20,
    deletionVerifyPerRun: options.deletionVerifyPerRun ?? 1000,
    pagesPerQuery: options.pagesPerQuery ?? PAGES_PER_QUERY,
  };
  if (!Number.isSafeInteger(settings.pagesPerQuery) || settings.pagesPerQuery < 1) throw new ConfigError('pagesPerQuery must be a whole number of pages, 1 or more', { platform: 'jira' });
  if (!(settings.deletionCheckEveryMs >= 0)) throw new ConfigError('deletionCheckEveryMs must be 0 or more milliseconds (Infinity turns the check off)', { platform: 'jira' });
  for (const id of settings.customFields) if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(id)) throw new ConfigError(`customFields: "${id.slice(0, 40)}" is not a field id`, { platform: 'jira' });
  const site = createSiteFields();

  const readIssue = async (ctx: Ctx, externalId: string): Promise<TicketDraft | null> => {
    if (!/^\d{1,20}$/.test(externalId)) return null;
    const jsm = await site.get(ctx);
    const res = await ctx.http.request(apiRoot(ctx) + paths.issue(externalId), { searchParams: { fields: readFields(jsm, settings).join(',') }, schema: JiraIssue, acceptStatus: [404] });
    if (!res.ok) return null;
    const [ticket] = await draftIssues(ctx, [res.data], jsm, settings);
    return ticket ?? null;
  };

  return defineConnector({
    id: 'jira',
    displayName: 'Jira Service Management',
    credentials: jiraCredentials,
    defaultOverlapMs: DEFAULT_OVERLAP_MS,

    http: (credentials): HttpConfig => {
      const common = { rateLimit: jiraRateLimit, errorMessage: (body: unknown) => jiraErrorMessage(body) };
      switch (credentials.method) {
        case 'api_token':
          return { baseUrl: `${jiraSite(credentials.subdomain)}/`, headers: { authorization: jiraAuthorization(credentials) }, authField: 'apiToken', ...common };
        case 'scoped_token':
          return { baseUrl: `${ATLASSIAN_API}/ex/jira/${credentials.cloudId}/`, headers: { authorization: jiraAuthorization(credentials) }, authField: 'apiToken', ...common };
        case 'oauth':
          // The core adds the Bearer token it obtains and refreshes; paths carry ex/jira/{cloudId}/ (see apiRoot).
          return { baseUrl: `${ATLASSIAN_API}/`, headers: {}, authField: 'authorization', ...common };
      }
    },

    async testConnection(ctx) {
      const { credentials } = ctx;
      const host = `${credentials.subdomain}.atlassian.net`;
      let root: string;
      let cloudId: string | undefined;
      let me: Myself;
      try {
        if (credentials.method === 'oauth') {
          cloudId = await resolveCloudId(ctx);
          root = `ex/jira/${cloudId}/`;
        } else root = '';
        me = await ctx.http.get(root + paths.myself, { schema: Myself });
      } catch (error) {
        const failed = failure(error);
        const platformMessage = failed?.platformMessage ? { platformMessage: failed.platformMessage } : {};
        if (failed?.status === 401) {
          throw new CredentialsError(
            credentials.method === 'oauth'
              ? `Atlassian refused the sign-in for ${host}; sign in again`
              : `Jira refused this e-mail and API token for ${host}. Check the e-mail; the token may have expired (Atlassian tokens last at most a year): create a new one at id.atlassian.com → Security → API tokens`,
            { platform: 'jira', field: authField(credentials), status: 401, ...platformMessage, cause: error },
          );
        }
        if (failed?.status === 404) {
          const field = credentials.method === 'scoped_token' ? 'cloudId' : 'subdomain';
          throw new CredentialsError(field === 'cloudId' ? `no Jira site answers at cloud id ${credentials.method === 'scoped_token' ? credentials.cloudId : ''}; copy it again from https://${host}/_edge/tenant_info` : `no Jira site answers at ${host}; check the site name`, {
            platform: 'jira',
            field,
            status: 404,
            ...platformMessage,
            cause: error,
          });
        }
        if (failed?.status === 403) {
          throw new CredentialsError(`Jira refused this account the REST API at ${host}${credentials.method === 'scoped_token' ? ': the scoped token needs read:jira-work and read:jira-user' : ''}`, {
            platform: 'jira',
            field: authField(credentials),
            status: 403,
            ...platformMessage,
            cause: error,
          });
        }
        throw error;
      }
      const emailField = credentials.method === 'oauth' ? 'authorization' : 'email';
      if (me.accountType === 'customer') {
        throw new CredentialsError(`${me.emailAddress ?? 'this account'} is a service desk customer of ${host}, not an agent; use the account of an agent of the service projects to sync`, { platform: 'jira', field: emailField });
      }
      if (me.active === false) throw new CredentialsError(`the account is deactivated on ${host}`, { platform: 'jira', field: emailField });

      const desks = await serviceDesks(ctx, root);
      if (desks.length === 0) {
        throw new CredentialsError(`this account sees no service desk on ${host}: add it as an agent of the service projects to sync (Project settings → People), or check that Jira Service Management is on the site`, {
          platform: 'jira',
          field: emailField,
        });
      }
      const visible = new Set(desks.map((d) => d.projectKey));
      const wanted = credentials.projectKeys ?? [];
      const missing = wanted.filter((k) => !visible.has(k));
      if (missing.length > 0) {
        throw new CredentialsError(
          `${missing.join(', ')} ${missing.length === 1 ? 'is not a service project' : 'are not service projects'} this account can see on ${host}; it sees ${[...visible].slice(0, 20).join(', ')}`,
          { platform: 'jira', field: 'projectKeys' },
        );
      }
      const synced = wanted.length > 0 ? desks.filter((d) => wanted.includes(d.projectKey)) : desks;
      // Only a Jira admin may create admin webhooks; others get the manual steps for an admin to follow.
      let admin = false;
      try {
        const perms = await ctx.http.get(root + paths.myPermissions, { searchParams: { permissions: 'ADMINISTER' }, schema: MyPermissions });
        admin = perms.permissions['ADMINISTER']?.havePermission === true;
      } catch (error) {
        ctx.logger.warn('could not read whether the account is a Jira admin; webhooks will need manual setup', { error: failure(error)?.message ?? String(error) });
      }
      const metadata: JsonObject = {
        accountId: me.accountId,
        ...(me.displayName ? { accountName: me.displayName } : {}),
        ...(me.timeZone ? { timeZone: me.timeZone } : {}),
        admin,
        projectKeys: synced.slice(0, 100).map((d) => d.projectKey),
        serviceDesks: synced.slice(0, 100).map((d) => ({ id: d.id, projectKey: d.projectKey, projectName: d.projectName })),
        ...(cloudId ? { cloudId } : {}),
      };
      const names = synced.slice(0, 5).map((d) => d.projectKey).join(', ');
      return { accountName: `${host} (${synced.length} service desk${synced.length === 1 ? '' : 's'}: ${names}${synced.length > 5 ? ', …' : ''})`, metadata };
    },

    cursor: JiraCursor,

    pull(ctx, { cursor }): AsyncIterable<PullPage<JiraCursor>> {
      return expiryHint(ctx, pullIssues(ctx, cursor, settings, site));
    },

    fetchTicket: (ctx, { externalId }) => readIssue(ctx, externalId),

    webhook: jiraWebhook({
      ...(options.webhookReplayWindowMs === undefined ? {} : { replayWindowMs: options.webhookReplayWindowMs }),
      ...(options.webhookRefreshEveryMs === undefined ? {} : { refreshEveryMs: options.webhookRefreshEveryMs }),
    }),
  });
}
