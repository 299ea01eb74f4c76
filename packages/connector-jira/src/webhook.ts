import { PermanentError, type ConnectorContext, type ConnectorWebhook, type WebhookInstructions, type WebhookItem, type WebhookRegistration, type WebhookRequest, type WebhookTarget, type WebhookVerification } from '@ticketbridge/core';
import { hmacSignature, paginate, readWebhookJson, verifyHs256Jwt } from '@ticketbridge/core/toolkit';
import { z } from 'zod';
import { DynamicRefresh, DynamicRegistration, DynamicWebhookPage, RegisteredWebhook, paths } from './api.js';
import { jiraSite, type JiraCredentials } from './credentials.js';
import { scopeJql } from './jql.js';
import { apiRoot } from './pull.js';

type Ctx = ConnectorContext<JiraCredentials>;

/**
 * Admin webhooks with a secret: `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`. The signature covers no
 * time, so the router checks each event's own `timestamp` against the replay window.
 * https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks
 */
export const jiraSignature = hmacSignature({
  algorithm: 'sha256',
  encoding: 'hex',
  signature: { header: 'x-hub-signature', prefix: 'sha256=' },
  signed: ['body'],
});

/** The events the connection subscribes to: issue changes and comment changes (which change what a ticket says). */
export const WEBHOOK_EVENTS = ['jira:issue_created', 'jira:issue_updated', 'jira:issue_deleted', 'comment_created', 'comment_updated', 'comment_deleted'] as const;

// The webhook body (https://developer.atlassian.com/cloud/jira/platform/webhooks/#example-callback-for-an-issue-related-event):
// `timestamp` (epoch ms), `webhookEvent`, and the `issue` (comment events carry a partial issue: id, key, some fields).
const Payload = z.looseObject({
  timestamp: z.number(),
  webhookEvent: z.string(),
  issue: z
    .looseObject({
      id: z.union([z.string(), z.number()]),
      key: z.string().optional(),
      fields: z.looseObject({ project: z.looseObject({ key: z.string().optional(), projectTypeKey: z.string().nullable().optional() }).nullable().optional() }).nullable().optional(),
    })
    .optional(),
});

/** Whether an event's issue belongs to the connection's projects, as far as the payload says. */
function inScope(project: { key?: string | undefined; projectTypeKey?: string | null | undefined } | null | undefined, projectKeys: readonly string[] | undefined): boolean {
  if (!project) return true;
  if (projectKeys && projectKeys.length > 0) return project.key === undefined || projectKeys.includes(project.key);
  return project.projectTypeKey === undefined || project.projectTypeKey === null || project.projectTypeKey === 'service_desk';
}

/**
 * A verified body to items. Every issue and comment event names its issue, which the router reads afresh
 * (`fetchTicket`): the body's own issue is the REST v2 shape and may be partial, and a deletion is confirmed by Jira
 * answering 404, so a replayed deletion can never delete a live ticket. Other events and out-of-scope issues (a
 * webhook made by hand without the JQL filter) are acknowledged with nothing to deliver.
 */
export function parseJiraWebhook(request: WebhookRequest, projectKeys: readonly string[] | undefined): WebhookItem[] {
  const payload = readWebhookJson(request, Payload, { platform: 'jira', expected: 'a Jira webhook body' });
  if (!(WEBHOOK_EVENTS as readonly string[]).includes(payload.webhookEvent) || !payload.issue) return [];
  if (!inScope(payload.issue.fields?.project, projectKeys)) return [];
  const externalId = String(payload.issue.id);
  if (!/^\d{1,20}$/.test(externalId)) return [];
  return [{ kind: 'ref', externalId, occurredAt: new Date(payload.timestamp).toISOString() }];
}

/** Most `matchedWebhookIds` read from one delivery: one event matches a handful of an app's webhooks, not hundreds. */
const MAX_MATCHED_IDS = 20;

