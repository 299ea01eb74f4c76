import { CredentialsError, defineConnector, type ConnectorContext, type TicketDraft } from '@ticketbridge/core';
import { AccountDetailsResponse, HUBSPOT_API_ORIGIN, HubSpotErrorBody, IntegrationsMeResponse, SEARCH_PAGE_LIMIT, hubspotErrorMessage, hubspotRateLimit, paths } from './api.js';
import { hubspotCredentials, type HubSpotCredentials } from './credentials.js';
import { LookupCache, batchReadTickets, lookupsFor, readStages } from './lookups.js';
import { normalizeHubSpotTicket, safeUiDomain, stagesToJson } from './normalize.js';
import { HubSpotCursor, pullTickets } from './pull.js';
import { hubspotWebhook } from './webhook.js';

/** Options of the {@link hubspot} connector. */
export interface HubSpotOptions {
  /**
   * Extra ticket properties to read (custom properties); they land in `customFields`. HubSpot returns only the
   * properties a request names, so anything not listed here is never synced.
   */
  extraProperties?: string[];
  /**
   * Report deleted tickets by walking the archived listing at the end of each poll (default `true`). Turn it off when
   * `ticket.deletion` webhooks are set up and the extra requests matter.
   */
  pollDeletions?: boolean;
  /**
   * How far back each poll re-reads, in ms (default 5 minutes). HubSpot's search index lags behind writes, so a
   * ticket changed just before a poll may only become searchable after it; the overlap picks it up next time.
   */
  overlapMs?: number;
  /** How long webhook hydration reuses pipelines and owners read earlier, in ms (default 5 minutes). */
  lookupTtlMs?: number;
  /** Search page size (default and maximum 200). Lower it only to test paging. */
  pageSize?: number;
  /**
   * Accept webhooks signed only with v1/v2 `X-HubSpot-Signature` (default `false`). Those signatures carry no
   * timestamp; when allowed, a request is accepted only if every event's `occurredAt` is inside the hub's replay
   * window. Leave it off: HubSpot signs every webhook with v3.
   */
  acceptLegacySignatures?: boolean;
}

/** The HubSpot connector's id (`platform` on tickets). */
export const HUBSPOT_CONNECTOR_ID = 'hubspot';

async function readPortal(ctx: ConnectorContext<HubSpotCredentials>): Promise<{ portalId: number; uiDomain: string; accountType: string | null }> {
  const res = await ctx.http.request(paths.accountDetails, { schema: AccountDetailsResponse, acceptStatus: [403, 404] });
  if (res.ok) return { portalId: res.data.portalId, uiDomain: safeUiDomain(res.data.uiDomain), accountType: res.data.accountType ?? null };
  // Some tokens are refused the account-info API; the legacy endpoint answers any valid token with the portal id.
  const me = await ctx.http.get(paths.integrationsMe, { schema: IntegrationsMeResponse });
  return { portalId: me.portalId, uiDomain: safeUiDomain(undefined), accountType: null };
}

async function requireTicketsScope(ctx: ConnectorContext<HubSpotCredentials>): Promise<void> {
  const res = await ctx.http.request(paths.ticketsList, { searchParams: { limit: 1, archived: false }, acceptStatus: [403] });
  if (res.ok) return;
  const body = HubSpotErrorBody.safeParse(res.data);
  const platformMessage = hubspotErrorMessage(res.data);
  const scopeProblem = body.success && body.data.category === 'MISSING_SCOPES';
  throw new CredentialsError(
    scopeProblem
      ? 'the private app token is missing the "tickets" scope: HubSpot → the private app → Scopes → tick "tickets", commit, then reconnect'
      : 'HubSpot refused to list tickets with this token (403): check the private app\'s "tickets" scope',
    { platform: HUBSPOT_CONNECTOR_ID, field: 'accessToken', status: 403, request: `GET ${paths.ticketsList}`, ...(platformMessage ? { platformMessage } : {}) },
  );
}

