import { randomUUID } from 'node:crypto';
import {
  EDGE_CASE_TEXT,
  createFaultInjector,
  createRandom,
  startLoopbackServer,
  type ConnectorSimulator,
  type RateLimitControl,
  type SimRequest,
  type SimResponse,
  type SimulatorStats,
} from '@ticketbridge/core/testing';
import { SEARCH_MAX_RESULTS } from './limits.js';
import { RollingLimiter } from './rate-limit.js';
import { createRouter, type Scope } from './routes.js';
import { SimState, iso, renderTicket, type SimTicket } from './state.js';
import { createWebhookSender, type HubSpotSimulatorWebhooks } from './webhooks.js';

export type { HubSpotSimulatorWebhooks } from './webhooks.js';

/**
 * The credentials the simulator hands out, in the shape of a HubSpot private app's: an access token and the client
 * secret that signs webhooks. Declared here, not imported from the connector, so the simulator stays independent.
 */
// A type alias (not an interface) so it is assignable to the kit's `Record<string, unknown>` credentials.
export type HubSpotSimulatorCredentials = {
  accessToken: string;
  clientSecret?: string;
};

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
export interface HubSpotSimulator extends ConnectorSimulator<HubSpotSimulatorCredentials> {
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
  /** The contact ids asked for by contacts batch reads, in order (to count what requesters cost). */
  readonly contactReads: string[];
  /**
   * Top-level members of search and batch-read bodies that HubSpot's API reference does not define, in order. HubSpot
   * documents no error for them, so the simulator answers normally; tests assert this stays empty.
   */
  readonly undocumentedFields: string[];
  /** The raw ticket objects as the API would return them now (with the search's default properties). */
  ticket(externalId: string): Record<string, unknown> | undefined;
}

/**
 * A HubSpot simulator over real loopback HTTP: account details, tickets list/search/batch read, pipelines, v4
 * associations, contacts batch read and owners, with HubSpot's error bodies, the search API's 200 limit and
 * 10,000-result cap, optional index lag, `X-HubSpot-RateLimit-*` headers on a rolling 10-second window plus a
 * separate search limit, and v3-signed thin webhook batches. Tickets vary as HubSpot's do (see the README's fixture
 * section): unset properties null, undefined ones absent, empty strings, several UTC spellings, stageless closed
 * tickets and unrequested source properties, all drawn from `seed`.
 */