/**
 * The sites a delivery names, as routing keys: the host of its `self` URLs (`site:acme.atlassian.net`) and, for a URL
 * through the API gateway (`api.atlassian.com/ex/jira/{cloudId}/…`), the cloud id (`cloud:{cloudId}`). Jira's example
 * callbacks carry the site's REST URL in `issue.self`, `comment.self` and `user.self`; which form a dynamic webhook's
 * delivery uses is `[U]`, so both are read.
 */
function deliverySites(payload: Record<string, unknown>): Set<string> {
  const sites = new Set<string>();
  for (const part of ['issue', 'comment', 'user'] as const) {
    const self = (payload[part] as { self?: unknown } | null | undefined)?.self;
    if (typeof self !== 'string' || self.length > 2048) continue;
    let url: URL;
    try {
      url = new URL(self);
    } catch {
      continue;
    }
    const host = url.hostname.toLowerCase();
    const gateway = host === 'api.atlassian.com' ? /^\/ex\/jira\/([0-9a-f-]{36})\//i.exec(url.pathname) : null;
    if (gateway) sites.add(`cloud:${gateway[1]!.toLowerCase()}`);
    else if (host.endsWith('.atlassian.net')) sites.add(`site:${host}`);
  }
  return sites;
}

/**
 * The routing keys of a delivery to the shared URL (see `ConnectorWebhook.route`): for each site it names, one key per
 * matched webhook (`site:acme.atlassian.net/webhook:10000`), since webhook ids repeat across sites; without
 * `matchedWebhookIds` ([U]: jira.js documents it on every REST-registered webhook's delivery), the site alone, which
 * reaches every OAuth connection of the site (each then filters by its projects). Unverified input: the router still
 * verifies each candidate's JWT.
 */