/**
 * The HubSpot Service Hub connector: tickets from a private app token, incremental through the CRM search API with
 * keyset paging on `hs_lastmodifieddate` (never reaching the 10,000-result cap), requesters and owners resolved in
 * batches, deletions from the archived listing or `ticket.deletion` webhooks, and signed (v3) webhooks hydrated
 * with one batch read per webhook batch.
 *
 * @example
 * ```ts
 * import { createHub, MemoryStore } from '@ticketbridge/core';
 * import { hubspot } from '@ticketbridge/connector-hubspot';
 *
 * const hub = createHub({ connectors: [hubspot()], store: new MemoryStore(), publicUrl: 'https://app.example.com' });
 * const conn = await hub.connect({ platform: 'hubspot', credentials: { accessToken: 'pat-na1-…', clientSecret: '…' }, syncMode: 'both' });
 * console.log(conn.webhookSetup); // the private-app steps with the webhook URL filled in
 * ```
 */
export function hubspot(options: HubSpotOptions = {}) {
  const settings = {
    extraProperties: [...(options.extraProperties ?? [])],
    pollDeletions: options.pollDeletions ?? true,
    pageSize: Math.min(Math.max(1, options.pageSize ?? SEARCH_PAGE_LIMIT), SEARCH_PAGE_LIMIT),
  };
  const cache = new LookupCache(options.lookupTtlMs ?? 5 * 60_000);

  const fetchTickets = async (ctx: ConnectorContext<HubSpotCredentials>, { externalIds: ids }: { externalIds: string[] }): Promise<TicketDraft[]> => {
    const tickets = await batchReadTickets(ctx, ids, settings.extraProperties);
    if (tickets.length === 0) return [];
    const lookups = await lookupsFor(ctx, await cache.get(ctx, false), tickets);
    return tickets.map((t) => normalizeHubSpotTicket(t, lookups));
  };

  return defineConnector({
    id: HUBSPOT_CONNECTOR_ID,
    displayName: 'HubSpot Service Hub',
    credentials: hubspotCredentials,
    defaultOverlapMs: options.overlapMs ?? 5 * 60_000,
    http: (credentials) => ({
      baseUrl: HUBSPOT_API_ORIGIN,
      headers: { authorization: `Bearer ${credentials.accessToken}` },
      authField: 'accessToken',
      rateLimit: hubspotRateLimit,
      errorMessage: (body) => hubspotErrorMessage(body),
    }),
    async testConnection(ctx) {
      const portal = await readPortal(ctx);
      await requireTicketsScope(ctx);
      const stages = await readStages(ctx);
      return {
        accountName: `HubSpot portal ${portal.portalId}`,
        metadata: {
          portalId: portal.portalId,
          uiDomain: portal.uiDomain,
          ...(portal.accountType ? { accountType: portal.accountType } : {}),
          stages: stagesToJson(stages),
        },
      };
    },
    cursor: HubSpotCursor,
    pull: (ctx, { cursor }) => pullTickets(ctx, cursor, settings, cache),
    fetchTickets,
    async fetchTicket(ctx, { externalId }) {
      const [ticket] = await fetchTickets(ctx, { externalIds: [externalId] });
      return ticket ?? null;
    },
    webhook: hubspotWebhook({ acceptLegacySignatures: options.acceptLegacySignatures ?? false }),
  });
}

export { hubspotCredentials, type HubSpotCredentials } from './credentials.js';
export { hubspotRateLimit } from './api.js';
export { mapHubSpotStatus, mapHubSpotPriority, mapHubSpotChannel, normalizeHubSpotTicket, type HubSpotLookups, type HubSpotStage } from './normalize.js';
export { HubSpotCursor } from './pull.js';
export {
  verifyHubSpotSignature,
  hubspotSignatureV3,
  hubspotLegacySignatures,
  signHubSpotV3,
  signHubSpotLegacy,
  parseHubSpotWebhook,
  hubspotWebhookInstructions,
  HUBSPOT_SIGNATURE_MAX_AGE_MS,
  type HubSpotSignatureOptions,
} from './webhook.js';
