import { randomUUID } from 'node:crypto';
import {
  createFaultInjector,
  createRandom,
  signHubSpotV1,
  signHubSpotV3,
  startLoopbackServer,
  type ConnectorSimulator,
  type RateLimitControl,
  type SimRequest,
  type SimResponse,
  type SimulatorStats,
  type SimulatorWebhooks,
} from '@ticketbridge/core/testing';
import { SEARCH_PAGE_LIMIT, SEARCH_RESULT_CAP } from './api.js';
import type { HubSpotCredentials } from './credentials.js';

/** Options of {@link startHubSpotSimulator}. */
export interface HubSpotSimulatorOptions {
  /** Seed of the deterministic data generator (default 1). */
  seed?: number;
  /** Results one search query may page through before answering 400 (HubSpot: 10,000; tests lower it). */
  searchCap?: number;
  /**
   * Search-index lag in ms (default 0): a ticket modified less than this long ago is not yet visible to search,
   * while batch reads and lists already return it, as on HubSpot.
   */
  indexLagMs?: number;
  /** The general limit (default 190 per 10 s, a Professional private app); `null` turns it off. */
  rateLimit?: { limit: number; windowMs: number } | null;
  /** The separate search limit (default 5 per second per token); `null` turns it off. */
  searchRateLimit?: { limit: number; windowMs: number } | null;
  /** Portal id reported by account details (default 62515). */
  portalId?: number;
  /** UI domain reported by account details (default `app.hubspot.com`). */
  uiDomain?: string;
}

/** Extra controls of the HubSpot simulator, beyond the conformance interface. */
export interface HubSpotSimulator extends ConnectorSimulator<HubSpotCredentials> {
  readonly webhooks: HubSpotSimulatorWebhooks;
  /** Creates tickets; `modifiedAt` (epoch ms) gives them all the same `hs_lastmodifieddate`, as bulk imports do. */
  seed(count: number, options?: { modifiedAt?: number }): Promise<string[]>;
  /** Archives (deletes) tickets, as the HubSpot UI's delete does. */
  remove(externalIds: string[]): Promise<string[]>;
  /** A token that is valid but lacks the `tickets` scope. */
  tokenWithoutTicketsScope(): string;
  /** A token with only the `tickets` scope (contacts and owners answer 403). */
  ticketsOnlyToken(): string;
  /** The search request bodies received, in order (to check the connector's queries). */
  readonly searches: unknown[];
  /** The raw ticket objects as the API would return them now. */
  ticket(externalId: string): Record<string, unknown> | undefined;
}

/** Webhook sending with HubSpot's batch format and signatures. */
export interface HubSpotSimulatorWebhooks extends SimulatorWebhooks {
  /**
   * Sends an arbitrary array of events (signed) to `url`. `timestamp` (epoch ms) backdates the v3 signature;
   * `omitV3` leaves out `X-HubSpot-Signature-v3` and its timestamp, as an attacker replaying a captured request with
   * only its v1 header would.
   */
  send(url: string, events: unknown[], options?: { secret?: string; forge?: boolean; timestamp?: number; omitV3?: boolean }): Promise<{ status: number; body: string }>;
}

interface SimTicket {
  id: string;
  props: Record<string, string>;
  createdAt: number;
  modifiedAt: number;
  archivedAt: number | null;
  contactId: string | null;
}

interface SimContact {
  id: string;
  email: string;
  firstname: string;
  lastname: string;
}

const PIPELINES = [
  {
    id: '0',
    label: 'Support Pipeline',
    stages: [
      { id: '1', label: 'New', ticketState: 'OPEN' },
      { id: '2', label: 'Waiting on contact', ticketState: 'OPEN' },
      { id: '3', label: 'Waiting on us', ticketState: 'OPEN' },
      { id: '4', label: 'Closed', ticketState: 'CLOSED' },
    ],
  },
  {
    id: '812723471',
    label: 'Escalations',
    stages: [
      { id: '1234912', label: 'In Progress', ticketState: 'OPEN' },
      { id: '1234913', label: 'On hold', ticketState: 'OPEN' },
      { id: '1234914', label: 'Resolved', ticketState: 'CLOSED' },
    ],
  },
];

