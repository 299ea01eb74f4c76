import type { RateLimitHeaders } from '@ticketbridge/core';
import { z } from 'zod';

/**
 * Jira Cloud platform REST API v3 and Jira Service Management REST API endpoints, with zod schemas of only the fields
 * the connector reads. Objects are `looseObject`s so an issue keeps every field Jira sent: it becomes the ticket's
 * untouched `raw`. References: https://developer.atlassian.com/cloud/jira/platform/rest/v3/ and
 * https://developer.atlassian.com/cloud/jira/service-desk/rest/
 */

/** Paths relative to the API root (the site, or `api.atlassian.com/ex/jira/{cloudId}/` for scoped tokens and OAuth). */
export const paths = {
  myself: 'rest/api/3/myself',
  fields: 'rest/api/3/field',
  search: 'rest/api/3/search/jql',
  issue: (id: string) => `rest/api/3/issue/${encodeURIComponent(id)}`,
  comments: (id: string) => `rest/api/3/issue/${encodeURIComponent(id)}/comment`,
  bulkFetch: 'rest/api/3/issue/bulkfetch',
  myPermissions: 'rest/api/3/mypermissions',
  serviceDesks: 'rest/servicedeskapi/servicedesk',
  adminWebhooks: 'rest/webhooks/1.0/webhook',
  adminWebhook: (id: string) => `rest/webhooks/1.0/webhook/${encodeURIComponent(id)}`,
  dynamicWebhooks: 'rest/api/3/webhook',
  dynamicWebhookRefresh: 'rest/api/3/webhook/refresh',
  /** On `https://api.atlassian.com/` itself, not under a site: the sites an OAuth token may reach. */
  accessibleResources: 'oauth/token/accessible-resources',
} as const;

/**
 * Page size asked of `/search/jql` with fields. Jira "may return fewer items per page where a large number of fields
 * are requested", so the walk never counts on it; it stops on `isLast` or a missing `nextPageToken`.
 */
export const SEARCH_PAGE = 100;
/** Page size of the ids-only search of the deletion check: "max 5000 issues" when only `id` or `key` is requested. */
export const ID_PAGE = 5000;
/** Issues per `POST /issue/bulkfetch` ("up to 100 issues"). */
export const BULK_FETCH_MAX = 100;
/** Comments per page of `GET /issue/{id}/comment` (offset paging). */
export const COMMENT_PAGE = 100;

/** The issue fields every read asks for, by id. Custom fields of service desks are added per site (see `JsmFields`). */
export const BASE_FIELDS = ['summary', 'description', 'status', 'priority', 'labels', 'reporter', 'assignee', 'created', 'updated', 'issuetype', 'project', 'resolution'] as const;

/**
 * Schema types (`schema.custom`) of Jira Service Management's own custom fields, whose ids differ per site:
 * the customer request type ("Viewport Origin" in JQL), the customer organizations, and each SLA.
 */
export const JSM_FIELD_TYPES = {
  requestType: 'com.atlassian.servicedesk:vp-origin',
  organizations: 'com.atlassian.servicedesk:sd-customer-organizations',
  sla: 'com.atlassian.servicedesk:sd-sla-field',
} as const;

/**
 * Jira's rate-limit headers, read leniently (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/):
 * `X-RateLimit-Remaining` with `X-RateLimit-Reset` (an ISO time such as `2026-03-26T16:00Z`), and the points quota of
 * OAuth apps as `Beta-RateLimit: "tenant-app-quota";r=17842;t=2107` (`r` left, `t` seconds to the reset). A 429 adds
 * `Retry-After` (seconds), which core's client waits first; `RateLimit-Reason` only names the limit hit.
 */
export const jiraRateLimit: RateLimitHeaders = {
  windows: [
    { remaining: 'x-ratelimit-remaining', reset: { header: 'x-ratelimit-reset', unit: 'date' } },
    { remaining: { header: 'beta-ratelimit', field: 'r' }, reset: { header: { header: 'beta-ratelimit', field: 't' }, unit: 'seconds' } },
  ],
};

