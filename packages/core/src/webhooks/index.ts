export { WebhookRouter, tombstone, type WebhookRouterOptions, type WebhookResponse, type WebhookRejection, type RawWebhookRequest } from './webhook-router.js';