export function jiraRouteKeys(request: WebhookRequest): string[] {
  let payload: unknown;
  try {
    payload = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    return [];
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return [];
  const body = payload as Record<string, unknown>;
  const sites = deliverySites(body);
  const matched = Array.isArray(body['matchedWebhookIds']) ? body['matchedWebhookIds'].filter((id): id is number => Number.isSafeInteger(id)).slice(0, MAX_MATCHED_IDS) : [];
  if (matched.length === 0) return [...sites];
  return [...sites].flatMap((site) => matched.map((id) => `${site}/webhook:${id}`));
}

/** The keys a dynamic registration is found under: the connection's site (by host and by cloud id), alone and per webhook. */
function registrationRouteKeys(ctx: Ctx, webhookIds: readonly number[]): string[] {
  const sites = [`site:${ctx.credentials.subdomain.toLowerCase()}.atlassian.net`];
  const cloudId = ctx.metadata['cloudId'];
  if (typeof cloudId === 'string' && /^[0-9a-f-]{36}$/i.test(cloudId)) sites.push(`cloud:${cloudId.toLowerCase()}`);
  return [...sites, ...sites.flatMap((site) => webhookIds.map((id) => `${site}/webhook:${id}`))];
}

/** The projects the webhook's JQL filter names: the chosen keys, or the service desks Test & Connect found. */
function webhookProjects(ctx: Ctx): string[] {
  if (ctx.credentials.projectKeys && ctx.credentials.projectKeys.length > 0) return ctx.credentials.projectKeys;
  const keys = ctx.metadata['projectKeys'];
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
}

/** The manual steps: an admin webhook in Jira's settings, with the URL, secret and JQL filled in. */
export function jiraInstructions(ctx: ConnectorContext<JiraCredentials>, target: WebhookTarget): WebhookInstructions {
  const projects = webhookProjects(ctx);
  const jql = projects.length > 0 ? scopeJql(projects) : scopeJql(undefined);
  return {
    title: 'Create a Jira admin webhook that sends service-desk changes to Ticketbridge (needs a Jira admin)',
    steps: [
      `Sign in to ${jiraSite(ctx.credentials.subdomain)} as a Jira admin and open Settings (⚙) → System → WebHooks (under Advanced), then click "Create a WebHook".`,
      'Name: "Ticketbridge". Status: Enabled.',
      `URL: ${target.url}`,
      `Secret: ${target.secret}  (paste it exactly; Jira signs every delivery with it in X-Hub-Signature)`,
      `Events → Issue related events → JQL: ${jql}`,
      'Tick Issue: created, updated, deleted; and Comment: created, updated, deleted. Leave "Exclude body" unticked.',
      'Click Create. Keep the connection in "both" sync mode: Jira retries a failed delivery for about 30 minutes only, and the poll also finds what a missed delivery would have said.',
    ],
    docsUrl: 'https://developer.atlassian.com/cloud/jira/platform/webhooks/',
  };
}

/** Options of the webhook part. */
export interface JiraWebhookOptions {
  replayWindowMs?: number;
  /** How often an OAuth connection's dynamic webhook is refreshed, in ms. Default 20 days (Jira expires it after 30). */
  refreshEveryMs?: number;
}

/** Jira expires a dynamic webhook 30 days after it was registered or last refreshed (refreshWebhooks). */
export const DYNAMIC_WEBHOOK_TTL_MS = 30 * 24 * 3_600_000;
/** Refreshed every 20 days: ten days to spare for a failed refresh, an outage or a hub that was down. */
export const DYNAMIC_REFRESH_EVERY_MS = 20 * 24 * 3_600_000;
/** The clock skew allowed on the delivery JWT's `exp` and `iat`. */
const JWT_SKEW_MS = 60_000;

/** What `register` keeps of a dynamic webhook: Jira's ids and when it expires. */
export interface DynamicWebhookResources {
  kind: 'dynamic';
  webhookIds: number[];
  /** ISO-8601; the 30 days counted from registration until a refresh reports Jira's own date. */
  expiresAt: string;
}

function dynamicResources(registration: WebhookRegistration): DynamicWebhookResources | undefined {
  const r = registration.resources as Partial<DynamicWebhookResources> | null;
  return r && r.kind === 'dynamic' && Array.isArray(r.webhookIds) && r.webhookIds.every((id) => Number.isSafeInteger(id)) ? (r as DynamicWebhookResources) : undefined;
}

/**
 * A dynamic webhook's delivery: `Authorization: Bearer <JWT>`, HS256 with the OAuth app's client secret (Nango's Jira
 * webhook guide; the community thread that quotes the webhooks page's "Webhooks authentication for OAuth 2.0 apps").
 * Signature (constant time), `alg` exactly HS256 and `exp` (required, a minute of skew) are checked; Atlassian documents
 * no body hash or query hash in this token, so the body is not covered: every event names an issue that is read
 * afresh, and the router checks the event's own `timestamp` against the replay window.
 */
export function verifyJiraJwt(request: WebhookRequest, secret: string): WebhookVerification {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers['authorization'] ?? '');
  if (!match) return { ok: false, reason: 'missing Authorization: Bearer <JWT>' };
  const verdict = verifyHs256Jwt(match[1]!, secret, { clockSkewMs: JWT_SKEW_MS });
  return verdict.ok ? { ok: true } : { ok: false, reason: `bearer JWT refused: ${verdict.reason}` };
}

/** Every dynamic webhook of this OAuth app on the site (`GET /rest/api/3/webhook`, 100 a page, at most 20 pages). */
async function listDynamic(ctx: Ctx): Promise<z.output<typeof DynamicWebhookPage>['values']> {
  const out: z.output<typeof DynamicWebhookPage>['values'] = [];
  const pages = paginate({
    start: 0,
    fetchPage: (startAt: number) => ctx.http.get(apiRoot(ctx) + paths.dynamicWebhooks, { searchParams: { startAt, maxResults: 100 }, schema: DynamicWebhookPage }),
    step: (page, startAt) => (page.isLast === false && page.values.length > 0 ? { next: startAt + page.values.length } : { end: true }),
    maxPages: 20,
    signal: ctx.signal,
    platform: 'jira',
  });
  for await (const { page } of pages) out.push(...page.values);
  return out;
}

