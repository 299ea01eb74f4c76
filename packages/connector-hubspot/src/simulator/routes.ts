import { randomUUID } from 'node:crypto';
import type { SimRequest, SimResponse } from '@ticketbridge/core/testing';
import { ASSOCIATIONS_BATCH_MAX_INPUTS, BATCH_READ_FIELDS, BATCH_READ_MAX_INPUTS, LIST_MAX_LIMIT } from './limits.js';
import { handleSearch, type SearchOptions } from './search.js';
import { OWNERS, PIPELINES, hsError, iso, renderTicket, type SimContact, type SimState, type SimTicket } from './state.js';

/** Scopes a simulated token can hold. */
export type Scope = 'tickets' | 'contacts' | 'owners';

/** What the routes need from the simulator. */
export interface RouteOptions {
  state: SimState;
  search: Omit<SearchOptions, 'state'>;
  portalId: number;
  uiDomain: string;
  /** Scopes of a bearer token, `null` for an unknown one. */
  scopesOf(token: string | null): Set<Scope> | null;
  /** Receives the contact ids of every contacts batch read. */
  contactReads?: string[];
}

const missingScope = (scope: string) =>
  hsError(403, 'MISSING_SCOPES', "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.", {
    errors: [{ message: 'One or more of the following scopes are required.', context: { requiredScopes: [scope] } }],
    links: { scopes: 'https://developers.hubspot.com/scopes' },
  });

const SCOPE_NAMES: Record<Scope, string> = { tickets: 'tickets', contacts: 'crm.objects.contacts.read', owners: 'crm.objects.owners.read' };

type BatchBody = { inputs?: unknown; properties?: unknown; propertiesWithHistory?: unknown; idProperty?: unknown };

/**
 * Reads the ids of a batch body (`{ inputs: [{ id }] }`), or the 400 HubSpot answers: `inputs` is required and capped,
 * and `properties` must be a list of names. Unknown top-level members are recorded, not refused (HubSpot documents
 * no 400 for them).
 */
function batchIds(req: SimRequest, max: number, unknownFields: string[]): string[] | SimResponse {
  const body = (req.json ?? {}) as BatchBody;
  for (const key of Object.keys(body)) if (!(BATCH_READ_FIELDS as readonly string[]).includes(key)) unknownFields.push(key);
  if (!Array.isArray(body.inputs)) return hsError(400, 'VALIDATION_ERROR', 'Invalid input JSON: inputs is required');
  if (body.inputs.length > max) return hsError(400, 'VALIDATION_ERROR', `Batch input is limited to ${max} inputs.`);
  if (body.properties !== undefined && (!Array.isArray(body.properties) || body.properties.some((p) => typeof p !== 'string'))) {
    return hsError(400, 'VALIDATION_ERROR', 'Invalid input JSON: properties must be an array of strings');
  }
  return body.inputs.map((i: { id?: unknown }) => String(i?.id));
}

