// Simulator building blocks: seeded data, a sorted ticket table, paginators, a rate limiter with platform header
// presets, fault injection, webhook signers and sender, and a base that composes them.
export { createRandom, type Random } from './blocks/create-random.js';
export {
  createTicketGenerator,
  GENERATED_STATUSES,
  GENERATED_PRIORITIES,
  type TicketGenerator,
  type TicketGeneratorOptions,
  type GeneratedTicket,
  type GeneratedPerson,
  type GeneratedOrganization,
  type GeneratedStatus,
  type GeneratedPriority,
  type GeneratedTopic,
  type GeneratedChannel,
  type GeneratedChange,
} from './blocks/create-ticket-generator.js';
export { compareSortKeys, type SortKey } from './blocks/compare-sort-keys.js';
export { TicketTable, type TicketTableOptions } from './blocks/ticket-table.js';
export { resolvePageSize, defaultInvalidResponse, type PageResult, type PageSizeOptions } from './blocks/resolve-page-size.js';
export { paginateByCursor, encodeCursor, type CursorPageOptions } from './blocks/paginate-by-cursor.js';
export { paginateByPageNumber, type PageNumberOptions } from './blocks/paginate-by-page-number.js';
export { paginateByOffset, type OffsetPageOptions } from './blocks/paginate-by-offset.js';
export { createTokenPaginator, type TokenPaginator, type TokenPaginatorOptions, type TokenPageRequest } from './blocks/create-token-paginator.js';
export { createRateLimiter, type SimRateLimiter, type SimRateLimiterOptions, type SimRateLimitState, type SimRateLimitDecision } from './blocks/create-rate-limiter.js';
export { rateLimitPresets, type RateLimitPreset } from './blocks/rate-limit-presets.js';
export { createFaultInjector, type FaultInjector, type FaultInjectorOptions, type PendingFault } from './blocks/create-fault-injector.js';
export { signZendesk, signHmacSha256Hex, signHmacSha1Hex, signHubSpotV3, signHubSpotV1, signHubSpotV2, type SignedBody } from './blocks/webhook-signers.js';
export { sendWebhook, type SendWebhookOptions, type WebhookDelivery, type WebhookSigningInput } from './blocks/send-webhook.js';
export { startSimulatorBase, type SimulatorBase, type SimulatorBaseOptions, type SimRoute } from './blocks/start-simulator-base.js';
export { createOAuthServer, type OAuthServer, type OAuthServerOptions, type OAuthServerStats, type SimOAuthClient, type BearerCheck } from './blocks/create-oauth-server.js';