/**
 * `POST /rest/api/3/webhook`: the six events, filtered to the connection's projects. Dynamic webhooks take a subset
 * of JQL (issueKey, project, issuetype, status, assignee, reporter, issue.property, cf[id]; =, !=, IN, NOT IN), so the
 * filter is always `project in (…)` with the service projects Test & Connect found (`projectType` is not allowed).
 * `url` is the hub's shared URL: "Only a single URL per app is allowed to be registered", so every connection of the
 * app registers the same one and deliveries find their connections by {@link jiraRouteKeys}.
 */
async function registerDynamic(ctx: Ctx, url: string, secret: string): Promise<WebhookRegistration> {
  const projects = webhookProjects(ctx);
  if (projects.length === 0) throw new PermanentError('no service project to filter the webhook on; connect again', { platform: 'jira' });
  const res = await ctx.http.post(apiRoot(ctx) + paths.dynamicWebhooks, {
    json: { url, webhooks: [{ events: [...WEBHOOK_EVENTS], jqlFilter: scopeJql(projects) }] },
    schema: DynamicRegistration,
  });
  const result = res.webhookRegistrationResult?.[0];
  if (result?.createdWebhookId === undefined) {
    const why = result?.errors?.join('; ').slice(0, 500) || 'no webhook id in the answer';
    throw new PermanentError(`Jira did not register the webhook: ${why}`, { platform: 'jira' });
  }
  const resources: DynamicWebhookResources = { kind: 'dynamic', webhookIds: [result.createdWebhookId], expiresAt: new Date(ctx.now().getTime() + DYNAMIC_WEBHOOK_TTL_MS).toISOString() };
  return { secret, resources: { ...resources }, routeKeys: registrationRouteKeys(ctx, resources.webhookIds) };
}

/** `DELETE /rest/api/3/webhook` (ids of other apps, or gone, are ignored by Jira). */
async function deleteDynamic(ctx: Ctx, webhookIds: number[]): Promise<void> {
  if (webhookIds.length === 0) return;
  await ctx.http.request(apiRoot(ctx) + paths.dynamicWebhooks, { method: 'DELETE', json: { webhookIds } });
}

/**
 * The upkeep of a dynamic webhook: list the app's webhooks; when ours are all there and unexpired, `PUT
 * /rest/api/3/webhook/refresh` (another 30 days, Jira's date kept); when one expired or was removed, delete what is
 * left of it (and any webhook at this connection's own `?connectorId=` URL, where versions before the shared URL
 * registered) and register again at the shared URL. Webhooks of other connections share that URL and are left alone.
 * Admin webhooks never expire.
 */
async function maintainDynamic(ctx: Ctx, input: WebhookTarget & { registration: WebhookRegistration }) {
  const current = dynamicResources(input.registration);
  if (!current || ctx.credentials.method !== 'oauth') return {};
  const now = ctx.now().getTime();
  const listed = await listDynamic(ctx);
  const alive = current.webhookIds.filter((id) => listed.some((w) => w.id === id && (w.expirationDate === undefined || w.expirationDate > now)));
  if (alive.length === current.webhookIds.length) {
    const res = await ctx.http.request(apiRoot(ctx) + paths.dynamicWebhookRefresh, { method: 'PUT', json: { webhookIds: current.webhookIds }, schema: DynamicRefresh });
    const expiresAt = new Date(res.data.expirationDate).toISOString();
    const registration = { ...input.registration, resources: { ...current, expiresAt }, routeKeys: registrationRouteKeys(ctx, current.webhookIds) };
    return { registration, note: `refreshed webhook ${current.webhookIds.join(', ')} until ${expiresAt}` };
  }
  const leftovers = [...new Set([...current.webhookIds, ...listed.filter((w) => w.url === input.url).map((w) => w.id)])];
  await deleteDynamic(ctx, leftovers);
  const fresh = await registerDynamic(ctx, input.sharedUrl, input.secret);
  const ids = (fresh.resources as unknown as DynamicWebhookResources).webhookIds;
  return { registration: fresh, note: `re-registered: webhook ${current.webhookIds.join(', ')} had expired or was removed; now ${ids.join(', ')}` };
}

