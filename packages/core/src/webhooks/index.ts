export type { WebhookResponse, WebhookRejection, RawWebhookRequest } from './webhook-router.js';
export { MAX_ROUTE_CANDIDATES } from './webhook-router.js';