/** The request router of the HubSpot API surface the connector uses. */
export function createRouter(o: RouteOptions): (req: SimRequest) => SimResponse {
  const { state } = o;
  const stamped = <T>(body: T) => {
    const now = iso(Date.now());
    return { status: 'COMPLETE', ...body, startedAt: now, completedAt: now };
  };
  return function route(req) {
    const auth = req.headers.authorization ?? '';
    const scopes = o.scopesOf(auth.startsWith('Bearer ') ? auth.slice(7) : null);
    if (!scopes) {
      return hsError(401, 'INVALID_AUTHENTICATION', 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview');
    }
    const path = req.url.pathname;
    const need = (...wanted: Scope[]) => {
      const lacking = wanted.find((s) => !scopes.has(s));
      return lacking ? missingScope(SCOPE_NAMES[lacking]) : null;
    };
    const post = req.method === 'POST';
    const get = req.method === 'GET';

    if (get && path === '/account-info/v3/details') {
      return {
        status: 200,
        body: { portalId: o.portalId, accountType: 'STANDARD', timeZone: 'US/Eastern', companyCurrency: 'USD', additionalCurrencies: [], utcOffset: '-05:00', utcOffsetMilliseconds: -18_000_000, uiDomain: o.uiDomain, dataHostingLocation: 'na1' },
      };
    }
    if (get && path === '/integrations/v1/me') {
      return { status: 200, body: { portalId: o.portalId, timeZone: 'US/Eastern', currency: 'USD', utcOffsetMilliseconds: -18_000_000, utcOffset: '-05:00' } };
    }
    if (get && path === '/crm/v3/pipelines/tickets') {
      return (
        need('tickets') ?? {
          status: 200,
          body: {
            results: PIPELINES.map((p, i) => ({
              id: p.id,
              label: p.label,
              displayOrder: i,
              archived: false,
              createdAt: '2019-10-30T03:30:17.883Z',
              updatedAt: '2019-12-07T16:50:06.678Z',
              stages: p.stages.map((s, j) => ({ id: s.id, label: s.label, displayOrder: j, archived: false, metadata: { ticketState: s.ticketState }, createdAt: '2019-10-30T03:30:17.883Z', updatedAt: '2019-12-07T16:50:06.678Z' })),
            })),
          },
        }
      );
    }
    if (get && path === '/crm/v3/objects/tickets') {
      const denied = need('tickets');
      if (denied) return denied;
      const q = req.url.searchParams;
      const limit = Number(q.get('limit') ?? '10');
      if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX_LIMIT) return hsError(400, 'VALIDATION_ERROR', `limit must be between 1 and ${LIST_MAX_LIMIT}`);
      const archived = q.get('archived') === 'true';
      const after = Number(q.get('after') ?? '0');
      const properties = q.get('properties')?.split(',') ?? null;
      const all = [...state.tickets.values()].filter((t) => (t.archivedAt !== null) === archived && Number(t.id) > after).sort((a, b) => Number(a.id) - Number(b.id));
      const page = all.slice(0, limit);
      const last = page.at(-1)?.id;
      return {
        status: 200,
        body: { results: page.map((t) => renderTicket(t, properties)), ...(all.length > limit && last ? { paging: { next: { after: last, link: `?after=${last}` } } } : {}) },
      };
    }
    if (post && path === '/crm/v3/objects/tickets/search') return need('tickets') ?? handleSearch(req, { state, ...o.search });
    if (post && path === '/crm/v3/objects/tickets/batch/read') {
      const denied = need('tickets');
      if (denied) return denied;
      const ids = batchIds(req, BATCH_READ_MAX_INPUTS, o.search.unknownFields);
      if (!Array.isArray(ids)) return ids;
      const properties = (req.json as BatchBody).properties as string[] | undefined;
      const found = ids.map((id) => state.tickets.get(id)).filter((t): t is SimTicket => !!t && t.archivedAt === null);
      const missing = ids.filter((id) => !found.some((t) => t.id === id));
      // Batch reads return no associations (only `associations=` on single reads and lists does).
      const body = stamped({ results: found.map((t) => renderTicket(t, properties ?? null)) });
      if (!missing.length) return { status: 200, body };
      return {
        status: 207,
        body: {
          ...body,
          numErrors: 1,
          errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some TICKET objects, they may be deleted or not exist. Check that ids are valid.', context: { ids: missing } }],
        },
      };
    }
    if (post && path === '/crm/v4/associations/tickets/contacts/batch/read') {
      const denied = need('tickets', 'contacts');
      if (denied) return denied;
      const ids = batchIds(req, ASSOCIATIONS_BATCH_MAX_INPUTS, []);
      if (!Array.isArray(ids)) return ids;
      const results = ids
        .map((id) => state.tickets.get(id))
        .filter((t): t is SimTicket => !!t && t.contactId !== null)
        .map((t) => ({ from: { id: t.id }, to: [{ toObjectId: Number(t.contactId), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 16, label: null }] }] }));
      return { status: 200, body: stamped({ results }) };
    }
    if (post && path === '/crm/v3/objects/contacts/batch/read') {
      const denied = need('contacts');
      if (denied) return denied;
      const ids = batchIds(req, BATCH_READ_MAX_INPUTS, []);
      if (!Array.isArray(ids)) return ids;
      o.contactReads?.push(...ids);
      const results = ids
        .map((id) => state.contacts.get(id))
        .filter((c): c is SimContact => !!c)
        .map((c) => ({
          id: c.id,
          properties: { email: c.email, firstname: c.firstname, lastname: c.lastname, hs_object_id: c.id, createdate: '2024-05-01T12:00:00.000Z', lastmodifieddate: '2024-05-01T12:00:00.000Z' },
          createdAt: '2024-05-01T12:00:00.000Z',
          updatedAt: '2024-05-01T12:00:00.000Z',
          archived: false,
        }));
      return { status: 200, body: stamped({ results }) };
    }
    if (get && path === '/crm/v3/owners') {
      return (
        need('owners') ?? {
          status: 200,
          body: { results: OWNERS.map((w) => ({ ...w, userId: Number(w.id) + 1, createdAt: '2019-10-30T03:30:17.883Z', updatedAt: '2019-12-07T16:50:06.678Z', archived: false })) },
        }
      );
    }
    return { status: 404, body: { status: 'error', message: `Unable to route ${req.method} request with ${path}: no routes found for this path`, correlationId: randomUUID(), category: 'OBJECT_NOT_FOUND' } };
  };
}