/**
 * Builds the webhook part. Token methods: `register` creates an admin webhook through `POST /rest/webhooks/1.0/webhook`
 * (Jira admins only) with the host's secret, the six events and a JQL filter on the connection's projects, at the URL
 * that carries the connection's `connectorId`; `canRegister` says no (manual steps instead) when the account is not a
 * Jira admin. OAuth 2.0 (3LO): a dynamic webhook (`POST /rest/api/3/webhook`), signed with a JWT and the hub-held app's
 * client secret, refreshed every `refreshEveryMs` by the core's upkeep and registered again if Jira lost it.
 */
export function jiraWebhook(options: JiraWebhookOptions = {}): ConnectorWebhook<JiraCredentials> {
  return {
    secretSource: 'host',
    // One id per delivery, kept on Jira's retries (which add X-Atlassian-Webhook-Retry): a retry is not a new event.
    eventId: (_ctx, { request }) => request.headers['x-atlassian-webhook-identifier']?.trim().slice(0, 200) || undefined,
    // Dynamic webhooks all arrive at the shared URL: the delivery's site and matched webhook ids find the connections.
    route: ({ request }) => jiraRouteKeys(request),
    ...(options.replayWindowMs === undefined ? {} : { replayWindowMs: options.replayWindowMs }),
    // OAuth: the dynamic webhook's JWT. An OAuth connection made before dynamic webhooks kept the manual admin webhook
    // (host secret, X-Hub-Signature): the header present picks the scheme; each needs its own secret, so neither is a
    // fallback to something weaker.
    verify: (ctx, { request, secret }) =>
      ctx.credentials.method === 'oauth' && request.headers['authorization'] !== undefined ? verifyJiraJwt(request, secret) : jiraSignature.verify(request, secret),
    parse: (ctx, { request }) => parseJiraWebhook(request, ctx.credentials.projectKeys),
    // Admin webhooks need the Jira admin right (read at Test & Connect); any OAuth app may register dynamic webhooks.
    canRegister: (ctx) => ctx.credentials.method === 'oauth' || ctx.metadata['admin'] === true,
    signedWithOAuthClientSecret: (ctx) => ctx.credentials.method === 'oauth',
    async register(ctx, target) {
      if (ctx.credentials.method === 'oauth') return registerDynamic(ctx, target.sharedUrl, target.secret);
      const projects = webhookProjects(ctx);
      const res = await ctx.http.post(apiRoot(ctx) + paths.adminWebhooks, {
        json: {
          name: `Ticketbridge (${ctx.connectionId})`,
          url: target.url,
          events: [...WEBHOOK_EVENTS],
          filters: { 'issue-related-events-section': projects.length > 0 ? scopeJql(projects) : scopeJql(undefined) },
          excludeBody: false,
          secret: target.secret,
        },
        schema: RegisteredWebhook,
      });
      const id = res.id !== undefined ? String(res.id) : res.self?.split('/').filter(Boolean).at(-1);
      return { secret: target.secret, resources: { webhookId: id ?? null } };
    },
    maintain: { everyMs: options.refreshEveryMs ?? DYNAMIC_REFRESH_EVERY_MS, run: maintainDynamic },
    async unregister(ctx, { registration }) {
      const dynamic = dynamicResources(registration);
      if (dynamic) return deleteDynamic(ctx, dynamic.webhookIds);
      const resources = registration.resources as { webhookId?: unknown } | null;
      const id = resources?.webhookId;
      if (typeof id !== 'string' || !/^\d{1,20}$/.test(id)) return;
      // Already deleted by an admin: nothing left to remove.
      await ctx.http.request(apiRoot(ctx) + paths.adminWebhook(id), { method: 'DELETE', acceptStatus: [404] });
    },
    instructions: jiraInstructions,
  };
}
