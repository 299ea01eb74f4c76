import { ConfigError, CredentialsError, TicketbridgeError, defineConnector, type HttpConfig, type HttpError, type PullPage } from '@ticketbridge/core';
import { MeResponse, VERSION_HEADERS, intercomErrorMessage, intercomRateLimit, paths } from './api.js';
import { createDirectoryCache } from './directory.js';
import { intercomCredentials, intercomOrigin, type IntercomCredentials, type IntercomRegion } from './credentials.js';
import { parseExternalId } from './normalize.js';
import { IntercomCursor, pullIntercom, readConversation, readTicket } from './pull.js';
import { intercomWebhook } from './webhook.js';

export {
  API_ORIGINS,
  APP_ORIGINS,
  AUTHORIZE_URL,
  INTERCOM_REGIONS,
  TOKEN_URL,
  intercomCredentials,
  intercomOrigin,
  type IntercomCredentials,
  type IntercomRegion,
} from './credentials.js';
export { INTERCOM_VERSION, MAX_PARTS, PER_PAGE, TICKET_PER_PAGE, VERSION_HEADERS, intercomErrorCode, intercomErrorMessage, intercomRateLimit, searchBody } from './api.js';
export {
  CONVERSATION_PREFIX,
  TICKET_PREFIX,
  deletedDraft,
  intercomInboxUrl,
  mapConversationPriority,
  mapConversationState,
  mapSourceType,
  mapTicketCategory,
  normalizeConversation,
  normalizeParts,
  normalizeTicket,
  parseExternalId,
  partsTruncated,
  ticketState,
  type IntercomRef,
  type Directory,
  type NormalizeIntercomOptions,
} from './normalize.js';
export { createDirectoryCache, type DirectoryCache } from './directory.js';
export { IntercomCursor, PAGES_PER_QUERY, READ_BACK_BATCH, RECENT_MAX, STREAMS, type IntercomStream } from './pull.js';
export {
  CONVERSATION_TOPICS,
  DELETED_TOPIC,
  TICKET_TOPICS,
  WEBHOOK_TOPICS,
  intercomInstructions,
  intercomNotificationId,
  intercomSignature,
  parseIntercomNotification,
  IntercomNotification,
} from './webhook.js';

/** Options of the {@link intercom} connector. */
export interface IntercomOptions {
  /**
   * Read each changed conversation's parts (Retrieve a conversation) and each changed ticket's parts (Retrieve a
   * ticket) as comments: one request per changed item, against the workspace's per-app limit. Search results carry
   * no parts, so without it a ticket has only its first message. Default true.
   */
  includeParts?: boolean;
  /** How far back the first sync reads, as an ISO-8601 time. Default 2000-01-01T00:00:00Z: the whole workspace. */
  startAt?: string;
  /** How far a notification's `created_at` may be from its arrival before it is refused as a replay, in ms. Default: the hub's. */
  webhookReplayWindowMs?: number;
}

const DEFAULT_START = '2000-01-01T00:00:00Z';

const REGION_NAMES: Record<IntercomRegion, string> = { us: 'US', eu: 'EU', au: 'Australia' };

/**
 * The Intercom connector: Test & Connect on `GET /me` (the workspace is recorded), incremental pull of conversations
 * and tickets through their search endpoints (`updated_at`, oldest first, 150 per page, opaque `starting_after`
 * cursors), each changed item read back with its parts (the 500-part cap flagged, a 404 delivered as a deletion), and
 * webhooks signed with the app's client secret (`X-Hub-Signature: sha1=…`) whose subscription is set up by hand in the
 * Developer Hub. Every request pins `Intercom-Version: 2.16`; the region picks the API host.
 *
 * @example
 * ```ts
 * import { createHub, MemoryStore } from '@ticketbridge/core';
 * import { intercom } from '@ticketbridge/connector-intercom';
 *
 * const hub = createHub({ connectors: [intercom()], store: new MemoryStore(), publicUrl: 'https://app.example.com' });
 * const conn = await hub.connect({
 *   platform: 'intercom',
 *   credentials: { accessToken: process.env.INTERCOM_TOKEN, region: 'eu', clientSecret: process.env.INTERCOM_CLIENT_SECRET },
 *   syncMode: 'both',
 * });
 * // conn.webhookSetup.instructions: the Developer Hub steps, with the URL and the topics to tick.
 * ```
 */
