import type { SimRequest, SimResponse } from '@ticketbridge/core/testing';
import {
  SEARCH_MAX_FILTERS,
  SEARCH_MAX_FILTERS_PER_GROUP,
  SEARCH_MAX_FILTER_GROUPS,
  SEARCH_MAX_LIMIT,
  SEARCH_OPERATORS,
  SEARCH_REQUEST_FIELDS,
} from './limits.js';
import { hsError, renderTicket, type SimState, type SimTicket } from './state.js';

type Filter = { propertyName?: unknown; operator?: unknown; value?: unknown; values?: unknown };
type SearchBody = { filterGroups?: Array<{ filters?: Filter[] }>; sorts?: unknown[]; properties?: string[]; limit?: number; after?: string };

/** What the search handler needs from the simulator. */
export interface SearchOptions {
  state: SimState;
  /** Results one query may page through before the 400. */
  cap: number;
  /** Search-index lag in ms. */
  indexLagMs: number;
  /** Every body received, for tests to inspect. */
  log: unknown[];
  /** Top-level members outside the documented request, for tests to inspect. */
  unknownFields: string[];
}

// Datetime and id properties are filtered and sorted as numbers (epoch ms, object ids), as HubSpot does.
const numeric = (name: string) => name === 'hs_lastmodifieddate' || name === 'createdate' || name === 'hs_object_id';

function propValue(t: SimTicket, name: string): string | number | null {
  if (name === 'hs_lastmodifieddate') return t.modifiedAt;
  if (name === 'createdate') return t.createdAt;
  if (name === 'hs_object_id') return Number(t.id);
  return t.props[name] ?? null;
}

function matches(t: SimTicket, f: Filter): boolean {
  const name = String(f.propertyName);
  const actual = propValue(t, name);
  const raw = f.value;
  const wanted = numeric(name) ? Number(typeof raw === 'string' && !/^\d+$/.test(raw) ? Date.parse(raw) : raw) : String(raw);
  switch (f.operator) {
    case 'EQ':
      return actual === wanted;
    case 'NEQ':
      return actual !== wanted;
    case 'GT':
      return actual !== null && actual > wanted;
    case 'GTE':
      return actual !== null && actual >= wanted;
    case 'LT':
      return actual !== null && actual < wanted;
    case 'LTE':
      return actual !== null && actual <= wanted;
    case 'HAS_PROPERTY':
      return actual !== null && actual !== '';
    case 'NOT_HAS_PROPERTY':
      return actual === null || actual === '';
    case 'IN':
    case 'NOT_IN': {
      // Membership in `values` (strings in the request; numbers compared as numbers, like the other operators).
      const listed = Array.isArray(f.values) && f.values.some((v) => (numeric(name) ? Number(v) : String(v)) === actual);
      return f.operator === 'IN' ? listed : actual !== null && !listed;
    }
    default:
      return false;
  }
}

const invalid = (message: string) => hsError(400, 'VALIDATION_ERROR', message);

/** Checks a body against the documented request; the first problem found is answered 400 as HubSpot does. */
function validate(body: SearchBody): SimResponse | null {
  const limit = body.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_MAX_LIMIT) return invalid(`Invalid input JSON on line 1: limit must be between 1 and ${SEARCH_MAX_LIMIT}`);
  const groups = body.filterGroups ?? [];
  const filters = groups.flatMap((g) => g.filters ?? []);
  if (groups.length > SEARCH_MAX_FILTER_GROUPS || filters.length > SEARCH_MAX_FILTERS || groups.some((g) => (g.filters?.length ?? 0) > SEARCH_MAX_FILTERS_PER_GROUP)) {
    return invalid(`Too many filters: at most ${SEARCH_MAX_FILTER_GROUPS} filterGroups with up to ${SEARCH_MAX_FILTERS_PER_GROUP} filters each and ${SEARCH_MAX_FILTERS} filters in total.`);
  }
  const badOperator = filters.find((f) => !(SEARCH_OPERATORS as readonly unknown[]).includes(f.operator));
  if (badOperator) return invalid(`Invalid input JSON on line 1: Cannot deserialize value of type FilterOperatorEnum from String "${String(badOperator.operator)}"`);
  if ((body.sorts ?? []).length > 1) return invalid('Only one sort is supported.');
  if (body.properties !== undefined && (!Array.isArray(body.properties) || body.properties.some((p) => typeof p !== 'string'))) return invalid('Invalid input JSON on line 1: properties must be an array of strings');
  return null;
}

/**
 * `POST /crm/v3/objects/tickets/search`: validates the body, applies the index lag, filters, sorts by the single
 * sort (object or `"-name"` string form), and pages with an offset `after` up to the result cap.
 */
export function handleSearch(req: SimRequest, o: SearchOptions): SimResponse {
  const body = (req.json ?? {}) as SearchBody;
  o.log.push(body);
  for (const key of Object.keys(body)) if (!(SEARCH_REQUEST_FIELDS as readonly string[]).includes(key)) o.unknownFields.push(key);
  const problem = validate(body);
  if (problem) return problem;
  const limit = body.limit ?? 10;
  const offset = body.after === undefined ? 0 : Number(body.after);
  if (!Number.isInteger(offset) || offset < 0) return invalid(`Invalid after value: ${String(body.after)}`);
  if (offset >= o.cap) return invalid(`Search results are limited to ${o.cap} results; paging past them is not supported. Narrow the query with filters.`);
  const groups = body.filterGroups ?? [];
  const visibleBefore = Date.now() - o.indexLagMs;
  let found = [...o.state.tickets.values()].filter((t) => t.archivedAt === null && t.modifiedAt <= visibleBefore);
  if (groups.length) found = found.filter((t) => groups.some((g) => (g.filters ?? []).every((f) => matches(t, f))));
  const sort = body.sorts?.[0];
  const sortName = typeof sort === 'string' ? sort.replace(/^-/, '') : ((sort as { propertyName?: string } | undefined)?.propertyName ?? 'hs_object_id');
  const descending = typeof sort === 'string' ? sort.startsWith('-') : (sort as { direction?: string } | undefined)?.direction === 'DESCENDING';
  found.sort((a, b) => {
    const x = propValue(a, sortName) ?? '';
    const y = propValue(b, sortName) ?? '';
    const c = x < y ? -1 : x > y ? 1 : Number(a.id) - Number(b.id);
    return descending ? -c : c;
  });
  const page = found.slice(offset, offset + limit);
  const next = offset + page.length < found.length ? String(offset + page.length) : undefined;
  return {
    status: 200,
    body: {
      total: found.length,
      results: page.map((t) => renderTicket(t, body.properties ?? null)),
      ...(next ? { paging: { next: { after: next, link: `?after=${next}` } } } : {}),
    },
  };
}
