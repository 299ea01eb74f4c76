import { ConfigError, CredentialsError, TicketbridgeError, defineConnector, type ConnectorContext, type HttpConfig, type HttpError, type PullPage, type TicketDraft } from '@ticketbridge/core';
import { FreshdeskTicket, MeResponse, VIEW_INCLUDES, freshdeskErrorMessage, freshdeskRateLimit, paths } from './api.js';
import { freshdeskAuthorization, freshdeskCredentials, freshdeskOrigin, type FreshdeskCredentials } from './credentials.js';
import { FreshdeskCursor, createLookupCache, draftTickets, pullTickets } from './pull.js';
import { freshdeskWebhook, type FreshdeskSecretLocation } from './webhook.js';

export { freshdeskCredentials, freshdeskAuthorization, type FreshdeskCredentials } from './credentials.js';
export { freshdeskRateLimit, freshdeskErrorMessage, LIST_INCLUDES, MAX_PAGE, PER_PAGE } from './api.js';
export {
  mapFreshdeskPriority,
  mapFreshdeskSource,
  mapFreshdeskStatus,
  normalizeFreshdesk,
  normalizeFreshdeskConversations,
  normalizeFreshdeskTicket,
  freshdeskTicketUrl,
  statusCategories,
  type FreshdeskStatusMap,
  type NormalizeFreshdeskOptions,
} from './normalize.js';
export { FreshdeskCursor, STREAMS, nextStep, toSince, type AccountLookups, type FreshdeskStream } from './pull.js';
export {
  PAYLOAD_TEMPLATE,
  SECRET_HEADER,
  SECRET_QUERY,
  freshdeskInstructions,
  freshdeskSecretCheck,
  parseFreshdeskPayload,
  type FreshdeskSecretLocation,
} from './webhook.js';

/** Options of the {@link freshdesk} connector. */
export interface FreshdeskOptions {
  /**
   * Also read each changed ticket's replies and notes (`GET /tickets/{id}/conversations`, private notes as
   * `public: false`). Freshdesk cannot side-load conversations on the list, so this costs one request (per 100
   * conversations) for every changed ticket, against the account-wide per-minute limit. Default false.
   */
  includeComments?: boolean;
  /**
   * Where the rule sends the connection's webhook secret: a custom header (default) or the URL's query string.
   * See {@link FreshdeskSecretLocation}.
   */
  webhookSecretIn?: FreshdeskSecretLocation;
  /**
   * How far back the first sync reads live tickets, as an ISO-8601 time. Default 2000-01-01T00:00:00Z: the whole
   * account. `updated_since` is sent on every list call either way (without it Freshdesk returns 30 days only).
   */
  startAt?: string;
  /**
   * Length of Freshdesk's rate-limit window, in ms. Freshdesk limits requests per minute and sends no reset header,
   * so when `X-RateLimit-Remaining` reaches 0 the client waits one window. Default 60 000; lower it only to match a
   * simulator's window in tests.
   */
  rateLimitWindowMs?: number;
  /** How far a webhook's ticket `updated_at` may be from its arrival before it is refused as a replay, in ms. Default: the hub's. */
  webhookReplayWindowMs?: number;
}

const DEFAULT_START = '2000-01-01T00:00:00Z';

/**
 * The Freshdesk connector: Test & Connect on `GET /api/v2/agents/me`, incremental pull through List All Tickets
 * (`updated_since`, ascending `updated_at`, 100 per page, the window restarted before the 300-page cap) plus the
 * trash and spam filters as deletions, optional conversations, and webhooks from an automation rule's Trigger
 * webhook action, checked with a per-connection secret and hydrated by id.
 *
 * @example
 * ```ts
 * import { createHub, MemoryStore } from '@ticketbridge/core';
 * import { freshdesk } from '@ticketbridge/connector-freshdesk';
 *
 * const hub = createHub({ connectors: [freshdesk({ includeComments: true })], store: new MemoryStore(), publicUrl: 'https://app.example.com' });
 * const conn = await hub.connect({ platform: 'freshdesk', credentials: { subdomain: 'acme', apiKey: process.env.FRESHDESK_API_KEY }, syncMode: 'both' });
 * // conn.webhookSetup.instructions: the two automation rules to create, with the URL, header and body filled in.
 * ```
 */