const OWNERS = [
  { id: '41629779', email: 'ana@example.com', firstName: 'Ana', lastName: 'Lima' },
  { id: '41629780', email: 'bo@example.com', firstName: 'Bo', lastName: 'Ström' },
  { id: '41629781', email: 'chidi@example.com', firstName: 'Chidi', lastName: 'Okafor' },
];

const SUBJECTS = ['Troubleshoot report', 'Cannot log in', 'Invoice is wrong', 'Réinitialiser le mot de passe', '配送が遅れています', 'Export fails 🚨'];
const PRIORITIES = ['LOW', 'MEDIUM', 'HIGH', 'URGENT', ''];
const SOURCES = ['EMAIL', 'CHAT', 'PHONE', 'FORM'];
const CATEGORIES = ['', 'PRODUCT_ISSUE', 'BILLING_ISSUE', 'FEATURE_REQUEST;PRODUCT_ISSUE'];

/** HubSpot's error body. */
function hsError(status: number, category: string, message: string, extra: Record<string, unknown> = {}): SimResponse {
  return { status, body: { status: 'error', message, correlationId: randomUUID(), category, ...extra } };
}

/** A rolling-window limiter that remembers when it told the client to wait. */
class RollingLimiter {
  readonly #hits: number[] = [];
  constructor(public config: { limit: number; windowMs: number } | null) {}
  /** New limits start a fresh window: the client cannot have been told about the new limit before. */
  reset(config: { limit: number; windowMs: number } | null): void {
    this.config = config;
    this.#hits.length = 0;
  }
  #prune(now: number): void {
    const windowMs = this.config?.windowMs ?? 10_000;
    while (this.#hits.length && this.#hits[0]! <= now - windowMs) this.#hits.shift();
  }
  /** Whether a request now is over the limit; records it when not. */
  take(now: number): boolean {
    this.#prune(now);
    if (!this.config) {
      this.#hits.push(now);
      return false;
    }
    if (this.#hits.length >= this.config.limit) return true;
    this.#hits.push(now);
    return false;
  }
  remaining(now: number, fallbackLimit: number): number {
    this.#prune(now);
    return Math.max(0, (this.config?.limit ?? fallbackLimit) - this.#hits.length);
  }
  /** Ms until the oldest hit leaves the window. */
  freeInMs(now: number): number {
    const windowMs = this.config?.windowMs ?? 10_000;
    return this.#hits.length ? Math.max(1, this.#hits[0]! + windowMs - now) : 0;
  }
}

/**
 * A HubSpot simulator over real loopback HTTP: account details, tickets list/search/batch read, pipelines, v4
 * associations, contacts batch read and owners, with HubSpot's error bodies, the search API's 200 limit and
 * 10,000-result cap, millisecond `hs_lastmodifieddate`, optional index lag, `X-HubSpot-RateLimit-*` headers on a
 * rolling 10-second window plus a separate search limit, and v3-signed thin webhook batches.
 */
export async function startHubSpotSimulator(options: HubSpotSimulatorOptions = {}): Promise<HubSpotSimulator> {
  const rand = createRandom(options.seed ?? 1).next;
  const token = `pat-na1-${Math.floor(rand() * 1e8).toString(16).padStart(7, '0')}-4f1a-9c2e-sim`;
  const noScopeToken = `pat-na1-noscope-${Math.floor(rand() * 1e8).toString(16)}`;
  const ticketsOnly = `pat-na1-ticketsonly-${Math.floor(rand() * 1e8).toString(16)}`;
  const clientSecret = `cs-${randomUUID()}`;
  const portalId = options.portalId ?? 62515;
  const uiDomain = options.uiDomain ?? 'app.hubspot.com';
  const searchCap = options.searchCap ?? SEARCH_RESULT_CAP;
  const indexLagMs = options.indexLagMs ?? 0;
  const tickets = new Map<string, SimTicket>();
  const contacts = new Map<string, SimContact>();
  const searches: unknown[] = [];
  let nextTicketId = 1001;
  let nextContactId = 501;
  let lastStamp = 0;
  const stamp = () => (lastStamp = Math.max(Date.now(), lastStamp + 1));

  const general = new RollingLimiter(options.rateLimit === undefined ? { limit: 190, windowMs: 10_000 } : options.rateLimit);
  const search = new RollingLimiter(options.searchRateLimit === undefined ? { limit: 5, windowMs: 1_000 } : options.searchRateLimit);
  let waitUntil = 0;
  const stats: SimulatorStats = { requests: 0, rateLimited: 0, limitViolations: 0, byPath: {} };
  const faults = createFaultInjector({
    responses: {
      status500: () => ({ status: 500, body: { status: 'error', message: 'internal error', correlationId: randomUUID() } }),
      status503: () => ({ status: 503, body: { status: 'error', message: 'Service Unavailable', correlationId: randomUUID() } }),
      status429: () => {
        stats.rateLimited++;
        waitUntil = Date.now() + 1_000;
        return {
          status: 429,
          headers: { 'retry-after': '1' },
          body: { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', correlationId: randomUUID(), policyName: 'SECONDLY' },
        };
      },
    },
  });
  const rateLimitControl: RateLimitControl = {
    set(config) {
      general.reset(config);
      waitUntil = 0;
    },
  };

  const rateHeaders = (now: number): Record<string, string> => ({
    'x-hubspot-ratelimit-max': String(general.config?.limit ?? 190),
    'x-hubspot-ratelimit-remaining': String(general.remaining(now, 190)),
    'x-hubspot-ratelimit-interval-milliseconds': String(general.config?.windowMs ?? 10_000),
    'x-hubspot-ratelimit-daily': '650000',
    'x-hubspot-ratelimit-daily-remaining': '649000',
  });

  const iso = (ms: number) => new Date(ms).toISOString();

  function ticketObject(t: SimTicket, properties: string[] | null): Record<string, unknown> {
    const all: Record<string, string> = {
      ...t.props,
      createdate: iso(t.createdAt),
      hs_lastmodifieddate: iso(t.modifiedAt),
      hs_object_id: t.id,
    };
    // HubSpot returns the requested properties plus its defaults; unknown names come back as null.
    const names = new Set(['createdate', 'hs_lastmodifieddate', 'hs_object_id', ...(properties ?? ['subject', 'content', 'hs_pipeline', 'hs_pipeline_stage', 'hs_ticket_priority'])]);
    const props: Record<string, string | null> = {};
    for (const n of names) props[n] = all[n] ?? null;
    return {
      id: t.id,
      properties: props,
      createdAt: iso(t.createdAt),
      updatedAt: iso(t.modifiedAt),
      archived: t.archivedAt !== null,
      ...(t.archivedAt !== null ? { archivedAt: iso(t.archivedAt) } : {}),
    };
  }

  function makeTicket(modifiedAt: number): SimTicket {
    const id = String(nextTicketId++);
    const pipeline = rand() < 0.75 ? PIPELINES[0]! : PIPELINES[1]!;
    const stage = pipeline.stages[Math.floor(rand() * pipeline.stages.length)]!;
    const owner = rand() < 0.8 ? OWNERS[Math.floor(rand() * OWNERS.length)]!.id : '';
    const subject = `${SUBJECTS[Math.floor(rand() * SUBJECTS.length)]!} #${id}`;
    const html = rand() < 0.3;
    let contactId: string | null = null;
    if (rand() < 0.85) {
      contactId = String(nextContactId++);
      contacts.set(contactId, { id: contactId, email: `customer${contactId}@example.org`, firstname: rand() < 0.5 ? 'Zoë' : 'Sam', lastname: `Nguyễn ${contactId}` });
    }
    return {
      id,
      props: {
        subject,
        content: html ? `<p>Hello,</p><p>The <b>export</b> fails &amp; shows "error ${id}".</p>` : `The export fails with error ${id}. Ünïcödé ✓`,
        hs_pipeline: pipeline.id,
        hs_pipeline_stage: stage.id,
        hs_ticket_priority: PRIORITIES[Math.floor(rand() * PRIORITIES.length)]!,
        hs_ticket_category: CATEGORIES[Math.floor(rand() * CATEGORIES.length)]!,
        source_type: SOURCES[Math.floor(rand() * SOURCES.length)]!,
        hubspot_owner_id: owner,
      },
      createdAt: modifiedAt - 3_600_000,
      modifiedAt,
      archivedAt: null,
      contactId,
    };
  }

  // ----- search -----------------------------------------------------------------------------------------------
  type Filter = { propertyName?: unknown; operator?: unknown; value?: unknown; values?: unknown };
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
      default:
        return false;
    }
  }

  function handleSearch(req: SimRequest): SimResponse {
    const body = (req.json ?? {}) as { filterGroups?: Array<{ filters?: Filter[] }>; sorts?: unknown[]; properties?: string[]; limit?: number; after?: string };
    searches.push(body);
    const limit = body.limit ?? 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_PAGE_LIMIT) {
      return hsError(400, 'VALIDATION_ERROR', `Invalid input JSON on line 1: limit must be between 1 and ${SEARCH_PAGE_LIMIT}`);
    }
    const groups = body.filterGroups ?? [];
    const filterCount = groups.reduce((n, g) => n + (g.filters?.length ?? 0), 0);
    if (groups.length > 5 || filterCount > 25 || groups.some((g) => (g.filters?.length ?? 0) > 10)) {
      return hsError(400, 'VALIDATION_ERROR', 'Too many filters: at most 5 filterGroups with up to 10 filters each and 25 filters in total.');
    }
    if ((body.sorts ?? []).length > 1) return hsError(400, 'VALIDATION_ERROR', 'Only one sort is supported.');
    const offset = body.after === undefined ? 0 : Number(body.after);
    if (!Number.isInteger(offset) || offset < 0) return hsError(400, 'VALIDATION_ERROR', `Invalid after value: ${String(body.after)}`);
    if (offset >= searchCap) {
      return hsError(400, 'VALIDATION_ERROR', `Search results are limited to ${searchCap} results; paging past them is not supported. Narrow the query with filters.`);
    }
    const visibleBefore = Date.now() - indexLagMs;
    let found = [...tickets.values()].filter((t) => t.archivedAt === null && t.modifiedAt <= visibleBefore);
    if (groups.length) found = found.filter((t) => groups.some((g) => (g.filters ?? []).every((f) => matches(t, f))));
    const sort = body.sorts?.[0];
    const sortName = typeof sort === 'string' ? sort.replace(/^-/, '') : ((sort as { propertyName?: string } | undefined)?.propertyName ?? 'hs_object_id');
    const descending = typeof sort === 'string' ? sort.startsWith('-') : (sort as { direction?: string } | undefined)?.direction === 'DESCENDING';
    found.sort((a, b) => {
      const x = propValue(a, sortName) ?? '';
      const y = propValue(b, sortName) ?? '';
      const c = x < y ? -1 : x > y ? 1 : 0;
      return descending ? -c : c;
    });
    const page = found.slice(offset, offset + limit);
    const next = offset + page.length < found.length ? String(offset + page.length) : undefined;
    return {
      status: 200,
      body: {
        total: found.length,
        results: page.map((t) => ticketObject(t, body.properties ?? null)),
        ...(next ? { paging: { next: { after: next, link: `?after=${next}` } } } : {}),
      },
    };
  }

