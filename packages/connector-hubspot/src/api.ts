import type { RateLimitHeaders } from '@ticketbridge/core';
import { z } from 'zod';

/** Where every HubSpot portal's API lives; there is no per-account host. */
export const HUBSPOT_API_ORIGIN = 'https://api.hubapi.com';

/** Largest `limit` the CRM search endpoint accepts (raised from 100 in September 2024). */
export const SEARCH_PAGE_LIMIT = 200;
/** Results one search query can page through; asking past it answers HTTP 400. */
export const SEARCH_RESULT_CAP = 10_000;
/** Inputs per `POST /crm/v3/objects/{type}/batch/read`. */
export const BATCH_READ_LIMIT = 100;
/** Inputs per v4 associations batch read (the documented maximum is 1,000; one search page is 200). */
export const ASSOCIATIONS_BATCH_LIMIT = 1_000;
/** Largest page of the list endpoints (`/crm/v3/objects/tickets`, `/crm/v3/owners`). */
export const LIST_PAGE_LIMIT = 100;
/** Owners list page size (the owners endpoint accepts up to 500). */
export const OWNERS_PAGE_LIMIT = 500;

/**
 * HubSpot's rate-limit headers: `X-HubSpot-RateLimit-Remaining` in a rolling window of
 * `X-HubSpot-RateLimit-Interval-Milliseconds` (10 s), and the daily quota's `-Daily-Remaining` (absent for OAuth apps
 * and some endpoints). The rolling window frees a slot at most one interval after `Remaining` reaches 0; the daily
 * quota resets at midnight in the portal's time zone, which the headers do not name, so an exhausted one waits for
 * the next UTC midnight at most (the HTTP layer hands longer waits to the engine, which retries the run later).
 * https://developers.hubspot.com/docs/guides/apps/api-usage/usage-details
 */
export const hubspotRateLimit: RateLimitHeaders = {
  windows: [
    { remaining: 'x-hubspot-ratelimit-remaining', reset: { header: 'x-hubspot-ratelimit-interval-milliseconds', unit: 'interval-ms' } },
    { remaining: 'x-hubspot-ratelimit-daily-remaining', reset: { at: 'next-utc-midnight' } },
  ],
};

/** Endpoint paths, relative to the API origin. */
export const paths = {
  accountDetails: '/account-info/v3/details',
  /** Legacy account endpoint; still answers private-app tokens and also returns `portalId`. */
  integrationsMe: '/integrations/v1/me',
  ticketsList: '/crm/v3/objects/tickets',
  ticketsSearch: '/crm/v3/objects/tickets/search',
  ticketsBatchRead: '/crm/v3/objects/tickets/batch/read',
  ticketPipelines: '/crm/v3/pipelines/tickets',
  ticketContactAssociations: '/crm/v4/associations/tickets/contacts/batch/read',
  contactsBatchRead: '/crm/v3/objects/contacts/batch/read',
  owners: '/crm/v3/owners',
} as const;

/** Ticket properties every read asks for (HubSpot returns only the properties requested, plus a few defaults). */
export const TICKET_PROPERTIES = [
  'subject',
  'content',
  'hs_pipeline',
  'hs_pipeline_stage',
  'hs_ticket_priority',
  'hs_ticket_category',
  'source_type',
  'hubspot_owner_id',
  'createdate',
  'hs_lastmodifieddate',
  'hs_object_id',
  // "Close date: the date the ticket was closed" (HubSpot's default ticket properties): the only closed signal a
  // ticket without a pipeline stage carries.
  'closed_date',
] as const;

/** Contact properties read to describe a requester. */
export const CONTACT_PROPERTIES = ['email', 'firstname', 'lastname'] as const;

// ---------------------------------------------------------------------------------------------------------------
// Response schemas: only the fields the connector reads.
// ---------------------------------------------------------------------------------------------------------------

/** HubSpot ids are numbers in some payloads (webhooks, v4 associations) and strings in others. */
const Id = z.union([z.string(), z.number()]).transform((v) => String(v));

/**
 * A CRM object as the v3 object endpoints return it (`SimplePublicObject`): string-valued properties, ISO times.
 * https://developers.hubspot.com/docs/api-reference/crm-tickets-v3/guide
 */
export const HubSpotObject = z.object({
  id: Id,
  properties: z.record(z.string(), z.string().nullable()),
  createdAt: z.string(),
  updatedAt: z.string(),
  archived: z.boolean().optional(),
  archivedAt: z.string().optional(),
});
/** A CRM object (ticket, contact) from the v3 object endpoints. */
export type HubSpotObject = z.infer<typeof HubSpotObject>;

/**
 * `POST /crm/v3/objects/tickets/search`: `total` counts every match, `paging.next.after` is absent on the last page.
 * https://developers.hubspot.com/docs/api-reference/search/guide
 */
export const SearchResponse = z.object({
  total: z.number(),
  results: z.array(HubSpotObject),
  paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
});
/** A search page. */
export type SearchResponse = z.infer<typeof SearchResponse>;

/**
 * `GET /crm/v3/objects/tickets` (list; `archived=true` lists deleted tickets with `archivedAt`).
 * https://developers.hubspot.com/docs/api-reference/crm-tickets-v3/guide
 */
export const ListResponse = z.object({
  results: z.array(HubSpotObject),
  paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
});
/** A list page. */
export type ListResponse = z.infer<typeof ListResponse>;

/**
 * `POST /crm/v3/objects/{type}/batch/read`: 200 when every id was found, 207 with `errors` (category
 * `OBJECT_NOT_FOUND`, the ids in `context.ids`) when some were not. Batch reads return no associations.
 * https://developers.hubspot.com/docs/api-reference/latest/crm/objects/tickets/batch/get-tickets
 */
