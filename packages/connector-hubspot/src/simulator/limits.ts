/**
 * HubSpot's published limits, declared here from HubSpot's documentation and not imported from the connector: the
 * simulator is an independent implementation, so a wrong constant in the connector shows up as a failing test
 * instead of being copied into both sides.
 */

/**
 * Largest `limit` of `POST /crm/v3/objects/{objectType}/search` (raised from 100 to 200 in September 2024).
 * https://developers.hubspot.com/docs/api-reference/search/guide
 */
export const SEARCH_MAX_LIMIT = 200;
/** Results one search query can page through; paging past them answers 400 (same guide). */
export const SEARCH_MAX_RESULTS = 10_000;
/** Filter limits of one search request (HubSpot changelog, August 2024). */
export const SEARCH_MAX_FILTER_GROUPS = 5;
export const SEARCH_MAX_FILTERS_PER_GROUP = 10;
export const SEARCH_MAX_FILTERS = 25;
/**
 * Top-level members of `PublicObjectSearchRequest` in the API reference (`after`, `filterGroups`, `limit`,
 * `properties`, `sorts`, `query`). Only recorded, never rejected: HubSpot does not document a 400 for other members.
 */
export const SEARCH_REQUEST_FIELDS = ['after', 'filterGroups', 'limit', 'properties', 'query', 'sorts'] as const;
/**
 * The `operator` enum of a search `Filter` in the API reference; any other value fails deserialization (400).
 * https://developers.hubspot.com/docs/api-reference/search/guide#filter-search-results
 */
export const SEARCH_OPERATORS = ['LT', 'LTE', 'GT', 'GTE', 'EQ', 'NEQ', 'BETWEEN', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN'] as const;

/**
 * Inputs per `POST /crm/v3/objects/{objectType}/batch/read` (`BatchReadInputSimplePublicObjectId`: `inputs`,
 * `properties`, `propertiesWithHistory`, `idProperty`).
 * https://developers.hubspot.com/docs/api-reference/latest/crm/objects/tickets/batch/get-tickets
 */
export const BATCH_READ_MAX_INPUTS = 100;
/** Top-level members of a batch read body in the API reference. */
export const BATCH_READ_FIELDS = ['inputs', 'properties', 'propertiesWithHistory', 'idProperty'] as const;
/**
 * Inputs per v4 associations batch read.
 * https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/batch/get-associations
 */
export const ASSOCIATIONS_BATCH_MAX_INPUTS = 1_000;
/** Largest `limit` of the list endpoint `GET /crm/v3/objects/tickets`. */
export const LIST_MAX_LIMIT = 100;