  // ----- routing ----------------------------------------------------------------------------------------------
  type Scope = 'tickets' | 'contacts' | 'owners';
  const scopesOf = (t: string | null): Set<Scope> | null =>
    t === token ? new Set(['tickets', 'contacts', 'owners']) : t === noScopeToken ? new Set(['contacts']) : t === ticketsOnly ? new Set(['tickets']) : null;
  const missingScope = (scope: string) =>
    hsError(403, 'MISSING_SCOPES', "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.", {
      errors: [{ message: 'One or more of the following scopes are required.', context: { requiredScopes: [scope] } }],
      links: { scopes: 'https://developers.hubspot.com/scopes' },
    });

  function route(req: SimRequest): SimResponse {
    const auth = req.headers.authorization ?? '';
    const scopes = scopesOf(auth.startsWith('Bearer ') ? auth.slice(7) : null);
    if (!scopes) {
      return hsError(401, 'INVALID_AUTHENTICATION', 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview');
    }
    const path = req.url.pathname;
    const need = (scope: Scope) => (scopes.has(scope) ? null : missingScope(scope === 'tickets' ? 'tickets' : scope === 'contacts' ? 'crm.objects.contacts.read' : 'crm.objects.owners.read'));
    const json = (req.json ?? {}) as { inputs?: Array<{ id?: unknown }>; properties?: string[] };
    const inputIds = () => (json.inputs ?? []).map((i) => String(i.id));

    if (req.method === 'GET' && path === '/account-info/v3/details') {
      return {
        status: 200,
        body: { portalId, accountType: 'STANDARD', timeZone: 'US/Eastern', companyCurrency: 'USD', additionalCurrencies: [], utcOffset: '-05:00', utcOffsetMilliseconds: -18_000_000, uiDomain, dataHostingLocation: 'na1' },
      };
    }
    if (req.method === 'GET' && path === '/integrations/v1/me') {
      return { status: 200, body: { portalId, timeZone: 'US/Eastern', currency: 'USD', utcOffsetMilliseconds: -18_000_000, utcOffset: '-05:00' } };
    }
    if (req.method === 'GET' && path === '/crm/v3/pipelines/tickets') {
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
    if (req.method === 'GET' && path === '/crm/v3/objects/tickets') {
      const denied = need('tickets');
      if (denied) return denied;
      const limit = Number(req.url.searchParams.get('limit') ?? '10');
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) return hsError(400, 'VALIDATION_ERROR', 'limit must be between 1 and 100');
      const archived = req.url.searchParams.get('archived') === 'true';
      const after = Number(req.url.searchParams.get('after') ?? '0');
      const properties = req.url.searchParams.get('properties')?.split(',') ?? null;
      const all = [...tickets.values()].filter((t) => (t.archivedAt !== null) === archived && Number(t.id) > after).sort((a, b) => Number(a.id) - Number(b.id));
      const page = all.slice(0, limit);
      const more = all.length > limit;
      return {
        status: 200,
        body: { results: page.map((t) => ticketObject(t, properties)), ...(more ? { paging: { next: { after: page.at(-1)!.id, link: `?after=${page.at(-1)!.id}` } } } : {}) },
      };
    }
    if (req.method === 'POST' && path === '/crm/v3/objects/tickets/search') return need('tickets') ?? handleSearch(req);
    if (req.method === 'POST' && path === '/crm/v3/objects/tickets/batch/read') {
      const denied = need('tickets');
      if (denied) return denied;
      const ids = inputIds();
      if (ids.length > 100) return hsError(400, 'VALIDATION_ERROR', 'Batch input is limited to 100 inputs.');
      const found = ids.map((id) => tickets.get(id)).filter((t): t is SimTicket => !!t && t.archivedAt === null);
      const missing = ids.filter((id) => !found.some((t) => t.id === id));
      const now = iso(Date.now());
      const base = { status: 'COMPLETE', results: found.map((t) => ticketObject(t, json.properties ?? null)), startedAt: now, completedAt: now };
      if (!missing.length) return { status: 200, body: base };
      return {
        status: 207,
        body: {
          ...base,
          numErrors: 1,
          errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some TICKET objects, they may be deleted or not exist. Check that ids are valid.', context: { ids: missing } }],
        },
      };
    }
    if (req.method === 'POST' && path === '/crm/v4/associations/tickets/contacts/batch/read') {
      const denied = need('tickets') ?? need('contacts');
      if (denied) return denied;
      const ids = inputIds();
      if (ids.length > 1000) return hsError(400, 'VALIDATION_ERROR', 'Batch input is limited to 1000 inputs.');
      const now = iso(Date.now());
      const results = ids
        .map((id) => tickets.get(id))
        .filter((t): t is SimTicket => !!t && t.contactId !== null)
        .map((t) => ({ from: { id: t.id }, to: [{ toObjectId: Number(t.contactId), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 16, label: null }] }] }));
      return { status: 200, body: { status: 'COMPLETE', results, startedAt: now, completedAt: now } };
    }
    if (req.method === 'POST' && path === '/crm/v3/objects/contacts/batch/read') {
      const denied = need('contacts');
      if (denied) return denied;
      const ids = inputIds();
      if (ids.length > 100) return hsError(400, 'VALIDATION_ERROR', 'Batch input is limited to 100 inputs.');
      const now = iso(Date.now());
      const results = ids
        .map((id) => contacts.get(id))
        .filter((c): c is SimContact => !!c)
        .map((c) => ({
          id: c.id,
          properties: { email: c.email, firstname: c.firstname, lastname: c.lastname, hs_object_id: c.id, createdate: '2024-05-01T12:00:00.000Z', lastmodifieddate: '2024-05-01T12:00:00.000Z' },
          createdAt: '2024-05-01T12:00:00.000Z',
          updatedAt: '2024-05-01T12:00:00.000Z',
          archived: false,
        }));
      return { status: 200, body: { status: 'COMPLETE', results, startedAt: now, completedAt: now } };
    }
    if (req.method === 'GET' && path === '/crm/v3/owners') {
      return (
        need('owners') ?? {
          status: 200,
          body: { results: OWNERS.map((o) => ({ ...o, userId: Number(o.id) + 1, createdAt: '2019-10-30T03:30:17.883Z', updatedAt: '2019-12-07T16:50:06.678Z', archived: false })) },
        }
      );
    }
    return { status: 404, body: { status: 'error', message: `Unable to route ${req.method} request with ${path}: no routes found for this path`, correlationId: randomUUID(), category: 'OBJECT_NOT_FOUND' } };
  }

  const server = await startLoopbackServer(async (req, res) => {
    stats.requests++;
    stats.byPath[req.url.pathname] = (stats.byPath[req.url.pathname] ?? 0) + 1;
    if (Date.now() < waitUntil) stats.limitViolations++;
    return faults.apply(req, res, async () => serve(req));
  });

  function serve(req: SimRequest): SimResponse {
    const now = Date.now();
    if (general.take(now)) {
      stats.rateLimited++;
      stats.limitViolations++;
      // No Retry-After (as the kit's HubSpot preset): the headers say Remaining 0 in a window of
      // Interval-Milliseconds, and the client waits for the window.
      waitUntil = now + general.freeInMs(now);
      return {
        status: 429,
        headers: rateHeaders(now),
        body: { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: randomUUID(), policyName: 'TEN_SECONDLY_ROLLING', groupName: `publicapi:private-app:${portalId}` },
      };
    }
    if (req.url.pathname === '/crm/v3/objects/tickets/search' && req.method === 'POST' && search.take(now)) {
      stats.rateLimited++;
      // The search limit is separate from the one the X-HubSpot-RateLimit-* headers describe, so a client cannot see
      // it coming: hitting it is not a violation; Retry-After tells it how long to back off.
      return {
        status: 429,
        headers: { 'retry-after': '1' },
        body: { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', correlationId: randomUUID(), policyName: 'SECONDLY' },
      };
    }
    const out = route(req);
    return { ...out, headers: { ...rateHeaders(now), ...out.headers, 'x-hubspot-correlation-id': randomUUID() } };
  }

  async function send(url: string, events: unknown[], o: { secret?: string; forge?: boolean; timestamp?: number; omitV3?: boolean } = {}) {
    const body = JSON.stringify(events);
    const secret = o.forge ? `forged-${o.secret ?? clientSecret}` : (o.secret ?? clientSecret);
    const timestamp = String(o.timestamp ?? Date.now());
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/) - WebhooksExecutorDaemon-executor',
        'x-hubspot-signature-version': 'v1',
        'x-hubspot-signature': signHubSpotV1({ secret, body }),
        ...(o.omitV3 ? {} : { 'x-hubspot-signature-v3': signHubSpotV3({ secret, method: 'POST', uri: url, body, timestamp }), 'x-hubspot-request-timestamp': timestamp }),
        'x-hubspot-timeout-millis': '10000',
      },
      body,
    });
    return { status: res.status, body: await res.text() };
  }

  let eventId = 100;
  const webhooks: HubSpotSimulatorWebhooks = {
    send,
    async deliver(url, externalIds, o = {}) {
      const kind = o.event ?? 'updated';
      if (kind === 'deleted') {
        const at = stamp();
        for (const id of externalIds) {
          const t = tickets.get(id);
          if (t && t.archivedAt === null) t.archivedAt = at;
        }
      }
      const events = externalIds.map((id) => {
        const t = tickets.get(id);
        const occurredAt = kind === 'deleted' ? (t?.archivedAt ?? Date.now()) : (t?.modifiedAt ?? Date.now());
        const common = { eventId: eventId++, subscriptionId: 2_345_678, portalId, appId: 987_654, occurredAt, attemptNumber: 0, objectId: Number(id), changeSource: 'CRM_UI', sourceId: 'userId:45678' };
        if (kind === 'created') return { ...common, subscriptionType: 'ticket.creation', changeFlag: 'CREATED' };
        if (kind === 'deleted') return { ...common, subscriptionType: 'ticket.deletion', changeFlag: 'DELETED' };
        return { ...common, subscriptionType: 'ticket.propertyChange', propertyName: 'hs_pipeline_stage', propertyValue: t?.props['hs_pipeline_stage'] ?? '' };
      });
      return send(url, events, { ...(o.secret ? { secret: o.secret } : {}), ...(o.forge ? { forge: true } : {}), ...(o.sentAt ? { timestamp: o.sentAt.getTime() } : {}) });
    },
  };

  return {
    url: server.url,
    credentials: () => ({ accessToken: token, clientSecret }),
    badCredentials: () => [
      { description: 'revoked or mistyped token (401)', credentials: { accessToken: 'pat-na1-00000000-dead-beef-0000-000000000000', clientSecret }, field: 'accessToken' },
      { description: 'token without the tickets scope (403 MISSING_SCOPES)', credentials: { accessToken: noScopeToken, clientSecret }, field: 'accessToken' },
    ],
    async seed(count, o = {}) {
      const ids: string[] = [];
      // Seeded history lies in the past, about a minute apart, so later updates are always newer.
      const start = Date.now() - (count + 10) * 61_000;
      for (let i = 0; i < count; i++) {
        const modifiedAt = o.modifiedAt ?? start + i * 61_000 + Math.floor(rand() * 60_000);
        const t = makeTicket(modifiedAt);
        tickets.set(t.id, t);
        ids.push(t.id);
      }
      return ids;
    },
    async update(externalIds, o = {}) {
      const changed: string[] = [];
      for (const id of externalIds) {
        const t = tickets.get(id);
        if (!t || t.archivedAt !== null) continue;
        const pipeline = PIPELINES.find((p) => p.id === t.props['hs_pipeline']) ?? PIPELINES[0]!;
        const at = pipeline.stages.findIndex((s) => s.id === t.props['hs_pipeline_stage']);
        t.props['hs_pipeline_stage'] = pipeline.stages[(at + 1) % pipeline.stages.length]!.id;
        t.props['hs_ticket_priority'] = PRIORITIES[(PRIORITIES.indexOf(t.props['hs_ticket_priority'] ?? '') + 1) % PRIORITIES.length]!;
        t.modifiedAt = o.at === undefined ? stamp() : Date.parse(o.at);
        changed.push(id);
      }
      return changed;
    },
    async remove(externalIds) {
      const removed: string[] = [];
      for (const id of externalIds) {
        const t = tickets.get(id);
        if (!t || t.archivedAt !== null) continue;
        t.archivedAt = stamp();
        removed.push(id);
      }
      return removed;
    },
    snapshot: () => new Map([...tickets.values()].filter((t) => t.archivedAt === null).map((t) => [t.id, iso(t.modifiedAt)])),
    ticket: (id) => {
      const t = tickets.get(id);
      return t ? ticketObject(t, null) : undefined;
    },
    tokenWithoutTicketsScope: () => noScopeToken,
    ticketsOnlyToken: () => ticketsOnly,
    searches,
    faults,
    rateLimit: rateLimitControl,
    stats: () => ({ ...stats, byPath: { ...stats.byPath } }),
    resetStats() {
      stats.requests = 0;
      stats.rateLimited = 0;
      stats.limitViolations = 0;
      stats.byPath = {};
    },
    webhooks,
    close: () => server.close(),
  };
}