const text = z.string().nullable().optional();

// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-myself/#api-rest-api-3-myself-get
export const Myself = z.looseObject({
  accountId: z.string(),
  accountType: text,
  emailAddress: text,
  displayName: text,
  active: z.boolean().nullable().optional(),
  timeZone: text,
});
/** The `/myself` response. */
export type Myself = z.infer<typeof Myself>;

// https://developer.atlassian.com/cloud/jira/service-desk/rest/api-group-servicedesk/#api-rest-servicedeskapi-servicedesk-get
export const ServiceDeskPage = z.looseObject({
  start: z.number().optional(),
  limit: z.number().optional(),
  isLastPage: z.boolean().optional(),
  values: z.array(z.looseObject({ id: z.string(), projectId: z.string().optional(), projectName: text, projectKey: z.string() })),
});

// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-fields/#api-rest-api-3-field-get
export const FieldList = z.array(
  z.looseObject({
    id: z.string(),
    name: text,
    custom: z.boolean().optional(),
    schema: z.looseObject({ type: text, custom: text }).nullable().optional(),
  }),
);

// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-permissions/#api-rest-api-3-mypermissions-get
export const MyPermissions = z.looseObject({
  permissions: z.record(z.string(), z.looseObject({ havePermission: z.boolean().optional() })),
});

// https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/#3-1-get-the-cloudid-for-your-site
export const AccessibleResources = z.array(z.looseObject({ id: z.string(), url: z.string(), name: text }));

/** An Atlassian user as issues embed it; `emailAddress` is absent when the user's privacy settings hide it. */
export const JiraUser = z.looseObject({
  accountId: z.string().optional(),
  accountType: text,
  displayName: text,
  emailAddress: text,
});
/** An Atlassian user. */
export type JiraUser = z.infer<typeof JiraUser>;

// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/ (Comment): `body` is ADF in
// v3; `jsdPublic` is false for a service desk's internal note.
export const JiraComment = z.looseObject({
  id: z.string(),
  author: JiraUser.nullable().optional(),
  body: z.unknown().optional(),
  created: z.string(),
  updated: text,
  jsdPublic: z.boolean().nullable().optional(),
});
/** One comment. */
export type JiraComment = z.infer<typeof JiraComment>;

// GET /rest/api/3/issue/{id}/comment: offset paging with startAt / maxResults / total.
export const CommentPage = z.looseObject({
  startAt: z.number().optional(),
  maxResults: z.number().optional(),
  total: z.number().optional(),
  comments: z.array(JiraComment),
});

const named = z.looseObject({ id: z.string().optional(), name: text });

// The issue bean (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-get),
// only the fields the mapping reads; `updated` looks like 2024-01-05T08:00:00.000+0100.
export const JiraIssue = z.looseObject({
  id: z.string(),
  key: z.string(),
  fields: z.looseObject({
    summary: text,
    description: z.unknown().optional(),
    status: z
      .looseObject({ name: text, statusCategory: z.looseObject({ key: text, name: text }).nullable().optional() })
      .nullable()
      .optional(),
    priority: named.nullable().optional(),
    labels: z.array(z.string()).nullable().optional(),
    reporter: JiraUser.nullable().optional(),
    assignee: JiraUser.nullable().optional(),
    issuetype: named.nullable().optional(),
    project: z.looseObject({ id: z.string().optional(), key: z.string().optional(), name: text, projectTypeKey: text }).nullable().optional(),
    resolution: named.nullable().optional(),
    comment: z
      .looseObject({ comments: z.array(JiraComment), total: z.number().optional(), maxResults: z.number().optional(), startAt: z.number().optional() })
      .nullable()
      .optional(),
    created: z.string(),
    updated: z.string(),
  }),
});
/** A Jira issue as search and the issue read return it. */
export type JiraIssue = z.infer<typeof JiraIssue>;

// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-get:
// no startAt and no total; `nextPageToken` is null (or absent) on the last page and `isLast` is true there.
export const SearchPage = z.looseObject({
  issues: z.array(JiraIssue).nullable().optional(),
  nextPageToken: z.string().nullable().optional(),
  isLast: z.boolean().nullable().optional(),
});
/** One page of `/search/jql`. */
export type SearchPage = z.infer<typeof SearchPage>;

/** One page of the ids-only search (`fields=id`). */
export const IdPage = z.looseObject({
  issues: z.array(z.looseObject({ id: z.string() })).nullable().optional(),
  nextPageToken: z.string().nullable().optional(),
  isLast: z.boolean().nullable().optional(),
});
/** One page of the ids-only search. */
export type IdPage = z.infer<typeof IdPage>;

// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-bulkfetch-post:
// the issues that exist and may be seen; the others are listed in `issueErrors`.
export const BulkFetch = z.looseObject({
  issues: z
    .array(
      z.looseObject({
        id: z.string(),
        fields: z.looseObject({ project: z.looseObject({ key: z.string().optional(), projectTypeKey: text }).nullable().optional() }).nullable().optional(),
      }),
    )
    .nullable()
    .optional(),
});

// POST /rest/webhooks/1.0/webhook answers the webhook with `self` (its URL, ending in its id).
export const RegisteredWebhook = z.looseObject({ self: z.string().optional(), id: z.union([z.string(), z.number()]).optional() });

/**
 * Jira's error bodies: the platform's `{"errorMessages":[…],"errors":{field: message}}`, the service desk API's
 * `{"errorMessage":"…"}`, or plain text such as "Client must be authenticated to access this resource.". Returns the
 * human part of whichever it is (bounded).
 */
export function jiraErrorMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    const trimmed = body.trim();
    return trimmed && !trimmed.startsWith('<') ? trimmed.slice(0, 500) : undefined;
  }
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  const parts: string[] = [];
  if (Array.isArray(b.errorMessages)) for (const m of b.errorMessages.slice(0, 5)) if (typeof m === 'string' && m) parts.push(m);
  if (b.errors && typeof b.errors === 'object') {
    for (const [field, m] of Object.entries(b.errors as Record<string, unknown>).slice(0, 5)) if (typeof m === 'string' && m) parts.push(`${field}: ${m}`);
  }
  if (typeof b.errorMessage === 'string' && b.errorMessage) parts.push(b.errorMessage);
  if (typeof b.message === 'string' && b.message) parts.push(b.message);
  return parts.length ? parts.join('; ').slice(0, 1000) : undefined;
}

/**
 * `expirationDate` of a dynamic webhook: the OpenAPI schema says int64 (epoch ms), its examples print
 * `2019-06-01T12:42:30.000+0000`; both are read, as epoch ms.
 */
const ExpirationDate = z.union([
  z.number(),
  z.string().transform((v, ctx) => {
    const ms = Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: `expirationDate "${v.slice(0, 40)}" is not a time` });
      return z.NEVER;
    }
    return ms;
  }),
]);

/** `POST /rest/api/3/webhook`: one result per webhook asked for, in order: its id, or why it was not created. */
export const DynamicRegistration = z.looseObject({
  webhookRegistrationResult: z.array(z.looseObject({ createdWebhookId: z.number().optional(), errors: z.array(z.string()).optional() })).optional(),
});

/** `GET /rest/api/3/webhook`: a page of the app's dynamic webhooks (PageBeanWebhook). */
export const DynamicWebhookPage = z.looseObject({
  isLast: z.boolean().optional(),
  startAt: z.number().optional(),
  total: z.number().optional(),
  values: z.array(z.looseObject({ id: z.number(), url: z.string().optional(), expirationDate: ExpirationDate.optional() })).default([]),
});

/** `PUT /rest/api/3/webhook/refresh`: the new expiry of every refreshed webhook (WebhooksExpirationDate). */
export const DynamicRefresh = z.looseObject({ expirationDate: ExpirationDate });