export async function startHubSpotSimulator(options: HubSpotSimulatorOptions = {}): Promise<HubSpotSimulator> {
  const rand = createRandom(options.seed ?? 1).next;
  const token = `pat-na1-${Math.floor(rand() * 1e8).toString(16).padStart(7, '0')}-4f1a-9c2e-sim`;
  const noScopeToken = `pat-na1-noscope-${Math.floor(rand() * 1e8).toString(16)}`;
  const ticketsOnly = `pat-na1-ticketsonly-${Math.floor(rand() * 1e8).toString(16)}`;
  const clientSecret = `cs-${randomUUID()}`;
  const portalId = options.portalId ?? 62515;
  const state = new SimState(rand);
  const searches: unknown[] = [];
  const contactReads: string[] = [];
  const undocumentedFields: string[] = [];

  const general = new RollingLimiter(options.rateLimit === undefined ? { limit: 190, windowMs: 10_000 } : options.rateLimit);
  const search = new RollingLimiter(options.searchRateLimit === undefined ? { limit: 5, windowMs: 1_000 } : options.searchRateLimit);
  let waitUntil = 0;
  const stats: SimulatorStats = { requests: 0, rateLimited: 0, limitViolations: 0, byPath: {} };
  // HubSpot's 429 for the per-second search limit: no X-HubSpot-RateLimit-* describe it, Retry-After does.
  const secondly = (): SimResponse => ({
    status: 429,
    headers: { 'retry-after': '1' },
    body: { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', correlationId: randomUUID(), policyName: 'SECONDLY' },
  });
  const faults = createFaultInjector({
    responses: {
      status500: () => ({ status: 500, body: { status: 'error', message: 'internal error', correlationId: randomUUID() } }),
      status503: () => ({ status: 503, body: { status: 'error', message: 'Service Unavailable', correlationId: randomUUID() } }),
      status429: () => {
        stats.rateLimited++;
        waitUntil = Date.now() + 1_000;
        return secondly();
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

  const scopesOf = (t: string | null): Set<Scope> | null =>
    t === token ? new Set(['tickets', 'contacts', 'owners']) : t === noScopeToken ? new Set(['contacts']) : t === ticketsOnly ? new Set(['tickets']) : null;
  const route = createRouter({
    state,
    search: { cap: options.searchCap ?? SEARCH_MAX_RESULTS, indexLagMs: options.indexLagMs ?? 0, log: searches, unknownFields: undocumentedFields },
    portalId,
    uiDomain: options.uiDomain ?? 'app.hubspot.com',
    scopesOf,
    contactReads,
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
      return secondly();
    }
    const out = route(req);
    return { ...out, headers: { ...rateHeaders(now), ...out.headers, 'x-hubspot-correlation-id': randomUUID() } };
  }

  const server = await startLoopbackServer(async (req, res) => {
    stats.requests++;
    stats.byPath[req.url.pathname] = (stats.byPath[req.url.pathname] ?? 0) + 1;
    if (Date.now() < waitUntil) stats.limitViolations++;
    return faults.apply(req, res, async () => serve(req));
  });

  /** Applies `change` to the tickets that still exist; returns their ids (deleted or unknown ids are skipped). */
  const changeLive = (ids: string[], change: (t: SimTicket) => void): string[] =>
    ids.filter((id) => {
      const t = state.tickets.get(id);
      if (!t || t.archivedAt !== null) return false;
      change(t);
      return true;
    });

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
        const t = state.create(o.modifiedAt ?? start + i * 61_000 + Math.floor(rand() * 60_000));
        state.tickets.set(t.id, t);
        ids.push(t.id);
      }
      return ids;
    },
    async seedEdgeCases() {
      const at = Date.now() - 5 * 61_000;
      const made = [state.create(at), state.create(at + 1_000), state.create(at + 2_000), state.create(at + 3_000)];
      for (const t of made) state.tickets.set(t.id, t);
      const [sparse, unicode, huge, html] = made as [SimTicket, SimTicket, SimTicket, SimTicket];
      const length = 256 * 1024;
      // A requested property that is defined but unset reads back as null or empty (the category is what tags come from).
      for (const key of ['subject', 'content', 'hs_ticket_priority', 'hubspot_owner_id', 'hs_ticket_category']) sparse.props[key] = '';
      sparse.contactId = null;
      unicode.props['subject'] = EDGE_CASE_TEXT;
      unicode.props['content'] = EDGE_CASE_TEXT;
      huge.props['content'] = 'x'.repeat(length - 6) + ' done.';
      // A ticket made from an email keeps the email's markup in `content` [U: the shape of a real inbox ticket].
      html.props['content'] = '<div dir="ltr"><p>Hello&nbsp;<b>team</b>,</p><p>the export &amp; the import fail.<br>Since Monday.</p><script>track()</script></div>';
      return { sparse: sparse.id, unicode: unicode.id, huge: { id: huge.id, length }, html: { id: html.id, text: 'Hello team,\nthe export & the import fail.\nSince Monday.' } };
    },
    update: async (externalIds, o = {}) => changeLive(externalIds, (t) => state.touch(t, o.at === undefined ? undefined : Date.parse(o.at))),
    remove: async (externalIds) =>
      changeLive(externalIds, (t) => {
        t.archivedAt = state.now();
      }),
    // What normalize must produce: `hs_lastmodifieddate` in UTC at millisecond precision, whatever its spelling.
    vocabulary: {
      // The stages of the two simulated pipelines with the meaning HubSpot's labels and ticket states give them (default
      // pipeline: 1 New, 2 Waiting on contact, 3 Waiting on us, 4 Closed); a ticket without a stage is closed when its
      // "Close date" is set, open otherwise. Priorities are hs_ticket_priority's documented options; empty is unset.
      statuses: [
        ['1', 'new'],
        ['2', 'pending'],
        ['3', 'open'],
        ['4', 'closed'],
        ['1234912', 'open'],
        ['1234913', 'on_hold'],
        ['1234914', 'solved'],
        [null, ['open', 'closed']],
      ],
      priorities: [
        ['LOW', 'low'],
        ['MEDIUM', 'normal'],
        ['HIGH', 'high'],
        ['URGENT', 'urgent'],
        [null, null],
      ],
    },
    snapshot: () => new Map([...state.tickets.values()].filter((t) => t.archivedAt === null).map((t) => [t.id, iso(t.modifiedAt)])),
    ticket: (id) => {
      const t = state.tickets.get(id);
      return t ? renderTicket(t, null) : undefined;
    },
    tokenWithoutTicketsScope: () => noScopeToken,
    ticketsOnlyToken: () => ticketsOnly,
    searches,
    contactReads,
    undocumentedFields,
    faults,
    rateLimit: rateLimitControl,
    stats: () => ({ ...stats, byPath: { ...stats.byPath } }),
    resetStats() {
      stats.requests = 0;
      stats.rateLimited = 0;
      stats.limitViolations = 0;
      stats.byPath = {};
    },
    webhooks: createWebhookSender({ state, portalId, clientSecret }),
    close: () => server.close(),
  };
}