export const BatchReadResponse = z.object({
  status: z.string(),
  results: z.array(HubSpotObject),
  errors: z
    .array(z.object({ category: z.string().optional(), message: z.string().optional(), context: z.record(z.string(), z.array(z.string())).optional() }))
    .optional(),
});
/** A batch read answer. */
export type BatchReadResponse = z.infer<typeof BatchReadResponse>;

/**
 * `GET /crm/v3/pipelines/tickets`: each stage's `metadata.ticketState` is `OPEN` or `CLOSED`.
 * https://developers.hubspot.com/docs/api-reference/legacy/crm/pipelines/get-pipelines
 */
export const PipelinesResponse = z.object({
  results: z.array(
    z.object({
      id: z.string(),
      label: z.string(),
      stages: z.array(
        z.object({
          id: z.string(),
          label: z.string(),
          metadata: z.object({ ticketState: z.string().optional() }).catchall(z.unknown()).optional(),
        }),
      ),
    }),
  ),
});
/** The ticket pipelines of a portal. */
export type PipelinesResponse = z.infer<typeof PipelinesResponse>;

/**
 * `POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read` (`BatchResponsePublicAssociationMultiWithLabel`
 * in the official SDK): one result per ticket that has associations; `toObjectId` is a number in the SDK model and a
 * string in the reference page, so both are read.
 * https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/batch/get-associations
 */
export const AssociationsBatchResponse = z.object({
  status: z.string(),
  results: z.array(
    z.object({
      from: z.object({ id: Id }),
      to: z.array(
        z.object({
          toObjectId: Id,
          associationTypes: z.array(z.object({ category: z.string().optional(), typeId: z.number().optional(), label: z.string().nullable().optional() })).optional(),
        }),
      ),
    }),
  ),
});
/** Associations of a batch of tickets. */
export type AssociationsBatchResponse = z.infer<typeof AssociationsBatchResponse>;

/**
 * `GET /crm/v3/owners`: the portal's users who can own records. Needs the `crm.objects.owners.read` scope.
 * https://developers.hubspot.com/docs/api-reference/latest/crm/owners/guide
 */
export const OwnersResponse = z.object({
  results: z.array(
    z.object({
      id: Id,
      email: z.string().nullable().optional(),
      firstName: z.string().nullable().optional(),
      lastName: z.string().nullable().optional(),
    }),
  ),
  paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
});
/** A page of owners. */
export type OwnersResponse = z.infer<typeof OwnersResponse>;

/**
 * `GET /account-info/v3/details`: the portal id (Hub ID) and the UI domain (`app.hubspot.com`, `app-eu1.hubspot.com`)
 * that record links must use.
 * https://developers.hubspot.com/docs/api-reference/legacy/account/account-information/get-account-details
 */
export const AccountDetailsResponse = z.object({
  portalId: z.number(),
  uiDomain: z.string().optional(),
  accountType: z.string().optional(),
  timeZone: z.string().optional(),
});
/** The account details. */
export type AccountDetailsResponse = z.infer<typeof AccountDetailsResponse>;

/**
 * `GET /integrations/v1/me` (legacy): the portal id, for tokens the account-info endpoint refuses.
 * https://developers.hubspot.com/docs/api-reference/legacy/account/account-information/v1/get-integrations-v1-me
 */
export const IntegrationsMeResponse = z.object({ portalId: z.number(), timeZone: z.string().optional() });

/**
 * HubSpot's error body: `{status: "error", message, correlationId, category}` (plus `errors[].context`, e.g.
 * `requiredScopes` for `MISSING_SCOPES`); rate-limit answers carry `errorType: "RATE_LIMIT"` and `policyName`.
 * https://developers.hubspot.com/docs/api/error-handling
 */
export const HubSpotErrorBody = z.object({
  status: z.string().optional(),
  message: z.string(),
  correlationId: z.string().optional(),
  category: z.string().optional(),
  errorType: z.string().optional(),
  policyName: z.string().optional(),
  errors: z.array(z.object({ message: z.string().optional(), context: z.record(z.string(), z.unknown()).optional() })).optional(),
});
/** HubSpot's error body. */
export type HubSpotErrorBody = z.infer<typeof HubSpotErrorBody>;

/** Reads HubSpot's message from an error body, keeping the category so users can search HubSpot's docs for it. */
export function hubspotErrorMessage(body: unknown): string | undefined {
  const parsed = HubSpotErrorBody.safeParse(body);
  if (!parsed.success) return undefined;
  const { message, category, errorType, correlationId } = parsed.data;
  const kind = category ?? errorType;
  return `${kind ? `${kind}: ` : ''}${message}${correlationId ? ` (correlationId ${correlationId})` : ''}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Request bodies.
// ---------------------------------------------------------------------------------------------------------------

/** One filter of a search request: a comparison with `value`, or membership in `values` (`IN`, `NOT_IN`). */
export type SearchFilter =
  | { propertyName: string; operator: 'EQ' | 'GT' | 'GTE' | 'LT' | 'LTE'; value: string }
  | { propertyName: string; operator: 'IN' | 'NOT_IN'; values: string[] };

/**
 * Body of `POST /crm/v3/objects/tickets/search`. One sort only: HubSpot accepts a single sort per search. Date
 * filters take epoch milliseconds.
 * https://developers.hubspot.com/docs/api-reference/search/guide
 */
export interface SearchRequest {
  filterGroups: Array<{ filters: SearchFilter[] }>;
  sorts: Array<{ propertyName: string; direction: 'ASCENDING' | 'DESCENDING' }>;
  properties: string[];
  limit: number;
  after?: string;
}