export function intercom(options: IntercomOptions = {}) {
  const includeParts = options.includeParts ?? true;
  const startAt = options.startAt ?? DEFAULT_START;
  const startMs = Date.parse(startAt);
  if (Number.isNaN(startMs)) throw new ConfigError(`startAt "${startAt}" is not an ISO-8601 time`, { platform: 'intercom' });
  const directory = createDirectoryCache();

  return defineConnector({
    id: 'intercom',
    displayName: 'Intercom',
    credentials: intercomCredentials,
    // Search filters on whole seconds and `>` already includes the second read last; the overlap covers a search
    // index that has not caught up with a write yet [U: Intercom documents no lag], at the cost of one more search page.
    defaultOverlapMs: 60_000,

    http: (credentials: IntercomCredentials): HttpConfig => ({
      baseUrl: `${intercomOrigin(credentials.region)}/`,
      // OAuth: core sends the token it holds; the connector never sees it.
      headers: credentials.method === 'access_token' ? { authorization: `Bearer ${credentials.accessToken}` } : {},
      ...(credentials.method === 'access_token' ? { authField: 'accessToken' } : {}),
      // The pinned version on every request, never redacted (every value in headers is treated as a secret).
      publicHeaders: { ...VERSION_HEADERS },
      rateLimit: intercomRateLimit,
      errorMessage: (body) => intercomErrorMessage(body),
    }),

    async testConnection(ctx) {
      const { region, method } = ctx.credentials;
      let me: MeResponse;
      try {
        me = await ctx.http.get(paths.me, { schema: MeResponse });
      } catch (error) {
        // isInstance, not instanceof: the client may come from another copy of core.
        const failed = TicketbridgeError.isInstance(error) ? (error as HttpError) : undefined;
        if (failed?.status === 401 || failed?.status === 403) {
          const field = method === 'access_token' ? 'accessToken' : 'authorization';
          const plan = failed.status === 403 ? ' (Intercom refuses API access on this workspace\'s plan, or the token lacks permissions)' : '';
          throw new CredentialsError(
            `Intercom refused this ${method === 'access_token' ? 'access token' : 'authorization'} on the ${REGION_NAMES[region]} host${plan}; copy the token again from Developer Hub → your app → Authentication, and check the region: a token only works on its workspace's region`,
            { platform: 'intercom', field, status: failed.status, ...(failed.platformMessage ? { platformMessage: failed.platformMessage } : {}), cause: error },
          );
        }
        throw error;
      }
      const appRegion = (me.app?.region ?? '').toLowerCase();
      if (Object.hasOwn(REGION_NAMES, appRegion) && appRegion !== region) {
        throw new CredentialsError(`this workspace is hosted in ${REGION_NAMES[appRegion as IntercomRegion]}, not ${REGION_NAMES[region]}; choose the ${REGION_NAMES[appRegion as IntercomRegion]} region`, {
          platform: 'intercom',
          field: 'region',
        });
      }
      const appId = me.app?.id_code;
      return {
        accountName: `${me.app?.name || appId || 'Intercom workspace'} (Intercom ${REGION_NAMES[region]})`,
        metadata: {
          region,
          ...(appId ? { appId } : {}),
          ...(me.app?.name ? { workspaceName: me.app.name } : {}),
          adminId: me.id,
          ...(me.email ? { adminEmail: me.email } : {}),
        },
      };
    },

    cursor: IntercomCursor,

    pull(ctx, { cursor }): AsyncIterable<PullPage<IntercomCursor>> {
      return pullIntercom(ctx, cursor, { includeParts, startAt: Math.floor(startMs / 1000) }, directory);
    },

    async fetchTicket(ctx, { externalId }) {
      const ref = parseExternalId(externalId);
      if (!ref) return null;
      return ref.kind === 'conversation' ? readConversation(ctx, ref.id, directory) : readTicket(ctx, ref.id, directory);
    },

    webhook: intercomWebhook(options.webhookReplayWindowMs === undefined ? {} : { replayWindowMs: options.webhookReplayWindowMs }),
  });
}