export function freshdesk(options: FreshdeskOptions = {}) {
  const includeComments = options.includeComments ?? false;
  const startAt = options.startAt ?? DEFAULT_START;
  if (Number.isNaN(Date.parse(startAt))) throw new ConfigError(`startAt "${startAt}" is not an ISO-8601 time`, { platform: 'freshdesk' });
  const windowMs = options.rateLimitWindowMs ?? 60_000;
  if (!(windowMs > 0)) throw new ConfigError('rateLimitWindowMs must be a positive number of milliseconds', { platform: 'freshdesk' });
  const lookups = createLookupCache();

  // View a Ticket answers trashed and spam tickets too (deleted: true / spam: true); 404 once purged or never made.
  const readTicket = async (ctx: ConnectorContext<FreshdeskCredentials>, externalId: string): Promise<TicketDraft | null> => {
    if (!/^\d{1,20}$/.test(externalId)) return null;
    const res = await ctx.http.request(paths.ticket(externalId), { searchParams: { include: VIEW_INCLUDES }, schema: FreshdeskTicket, acceptStatus: [404] });
    if (!res.ok) return null;
    const [ticket] = await draftTickets(ctx, [res.data], includeComments, lookups);
    return ticket ?? null;
  };

  return defineConnector({
    id: 'freshdesk',
    displayName: 'Freshdesk',
    credentials: freshdeskCredentials,
    // updated_since is inclusive and restarts at the last second read, so nothing needs re-reading beyond it.
    defaultOverlapMs: 0,

    http: (credentials): HttpConfig => ({
      baseUrl: `${freshdeskOrigin(credentials.subdomain)}/api/v2`,
      headers: { authorization: freshdeskAuthorization(credentials.apiKey) },
      authField: 'apiKey',
      rateLimit: freshdeskRateLimit(windowMs),
      errorMessage: (body) => freshdeskErrorMessage(body),
    }),

    async testConnection(ctx) {
      const { subdomain } = ctx.credentials;
      let me: MeResponse;
      try {
        me = await ctx.http.get(paths.me, { schema: MeResponse });
      } catch (error) {
        // isInstance, not instanceof: the client may come from another copy of core.
        const failed = TicketbridgeError.isInstance(error) ? (error as HttpError) : undefined;
        const platformMessage = failed?.platformMessage ? { platformMessage: failed.platformMessage } : {};
        if (failed?.status === 401 || failed?.status === 403) {
          throw new CredentialsError(`Freshdesk refused this API key for ${subdomain}.freshdesk.com; copy it again from Profile settings → View API key`, {
            platform: 'freshdesk',
            field: 'apiKey',
            status: failed.status,
            ...platformMessage,
            cause: error,
          });
        }
        if (failed?.status === 404) {
          throw new CredentialsError(`no Freshdesk account answers at ${subdomain}.freshdesk.com; check the subdomain`, {
            platform: 'freshdesk',
            field: 'subdomain',
            status: 404,
            ...platformMessage,
            cause: error,
          });
        }
        throw error;
      }
      // The API returns only what the key's agent may see: a Group or Restricted agent's key would sync part of the
      // account and report success. Refused here, where the user can still pick another key.
      if (me.ticket_scope !== undefined && me.ticket_scope !== null && me.ticket_scope !== 1) {
        const scope = me.ticket_scope === 2 ? 'Group Access (its groups\' tickets only)' : me.ticket_scope === 3 ? 'Restricted Access (its own tickets only)' : `ticket scope ${me.ticket_scope}`;
        throw new CredentialsError(
          `this API key belongs to an agent with ${scope}, so only part of ${subdomain}.freshdesk.com would sync; use the key of an admin or of an agent with Global Access`,
          { platform: 'freshdesk', field: 'apiKey' },
        );
      }
      return {
        accountName: `${subdomain}.freshdesk.com`,
        metadata: { subdomain, agentId: me.id, ...(me.contact?.email ? { agentEmail: me.contact.email } : {}) },
      };
    },

    cursor: FreshdeskCursor,

    pull(ctx, { cursor }): AsyncIterable<PullPage<FreshdeskCursor>> {
      return pullTickets(ctx, cursor, { includeComments, startAt }, lookups);
    },

    fetchTicket: (ctx, { externalId }) => readTicket(ctx, externalId),

    webhook: freshdeskWebhook({
      secretIn: options.webhookSecretIn ?? 'header',
      ...(options.webhookReplayWindowMs === undefined ? {} : { replayWindowMs: options.webhookReplayWindowMs }),
      hydrate: async (ctx, externalId) => {
        const ticket = await readTicket(ctx, externalId);
        // Purged from the trash: nothing left to say that the trash listing did not already say.
        return ticket ? [{ kind: 'ticket', ticket }] : [];
      },
    }),
  });
}
